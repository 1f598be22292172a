"""Hypothesis strategies built from Amazon's Swagger 2 (JSON Schema Draft 4) models: bodies that follow the model, and
bodies broken in one place (a mutation), each one checked by `jsonschema.Draft4Validator` as it is drawn, so the
generator can never drift into producing "valid" bodies that aren't, or "invalid" ones that are.

Our own, because hypothesis-jsonschema 0.23.1 does not work with the pinned hypothesis. It covers what the served
operations' models use: `$ref` to `#/definitions`, type object / array / string / integer / number / boolean, `enum`,
`required` and optional `properties`, `items`, `format: date-time` (and `date`), min/max length, items and values.

    strategies = SchemaStrategies.for_schema(spec.operations["searchOrders"].responses["200"])
    valid_bodies = strategies.valid()            # instances the model accepts
    broken = strategies.invalid()                # Mutation(instance, path, kind): the model rejects each
"""

from __future__ import annotations

import copy
import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import jsonschema
from hypothesis import strategies as st

from seller_central_sandbox.spec import FORMAT_CHECKER

Path = tuple[str | int, ...]

# Mutation kinds, as the fault suite reports them.
DROP_REQUIRED = "drop-required"
WRONG_TYPE = "wrong-type"
OUTSIDE_ENUM = "outside-enum"
BROKEN_DATE_TIME = "broken-date-time"
WRONG_CONTAINER = "wrong-container"
KINDS = (DROP_REQUIRED, WRONG_TYPE, OUTSIDE_ENUM, BROKEN_DATE_TIME, WRONG_CONTAINER)

# Strings a date-time check must refuse: impossible dates and times, a date alone, words, another layout.
BROKEN_DATE_TIMES = (
    "2026-13-45T25:61:00Z",
    "2026-02-30T10:00:00Z",
    "2026-11-20",
    "yesterday",
    "20/11/2026 10:00",
    "",
    "2026-11-20T10:00:00+25:00",
)
# Values of another JSON type for each declared type (1.0 is no integer in Draft 4, a boolean no number).
OTHER_TYPES: dict[str, tuple[Any, ...]] = {
    "string": (12345, None, True, 1.5, ["x"]),
    "integer": ("7", 1.5, 1.0, None, True),
    "number": ("1.0", None, False),
    "boolean": ("true", 0, None),
    "object": ("x", 3, None),
    "array": ("x", 3, None),
}
WRONG_CONTAINERS: dict[str, Any] = {"object": [], "array": {}}

ZONES = (UTC, timezone(timedelta(hours=-8)), timezone(timedelta(hours=5, minutes=30)))


