"""A throwaway git repository for tests that need real `git diff` output."""

from __future__ import annotations

import subprocess
from pathlib import Path


class GitRepo:
    """A git work tree in a temporary directory, with helpers to write files and commit."""

    def __init__(self, root: Path, branch: str = "main") -> None:
        self.root = root
        root.mkdir(parents=True, exist_ok=True)
        self.git("init", "-q", "-b", branch)
        self.git("config", "user.email", "dev@example.com")
        self.git("config", "user.name", "Dev")
        self.git("config", "commit.gpgsign", "false")

    def git(self, *args: str) -> str:
        """Run git here and return its output exactly (no newline translation: CRLF files stay CRLF)."""
        done = subprocess.run(["git", "-C", str(self.root), *args], capture_output=True, check=True)
        return done.stdout.decode("utf-8", errors="surrogateescape")

    def write(self, path: str, content: str | bytes) -> Path:
        """Create or replace a file (parents included)."""
        target = self.root / path
        target.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, bytes):
            target.write_bytes(content)
        else:
            target.write_bytes(content.encode())
        return target

    def commit(self, message: str = "change") -> str:
        """Stage everything and commit; returns the new commit id."""
        self.git("add", "-A")
        self.git("commit", "-q", "--allow-empty", "-m", message)
        return self.git("rev-parse", "HEAD").strip()

    def diff(self, base: str, head: str = "HEAD") -> str:
        """The unified diff between two revisions, as `git diff` prints it."""
        return self.git("-c", "core.quotePath=false", "diff", "-M", base, head)
