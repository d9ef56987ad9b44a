"""The edges users meet in their first week: odd file names, huge summaries, broken configs, early stops, the order
of the notes, and every annotation naming its rule."""

from __future__ import annotations

import json
import re
from pathlib import Path
from urllib.parse import unquote_to_bytes

import jsonschema
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from markdown_it import MarkdownIt

from action.workflow import SUMMARY_LIMIT, annotation, write_summary
from bot.engine.models import Dimension, DimensionScore, FileGrade, Finding, PullRequestGrade, Severity
from bot.report.markdown import code_cell, render_summary, text_cell
from bot.report.sarif import FINGERPRINT_KEY, to_sarif
from tests.action.harness import checkout
from tests.app.scenarios import RISKY, UTIL, many_findings
from tests.fakegithub import FakeGitHub
from tests.shared import shared_json

BASE = {"app/util.py": UTIL}
HEAD = {"app/util.py": UTIL, "app/risky.py": RISKY}
RFC3986_PATH_NOSCHEME = re.compile(r"(?:[A-Za-z0-9\-._~!$&'()*+,;=@/]|%[0-9A-F]{2})*")
"""A relative reference's path (RFC 3986 §4.2): pchar without `:`, which would make the first segment a scheme."""
NAMES = st.text(
    alphabet=st.sampled_from([*"ab/ %#?|`'\":\\\t\n\r&=+;@~é日😀", "\udcff", "\udc80"]),  # \udcXX: bytes not UTF-8
    min_size=1,
    max_size=30,
)
EVAL = '"""Odd names."""\n\nvalue = eval(source)\n'


def finding(path: str, title: str = "Dynamic code execution: eval()", rule: str = "security.eval") -> Finding:
    return Finding(
        rule=rule,
        dimension=Dimension.SECURITY,
        severity=Severity.CRITICAL,
        path=path,
        line=3,
        end_line=3,
        title=title,
        message="Never evaluate input.",
        fingerprint="0123456789abcdef0123",
    )


def grade_of(files: list[FileGrade]) -> PullRequestGrade:
    return PullRequestGrade(
        score=50,
        grade="D",
        dimensions={Dimension.SECURITY: DimensionScore(score=50, weight=1, findings=1)},
        files=tuple(files),
    )


