"""`toasty serve` as an operator runs it: starts on SQLite, answers health checks, stops cleanly."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

from tests.ports import free_port

ROOT = Path(__file__).resolve().parents[2]


def get(url: str) -> tuple[int, dict[str, object]]:
    try:
        with urllib.request.urlopen(url, timeout=2) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read())


def test_serve_starts_on_sqlite_and_stops_cleanly(tmp_path: Path) -> None:
    port = free_port()
    env = {
        "PATH": "/usr/bin:/bin",
        "HOME": str(tmp_path),
        "GITHUB_WEBHOOK_SECRET": "s3cret",
        "TOASTY_LOG_FORMAT": "json",
    }
    process = subprocess.Popen(
        [sys.executable, "-m", "bot.cli.main", "serve", "--host", "127.0.0.1", "--port", str(port)],
        cwd=tmp_path,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                status, body = get(f"http://127.0.0.1:{port}/readyz")
                break
            except OSError:
                if time.monotonic() > deadline or process.poll() is not None:
                    raise AssertionError(process.stderr.read() if process.stderr else "no output") from None
                time.sleep(0.2)
        assert (status, body["status"]) == (200, "ok")
        assert get(f"http://127.0.0.1:{port}/healthz")[0] == 200
    finally:
        process.send_signal(signal.SIGINT)
        _, stderr = process.communicate(timeout=30)
    assert process.returncode == 0, stderr
    assert (tmp_path / "toasty.db").exists()
    start = json.loads(stderr.splitlines()[0])
    assert start["message"] == "starting Toasty"
    assert start["settings"]["webhook_secret"] == "set"
    assert "s3cret" not in stderr


def test_app_manifest_asks_for_what_the_app_needs() -> None:
    manifest = json.loads((ROOT / "deploy" / "github-app-manifest.json").read_text())
    assert manifest["default_permissions"] == {
        "checks": "write",
        "pull_requests": "write",
        "contents": "read",
        "metadata": "read",
        "issues": "read",
    }
    assert set(manifest["default_events"]) == {
        "check_run",
        "check_suite",
        "issue_comment",
        "pull_request",
        "pull_request_review_comment",
        "pull_request_review_thread",
    }
    assert manifest["hook_attributes"]["url"].endswith("/webhook")


def test_workers_of_their_own_are_refused_on_sqlite(tmp_path: Path) -> None:
    env = {"PATH": "/usr/bin:/bin", "HOME": str(tmp_path), "GITHUB_WEBHOOK_SECRET": "s3cret"}
    for command in (["worker"], ["serve", "--no-workers"]):
        result = subprocess.run(
            [sys.executable, "-m", "bot.cli.main", *command],
            cwd=tmp_path,
            env=env,
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )
        assert result.returncode == 2, command
        assert "need a PostgreSQL DATABASE_URL" in result.stderr
    assert not (tmp_path / "toasty.db").exists()  # refused before touching anything
