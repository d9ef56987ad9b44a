"""GitHub's OpenAPI description as a request router and validator, so the fake refuses what GitHub would refuse."""

from __future__ import annotations

import copy
import functools
import json
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import unquote

from jsonschema import Draft4Validator
from jsonschema.exceptions import ValidationError
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT4

from tests.fakegithub.shared import github_dir

DOCUMENT_URI = "urn:github-openapi"
DOTCOM = "api.github.com"
GHES = "ghes-3.19"
_HTTP_METHODS = ("get", "post", "put", "patch", "delete")
# "per_page ... (max 100)" lives only in the parameter's prose; the fake enforces it as a bound.
_PER_PAGE_BOUNDS = {"minimum": 1, "maximum": 100}
# Path parameters that may span several segments: a file path (empty for the root), the sides of a compare.
_GREEDY_PARAMS = {"path": ".*", "base": ".+?", "head": ".+"}


@dataclass(frozen=True)
class Operation:
    """One documented method+path, with what is needed to match and validate requests to it."""

    operation_id: str
    method: str
    template: str
    pattern: re.Pattern[str] = field(repr=False)
    literal_weight: int
    pointer: str
    spec: Mapping[str, Any] = field(repr=False)

    @property
    def documentation_url(self) -> str:
        """The docs link GitHub puts in this operation's error bodies."""
        docs = self.spec.get("externalDocs", {})
        return str(docs.get("url", "https://docs.github.com/rest"))


@dataclass(frozen=True)
class Match:
    """A request path resolved to an operation, with its path parameters decoded."""

    operation: Operation
    path_params: dict[str, Any]


class NoSuchPath(LookupError):
    """No operation in the description has this path (GitHub answers 404)."""


class WrongMethod(LookupError):
    """The path exists but not for this method (GitHub answers 404 as well)."""


