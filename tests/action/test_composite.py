"""action.yml's own steps, run as GitHub's runner runs them: installed into an environment of Toasty's own (from
PyPI, once per session), reused when present, and never running a line of the repository it grades."""

from __future__ import annotations

import json
import socket
import subprocess
from pathlib import Path

import pytest

from tests.action.composite import CompositeRun, Runner, copy_action, default_python
from tests.action.harness import REPOSITORY, Checkout, checkout
from tests.app.scenarios import RISKY, UTIL
from tests.gitrepo import GitRepo

BASE = {"app/util.py": UTIL}
HEAD = {"app/util.py": UTIL, "app/risky.py": RISKY}
HOSTILE_MODULES = (
    "bot/__init__.py",
    "action/__init__.py",
    "action/__main__.py",
    "json.py",
    "uuid.py",
    "venv.py",
    "pip/__init__.py",
    "pydantic/__init__.py",
    "sitecustomize.py",
    "usercustomize.py",
)
HOSTILE = (
    "import os, pathlib\n"
    "pathlib.Path(os.environ['HOSTILE_MARKERS'], {name!r}.replace('/', '_')).write_text('imported')\n"
    "print('::notice title=pwned::score 100')\n"
    "raise SystemExit(0)\n"
)
UNREACHABLE_INDEX = "http://127.0.0.1:9/simple"


def pypi_reachable() -> bool:
    try:
        socket.create_connection(("pypi.org", 443), timeout=5).close()
    except OSError:
        return False
    return True


