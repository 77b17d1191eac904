"""Errors the sandbox answers with, in Twilio's shape.

Twilio's REST APIs answer failures with ``{"code", "message", "more_info",
"status"}`` (https://www.twilio.com/docs/usage/twilios-response#response-formats-exceptions),
sometimes with ``details``; ``ApiError`` carries one such answer from a
handler to the HTTP layer.
"""

from __future__ import annotations

from typing import Any


class ApiError(Exception):
    """One Twilio error response: HTTP status, Twilio code, message."""

    def __init__(
        self,
        status: int,
        code: int,
        message: str,
        *,
        details: dict[str, Any] | None = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message
        self.details = details
        self.headers = headers or {}

    def body(self) -> dict[str, Any]:
        body: dict[str, Any] = {
            "code": self.code,
            "message": self.message,
            "more_info": f"https://www.twilio.com/docs/errors/{self.code}",
            "status": self.status,
        }
        if self.details is not None:
            body["details"] = self.details
        return body


def not_found(path: str) -> ApiError:
    """Twilio's 404: code 20404, "The requested resource ... was not found"."""
    return ApiError(404, 20404, f"The requested resource {path} was not found")


def invalid(message: str, *, code: int = 20001) -> ApiError:
    """A 400 for a parameter Twilio would reject (code 20001, "Invalid parameter")."""
    return ApiError(400, code, message)


def missing(name: str) -> ApiError:
    return invalid(f"Missing required parameter {name} in the post body")


def unauthenticated() -> ApiError:
    # Twilio's answer to wrong credentials: HTTP 401, code 20003 "Authenticate"
    # (https://www.twilio.com/docs/errors/20003).
    return ApiError(
        401, 20003, "Authenticate", headers={"WWW-Authenticate": 'Basic realm="Twilio API"'}
    )


def too_many_requests(retry_after: int | None = None) -> ApiError:
    # https://www.twilio.com/docs/errors/20429 — "Too Many Requests"; Retry-After: see
    # docs/sandbox.md (Twilio does not document the header; the sandbox sends one).
    headers = {"Retry-After": str(retry_after)} if retry_after is not None else None
    return ApiError(429, 20429, "Too Many Requests", headers=headers)