def _date_time_text(value: datetime, style: int) -> str:
    if style == 0:
        return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    if style == 1:
        return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.") + f"{value.microsecond // 1000:03d}Z"
    return value.isoformat(timespec="seconds")  # with its offset, e.g. +05:30


def date_times() -> st.SearchStrategy[str]:
    """RFC 3339 date-times, as Amazon writes them (Z, milliseconds, or an offset)."""
    moments = st.datetimes(
        min_value=datetime(2000, 1, 1), max_value=datetime(2099, 12, 31), timezones=st.sampled_from(ZONES)
    )
    return st.builds(_date_time_text, moments, st.integers(0, 2))


def _text(min_size: int = 0, max_size: int | None = None) -> st.SearchStrategy[str]:
    # Any Unicode text JSON can carry (no lone surrogates, which no UTF-8 body can hold).
    return st.text(st.characters(codec="utf-8"), min_size=min_size, max_size=max_size if max_size is not None else 24)


def json_values() -> st.SearchStrategy[Any]:
    """Any small JSON value (for a schema that says nothing about its instance)."""
    scalars = st.none() | st.booleans() | st.integers() | _text(max_size=8)
    return st.recursive(
        scalars,
        lambda inner: st.lists(inner, max_size=2) | st.dictionaries(_text(max_size=5), inner, max_size=2),
        max_leaves=4,
    )


@dataclass(frozen=True)
class Mutation:
    """A body the model rejects: `instance`, broken at `path` by `kind`."""

    instance: Any
    path: Path
    kind: str

    @property
    def where(self) -> str:
        return "/".join(str(p) for p in self.path) or "(root)"


def _set_at(instance: Any, path: Path, value: Any) -> Any:
    if not path:
        return value
    broken = copy.deepcopy(instance)
    node = broken
    for step in path[:-1]:
        node = node[step]
    node[path[-1]] = value
    return broken


def _drop_at(instance: Any, path: Path, key: str) -> Any:
    broken = copy.deepcopy(instance)
    node = broken
    for step in path:
        node = node[step]
    del node[key]
    return broken


class SchemaStrategies:
    """Strategies for instances of a Draft 4 schema whose `$ref`s point into `definitions`."""

    def __init__(
        self,
        root: dict[str, Any],
        *,
        overrides: dict[str, st.SearchStrategy[Any]] | None = None,
        always: dict[str, set[str]] | None = None,
        max_depth: int = 7,
        max_items: int = 3,
        format_checker: jsonschema.FormatChecker = FORMAT_CHECKER,
    ) -> None:
        """`root`: the schema with its `definitions` (as the sandbox's `Spec` carries them). `overrides`: a strategy
        for some definitions (`"Money"`) or properties of one (`"OrderItem.quantityOrdered"`), e.g. realistic
        amounts; what they draw is still checked against the model. `always`: optional properties drawn every time
        (`{"Order": {"fulfillment"}}`). Past `max_depth` nested objects only required properties are drawn; arrays
        have at most `max_items` more than their minimum."""
        self.root = root
        self.definitions: dict[str, Any] = root.get("definitions", {})
        self.overrides = overrides or {}
        self.always = always or {}
        self.max_depth = max_depth
        self.max_items = max_items
        self.validator = jsonschema.Draft4Validator(root, format_checker=format_checker)
        self._cache: dict[tuple[str, int], st.SearchStrategy[Any]] = {}

    # --- schemas ----------------------------------------------------------------------------------------------------

    def resolve(self, schema: dict[str, Any]) -> tuple[dict[str, Any], str | None]:
        """The schema a `$ref` chain ends at, and the last definition's name. Draft 4 ignores a `$ref`'s siblings."""
        name = None
        seen = 0
        while "$ref" in schema:
            ref = schema["$ref"]
            if not ref.startswith("#/definitions/"):
                raise ValueError(f"only #/definitions references are supported, not {ref}")
            name = ref.split("/")[-1]
            schema = self.definitions[name]
            seen += 1
            if seen > 50:
                raise ValueError(f"reference loop at {ref}")
        return schema, name

    @staticmethod
    def _type(schema: dict[str, Any]) -> str | None:
        kind = schema.get("type")
        if kind is None and "properties" in schema:
            return "object"
        return kind if isinstance(kind, str) else None

    # --- valid instances --------------------------------------------------------------------------------------------

    def valid(self, schema: dict[str, Any] | None = None) -> st.SearchStrategy[Any]:
        """Instances the model accepts; each drawn one is checked by Draft4Validator."""
        schema = self.root if schema is None else schema
        validator = self.validator if schema is self.root else self._validator_for(schema)

        def checked(instance: Any) -> Any:
            errors = list(validator.iter_errors(instance))
            assert not errors, f"the generator drifted: a 'valid' instance breaks the model: {errors[0].message}"
            return instance

        return self._valid(schema, 0).map(checked)

    def _validator_for(self, schema: dict[str, Any]) -> jsonschema.Draft4Validator:
        return jsonschema.Draft4Validator(
            {**schema, "definitions": self.definitions}, format_checker=self.validator.format_checker
        )

    def _valid(self, schema: dict[str, Any], depth: int) -> st.SearchStrategy[Any]:
        resolved, name = self.resolve(schema)
        if name is not None:
            if name in self.overrides:
                return self.overrides[name]
            key = (name, min(depth, self.max_depth + 1))
            if key not in self._cache:
                # deferred: a definition that (indirectly) refers to itself stops at max_depth
                self._cache[key] = st.deferred(lambda: self._build(resolved, depth, name))
            return self._cache[key]
        return self._build(resolved, depth)

    def _build(self, schema: dict[str, Any], depth: int, name: str | None = None) -> st.SearchStrategy[Any]:
        if "enum" in schema:
            return st.sampled_from(schema["enum"])
        kind = self._type(schema)
        if kind == "object":
            properties = schema.get("properties", {})
            required = [*schema.get("required", []), *sorted(self.always.get(name or "", set()))]

            def value(key: str) -> st.SearchStrategy[Any]:
                override = self.overrides.get(f"{name}.{key}")
                return override if override is not None else self._valid(properties.get(key, {}), depth + 1)

            draw_required = {k: value(k) for k in required}
            optional = {}
            if depth < self.max_depth:
                optional = {k: value(k) for k in properties if k not in required}
            extra = schema.get("additionalProperties")
            if isinstance(extra, dict) and not properties:  # a map, e.g. feedOptions
                keys = _text(min_size=1, max_size=8)
                return st.dictionaries(keys, self._valid(extra, depth + 1), max_size=self.max_items)
            return st.fixed_dictionaries(draw_required, optional=optional)
        if kind == "array":
            low = schema.get("minItems", 0)
            high = low + self.max_items if depth < self.max_depth else low
            if "maxItems" in schema:
                high = min(high, schema["maxItems"])
            return st.lists(self._valid(schema.get("items", {}), depth + 1), min_size=low, max_size=high)
        if kind == "string":
            if schema.get("format") == "date-time":
                return date_times()
            if schema.get("format") == "date":
                return st.dates(min_value=datetime(2000, 1, 1).date()).map(lambda d: d.isoformat())
            return _text(schema.get("minLength", 0), schema.get("maxLength"))
        if kind == "integer":
            return st.integers(min_value=schema.get("minimum"), max_value=schema.get("maximum"))
        if kind == "number":
            floats = st.floats(
                min_value=schema.get("minimum"), max_value=schema.get("maximum"), allow_nan=False, allow_infinity=False
            )
            return floats | st.integers(min_value=schema.get("minimum"), max_value=schema.get("maximum"))
        if kind == "boolean":
            return st.booleans()
        return json_values()

    # --- invalid instances ------------------------------------------------------------------------------------------

    def invalid(
        self, schema: dict[str, Any] | None = None, *, where: Callable[[Path], bool] | None = None
    ) -> st.SearchStrategy[Mutation]:
        """A valid instance broken in one place (optionally only at paths `where` accepts)."""
        schema = self.root if schema is None else schema
        return self.valid(schema).flatmap(lambda instance: self.mutated(instance, schema, where=where))

    def mutated(
        self, instance: Any, schema: dict[str, Any] | None = None, *, where: Callable[[Path], bool] | None = None
    ) -> st.SearchStrategy[Mutation]:
        """`instance` (valid) broken in one place: the model rejects every one (checked)."""
        schema = self.root if schema is None else schema
        validator = self.validator if schema is self.root else self._validator_for(schema)
        sites = [site for site in self._sites(instance, schema, ()) if where is None or where(site[0])]
        if not sites:
            raise ValueError("nothing to break there")

        def apply(site: tuple[Path, str, Any]) -> Mutation:
            path, kind, detail = site
            if kind == DROP_REQUIRED:
                broken = _drop_at(instance, path, detail)
                mutation = Mutation(broken, (*path, detail), kind)
            else:
                mutation = Mutation(_set_at(instance, path, detail), path, kind)
            assert not validator.is_valid(mutation.instance), (
                f"the generator drifted: {kind} at {mutation.where} left the instance valid"
            )
            return mutation

        # The kind first, then the place: every kind of break as likely as the others, however many places it has.
        by_kind: dict[str, list[tuple[Path, str, Any]]] = {}
        for site in sites:
            by_kind.setdefault(site[1], []).append(site)
        return st.sampled_from(sorted(by_kind)).flatmap(lambda kind: st.sampled_from(by_kind[kind])).map(apply)

    def _sites(self, value: Any, schema: dict[str, Any], path: Path) -> list[tuple[Path, str, Any]]:
        """Every way to break `value` at `path` or below: (path, kind, the replacement or the key to drop)."""
        schema, _name = self.resolve(schema)
        sites: list[tuple[Path, str, Any]] = []
        kind = self._type(schema)
        if kind is not None:
            sites.extend(
                (path, WRONG_TYPE, other) for other in OTHER_TYPES.get(kind, ()) if not self._is_type(other, kind)
            )
        if kind in WRONG_CONTAINERS:
            sites.append((path, WRONG_CONTAINER, WRONG_CONTAINERS[kind]))
        if "enum" in schema:
            outside = f"NOT_{schema['enum'][0]}"
            while outside in schema["enum"]:
                outside += "_"
            sites.append((path, OUTSIDE_ENUM, outside))
        if kind == "string" and schema.get("format") == "date-time":
            sites.extend((path, BROKEN_DATE_TIME, text) for text in BROKEN_DATE_TIMES[:3])
        if isinstance(value, dict):
            properties = schema.get("properties", {})
            for key in schema.get("required", []):
                if key in value:
                    sites.append((path, DROP_REQUIRED, key))
            for key, item in value.items():
                if key in properties:
                    sites.extend(self._sites(item, properties[key], (*path, key)))
                elif isinstance(schema.get("additionalProperties"), dict):
                    sites.extend(self._sites(item, schema["additionalProperties"], (*path, key)))
        elif isinstance(value, list) and "items" in schema:
            for index, item in enumerate(value):
                sites.extend(self._sites(item, schema["items"], (*path, index)))
        return sites

    @staticmethod
    def _is_type(value: Any, kind: str) -> bool:
        # Draft 4's types: booleans are not numbers, 1.0 is not an integer.
        return {
            "string": lambda v: isinstance(v, str),
            "integer": lambda v: isinstance(v, int) and not isinstance(v, bool),
            "number": lambda v: isinstance(v, int | float) and not isinstance(v, bool),
            "boolean": lambda v: isinstance(v, bool),
            "object": lambda v: isinstance(v, dict),
            "array": lambda v: isinstance(v, list),
        }[kind](value)


def size(instance: Any) -> int:
    """Bytes of the JSON body (figures)."""
    return len(json.dumps(instance))
