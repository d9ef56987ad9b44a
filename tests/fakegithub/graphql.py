"""GitHub's GraphQL API, narrowed to what a PR bot reads: repository blobs by `object(expression:)`, refs, rate limit.

Anything outside this small schema is refused with GitHub's (graphql-ruby's) error wording, so an App that
drifts from the documented schema fails in tests the way it would against GitHub.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from tests.fakegithub.gitobjects import blob_sha, is_binary
from tests.fakegithub.graphql_parser import (
    Document,
    Field,
    FragmentSpread,
    GraphQLSyntaxError,
    InlineFragment,
    Operation,
    Selection,
    Variable,
    parse,
)
from tests.fakegithub.repository import Commit, Repo
from tests.fakegithub.state import GitHubState
from tests.fakegithub.timestamps import iso

_SCALARS = {"String", "Boolean", "Int", "GitObjectID", "DateTime", "ID", "URI"}
FieldType = tuple[str, dict[str, str]]


def _plain(**types: str) -> dict[str, FieldType]:
    """Fields that take no arguments, by name and return type."""
    return {name: (kind, {}) for name, kind in types.items()}


_GIT_OBJECT = _plain(oid="GitObjectID!", abbreviatedOid="String!", id="ID!", commitUrl="URI!")
# type -> field -> (return type, {argument: type}); a small, faithful slice of GitHub's schema.
_SCHEMA: dict[str, dict[str, FieldType]] = {
    "Query": {
        "repository": ("Repository", {"owner": "String!", "name": "String!", "followRenames": "Boolean"}),
        "rateLimit": ("RateLimit", {"dryRun": "Boolean"}),
    },
    "Repository": {
        "object": ("GitObject", {"expression": "String", "oid": "GitObjectID"}),
        "pullRequest": ("PullRequest", {"number": "Int!"}),
        **_plain(defaultBranchRef="Ref", nameWithOwner="String!", name="String!", id="ID!", isPrivate="Boolean!"),
    },
    "PullRequest": _plain(number="Int!", headRefOid="GitObjectID!", baseRefOid="GitObjectID!", isDraft="Boolean!"),
    "Ref": _plain(name="String!", prefix="String!", target="GitObject", id="ID!"),
    "GitObject": _GIT_OBJECT,
    "Blob": _GIT_OBJECT | _plain(text="String", isBinary="Boolean", isTruncated="Boolean!", byteSize="Int!"),
    "Commit": _GIT_OBJECT | _plain(message="String!", committedDate="DateTime!"),
    "Tree": _GIT_OBJECT,
    "RateLimit": _plain(
        cost="Int!", limit="Int!", remaining="Int!", used="Int!", nodeCount="Int!", resetAt="DateTime!"
    ),
}
_POSSIBLE_TYPES = {"GitObject": {"Blob", "Commit", "Tree"}}


@dataclass(frozen=True)
class GraphQLResult:
    """The JSON body to return and whether the query itself was invalid (an App bug, recorded as such)."""

    body: dict[str, Any]
    invalid: tuple[str, ...]


@dataclass(frozen=True)
class _Node:
    """A resolved object: its GraphQL type and what backs it."""

    typename: str
    value: Any
    repo: Repo | None = None


def execute(
    state: GitHubState,
    request: Mapping[str, Any],
    *,
    can_see: Callable[[Repo], bool],
    rate: Mapping[str, Any],
) -> GraphQLResult:
    """Run one GraphQL request body ({"query", "variables", "operationName"}) against the fake's state."""
    query = request.get("query")
    if not isinstance(query, str):
        return _invalid(["A query attribute must be specified and must be a string."])
    try:
        document = parse(query)
    except GraphQLSyntaxError as error:
        return _invalid([str(error)], line=error.line, column=error.column)
    operation, problems = _choose_operation(document, request.get("operationName"))
    if operation is None:
        return _invalid(problems)
    variables, problems = _coerce_variables(operation, request.get("variables") or {})
    problems += _Validator(document, operation).check()
    if problems:
        return _invalid(problems)
    executor = _Executor(state, document, variables, can_see, rate)
    data = executor.selections(_Node("Query", None), operation.selections, [])
    body: dict[str, Any] = {"data": data}
    if executor.errors:
        body["errors"] = executor.errors
    return GraphQLResult(body, ())