class OpenApiDescription:
    """A loaded description: routes requests, validates them and the fake's own responses."""

    def __init__(self, document: Mapping[str, Any], name: str) -> None:
        self.name = name
        self.document = _repair_known_defects(_to_json_schema(copy.deepcopy(dict(document))))
        self._registry: Registry[Any] = Registry().with_resource(
            DOCUMENT_URI, Resource.from_contents(self.document, default_specification=DRAFT4)
        )
        self.operations = list(_operations(self.document))
        self.by_id = {op.operation_id: op for op in self.operations}
        self._validators: dict[str, Draft4Validator] = {}

    def match(self, method: str, raw_path: str) -> Match:
        """Resolve a percent-encoded path to the most specific documented operation."""
        candidates = sorted(self.operations, key=lambda op: -op.literal_weight)
        path_exists = False
        for op in candidates:
            found = op.pattern.fullmatch(raw_path)
            if not found:
                continue
            path_exists = True
            if op.method == method.upper():
                return Match(op, {name: unquote(value) for name, value in found.groupdict().items()})
        raise WrongMethod(raw_path) if path_exists else NoSuchPath(raw_path)

    def coerce_path_params(self, op: Operation, raw: Mapping[str, str]) -> tuple[dict[str, Any], list[str]]:
        """Type path parameters as documented; a mistyped one means the resource cannot exist."""
        params = {p["name"]: p for p in self._parameters(op) if p["in"] == "path"}
        typed = {name: _coerce(value, params.get(name, {}).get("schema", {})) for name, value in raw.items()}
        errors = [
            f"path parameter {name}={raw[name]!r} is not {params[name]['schema']['type']}"
            for name, value in typed.items()
            if name in params and not _is_type(value, params[name]["schema"].get("type"))
        ]
        return typed, errors

    def validate_query(self, op: Operation, query: Mapping[str, str]) -> tuple[dict[str, Any], list[str]]:
        """Check every query parameter is declared for the operation and has a valid value."""
        declared = {p["name"]: p for p in self._parameters(op) if p["in"] == "query"}
        errors = [
            f"query parameter {name!r} is not accepted by {op.operation_id}" for name in query if name not in declared
        ]
        typed = {
            name: _coerce(value, declared[name].get("schema", {})) for name, value in query.items() if name in declared
        }
        schema: dict[str, Any] = {
            "type": "object",
            "properties": {name: p.get("schema", {}) for name, p in declared.items()},
        }
        required = [name for name, p in declared.items() if p.get("required")]
        if required:
            schema["required"] = required
        errors += [_describe(error, prefix="query") for error in Draft4Validator(schema).iter_errors(typed)]
        return typed, errors

    def validate_body(self, op: Operation, body: Any, *, present: bool) -> list[str]:
        """Validate a JSON request body against the operation's requestBody schema."""
        request_body = op.spec.get("requestBody")
        if request_body is None:
            return []
        if not present:
            if not request_body.get("required"):
                return []
            body = {}
        pointer = f"{op.pointer}/requestBody/content/application~1json/schema"
        if "application/json" not in request_body.get("content", {}):
            return []
        return [_describe(error, prefix="body") for error in self._validator(pointer).iter_errors(body)]

    def validate_response(self, op: Operation, status: int, body: Any) -> list[str]:
        """Check a response the fake produced against the documented schema for that status."""
        responses = op.spec.get("responses", {})
        response = responses.get(str(status))
        if response is None:
            return [f"{op.operation_id} does not document status {status}"] if 200 <= status < 300 else []
        response = self.resolve(response)
        content = response.get("content", {})
        if "application/json" not in content or "schema" not in content["application/json"]:
            return [] if body is None else [f"{op.operation_id} {status} documents no JSON body"]
        pointer = self._response_pointer(op, status)
        return [_describe(error, prefix="response") for error in self._validator(pointer).iter_errors(body)]

    def resolve(self, node: Mapping[str, Any]) -> Mapping[str, Any]:
        """Follow a local `$ref` (one level) to the node it names."""
        ref = node.get("$ref")
        if not isinstance(ref, str):
            return node
        target: Any = self.document
        for part in ref.removeprefix("#/").split("/"):
            target = target[part.replace("~1", "/").replace("~0", "~")]
        return self.resolve(target)

    def _response_pointer(self, op: Operation, status: int) -> str:
        """Point at the schema through the document, so `$ref`s inside it resolve against the whole description."""
        raw = op.spec["responses"][str(status)]
        ref = raw.get("$ref")
        base = "/" + ref.removeprefix("#/") if isinstance(ref, str) else f"{op.pointer}/responses/{status}"
        return f"{base}/content/application~1json/schema"

    def _parameters(self, op: Operation) -> list[Mapping[str, Any]]:
        """The operation's parameters with `$ref`s resolved."""
        return [self.resolve(p) for p in op.spec.get("parameters", [])]

    def _validator(self, pointer: str) -> Draft4Validator:
        """A compiled validator for a schema inside the description, cached by pointer."""
        validator = self._validators.get(pointer)
        if validator is None:
            validator = Draft4Validator({"$ref": f"{DOCUMENT_URI}#{pointer}"}, registry=self._registry)
            self._validators[pointer] = validator
        return validator


@functools.cache
def load_description(name: str = DOTCOM) -> OpenApiDescription:
    """Load and prepare a description once per test session (the files are large)."""
    path = github_dir() / "openapi" / f"{name}.json"
    with path.open(encoding="utf-8") as handle:
        return OpenApiDescription(json.load(handle), name)


def _operations(document: Mapping[str, Any]) -> Iterator[Operation]:
    """Every documented operation with its compiled path pattern."""
    for template, item in document["paths"].items():
        pattern, weight = _compile_template(template)
        escaped = template.replace("~", "~0").replace("/", "~1")
        for method in _HTTP_METHODS:
            spec = item.get(method)
            if isinstance(spec, dict) and "operationId" in spec:
                yield Operation(
                    operation_id=spec["operationId"],
                    method=method.upper(),
                    template=template,
                    pattern=pattern,
                    literal_weight=weight,
                    pointer=f"/paths/{escaped}/{method}",
                    spec=spec,
                )


