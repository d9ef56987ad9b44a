"""`toasty grade` and `toasty rules` as a user runs them, in real git repositories."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import jsonschema
import pytest

from bot.cli.main import main
from tests.engine.helpers import branchy
from tests.gitrepo import GitRepo
from tests.shared import shared_json

CLEAN = '"""Utilities."""\n\n\ndef add(a, b):\n    """Add."""\n    return a + b\n'
LEGACY = '"""Legacy."""\n' + branchy("legacy_decide", 14)


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> GitRepo:
    """A repository with a main branch and a feature branch checked out, cwd inside it."""
    repo = GitRepo(tmp_path / "project")
    repo.write("src/util.py", CLEAN)
    repo.write("src/legacy.py", LEGACY)
    repo.commit("initial")
    repo.git("checkout", "-q", "-b", "feature")
    monkeypatch.chdir(repo.root)
    return repo


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    status = main(list(args))
    captured = capsys.readouterr()
    return status, captured.out, captured.err


def test_diff_reports_only_what_the_branch_changed(project: GitRepo, capsys: pytest.CaptureFixture[str]) -> None:
    project.write("src/util.py", CLEAN + '\n\ndef run(cmd):\n    """Run."""\n    return eval(cmd)\n')
    project.commit("add run")
    project.write("src/new.py", "import pickle\nobj = pickle.loads(blob)\n")  # untracked, not yet committed
    status, out, _ = run(capsys, "grade", "--diff", "--no-progress")
    assert status == 0
    assert "src/util.py:11: critical security.eval" in out
    assert "src/new.py:2: major security.pickle" in out
    assert "legacy_decide" not in out  # untouched legacy complexity is not this change's doing


def test_diff_with_nothing_changed(project: GitRepo, capsys: pytest.CaptureFixture[str]) -> None:
    status, out, _ = run(capsys, "grade", "--diff", "--no-progress")
    assert status == 0
    assert "Toasty grade: A (100/100)" in out
    assert "0 finding(s) in 0 graded file(s)" in out


def test_diff_against_an_explicit_base(project: GitRepo, capsys: pytest.CaptureFixture[str]) -> None:
    first = project.commit("empty")
    project.write("src/legacy.py", LEGACY.replace("return -1", "if x == 99:\n        return 99\n    return -1"))
    project.commit("more branches")
    status, out, _ = run(capsys, "grade", "--diff", first, "--no-progress")
    assert status == 0
    assert "complexity.cyclomatic Cyclomatic complexity 16 (threshold 10): `legacy_decide`" in out


def test_fail_under_sets_the_exit_status(project: GitRepo, capsys: pytest.CaptureFixture[str]) -> None:
    project.write("src/bad.py", "value = eval(data)\n")
    assert run(capsys, "grade", "--diff", "--fail-under", "B", "--no-progress")[0] == 1
    assert run(capsys, "grade", "--diff", "--fail-under", "10", "--no-progress")[0] == 0


def test_bad_config_is_a_usage_error_naming_the_key(project: GitRepo, capsys: pytest.CaptureFixture[str]) -> None:
    project.write(".github/toasty.yml", "rules:\n  complexity.cyclomatic:\n    threshold: lots\n")
    status, _, err = run(capsys, "grade", "--diff", "--no-progress")
    assert status == 2
    assert "rules.complexity.cyclomatic.threshold" in err


def test_config_file_changes_the_verdict(project: GitRepo, capsys: pytest.CaptureFixture[str]) -> None:
    project.write("src/bad.py", '"""M."""\nvalue = eval(data)\n')
    project.write(".github/toasty.yml", "rules:\n  security.eval: off\n")
    _, out, _ = run(capsys, "grade", "--diff", "--no-progress")
    assert "security.eval" not in out


def test_not_a_git_repository(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(tmp_path)
    status, _, err = run(capsys, "grade", "--diff")
    assert status == 2
    assert "git" in err


def test_grade_paths_outright(project: GitRepo, capsys: pytest.CaptureFixture[str]) -> None:
    status, out, _ = run(capsys, "grade", "src", "--no-progress")
    assert status == 0
    assert "legacy_decide" in out  # graded outright: every line counts
    status, out, _ = run(capsys, "grade", "src/util.py", "--no-progress")
    assert "1 graded file(s)" in out


def test_missing_path_is_a_usage_error(project: GitRepo, capsys: pytest.CaptureFixture[str]) -> None:
    status, _, err = run(capsys, "grade", "nowhere")
    assert status == 2
    assert "nowhere" in err


def test_json_output_is_the_grade_model(project: GitRepo, capsys: pytest.CaptureFixture[str]) -> None:
    project.write("src/bad.py", "value = eval(data)\n")
    _, out, _ = run(capsys, "grade", "--diff", "--format", "json", "--no-progress")
    document = json.loads(out)
    assert document["schema_version"] == 1
    assert {f["rule"] for file in document["files"] for f in file["findings"]} >= {"security.eval"}


def test_markdown_output(project: GitRepo, capsys: pytest.CaptureFixture[str]) -> None:
    project.write("src/bad.py", "value = eval(data)\n")
    _, out, _ = run(capsys, "grade", "--diff", "--format", "markdown", "--no-progress")
    assert out.startswith("## ")
    assert "| Dimension | Score |" in out
    assert "`src/bad.py:1`" in out


def test_sarif_output_is_valid_sarif_with_fingerprints(project: GitRepo, capsys: pytest.CaptureFixture[str]) -> None:
    project.write("src/bad.py", "value = eval(data)\nimport yaml\nconf = yaml.load(text)\n")
    status, _, _ = run(capsys, "grade", "--diff", "--format", "sarif", "--output", "out.sarif", "--no-progress")
    assert status == 0
    log = json.loads((project.root / "out.sarif").read_text())
    jsonschema.Draft4Validator(shared_json("schemas", "sarif-schema-2.1.0.json")).validate(log)
    results = log["runs"][0]["results"]
    assert {r["ruleId"] for r in results} == {"security.eval", "security.yaml-load"}
    assert all(len(r["partialFingerprints"]["toasty/v1"]) == 20 for r in results)
    rules = log["runs"][0]["tool"]["driver"]["rules"]
    assert all(rules[r["ruleIndex"]]["id"] == r["ruleId"] for r in results)


def test_rules_command_lists_every_rule(capsys: pytest.CaptureFixture[str]) -> None:
    status, out, _ = run(capsys, "rules")
    assert status == 0
    assert "complexity.cyclomatic" in out
    assert "security.shell-true" in out
    _, out, _ = run(capsys, "rules", "--format", "json")
    assert {rule["id"] for rule in json.loads(out)} >= {"complexity.cognitive", "parse-error"}


def test_the_installed_console_script_runs(project: GitRepo) -> None:
    script = Path(sys.executable).with_name("toasty")
    done = subprocess.run([str(script), "grade", "--diff"], capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("Toasty grade:")
