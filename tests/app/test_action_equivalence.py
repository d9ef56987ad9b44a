"""The App and the Action give the same findings for the same change."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from sqlalchemy import select

from bot.store.models import TrackedFinding
from tests.action.harness import checkout, mirror
from tests.app.conftest import RunningApp
from tests.app.scenarios import RISKY, UTIL, branchy
from tests.fakegithub import FakeGitHub

BASE = {
    "app/util.py": UTIL,
    "app/decide.py": '"""Decide."""\n' + branchy("decide", 11),
    ".github/toasty.yml": "rules:\n  size.parameters: 3\n",
}
HEAD = {
    "app/util.py": UTIL.replace("return a + b", "return a + b  # sum"),
    "app/decide.py": '"""Decide."""\n' + branchy("decide", 13) + "\n\ndef spread(a, b, c, d):\n    return a\n",
    "app/risky.py": RISKY,
    "web/app.js": "function f(a, b) {\n" + "".join(f"  if (a === {i}) {{ return {i}; }}\n" for i in range(12)) + "}\n",
}


async def test_app_and_action_find_the_same_things(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, fake_github: FakeGitHub, toasty: RunningApp
) -> None:
    work = checkout(tmp_path, BASE, HEAD)
    pull = mirror(fake_github, work, BASE, HEAD)
    record = await fake_github.deliver(
        fake_github.webhook("pull_request", "opened.payload", pull=pull), toasty.webhook_url
    )
    assert record.status_code == 202
    await toasty.settle()
    async with toasty.database.session() as session:
        app_findings = {(f.rule, f.path, f.line, f.fingerprint) for f in await session.scalars(select(TrackedFinding))}
    run = await work.run(tmp_path, monkeypatch, comment="never")
    sarif = json.loads((run.workdir / run.outputs["sarif-file"]).read_text())
    action_findings = {
        (
            r["ruleId"],
            r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"],
            r["locations"][0]["physicalLocation"]["region"]["startLine"],
            r["partialFingerprints"]["toasty/v1"],
        )
        for r in sarif["runs"][0]["results"]
    }
    assert action_findings == app_findings
    assert {rule for rule, *_ in app_findings} >= {
        "security.eval",
        "security.shell-true",
        "complexity.cyclomatic",
        "size.parameters",
    }
