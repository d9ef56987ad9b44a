"""A parser for the GraphQL query language (queries and fragments, no directives), enough to read what Apps send."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from typing import Any

_TOKEN = re.compile(
    r"""
    (?P<ignored>[\s,\ufeff]+|\#[^\n\r]*)
  | (?P<spread>\.\.\.)
  | (?P<punct>[!$():=@\[\]{}|&])
  | (?P<name>[_A-Za-z][_0-9A-Za-z]*)
  | (?P<number>-?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?(?:[eE][+-]?[0-9]+)?)
  | (?P<block>\"\"\"(?:[^"\\]|\\.|"(?!""))*\"\"\")
  | (?P<string>"(?:[^"\\\n\r]|\\.)*")
    """,
    re.VERBOSE,
)


class GraphQLSyntaxError(Exception):
    """A query GitHub's parser would reject, with the position it reports."""

    def __init__(self, message: str, line: int, column: int) -> None:
        super().__init__(message)
        self.line = line
        self.column = column


@dataclass(frozen=True)
class Token:
    """One lexical token and where it starts."""

    kind: str
    value: str
    line: int
    column: int


@dataclass(frozen=True)
class Variable:
    """A `$name` reference inside a value."""

    name: str


@dataclass
class Field:
    """A field selection, with its alias, arguments and sub-selections."""

    name: str
    alias: str | None
    arguments: dict[str, Any]
    selections: list[Selection]
    line: int
    column: int

    @property
    def response_key(self) -> str:
        """The key this field gets in the result: the alias if given."""
        return self.alias or self.name


@dataclass
class InlineFragment:
    """`... on Type { ... }`."""

    type_condition: str | None
    selections: list[Selection]
    line: int
    column: int


@dataclass
class FragmentSpread:
    """`...Name`, resolved against the document's fragment definitions."""

    name: str
    line: int
    column: int


Selection = Field | InlineFragment | FragmentSpread


@dataclass
class VariableDefinition:
    """`$name: Type = default` in an operation's header."""

    name: str
    type: str
    default: Any = None
    has_default: bool = False


@dataclass
class Operation:
    """A query operation (mutations and subscriptions are parsed but refused by the executor)."""

    kind: str
    name: str | None
    variables: list[VariableDefinition]
    selections: list[Selection]
    line: int
    column: int


@dataclass
class Fragment:
    """`fragment Name on Type { ... }`."""

    name: str
    type_condition: str
    selections: list[Selection]
    line: int
    column: int


@dataclass
class Document:
    """A parsed request document."""

    operations: list[Operation] = field(default_factory=list)
    fragments: dict[str, Fragment] = field(default_factory=dict)


def parse(source: str) -> Document:
    """Parse a query document, raising GraphQLSyntaxError with GitHub-like wording on bad input."""
    return _Parser(_tokens(source)).document()


def _tokens(source: str) -> list[Token]:
    """Split the source into tokens, dropping whitespace, commas and comments."""
    tokens: list[Token] = []
    position, line, line_start = 0, 1, 0
    while position < len(source):
        found = _TOKEN.match(source, position)
        if found is None:
            raise GraphQLSyntaxError(
                f'Parse error on "{source[position]}" at [{line}, {position - line_start + 1}]',
                line,
                position - line_start + 1,
            )
        kind = found.lastgroup or ""
        if kind != "ignored":
            tokens.append(Token(kind, found.group(), line, position - line_start + 1))
        text = found.group()
        newlines = text.count("\n")
        if newlines:
            line += newlines
            line_start = position + text.rfind("\n") + 1
        position = found.end()
    tokens.append(Token("eof", "", line, position - line_start + 1))
    return tokens


