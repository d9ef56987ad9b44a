"""Git object ids computed the way git does, so blob and tree SHAs in the fake look and behave like GitHub's."""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from dataclasses import dataclass

FILE_MODE = "100644"
TREE_MODE = "040000"
# git's own heuristic: a NUL byte in the first 8000 bytes makes a file binary (no textual diff).
_BINARY_SNIFF_BYTES = 8000


@dataclass(frozen=True)
class TreeEntry:
    """One entry of a git tree: a file (blob) or a directory (tree)."""

    name: str
    mode: str
    kind: str
    sha: str
    size: int | None


def blob_sha(content: bytes) -> str:
    """The SHA-1 git gives a file's content."""
    return hashlib.sha1(b"blob %d\0" % len(content) + content, usedforsecurity=False).hexdigest()


def is_binary(content: bytes) -> bool:
    """Whether git (and so GitHub) treats the content as binary."""
    return b"\0" in content[:_BINARY_SNIFF_BYTES]


def build_trees(files: Mapping[str, bytes]) -> tuple[str, dict[str, list[TreeEntry]]]:
    """Hash a flat {path: content} snapshot into git trees; returns the root tree SHA and every tree by SHA."""
    trees: dict[str, list[TreeEntry]] = {}
    root = _tree_for(files, "", trees)
    return root, trees


def _tree_for(files: Mapping[str, bytes], prefix: str, trees: dict[str, list[TreeEntry]]) -> str:
    """Hash the tree for one directory (recursively), recording every tree by SHA."""
    entries: dict[str, TreeEntry] = {}
    subdirs: set[str] = set()
    for path, content in files.items():
        if not path.startswith(prefix):
            continue
        rest = path[len(prefix) :]
        if "/" in rest:
            subdirs.add(rest.split("/", 1)[0])
        else:
            entries[rest] = TreeEntry(rest, FILE_MODE, "blob", blob_sha(content), len(content))
    for name in subdirs:
        entries[name] = TreeEntry(name, TREE_MODE, "tree", _tree_for(files, f"{prefix}{name}/", trees), None)
    # git sorts tree entries by name, with directories compared as if they ended in "/".
    ordered = sorted(entries.values(), key=lambda e: e.name + ("/" if e.kind == "tree" else ""))
    raw = b"".join(f"{e.mode.lstrip('0')} {e.name}".encode() + b"\0" + bytes.fromhex(e.sha) for e in ordered)
    sha = hashlib.sha1(b"tree %d\0" % len(raw) + raw, usedforsecurity=False).hexdigest()
    trees[sha] = ordered
    return sha


def commit_sha(tree: str, parents: list[str], message: str, stamp: str) -> str:
    """A commit id derived from its content (not byte-identical to git's, but as stable and unique)."""
    text = f"tree {tree}\n" + "".join(f"parent {p}\n" for p in parents) + f"{stamp}\n\n{message}"
    return hashlib.sha1(b"commit %d\0" % len(text.encode()) + text.encode(), usedforsecurity=False).hexdigest()