@settings(max_examples=300, deadline=None)
@given(NAMES)
def test_sarif_uris_are_rfc3986_references_that_read_back_as_the_name(path: str) -> None:
    sarif = to_sarif(grade_of([FileGrade(path=path, status="added", findings=(finding(path),))]), {})
    (result,) = sarif["runs"][0]["results"]
    uri = result["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
    assert RFC3986_PATH_NOSCHEME.fullmatch(uri), uri
    assert unquote_to_bytes(uri) == path.encode("utf-8", errors="surrogateescape")
    assert result["partialFingerprints"] == {FINGERPRINT_KEY: "0123456789abcdef0123"}


GFM = MarkdownIt("commonmark").enable("table")


def rendered_cells(row: str) -> list[str]:
    """The cells of a one-row table as a GFM renderer reads them (code spans as their text)."""
    tokens = GFM.parse(f"| a | b |\n|---|---|\n{row}\n")
    cells, inside = [], False
    for token in tokens:
        if token.type == "td_open":
            inside, text = True, ""
        elif token.type == "td_close":
            cells.append(text)
            inside = False
        elif inside and token.type == "inline":
            text = "".join(child.content for child in token.children or [])
    return cells


@settings(max_examples=300, deadline=None)
@given(NAMES.filter(lambda name: not re.search(r"[\x00-\x1f]", name)))
def test_table_cells_show_a_file_name_exactly(path: str) -> None:
    cells = rendered_cells(f"| {code_cell(path)} | {text_cell(path)} |")
    shown = path.encode("utf-8", errors="surrogateescape").decode("utf-8", errors="backslashreplace")
    assert cells[0] == shown  # as code: exactly, spaces included
    assert cells[1] == shown.strip(" ")  # as prose: a table cell's outer spaces are trimmed


def test_control_characters_in_a_name_are_shown_escaped_in_one_cell() -> None:
    name, message = "new\nline\r.py", "a\rb|c"
    cells = rendered_cells(f"| {code_cell(name)} | {text_cell(message)} |")
    assert cells == ["new\\nline\\r.py", "a b|c"]


def test_the_summary_is_bounded_in_bytes_of_utf8() -> None:
    wide = "ファイル名" * 12  # three bytes a character
    files = [FileGrade(path=f"{wide}/{i}.py", status="added", language="python") for i in range(20_000)]
    summary = render_summary(grade_of(files), limit=SUMMARY_LIMIT)
    assert len(summary.encode("utf-8")) <= SUMMARY_LIMIT
    assert re.search(r"… and \d+ more files", summary)


def test_the_step_summary_file_stays_under_githubs_cap(tmp_path: Path) -> None:
    target = tmp_path / "summary.md"
    write_summary(str(target), "é" * 1_000_000)
    assert len(target.read_bytes()) <= SUMMARY_LIMIT + 1
    target.read_text(encoding="utf-8")  # never a character cut in half


def test_every_annotation_names_its_rule() -> None:
    line = annotation(finding("app/x.py"))
    assert line.startswith("::error file=app/x.py,line=3,endLine=3,title=Dynamic code execution%3A eval() ")
    assert "[security.eval]::" in line
    long = annotation(finding("x.py", title="t" * 400))
    title = long.split("title=")[1].split("::")[0]
    assert len(title) <= 255
    assert title.endswith("[security.eval]")


ODD_NAMES = (
    'we"ird.py',
    "tab\there.py",
    "new\nline.py",
    "bad\udcff.py",
    "sp ace#?%|`x.py",
    "ünï.py",
    "back\\slash.py",
)


async def test_every_changed_file_is_graded_whatever_its_name(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    work = checkout(tmp_path, BASE, {**BASE, **{f"odd/{name}": EVAL for name in ODD_NAMES}})
    run = await work.run(tmp_path, monkeypatch, comment="never")
    assert run.status == 0, run.log
    assert run.outputs["findings"] == str(len(ODD_NAMES))  # one eval in each: every file was read and graded
    assert "content unavailable" not in run.summary
    assert "### Not graded" not in run.summary
    sarif = json.loads((tmp_path / "workspace" / "toasty.sarif").read_text(encoding="utf-8"))
    jsonschema.Draft4Validator(shared_json("schemas", "sarif-schema-2.1.0.json")).validate(sarif)
    uris = {r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] for r in sarif["runs"][0]["results"]}
    assert {unquote_to_bytes(uri) for uri in uris} == {
        f"odd/{name}".encode("utf-8", errors="surrogateescape") for name in ODD_NAMES
    }
    assert all(RFC3986_PATH_NOSCHEME.fullmatch(uri) for uri in uris)
    assert "odd/bad\\xff.py" in run.summary  # an undecodable byte is shown, not a crash
    assert "| ``odd/sp ace#?%\\|`x.py`` | added |" in run.summary  # the backtick kept: the name is the real one


async def test_the_notes_that_matter_come_before_the_findings(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    work = checkout(tmp_path, BASE, {"many.py": many_findings(25)})
    work.env = {"GITHUB_EVENT_PATH": str(work.pull_request_event(tmp_path, fork=True))}
    run = await work.run(tmp_path, monkeypatch, fail_under="90", github_token="ghs_" + "x" * 36)
    assert run.status == 1
    assert run.annotations[0].startswith("::error title=Toasty::Score ")
    assert "below the minimum of 90" in run.annotations[0]
    assert run.annotations[1].startswith("::notice title=Toasty::No review posted: this pull request comes from a fork")
    assert all("file=many.py" in line for line in run.annotations[2:])
    errors = [line for line in run.annotations if line.startswith("::error")]
    assert len(errors) == 10  # the note took one of GitHub's ten errors: nine findings, the rest in the summary
    assert run.summary.count("| `many.py:") == 25 - 9 + min(25, 15)  # overflow table plus the top findings


async def test_a_refused_review_is_announced_before_the_findings(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, fake_github: FakeGitHub
) -> None:
    from tests.action.harness import mirror

    head = {"many.py": many_findings(25)}
    work = checkout(tmp_path, BASE, head)
    pull = mirror(fake_github, work, BASE, head)
    read_only = fake_github.state.issue_token(
        fake_github.installation(pull.repo), permissions={"pull_requests": "read", "metadata": "read"}
    )
    work.env = {"GITHUB_API_URL": fake_github.api_url}
    run = await work.run(tmp_path, monkeypatch, github_token=read_only.token)
    assert run.annotations[0].startswith("::warning title=Toasty::No review posted: the token may not write")
    fake_github.take_invalid_requests()


async def test_review_counts_match_what_was_posted_after_a_refusal(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, fake_github: FakeGitHub
) -> None:
    from tests.action.harness import mirror

    work = checkout(tmp_path, BASE, HEAD)
    pull = mirror(fake_github, work, BASE, HEAD)
    fake_github.reject_next_review(times=2)  # GitHub refuses the review, then the retry too
    work.env = {"GITHUB_API_URL": fake_github.api_url}
    run = await work.run(tmp_path, monkeypatch, github_token=fake_github.token_for(pull.repo))
    assert run.status == 0
    assert not pull.reviews
    assert "Posted a review" not in run.summary
    assert "they stay annotations" in run.summary
    fake_github.reject_next_review(times=1)  # once: the retry carries only comments on added lines
    again = await work.run(tmp_path, monkeypatch, github_token=fake_github.token_for(pull.repo))
    (review,) = pull.reviews.values()
    posted = len(pull.review_comments)
    assert f"Posted a review with {posted} comment" in again.summary
    assert f"{posted} comment{'s' * (posted != 1)} on what this push made worse" in review.body


async def test_a_broken_config_names_the_file_and_the_base_commit(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    base = {**BASE, ".github/toasty.yml": "rules: [unclosed\n"}
    work = checkout(tmp_path, base, {**HEAD, ".github/toasty.yml": "rules: {}\n"})
    run = await work.run(tmp_path, monkeypatch, comment="never")
    assert run.status == 2
    (error,) = run.annotations
    assert ".github/toasty.yml (read from the pull request's base commit " + work.base[:12] in error
    assert "invalid YAML" in error
    assert "fix the file on the base branch" in error
    # The upload step after Toasty still finds a valid SARIF file, saying why there are no results.
    sarif_file = Path(run.outputs["sarif-file"])
    assert sarif_file.is_absolute()
    sarif = json.loads(sarif_file.read_text(encoding="utf-8"))
    jsonschema.Draft4Validator(shared_json("schemas", "sarif-schema-2.1.0.json")).validate(sarif)
    (sarif_run,) = sarif["runs"]
    assert sarif_run["results"] == []
    notification = sarif_run["invocations"][0]["toolExecutionNotifications"][0]["message"]["text"]
    assert ".github/toasty.yml" in notification
    assert "could not grade" in run.summary


async def test_bad_inputs_still_leave_a_sarif_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    work = checkout(tmp_path, BASE, HEAD)
    run = await work.run(tmp_path, monkeypatch, comment="sometimes")
    assert run.status == 2
    assert Path(run.outputs["sarif-file"]).is_file()
