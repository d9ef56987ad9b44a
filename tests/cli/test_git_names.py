"""bot.git reads every file name git can store, generated: a name a pull request chooses never hides its file."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.git import diff, read_blobs
from tests.gitrepo import GitRepo

NAME_BYTES = st.binary(min_size=1, max_size=12).filter(lambda raw: b"\0" not in raw and b"/" not in raw)
"""Any bytes a file name can hold (each gets a prefix, so `.`, `..` and option-like names cannot arise)."""


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(added=st.lists(NAME_BYTES, min_size=1, max_size=6, unique=True), renamed=NAME_BYTES)
def test_every_name_git_stores_comes_back_exactly(added: list[bytes], renamed: bytes) -> None:
    with tempfile.TemporaryDirectory() as scratch:
        repo = GitRepo(Path(scratch) / "repo")
        repo.write("kept.txt", "kept\n")
        repo.write("moved.txt", "a file long enough for git to see the rename\n" * 5)
        repo.write("gone.txt", "gone\n")
        base = repo.commit("base")
        names = [os.fsdecode(b"new-" + raw) for raw in added]
        for index, name in enumerate(names):
            (repo.root / name).write_bytes(f"content {index}\n".encode())
        (repo.root / "kept.txt").write_text("kept, changed\n")
        (repo.root / "gone.txt").unlink()
        target = os.fsdecode(b"moved-" + renamed)
        (repo.root / "moved.txt").rename(repo.root / target)
        head = repo.commit("change")
        change = diff(repo.root, base, head)
        by_path = {file.path: file for file in change.files}
        assert set(by_path) == {*names, "kept.txt", "gone.txt", target}
        assert {by_path[name].status for name in names} == {"added"}
        assert by_path["gone.txt"].status == "removed"
        assert (by_path[target].status, by_path[target].old_path) == ("renamed", "moved.txt")
        assert by_path["kept.txt"].added_lines == frozenset({1})
        blobs = read_blobs(repo.root, head, [*names, target])
        assert [blobs[name] for name in names] == [f"content {i}\n".encode() for i in range(len(names))]
        assert set(change.hunks) >= {*names, "kept.txt"}