class _Parser:
    """Recursive descent over the token list."""

    def __init__(self, tokens: list[Token]) -> None:
        self.tokens = tokens
        self.index = 0

    @property
    def peek(self) -> Token:
        """The next token, not consumed."""
        return self.tokens[self.index]

    def advance(self) -> Token:
        """Consume and return the next token."""
        token = self.tokens[self.index]
        self.index += 1
        return token

    def expect(self, kind: str, value: str | None = None) -> Token:
        """Consume a token of this kind (and value), or fail with a parse error."""
        token = self.peek
        if token.kind != kind or (value is not None and token.value != value):
            self.fail(token)
        return self.advance()

    def at(self, kind: str, value: str | None = None) -> bool:
        """Whether the next token is of this kind (and value)."""
        return self.peek.kind == kind and (value is None or self.peek.value == value)

    def fail(self, token: Token) -> None:
        """Raise a parse error at this token."""
        shown = token.value if token.kind != "eof" else "end of file"
        raise GraphQLSyntaxError(
            f'Parse error on "{shown}" at [{token.line}, {token.column}]', token.line, token.column
        )

    def document(self) -> Document:
        """Document: operations and fragment definitions."""
        doc = Document()
        if self.at("eof"):
            self.fail(self.peek)
        while not self.at("eof"):
            if self.at("name", "fragment"):
                fragment = self.fragment()
                doc.fragments[fragment.name] = fragment
            else:
                doc.operations.append(self.operation())
        return doc

    def operation(self) -> Operation:
        """An operation, or the `{ ... }` shorthand for an anonymous query."""
        start = self.peek
        if self.at("punct", "{"):
            return Operation("query", None, [], self.selection_set(), start.line, start.column)
        kind = self.expect("name").value
        if kind not in ("query", "mutation", "subscription"):
            self.fail(start)
        name = self.advance().value if self.at("name") else None
        variables = self.variable_definitions() if self.at("punct", "(") else []
        self.no_directives()
        return Operation(kind, name, variables, self.selection_set(), start.line, start.column)

    def fragment(self) -> Fragment:
        """`fragment Name on Type { ... }`."""
        start = self.expect("name", "fragment")
        name = self.expect("name").value
        self.expect("name", "on")
        type_condition = self.expect("name").value
        self.no_directives()
        return Fragment(name, type_condition, self.selection_set(), start.line, start.column)

    def variable_definitions(self) -> list[VariableDefinition]:
        """`($name: Type = default, ...)`."""
        self.expect("punct", "(")
        found = []
        while not self.at("punct", ")"):
            self.expect("punct", "$")
            name = self.expect("name").value
            self.expect("punct", ":")
            kind = self.type_reference()
            definition = VariableDefinition(name, kind)
            if self.at("punct", "="):
                self.advance()
                definition.default, definition.has_default = self.value(constant=True), True
            found.append(definition)
        self.advance()
        return found

    def type_reference(self) -> str:
        """A type such as `String!` or `[Int]`."""
        if self.at("punct", "["):
            self.advance()
            inner = self.type_reference()
            self.expect("punct", "]")
            text = f"[{inner}]"
        else:
            text = self.expect("name").value
        if self.at("punct", "!"):
            self.advance()
            text += "!"
        return text

    def selection_set(self) -> list[Selection]:
        """`{ selection+ }`."""
        self.expect("punct", "{")
        selections: list[Selection] = []
        while not self.at("punct", "}"):
            selections.append(self.selection())
        if not selections:
            self.fail(self.peek)
        self.advance()
        return selections

    def selection(self) -> Selection:
        """A field, an inline fragment or a fragment spread."""
        start = self.peek
        if self.at("spread"):
            self.advance()
            if self.at("name") and self.peek.value != "on":
                name = self.advance().value
                self.no_directives()
                return FragmentSpread(name, start.line, start.column)
            condition = None
            if self.at("name", "on"):
                self.advance()
                condition = self.expect("name").value
            self.no_directives()
            return InlineFragment(condition, self.selection_set(), start.line, start.column)
        return self.field()

    def field(self) -> Field:
        """A field with optional alias, arguments and sub-selections."""
        start = self.expect("name")
        alias, name = None, start.value
        if self.at("punct", ":"):
            self.advance()
            alias, name = name, self.expect("name").value
        arguments = self.arguments() if self.at("punct", "(") else {}
        self.no_directives()
        selections = self.selection_set() if self.at("punct", "{") else []
        return Field(name, alias, arguments, selections, start.line, start.column)

    def arguments(self) -> dict[str, Any]:
        """`(name: value, ...)`."""
        self.expect("punct", "(")
        found: dict[str, Any] = {}
        while not self.at("punct", ")"):
            name = self.expect("name").value
            self.expect("punct", ":")
            found[name] = self.value(constant=False)
        self.advance()
        return found

    def value(self, *, constant: bool) -> Any:
        """A literal, list, object, or (outside constants) a variable."""
        token = self.peek
        if token.kind == "punct" and token.value == "$" and not constant:
            self.advance()
            return Variable(self.expect("name").value)
        if token.kind in ("string", "block"):
            self.advance()
            return _string_value(token)
        if token.kind == "number":
            self.advance()
            return float(token.value) if any(c in token.value for c in ".eE") else int(token.value)
        if token.kind == "name":
            self.advance()
            return {"true": True, "false": False, "null": None}.get(token.value, token.value)
        if token.kind == "punct" and token.value == "[":
            self.advance()
            items = []
            while not self.at("punct", "]"):
                items.append(self.value(constant=constant))
            self.advance()
            return items
        if token.kind == "punct" and token.value == "{":
            self.advance()
            obj = {}
            while not self.at("punct", "}"):
                key = self.expect("name").value
                self.expect("punct", ":")
                obj[key] = self.value(constant=constant)
            self.advance()
            return obj
        self.fail(token)
        return None

    def no_directives(self) -> None:
        """Directives (@include, @skip) are refused rather than silently ignored."""
        if self.at("punct", "@"):
            token = self.peek
            raise GraphQLSyntaxError(
                f"Directives are not supported by the fake GitHub (at [{token.line}, {token.column}])",
                token.line,
                token.column,
            )


def _string_value(token: Token) -> str:
    """The text of a string or block-string token."""
    if token.kind == "block":
        return token.value[3:-3].replace('\\"""', '"""')
    try:
        return str(json.loads(token.value))
    except json.JSONDecodeError as error:
        raise GraphQLSyntaxError(
            f"Bad string {token.value} at [{token.line}, {token.column}]", token.line, token.column
        ) from error