def _invalid(messages: list[str], *, line: int | None = None, column: int | None = None) -> GraphQLResult:
    """A validation failure: errors only, no data, as graphql-ruby answers."""
    errors = []
    for message in messages:
        error: dict[str, Any] = {"message": message}
        if line is not None:
            error["locations"] = [{"line": line, "column": column}]
        errors.append(error)
    return GraphQLResult({"errors": errors}, tuple(messages))


def _choose_operation(document: Document, name: str | None) -> tuple[Operation | None, list[str]]:
    """The operation to run: the named one, or the only one; only queries are served."""
    operations = document.operations
    if name is not None:
        chosen = next((op for op in operations if op.name == name), None)
        return (chosen, []) if chosen else (None, [f'No operation named "{name}"'])
    if len(operations) != 1:
        return None, ["An operation name is required"]
    if operations[0].kind != "query":
        return None, [f"The fake GitHub only answers queries, not {operations[0].kind}s"]
    return operations[0], []


def _coerce_variables(operation: Operation, given: Mapping[str, Any]) -> tuple[dict[str, Any], list[str]]:
    """Variable values with defaults applied; a missing or mistyped required one is an error."""
    values: dict[str, Any] = {}
    problems = []
    for definition in operation.variables:
        value = given.get(definition.name, definition.default if definition.has_default else None)
        if not _fits(value, definition.type):
            problems.append(f"Variable ${definition.name} of type {definition.type} was provided invalid value")
        values[definition.name] = value
    return values, problems


def _fits(value: Any, kind: str) -> bool:
    """Input coercion for the scalar types the fake's schema takes as arguments."""
    if value is None:
        return not kind.endswith("!")
    base = kind.rstrip("!")
    if base in ("String", "ID", "GitObjectID", "URI", "DateTime"):
        return isinstance(value, str)
    if base == "Int":
        return isinstance(value, int) and not isinstance(value, bool)
    if base == "Boolean":
        return isinstance(value, bool)
    return False


class _Validator:
    """Static checks graphql-ruby runs before executing: fields, arguments, fragments, variables."""

    def __init__(self, document: Document, operation: Operation) -> None:
        self.document = document
        self.operation = operation
        self.declared = {v.name: v.type for v in operation.variables}
        self.used_variables: set[str] = set()
        self.used_fragments: set[str] = set()
        self.problems: list[str] = []

    def check(self) -> list[str]:
        """Run every check and report the problems in graphql-ruby's words."""
        self.walk("Query", self.operation.selections, set())
        label = f"query '{self.operation.name}'" if self.operation.name else "anonymous query"
        for name in self.declared.keys() - self.used_variables:
            self.problems.append(f"Variable ${name} is declared by {label} but not used")
        for name in self.document.fragments.keys() - self.used_fragments:
            self.problems.append(f"Fragment {name} was defined, but not used")
        return self.problems

    def walk(self, parent: str, selections: list[Selection], visiting: set[str]) -> None:
        """Check a selection set in the context of its parent type."""
        for selection in selections:
            if isinstance(selection, Field):
                self.field(parent, selection, visiting)
            elif isinstance(selection, InlineFragment):
                self.fragment_scope(parent, selection.type_condition or parent, selection.selections, visiting)
            else:
                self.spread(parent, selection, visiting)

    def field(self, parent: str, node: Field, visiting: set[str]) -> None:
        """A field must exist on its parent type; objects need selections and scalars must have none."""
        if node.name == "__typename":
            return
        definition = _SCHEMA.get(parent, {}).get(node.name)
        if definition is None:
            self.problems.append(f"Field '{node.name}' doesn't exist on type '{parent}'")
            return
        kind, accepted = definition
        self.arguments(node, accepted)
        base = kind.rstrip("!")
        if base in _SCALARS and node.selections:
            self.problems.append(
                f"Selections can't be made on scalars (field '{node.name}' returns {kind} but has selections)"
            )
        elif base not in _SCALARS and not node.selections:
            self.problems.append(
                f"Field must have selections (field '{node.name}' returns {kind} but has no selections. "
                f"Did you mean '{node.name} {{ ... }}'?)"
            )
        elif base not in _SCALARS:
            self.walk(base, node.selections, visiting)

    def arguments(self, node: Field, accepted: Mapping[str, str]) -> None:
        """Arguments must be declared, typed right, and the required ones present."""
        for name, value in node.arguments.items():
            if name not in accepted:
                self.problems.append(f"Field '{node.name}' doesn't accept argument '{name}'")
            elif isinstance(value, Variable):
                self.variable(value, accepted[name])
            elif not _fits(value, accepted[name]):
                expected = accepted[name].rstrip("!")
                self.problems.append(
                    f"Argument '{name}' on Field '{node.name}' has an invalid value ({value!r}). "
                    f"Expected type '{expected}'."
                )
        missing = [a for a, kind in accepted.items() if kind.endswith("!") and a not in node.arguments]
        if missing:
            self.problems.append(f"Field '{node.name}' is missing required arguments: {', '.join(missing)}")

    def variable(self, value: Variable, expected: str) -> None:
        """A variable must be declared with a type compatible with the argument."""
        self.used_variables.add(value.name)
        declared = self.declared.get(value.name)
        label = f"query '{self.operation.name}'" if self.operation.name else "anonymous query"
        if declared is None:
            self.problems.append(f"Variable ${value.name} is used by {label} but not declared")
        elif declared.rstrip("!") != expected.rstrip("!"):
            self.problems.append(f"Type mismatch on variable ${value.name} and argument: {declared} / {expected}")

    def spread(self, parent: str, node: FragmentSpread, visiting: set[str]) -> None:
        """A named fragment must exist and must not recurse."""
        fragment = self.document.fragments.get(node.name)
        if fragment is None:
            self.problems.append(f"Fragment {node.name} was used, but not defined")
            return
        self.used_fragments.add(node.name)
        if node.name in visiting:
            self.problems.append(f"Fragment {node.name} contains an infinite loop")
            return
        self.fragment_scope(parent, fragment.type_condition, fragment.selections, visiting | {node.name})

    def fragment_scope(self, parent: str, condition: str, selections: list[Selection], visiting: set[str]) -> None:
        """A fragment's type must exist and be possible where it is spread."""
        if condition not in _SCHEMA:
            self.problems.append(f"No such type {condition}, so it can't be a fragment condition")
            return
        if condition != parent and condition not in _POSSIBLE_TYPES.get(parent, set()):
            self.problems.append(f"Fragment on {condition} can't be spread inside {parent}")
            return
        self.walk(condition, selections, visiting)


