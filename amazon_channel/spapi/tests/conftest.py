from __future__ import annotations

import json
import random
import re
from datetime import datetime
from pathlib import Path
from typing import Any

import jsonschema
import pytest

from amazon_channel.spapi import SpApiClient, SpApiConfig
from amazon_channel.spapi.auth import TokenCache
from amazon_channel.spapi.parsing import ParseError, parse_datetime
from amazon_channel.spapi.ratelimit import InProcessRateLimiter, RateTable

from .scripted_server import Recorded, ScriptedServer


class FakeTime:
    """A clock that only moves when the client sleeps (or the test advances it)."""

    def __init__(self, start: float = 1_800_000_000.0) -> None:
        self.now = start
        self.sleeps: list[float] = []

    def time(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        assert seconds >= 0
        self.sleeps.append(seconds)
        self.now += seconds

    def advance(self, seconds: float) -> None:
        self.now += seconds


@pytest.fixture
def fake_time() -> FakeTime:
    return FakeTime()


@pytest.fixture
def server(fake_time):
    scripted = ScriptedServer()
    scripted.clock = fake_time.time  # requests are stamped with the client's (fake) time
    yield scripted
    scripted.close()


@pytest.fixture
def make_client(server, fake_time):
    """A client against the scripted server, on the fake clock, with its own token cache and buckets."""
    created: list[SpApiClient] = []

    def make(*, on_error=None, limiter=None, **overrides: Any) -> SpApiClient:
        values: dict[str, Any] = {
            "endpoint": server.url,
            "lwa_endpoint": server.url + "/auth/o2/token",
            "client_id": "amzn1.application-oa2-client.test",
            "client_secret": "test-client-secret",
            "refresh_token": "Atzr|test-refresh-token",
            "marketplace_id": "ATVPDKIKX0DER",
            "seller_id": "A2TESTSELLER",
            "read_timeout": 2,
            "connect_timeout": 2,
        }
        values.update(overrides)
        client = SpApiClient(
            SpApiConfig(**values),
            rate_limiter=limiter or InProcessRateLimiter(clock=fake_time.time),
            sleep=fake_time.sleep,
            on_error=on_error,
            clock=fake_time.time,
            token_cache=TokenCache(),
            rates=RateTable(),
            rng=random.Random(7),
        )
        created.append(client)
        return client

    yield make
    for client in created:
        client.close()


class ModelValidator:
    """Checks a recorded request against the official SP-API model of its operation (parameters and body)."""

    def __init__(self, models_dir: Path) -> None:
        self.operations: list[tuple[str, re.Pattern[str], dict[str, Any], dict[str, Any]]] = []
        for name in ("orders_2026-01-01.json", "ordersV0.json", "feeds_2021-06-30.json"):
            model = json.loads((models_dir / name).read_text())
            for path, item in model["paths"].items():
                shared = item.get("parameters", [])
                for method, op in item.items():
                    if not isinstance(op, dict) or "operationId" not in op:
                        continue
                    regex = re.compile(re.sub(r"\{[^}]+\}", r"[^/]+", path))
                    op = {**op, "parameters": [*shared, *op.get("parameters", [])]}
                    self.operations.append((method.upper(), regex, op, model))

    def find(self, request: Recorded) -> tuple[dict[str, Any], dict[str, Any]]:
        matches = [
            (op, model)
            for method, regex, op, model in self.operations
            if method == request.method and regex.fullmatch(request.path)
        ]
        assert matches, f"{request.method} {request.path} is no SP-API operation"
        # The most specific path wins (/feeds/{id} vs /feeds).
        return matches[0]

    def schema(self, model: dict[str, Any], schema: dict[str, Any]) -> dict[str, Any]:
        return {**schema, "definitions": model["definitions"]}

    def validate_request(self, request: Recorded) -> str:
        op, model = self.find(request)
        params = op["parameters"]
        query_params = {p["name"]: p for p in params if p.get("in") == "query"}
        unknown = set(request.query) - set(query_params)
        assert not unknown, f"{op['operationId']}: unknown query parameters {unknown}"
        for name, spec in query_params.items():
            if name not in request.query:
                assert not spec.get("required"), f"{op['operationId']}: {name} is required"
                continue
            values = request.query[name]
            assert len(values) == 1, f"{name} sent {len(values)} times"
            self._check_value(op["operationId"], name, spec, values[0])
        for spec in params:
            if spec.get("in") == "body":
                body = request.json
                jsonschema.Draft4Validator(self.schema(model, spec["schema"])).validate(body)
        return op["operationId"]

    def _check_value(self, operation: str, name: str, spec: dict[str, Any], raw: str) -> None:
        kind = spec.get("type")
        if kind == "array":
            items = raw.split(",")
            assert all(items), f"{operation}: {name} has an empty element: {raw!r}"
            if "maxItems" in spec:
                assert len(items) <= spec["maxItems"], f"{operation}: too many {name}"
            for item in items:
                self._check_value(operation, name, spec["items"], item)
            return
        if kind == "integer":
            value = int(raw)
            if "minimum" in spec:
                assert value >= spec["minimum"]
            if "maximum" in spec:
                assert value <= spec["maximum"]
        elif kind == "boolean":
            assert raw in ("true", "false")
        elif kind == "string" and spec.get("format") == "date-time":
            try:
                parse_datetime(raw)
            except ParseError as exc:
                raise AssertionError(f"{operation}: {name} {raw!r} is not a date-time") from exc
            assert raw.endswith("Z"), f"{operation}: {name} should be UTC: {raw!r}"
        if "enum" in spec:
            assert raw in spec["enum"], f"{operation}: {name}={raw!r} is not one of {spec['enum']}"

    def validate_response(self, operation_id: str, status: int, body: Any) -> None:
        for _method, _regex, op, model in self.operations:
            if op["operationId"] == operation_id:
                schema = op["responses"][str(status)]["schema"]
                jsonschema.Draft4Validator(self.schema(model, schema)).validate(body)
                return
        raise AssertionError(f"unknown operation {operation_id}")


@pytest.fixture(scope="session")
def spapi_model(spapi_models_dir) -> ModelValidator:
    return ModelValidator(spapi_models_dir)


def utc(text: str) -> datetime:
    return parse_datetime(text)
