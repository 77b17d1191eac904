"""Shared fixtures: a sandbox per test, whose traffic must match Twilio's spec.

``sandbox`` starts an in-memory sandbox on a free loopback port with the
recorder on; at teardown every exchange is validated against the trimmed
OpenAPI specs in tests/contract/openapi, and invalid traffic fails the test
that produced it. A test that sends spec-breaking requests on purpose (to
check the sandbox's 400s) is marked ``@pytest.mark.invalid_requests``;
responses are still checked. ``sandbox_env`` and ``sandbox_client`` point
flexplan's own client builder at it.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from contract.validator import check_all
from hypothesis import HealthCheck, settings

from flexplan.redact import forget_secrets
from flexplan.sandbox import SandboxServer, running_sandbox
from flexplan.twilio_client import RetryPolicy, build_client, credentials_from_env

# Property tests judge behaviour, never speed: on a shared or slow CI machine a
# per-example deadline fails tests at random (seen on test_studio_render).
settings.register_profile(
    "flexplan", deadline=None, suppress_health_check=[HealthCheck.too_slow]
)
settings.load_profile("flexplan")


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers", "invalid_requests: the test sends requests that break Twilio's spec on purpose"
    )
    config.addinivalue_line(
        "markers", "sandbox_knobs(**knobs): fault knobs for the sandbox fixture"
    )


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """``slow`` tests run only when asked for: ``-m slow`` or FLEXPLAN_SLOW=1."""
    import os

    if "slow" in (config.getoption("-m") or "") or os.environ.get("FLEXPLAN_SLOW"):
        return
    skip = pytest.mark.skip(reason="slow: run with -m slow (or FLEXPLAN_SLOW=1)")
    for item in items:
        if item.get_closest_marker("slow") is not None:
            item.add_marker(skip)


@pytest.fixture(autouse=True)
def _fresh_secret_registry() -> Iterator[None]:
    """Secrets registered by one test (credentials, ${env:} values) never mask another's output."""
    forget_secrets()
    yield
    forget_secrets()


@pytest.fixture
def sandbox(request: pytest.FixtureRequest) -> Iterator[SandboxServer]:
    marker = request.node.get_closest_marker("sandbox_knobs")
    knobs: dict[str, Any] = dict(marker.kwargs) if marker else {}
    with running_sandbox(record=True, **knobs) as server:
        yield server
        exchanges = server.recorder.take()
    allow = request.node.get_closest_marker("invalid_requests") is not None
    problems = check_all(exchanges, allow_invalid_requests=allow)
    if problems:
        shown = "\n".join(f"  - {p}" for p in problems[:20])
        more = f"\n  ... and {len(problems) - 20} more" if len(problems) > 20 else ""
        pytest.fail(
            f"traffic that does not match Twilio's OpenAPI spec:\n{shown}{more}", pytrace=False
        )


@pytest.fixture
def sandbox_env(sandbox: SandboxServer) -> dict[str, str]:
    """Environment variables that point flexplan at the ``sandbox`` fixture, with short
    retry settings: a write the sandbox always fails is given up after 3 s, not 120 s."""
    return {**sandbox.credentials, **FAST_RETRY_ENV}


FAST_RETRY_ENV = {"FLEXPLAN_REQUEST_DEADLINE": "3", "FLEXPLAN_RETRY_DELAY": "0.01"}


@pytest.fixture
def sandbox_client(sandbox: SandboxServer) -> Any:
    """A twilio Client made by flexplan's builder, talking to the ``sandbox`` fixture."""
    credentials = credentials_from_env(sandbox.credentials)
    retry = RetryPolicy(deadline=5.0, attempt_timeout=5.0, base_delay=0.01, max_delay=0.05)
    return build_client(credentials, api_base=sandbox.base_url, retry=retry)


class CliResult:
    """What one ``flexplan`` invocation printed and how it exited."""

    def __init__(self, exit_code: int, stdout: str, stderr: str):
        self.exit_code, self.stdout, self.stderr = exit_code, stdout, stderr

    @property
    def output(self) -> str:
        return self.stdout + self.stderr

    def __repr__(self) -> str:
        return f"CliResult(exit={self.exit_code}, stdout={self.stdout!r}, stderr={self.stderr!r})"


@pytest.fixture
def run_flexplan(monkeypatch: pytest.MonkeyPatch, tmp_path_factory: pytest.TempPathFactory) -> Any:
    """Run ``flexplan ARGS...`` in-process through its real entry point (``main``).

    ``env`` sets environment variables for the run (e.g. ``sandbox_env``);
    credentials left in the developer's environment never leak in, and neither do
    the developer's twilio CLI profiles (``TWILIO_CONFIG_DIR`` is an empty directory
    unless ``env`` names one).
    """
    import contextlib
    import io

    from flexplan.cli import main

    no_profiles = tmp_path_factory.mktemp("no-twilio-cli")

    def run(*args: str, env: dict[str, str] | None = None) -> CliResult:
        for name in ("TWILIO_ACCOUNT_SID", "TWILIO_AUTH_TOKEN", "TWILIO_API_KEY",
                     "TWILIO_API_SECRET", "FLEXPLAN_API_BASE", "GITHUB_STEP_SUMMARY",
                     "FLEXPLAN_RECORD", "GITHUB_SHA", "GITHUB_RUN_ID", "FLEXPLAN_COMMIT",
                     "FLEXPLAN_RUN_URL", "FLEXPLAN_NEXT", "TWILIO_REGION",
                     "TWILIO_EDGE"):  # fmt: skip
            monkeypatch.delenv(name, raising=False)
        monkeypatch.setenv("TWILIO_CONFIG_DIR", str(no_profiles))
        for name, value in (env or {}).items():
            monkeypatch.setenv(name, value)
        out, err = io.StringIO(), io.StringIO()
        code = 0
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            try:
                main(list(args))
            except SystemExit as exc:
                code = exc.code if isinstance(exc.code, int) else 1
        return CliResult(code, out.getvalue(), err.getvalue())

    return run