class _Executor:
    """Resolves a validated query against the fake's repositories, collecting GitHub-style field errors."""

    def __init__(
        self,
        state: GitHubState,
        document: Document,
        variables: Mapping[str, Any],
        can_see: Callable[[Repo], bool],
        rate: Mapping[str, Any],
    ) -> None:
        self.state = state
        self.document = document
        self.variables = variables
        self.can_see = can_see
        self.rate = rate
        self.errors: list[dict[str, Any]] = []

    def selections(self, node: _Node, selections: list[Selection], path: list[str]) -> dict[str, Any]:
        """The result object for a selection set; fragments apply only when their type matches the node."""
        result: dict[str, Any] = {}
        for selection in selections:
            if isinstance(selection, Field):
                result[selection.response_key] = self.field(node, selection, [*path, selection.response_key])
                continue
            condition, inner = self._fragment(selection)
            if condition in (None, node.typename) or node.typename in _POSSIBLE_TYPES.get(condition or "", set()):
                result.update(self.selections(node, inner, path))
        return result

    def field(self, node: _Node, selection: Field, path: list[str]) -> Any:
        """One field's value, descending into its selections when it is an object."""
        if selection.name == "__typename":
            return node.typename
        args = {k: self.variables.get(v.name) if isinstance(v, Variable) else v for k, v in selection.arguments.items()}
        if node.typename == "Query":
            value = self._query_field(selection, args, path)
        elif node.typename == "Repository":
            value = _repository_field(node.value, selection.name, args)
        elif node.typename == "Ref":
            value = _ref_field(node, selection.name)
        elif node.typename in _POSSIBLE_TYPES["GitObject"]:
            value = _git_object_field(node, selection.name)
        else:
            value = node.value.get(selection.name)
        if isinstance(value, _Node):
            return self.selections(value, selection.selections, path)
        return value

    def _fragment(self, selection: InlineFragment | FragmentSpread) -> tuple[str | None, list[Selection]]:
        """The type condition and selections of an inline fragment or named spread."""
        if isinstance(selection, InlineFragment):
            return selection.type_condition, selection.selections
        fragment = self.document.fragments[selection.name]
        return fragment.type_condition, fragment.selections

    def _query_field(self, selection: Field, args: Mapping[str, Any], path: list[str]) -> _Node | None:
        """Top-level fields; a repository the token cannot see is a NOT_FOUND error, as on GitHub."""
        if selection.name == "rateLimit":
            return _Node("RateLimit", dict(self.rate))
        repo = self.state.repo(args["owner"], args["name"])
        if repo is not None and self.can_see(repo):
            return _Node("Repository", repo, repo)
        self.errors.append(
            {
                "type": "NOT_FOUND",
                "path": path,
                "locations": [{"line": selection.line, "column": selection.column}],
                "message": f"Could not resolve to a Repository with the name '{args['owner']}/{args['name']}'.",
            }
        )
        return None


