"""Toasty's own comments are recognised one way: written by one of its accounts, carrying a marker that parses."""

from __future__ import annotations

import ast
from pathlib import Path

from hypothesis import given
from hypothesis import strategies as st

from bot.report.comment import MARKER, parse_marker
from bot.report.ownership import toasty_marker, written_by

ROOT = Path(__file__).resolve().parents[2]
TOASTY = "toasty[bot]"
BODY = "⚠️ **Eval**\n\n" + MARKER.format(fingerprint="0123456789abcdef", rule="security.eval")


def comment(login: str | None, body: str | None = BODY) -> dict[str, object]:
    return {"user": {"login": login} if login is not None else None, "body": body}


def test_a_comment_by_toasty_with_its_marker_is_toastys() -> None:
    assert toasty_marker(comment(TOASTY), {TOASTY}) == ("0123456789abcdef", "security.eval")


def test_a_pasted_marker_is_not_toastys() -> None:
    assert toasty_marker(comment("copycat[bot]"), {TOASTY}) is None
    assert toasty_marker(comment(None), {TOASTY}) is None  # a deleted account ("ghost") has no user


def test_toastys_reply_without_a_marker_is_written_by_it_but_has_no_finding() -> None:
    reply = comment(TOASTY, "**Eval** (`security.eval`) …")
    assert written_by(reply, {TOASTY})
    assert toasty_marker(reply, {TOASTY}) is None
    assert toasty_marker(comment(TOASTY, None), {TOASTY}) is None


def test_no_account_is_toasty_when_none_is_known() -> None:
    assert toasty_marker(comment(""), set()) is None
    assert not written_by(comment(""), {""})


@given(login=st.text(max_size=20), logins=st.sets(st.text(max_size=20), max_size=3), body=st.text(max_size=200))
def test_toastys_comment_is_exactly_author_and_marker(login: str, logins: set[str], body: str) -> None:
    for text in (body, body + BODY):
        expected = parse_marker(text) if login and login in logins else None
        assert toasty_marker(comment(login, text), logins) == expected


def test_no_other_module_reads_markers_on_its_own() -> None:
    """A second answer would start by parsing markers without asking who wrote the comment."""
    owners = {ROOT / "bot/report/comment.py", ROOT / "bot/report/ownership.py"}
    readers = []
    for path in sorted([*(ROOT / "bot").rglob("*.py"), *(ROOT / "action").rglob("*.py")]):
        if path in owners:
            continue
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.ImportFrom) and any(alias.name == "parse_marker" for alias in node.names):
                readers.append(str(path.relative_to(ROOT)))
    assert readers == []
