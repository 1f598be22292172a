"""Amazon's official Swagger 2.0 models, read at start-up and used to check every request and response.

The models are never copied into the repository: they are read from `SPAPI_MODELS_DIR` (default
`<repo>/../shared/spapi-models`). Without them the sandbox still runs, but checks nothing.
"""

from __future__ import annotations

import json
import os
import re
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import fastjsonschema
import jsonschema

# The operations the sandbox serves, by model file; the rest of each model is left alone (v0 has a getOrder too).
SERVED = {
    "orders_2026-01-01.json": {"searchOrders", "getOrder"},
    "ordersV0.json": {"confirmShipment", "updateShipmentStatus"},
    "feeds_2021-06-30.json": {"createFeedDocument", "createFeed", "getFeed", "getFeedDocument", "cancelFeed"},
}


def default_models_dir() -> Path:
    env = os.environ.get("SPAPI_MODELS_DIR")
    if env:
        return Path(env)
    return Path(__file__).resolve().parent.parent.parent / "shared" / "spapi-models"


def parse_datetime(value: str) -> datetime:
    """ISO 8601 as Amazon accepts it; a time without a zone is UTC."""
    parsed = datetime.fromisoformat(value.strip())
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=UTC)
    return parsed


FORMAT_CHECKER = jsonschema.FormatChecker(formats=())


@FORMAT_CHECKER.checks("date-time", raises=ValueError)
def _is_datetime(value: object) -> bool:
    if not isinstance(value, str):
        return True
    if not re.match(r"^\d{4}-\d{2}-\d{2}T", value):
        raise ValueError(f"{value!r} is not an ISO 8601 date-time")
    parse_datetime(value)
    return True


def _is_fast_datetime(value: object) -> bool:
    try:
        return _is_datetime(value)
    except ValueError:
        return False


@dataclass
class Operation:
    operation_id: str
    method: str
    path: str
    parameters: list[dict]
    body_schema: dict | None
    responses: dict[str, dict | None]  # status -> JSON schema (None: no body)
    pattern: re.Pattern = field(repr=False, default=None)  # type: ignore[assignment]