@pytest.fixture(scope="session")
def action_install(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """The action's copy and a tool cache shared by every job of the session (the first one installs)."""
    if not pypi_reachable():
        pytest.skip("PyPI is unreachable: action.yml's install step cannot run here")
    root = tmp_path_factory.mktemp("runner")
    PACKAGES_BEFORE.update(installed_packages(default_python()))
    return copy_action(root / "_actions" / "toasty" / "v1"), root / "tool-cache"


PACKAGES_BEFORE: set[str] = set()
"""What the interpreter Toasty is given had installed before the session's first install."""


def installed_packages(python: str) -> set[str]:
    listing = "import importlib.metadata as m; print('\\n'.join(sorted({d.name for d in m.distributions()})))"
    done = subprocess.run([python, "-I", "-c", listing], capture_output=True, text=True, check=True)
    return set(done.stdout.split())


def job(tmp_path: Path, action_install: tuple[Path, Path], work: Checkout, **job_env: str) -> Runner:
    action_path, tool_cache = action_install
    temp = tmp_path / "runner-temp"
    temp.mkdir()
    return Runner(action_path, temp, tool_cache, work.repo.root, job_env=job_env)


def pull_request_env(tmp_path: Path, work: Checkout) -> dict[str, str]:
    return {
        "GITHUB_EVENT_NAME": "pull_request",
        "GITHUB_EVENT_PATH": str(work.pull_request_event(tmp_path)),
        "GITHUB_REPOSITORY": REPOSITORY,
    }


def assert_graded(run: CompositeRun) -> None:
    failed = [step for step in run.steps if step.status != 0]
    assert not failed, "\n".join(f"{s.name}: {s.status}\n{s.stdout}\n{s.stderr}" for s in failed)
    assert run.outputs["grade"] in "ABCDF"
    assert run.outputs["findings"] == "2"
    assert any(line.startswith("::error file=app/risky.py,line=8,") for line in run.annotations)
    assert not any("pwned" in line for line in run.annotations)
    sarif = json.loads(Path(run.outputs["sarif-file"]).read_text(encoding="utf-8"))
    assert {r["ruleId"] for r in sarif["runs"][0]["results"]} == {"security.shell-true", "security.eval"}


def test_a_hostile_workspace_is_graded_and_none_of_its_code_runs(
    tmp_path: Path, action_install: tuple[Path, Path]
) -> None:
    markers = tmp_path / "markers"
    markers.mkdir()
    planted = {name: HOSTILE.format(name=name) for name in HOSTILE_MODULES}
    planted["uv.toml"] = f'index-url = "{UNREACHABLE_INDEX}"\n'  # uv must not read the workspace's settings
    planted["pip.conf"] = f"[global]\nindex-url = {UNREACHABLE_INDEX}\n"
    work = checkout(tmp_path, BASE, {**HEAD, **planted})
    runner = job(
        tmp_path,
        action_install,
        work,
        HOSTILE_MARKERS=str(markers),
        PYTHONPATH=str(work.repo.root),  # a job may well set these for its own steps
        PYTHONSTARTUP=str(work.repo.root / "json.py"),
    )
    run = runner.run({"comment": "never"}, pull_request_env(tmp_path, work))
    assert_graded(run)
    assert not list(markers.iterdir()), f"workspace code ran: {sorted(p.name for p in markers.iterdir())}"
    assert run.job_env_file.read_text() == ""  # the job's later steps get no variable from Toasty
    assert run.job_path_file.read_text() == ""  # and no PATH entry: their `python` stays the job's


def test_a_repository_with_its_own_bot_package_is_graded(tmp_path: Path, action_install: tuple[Path, Path]) -> None:
    own = {
        "bot/__init__.py": '"""Our own chat bot."""\n\n__version__ = "9.9"\n',
        "bot/engine/__init__.py": '"""Our engine."""\n',
        "action/__init__.py": '"""Our own actions."""\n',
    }
    work = checkout(tmp_path, {**BASE, **own}, {**HEAD, **own, "bot/engine/run.py": RISKY})
    run = job(tmp_path, action_install, work).run({"comment": "never"}, pull_request_env(tmp_path, work))
    failed = [step for step in run.steps if step.status != 0]
    assert not failed, failed
    assert run.outputs["findings"] == "4"
    assert any(line.startswith("::error file=bot/engine/run.py,line=8,") for line in run.annotations)


def test_the_environment_is_reused_and_the_jobs_python_is_left_alone(
    tmp_path: Path, action_install: tuple[Path, Path]
) -> None:
    work = checkout(tmp_path, BASE, HEAD)
    (tmp_path / "one").mkdir()
    first = job(tmp_path / "one", action_install, work)
    ran = first.run({"comment": "never"}, pull_request_env(tmp_path, work))
    assert_graded(ran)
    home = Path(ran.step("home").outputs["dir"])
    assert home.is_relative_to(action_install[1])  # under the runner's tool cache, outside any job's Python
    (tmp_path / "two").mkdir()
    again = job(tmp_path / "two", action_install, work).run({"comment": "never"}, pull_request_env(tmp_path, work))
    assert_graded(again)
    assert "environment is ready" in again.step("install").stdout
    assert ran.step("home").outputs == again.step("home").outputs  # the same key: actions/cache restores it
    # The interpreter Toasty was given (here the one the tests run on) has no package more than before.
    assert installed_packages(first.toasty_python) == PACKAGES_BEFORE


def test_the_core_environment_refuses_app_commands_clearly(tmp_path: Path, action_install: tuple[Path, Path]) -> None:
    work = checkout(tmp_path, BASE, HEAD)
    run = job(tmp_path, action_install, work).run({"comment": "never"}, pull_request_env(tmp_path, work))
    toasty = Path(run.step("home").outputs["dir"]) / "venv" / "bin" / "toasty"
    done = subprocess.run([str(toasty), "serve"], cwd=tmp_path, capture_output=True, text=True, check=False)
    assert done.returncode == 2
    assert "pip install 'toasty[app]'" in done.stderr
    graded = subprocess.run(
        [str(toasty), "grade", "--no-progress", "app/risky.py"],
        cwd=work.repo.root,
        capture_output=True,
        text=True,
        check=False,
    )
    assert "security.eval" in graded.stdout


def test_working_directory_names_the_checkout_and_the_documented_upload_finds_the_sarif(
    tmp_path: Path, action_install: tuple[Path, Path]
) -> None:
    """actions/checkout with `path: src`: the config is the repository's own (src/.github/toasty.yml, from the base
    commit), the SARIF is written relative to the workspace, and `sarif-file` is absolute for upload-sarif."""
    workspace = tmp_path / "workspace"
    base = {**BASE, ".github/toasty.yml": "rules:\n  security.eval: off\n"}
    work = Checkout(*_commits(workspace / "src", base, HEAD))
    runner = job(tmp_path, action_install, work)
    runner.workspace = workspace
    run = runner.run(
        {"comment": "never", "working-directory": "src", "sarif": "reports/toasty.sarif"},
        pull_request_env(tmp_path, work),
    )
    assert all(step.status == 0 for step in run.steps), run.steps[-1].stderr
    titles = [line.split("title=")[1] for line in run.annotations]
    assert any(title.startswith("Command run through the shell") for title in titles)
    assert not any(title.startswith("Dynamic code execution") for title in titles)  # the repository's config
    sarif_file = Path(run.outputs["sarif-file"])
    assert sarif_file == workspace / "reports" / "toasty.sarif"  # what upload-sarif's sarif_file receives
    assert json.loads(sarif_file.read_text(encoding="utf-8"))["runs"][0]["results"]


def _commits(root: Path, base: dict[str, str], head: dict[str, str]) -> tuple[GitRepo, str, str]:
    repo = GitRepo(root)
    for path, content in base.items():
        repo.write(path, content)
    base_sha = repo.commit("base")
    repo.git("checkout", "-q", "-b", "feature")
    for path, content in head.items():
        repo.write(path, content)
    return repo, base_sha, repo.commit("change")
