"""The plan as JSON: the engine's plan document, printed (schemas/plan.schema.json)."""

from __future__ import annotations

import json

from flexplan.engine.document import plan_document
from flexplan.engine.model import Plan
from flexplan.redact import redact


def render_json(plan: Plan) -> str:
    return redact(json.dumps(plan_document(plan), indent=2, sort_keys=False, default=str)) + "\n"
