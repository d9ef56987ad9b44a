"""Reading real git diffs: renames, deletions, binary files, mode changes, CRLF and missing final newlines."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.engine import DiffError, changed_file_from_patch, parse_diff
from bot.engine.diff import reverse_patch
from tests.gitrepo import GitRepo


@pytest.fixture
def repo(tmp_path: Path) -> GitRepo:
    return GitRepo(tmp_path / "repo")


def test_modified_file_reports_added_and_changed_lines(repo: GitRepo) -> None:
    repo.write("a.py", "one = 1\ntwo = 2\nthree = 3\n")
    base = repo.commit()
    repo.write("a.py", "one = 1\ntwo = 22\nthree = 3\nfour = 4\n")
    repo.commit()
    (change,) = parse_diff(repo.diff(base))
    assert (change.path, change.status, change.added_lines) == ("a.py", "modified", frozenset({2, 4}))


def test_rename_with_edit_keeps_old_path(repo: GitRepo) -> None:
    body = "".join(f"line_{i} = {i}\n" for i in range(30))
    repo.write("old/name.py", body)
    base = repo.commit()
    (repo.root / "new").mkdir()
    repo.git("mv", "old/name.py", "new/name.py")
    repo.write("new/name.py", body.replace("line_5 = 5", "line_5 = 55"))
    repo.commit()
    (change,) = parse_diff(repo.diff(base))
    assert (change.status, change.old_path, change.path, change.added_lines) == (
        "renamed",
        "old/name.py",
        "new/name.py",
        frozenset({6}),
    )


def test_deleted_binary_and_mode_only_changes(repo: GitRepo) -> None:
    repo.write("gone.py", "x = 1\n")
    repo.write("run.sh", "echo hi\n")
    base = repo.commit()
    (repo.root / "gone.py").unlink()
    (repo.root / "run.sh").chmod(0o755)
    repo.write("logo.png", b"\x89PNG\r\n\x1a\n\x00\x00\x00binary")
    repo.commit()
    changes = {c.path: c for c in parse_diff(repo.diff(base))}
    assert changes["gone.py"].status == "removed"
    assert changes["logo.png"].is_binary
    assert changes["logo.png"].status == "added"
    assert changes["run.sh"].status == "modified"
    assert changes["run.sh"].added_lines == frozenset()


def test_crlf_and_no_newline_at_end(repo: GitRepo) -> None:
    repo.write("win.py", "a = 1\r\nb = 2\r\n")
    repo.write("tail.py", "a = 1")
    base = repo.commit()
    repo.write("win.py", "a = 1\r\nb = 3\r\nc = 4\r\n")
    repo.write("tail.py", "a = 1\nb = 2")
    repo.commit()
    changes = {c.path: c for c in parse_diff(repo.diff(base))}
    assert changes["win.py"].added_lines == frozenset({2, 3})
    assert changes["tail.py"].added_lines == frozenset({1, 2})


def test_empty_diff_has_no_files() -> None:
    assert parse_diff("") == []


def test_github_patch_without_headers() -> None:
    patch = "@@ -1,3 +1,4 @@\n a\n-b\n+B\n+C\n c\n\\ No newline at end of file"
    change = changed_file_from_patch("x.py", "modified", patch)
    assert change.added_lines == frozenset({2, 3})


def test_github_file_without_patch_counts_every_line() -> None:
    change = changed_file_from_patch("big.py", "modified", None)
    assert not change.patch_available
    assert change.touches(1, 1)
    assert change.touches(5000, 5000)


def test_malformed_hunk_is_a_clear_error() -> None:
    with pytest.raises(DiffError, match="not a valid"):
        parse_diff("--- a/x\n+++ b/x\n@@ -1,5 +1,5 @@\n a\n")


@given(st.text(max_size=400))
def test_arbitrary_text_never_crashes_the_diff_reader(text: str) -> None:
    try:
        changes = parse_diff(text)
    except DiffError:
        return
    assert all(isinstance(line, int) for change in changes for line in change.added_lines)


@pytest.mark.parametrize(
    ("base", "head"),
    [
        ("a\nb\nc\n", "a\nB\nc\nd\n"),
        ("one\ntwo\n", "zero\none\ntwo\n"),
        ("x\ny\nz\n", "x\nz\n"),
        ("keep\nlast", "keep\nlast\n"),
        ("keep\nlast\n", "keep\nlast"),
        ("r1\r\nr2\r\n", "r1\r\nR2\r\nr3\r\n"),
        (
            "".join(f"line {i}\n" for i in range(40)),
            "".join(f"line {i}\n" for i in range(40) if i not in (3, 25)) + "end\n",
        ),
        ("gone\n", ""),
    ],
)
def test_the_base_version_is_rebuilt_exactly_from_head_and_patch(repo: GitRepo, base: str, head: str) -> None:
    repo.write("f.txt", base)
    first = repo.commit()
    repo.write("f.txt", head)
    repo.commit()
    diff = repo.diff(first)
    hunks = diff[diff.index("@@") :] if "@@" in diff else ""
    assert reverse_patch(head, hunks) == base


def test_a_patch_that_does_not_match_the_head_is_refused() -> None:
    assert reverse_patch("a\nX\nc\n", "@@ -1,3 +1,3 @@\n a\n-b\n+B\n c\n") is None