def _repository_field(repo: Repo, name: str, args: Mapping[str, Any]) -> Any:
    """Repository fields: `object(expression:|oid:)` looks up git objects; the rest is metadata."""
    if name == "object":
        if args.get("expression") is not None:
            return _lookup_expression(repo, args["expression"])
        return _lookup_oid(repo, args["oid"]) if args.get("oid") is not None else None
    if name == "pullRequest":
        pull = repo.pulls.get(args["number"])
        if pull is None:
            return None
        return {"number": pull.number, "headRefOid": pull.head_sha, "baseRefOid": pull.base_sha, "isDraft": pull.draft}
    if name == "defaultBranchRef":
        return _Node("Ref", {"name": repo.default_branch, "prefix": "refs/heads/", "id": f"REF_{repo.id}"}, repo)
    return {"nameWithOwner": repo.full_name, "name": repo.name, "id": repo.node_id, "isPrivate": repo.private}[name]


def _ref_field(node: _Node, name: str) -> Any:
    """A branch ref; its target is the commit it points at."""
    if name != "target":
        return node.value[name]
    assert node.repo is not None
    commit = node.repo.resolve(node.value["name"])
    return _Node("Commit", commit, node.repo) if commit else None


def _lookup_expression(repo: Repo, expression: str) -> _Node | None:
    """`rev:path` -> a Blob or Tree; `rev` alone -> a Commit (rev: SHA, branch, or HEAD)."""
    revision, _, path = expression.partition(":")
    commit = repo.resolve(revision)
    if commit is None:
        return None
    if ":" not in expression:
        return _Node("Commit", commit, repo)
    path = path.strip("/")
    if path in commit.files:
        return _Node("Blob", commit.files[path], repo)
    return _tree_at(repo, commit, path)


def _tree_at(repo: Repo, commit: Commit, path: str) -> _Node | None:
    """The tree object for a directory path in a commit."""
    sha = commit.tree_sha
    for part in [p for p in path.split("/") if p]:
        entry = next((e for e in repo.tree(sha) or [] if e.name == part and e.kind == "tree"), None)
        if entry is None:
            return None
        sha = entry.sha
    return _Node("Tree", sha, repo)


def _lookup_oid(repo: Repo, oid: str) -> _Node | None:
    """A git object by SHA: commit, blob or tree."""
    if oid in repo.commits:
        return _Node("Commit", repo.commits[oid], repo)
    content = repo.blob(oid)
    if content is not None:
        return _Node("Blob", content, repo)
    return _Node("Tree", oid, repo) if repo.tree(oid) is not None else None


def _git_object_field(node: _Node, name: str) -> Any:
    """Fields of Blob, Commit and Tree; `text` is null for binary blobs, as on GitHub."""
    value = node.value
    oid = value.sha if isinstance(value, Commit) else blob_sha(value) if node.typename == "Blob" else value
    fields: dict[str, Any] = {"oid": oid, "abbreviatedOid": oid[:7], "id": f"{node.typename[0]}_{oid[:16]}"}
    if node.typename == "Blob":
        binary = is_binary(value)
        fields |= {"byteSize": len(value), "isBinary": binary, "isTruncated": False}
        fields["text"] = None if binary else value.decode("utf-8", errors="replace")
    if isinstance(value, Commit):
        fields |= {"message": value.message, "committedDate": iso(value.created_at)}
    if node.repo is not None:
        fields["commitUrl"] = f"https://github.com/{node.repo.full_name}/commit/{oid}"
    return fields.get(name)