class Spec:
    """The served operations, with request and response checks built from the models."""

    def __init__(self, models_dir: Path | None) -> None:
        self.models_dir = models_dir
        self.operations: dict[str, Operation] = {}
        self._validators: dict[int, jsonschema.Draft4Validator] = {}
        self._fast: dict[int, Any] = {}
        if models_dir is None:
            return
        for name, served in SERVED.items():
            document = json.loads((models_dir / name).read_text())
            definitions = document.get("definitions", {})
            for path, item in document["paths"].items():
                shared = item.get("parameters", [])
                for method, op in item.items():
                    if method == "parameters" or op.get("operationId") not in served:
                        continue
                    params = [*shared, *op.get("parameters", [])]
                    body = next((p["schema"] for p in params if p.get("in") == "body"), None)
                    responses = {
                        status: (self._rooted(resp["schema"], definitions) if "schema" in resp else None)
                        for status, resp in op["responses"].items()
                    }
                    self.operations[op["operationId"]] = Operation(
                        operation_id=op["operationId"],
                        method=method.upper(),
                        path=path,
                        parameters=[p for p in params if p.get("in") in {"query", "path"}],
                        body_schema=self._rooted(body, definitions) if body else None,
                        responses=responses,
                    )

    @property
    def enabled(self) -> bool:
        return bool(self.operations)

    @staticmethod
    def _rooted(schema: dict, definitions: dict) -> dict:
        # A `#/definitions/...` reference resolves against the document root, so carry the definitions along.
        return {**schema, "definitions": definitions}

    def _validator(self, schema: dict) -> jsonschema.Draft4Validator:
        key = id(schema)  # schemas live as long as the Spec
        validator = self._validators.get(key)
        if validator is None:
            validator = jsonschema.Draft4Validator(schema, format_checker=FORMAT_CHECKER)
            self._validators[key] = validator
        return validator

    def _fast_check(self, schema: dict) -> Any:
        """The same schema compiled to Python by fastjsonschema: about 100x faster than jsonschema's interpreter on a
        page of 100 orders. It only says valid / not valid; jsonschema still writes the messages."""
        key = id(schema)
        check = self._fast.get(key)
        if check is None:
            draft4 = {**schema, "$schema": "http://json-schema.org/draft-04/schema#"}
            check = fastjsonschema.compile(draft4, formats={"date-time": _is_fast_datetime})
            self._fast[key] = check
        return check

    def schema_errors(self, schema: dict, instance: Any) -> list[str]:
        try:
            self._fast_check(schema)(instance)
            return []
        except fastjsonschema.JsonSchemaException:
            pass  # a problem, or only a stricter format rule of fastjsonschema's: jsonschema decides and explains
        errors = sorted(self._validator(schema).iter_errors(instance), key=lambda e: list(e.absolute_path))
        return [f"{'/'.join(str(p) for p in e.absolute_path) or '(root)'}: {e.message}" for e in errors[:5]]

    def check_query(self, operation_id: str, query: dict[str, list[str]]) -> tuple[dict[str, Any], list[str]]:
        """Parse the query parameters by the model: types, enums, limits. Returns (values, errors)."""
        op = self.operations.get(operation_id)
        values: dict[str, Any] = {}
        errors: list[str] = []
        if op is None:
            return {k: v[-1] for k, v in query.items()}, errors
        known = {p["name"] for p in op.parameters if p["in"] == "query"}
        for name in query:
            if name not in known:
                errors.append(f"Unknown query parameter '{name}'.")
        for param in op.parameters:
            if param["in"] != "query":
                continue
            name = param["name"]
            raw = query.get(name)
            if not raw:
                if param.get("required"):
                    errors.append(f"Missing required parameter '{name}'.")
                continue
            if len(raw) > 1:
                errors.append(f"Parameter '{name}' was given {len(raw)} times; send one comma-separated value.")
                continue
            try:
                values[name] = _coerce(param, raw[0])
            except ValueError as exc:
                errors.append(f"Invalid value for '{name}': {exc}")
        return values, errors

    def check_body(self, operation_id: str, body: Any) -> list[str]:
        op = self.operations.get(operation_id)
        if op is None or op.body_schema is None:
            return []
        return self.schema_errors(op.body_schema, body)

    def check_response(self, operation_id: str, status: int, body: Any) -> list[str]:
        op = self.operations.get(operation_id)
        if op is None:
            return []
        key = str(status)
        if key not in op.responses:
            return [f"status {status} is not a documented response of {operation_id}"]
        schema = op.responses[key]
        if schema is None:
            return [] if body is None else [f"status {status} of {operation_id} has no body in the model"]
        if body is None:
            return [f"status {status} of {operation_id} needs a body"]
        return self.schema_errors(schema, body)


def _coerce(param: dict, raw: str) -> Any:
    kind = param.get("type")
    if kind == "array":
        items = [part for part in raw.split(",")]
        if any(not part for part in items):
            raise ValueError("empty list element")
        if "maxItems" in param and len(items) > param["maxItems"]:
            raise ValueError(f"at most {param['maxItems']} values")
        item_spec = param.get("items", {})
        return [_coerce_scalar(item_spec, part) for part in items]
    return _coerce_scalar(param, raw)


def _coerce_scalar(spec: dict, raw: str) -> Any:
    kind = spec.get("type", "string")
    value: Any = raw
    if kind == "integer":
        if not re.fullmatch(r"-?\d+", raw):
            raise ValueError(f"{raw!r} is not an integer")
        value = int(raw)
        if "minimum" in spec and value < spec["minimum"]:
            raise ValueError(f"must be at least {spec['minimum']}")
        if "maximum" in spec and value > spec["maximum"]:
            raise ValueError(f"must be at most {spec['maximum']}")
    elif kind == "boolean":
        if raw not in {"true", "false"}:
            raise ValueError(f"{raw!r} is not true or false")
        value = raw == "true"
    elif spec.get("format") == "date-time":
        try:
            _is_datetime(raw)
        except ValueError:
            raise ValueError(f"{raw!r} is not an ISO 8601 date-time")
        value = parse_datetime(raw)
    if "enum" in spec and value not in spec["enum"]:
        raise ValueError(f"{raw!r} is not one of {', '.join(spec['enum'])}")
    return value