def _compile_template(template: str) -> tuple[re.Pattern[str], int]:
    """Turn `/repos/{owner}/{repo}/contents/{path}` into a regex; literal length ranks overlapping templates."""
    regex, weight, position = "", 0, 0
    for found in re.finditer(r"\{(\w+)\}", template):
        literal = template[position : found.start()]
        regex += re.escape(literal)
        weight += len(literal)
        regex += f"(?P<{found.group(1)}>{_GREEDY_PARAMS.get(found.group(1), '[^/]+')})"
        position = found.end()
    regex += re.escape(template[position:])
    weight += len(template) - position
    return re.compile(regex), weight


def _repair_known_defects(document: dict[str, Any]) -> dict[str, Any]:
    """Fix the description where GitHub's own responses could never validate, so only real drift is reported."""
    # GET /app/installations: `account` is allOf [simple-user, enterprise] (both at once); every other
    # installation schema, and GitHub's actual answers, have one or the other (anyOf).
    items = document["paths"].get("/app/installations", {}).get("get", {})
    schema = items.get("responses", {}).get("200", {}).get("content", {}).get("application/json", {}).get("schema", {})
    account = schema.get("items", {}).get("properties", {}).get("account", {})
    for branch in account.get("anyOf", []):
        if "allOf" in branch:
            branch["anyOf"] = branch.pop("allOf")
    return document


def _to_json_schema(node: Any) -> Any:
    """Translate OpenAPI 3.0 schema dialect to JSON Schema draft 4 in place (mainly `nullable`)."""
    if isinstance(node, list):
        return [_to_json_schema(item) for item in node]
    if not isinstance(node, dict):
        return node
    converted = {key: _to_json_schema(value) for key, value in node.items()}
    if converted.get("name") == "per_page" and converted.get("in") == "query":
        converted["schema"] = {**converted.get("schema", {}), **_PER_PAGE_BOUNDS}
    if converted.pop("nullable", None) is True:
        converted = _allow_null(converted)
    return converted


def _allow_null(schema: dict[str, Any]) -> dict[str, Any]:
    """Make a schema accept null, the JSON Schema reading of OpenAPI 3.0 `nullable: true`."""
    if "enum" in schema and None not in schema["enum"]:
        schema["enum"] = [*schema["enum"], None]
    kind = schema.get("type")
    if isinstance(kind, str):
        schema["type"] = [kind, "null"]
        return schema
    if kind is None and any(key in schema for key in ("allOf", "anyOf", "oneOf", "$ref")):
        # `$ref` siblings are ignored in draft 4, so wrap rather than annotate.
        return {"anyOf": [{"type": "null"}, schema]}
    return schema


def _coerce(value: str, schema: Mapping[str, Any]) -> Any:
    """Query and path values arrive as text; give them the documented type when they parse."""
    kind = schema.get("type")
    if kind == "integer" and re.fullmatch(r"-?\d+", value):
        return int(value)
    if kind == "number" and re.fullmatch(r"-?\d+(\.\d+)?", value):
        return float(value)
    if kind == "boolean" and value in ("true", "false"):
        return value == "true"
    return value


def _is_type(value: Any, kind: Any) -> bool:
    """Whether a coerced path value has the documented type."""
    if kind == "integer":
        return isinstance(value, int) and not isinstance(value, bool)
    if kind == "number":
        return isinstance(value, int | float) and not isinstance(value, bool)
    if kind == "boolean":
        return isinstance(value, bool)
    return True


def _describe(error: ValidationError, *, prefix: str) -> str:
    """Word a schema violation the way GitHub words its 422 bodies (roughly), with where it happened."""
    where = "/".join(str(part) for part in error.absolute_path)
    location = f"{prefix}/{where}" if where else prefix
    if error.validator == "required":
        missing = re.match(r"'(.+)' is a required property", error.message)
        name = missing.group(1) if missing else error.message
        return f'For {location!r}, "{name}" wasn\'t supplied.'
    message = error.message if len(error.message) < 300 else error.message[:300] + "…"
    return f"For {location!r}, {message}."
