"""The Action's time to first result: installing Toasty, then starting it, beside the way it was done before.

Before: action.yml installed the whole package (the App's stack included) with pip into the job's Python; that is
measured as `pip install` of the last commit before the change (BASELINE) into a fresh interpreter, no pip cache.
Now: action.yml's own Locate and Install steps, run as the runner runs them (tests/action/composite.py): cold (a
fresh tool cache, no pip or uv cache) and warm (the environment actions/cache restored). Then each side's CLI:
`toasty --help` and `toasty grade` of one small file, the median of several runs.

Targets: cold install ≤ 10 s, warm ≤ 3 s, `toasty grade` of one small file ≤ 0.3 s. Needs PyPI.
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import tarfile
import tempfile
import time
from collections.abc import Iterator
from io import BytesIO
from pathlib import Path

from tests.action.composite import Runner, copy_action
from tests.gitrepo import GitRepo

ROOT = Path(__file__).resolve().parents[1]
BASELINE = "8254055"
"""The last commit before the Action's install was reworked (issue 11)."""
STARTS = 9
SMALL = '"""Small."""\n\n\ndef add(a, b):\n    """Add two numbers."""\n    return a + b\n'
NO_CACHE = {"PIP_NO_CACHE_DIR": "1", "PIP_DISABLE_PIP_VERSION_CHECK": "1"}


def run() -> Iterator[str]:
    """Print the figures, today's way beside the new one."""
    python = getattr(sys, "_base_executable", sys.executable)
    with tempfile.TemporaryDirectory(prefix="toasty-bench-install-") as scratch:
        root = Path(scratch)
        project = _small_project(root / "project")
        old_seconds, old_venv = _install_the_old_way(root / "old", python)
        cold, warm, new_venv = _install_the_new_way(root / "new", python, project)
        yield f"install, before (pip, whole package incl. the App, no cache): {old_seconds:6.1f} s"
        yield f"install, now cold (uv, core only, fresh tool cache, no cache): {cold:6.1f} s   (target ≤ 10 s)"
        yield f"install, now warm (environment restored by actions/cache):    {warm:6.1f} s   (target ≤ 3 s)"
        yield f"cold install speed-up: {old_seconds / cold:.1f}×"
        for label, arguments in (("toasty --help", ["--help"]), ("toasty grade small.py", ["grade", "small.py"])):
            before, before_best = _start(old_venv, arguments, project)
            now, now_best = _start(new_venv, arguments, project)
            target = "   (target ≤ 0.3 s)" if "grade" in label else ""
            yield (
                f"{label:<22} median (best) before {before:5.2f} s ({before_best:.2f}), now {now:5.2f} s "
                f"({now_best:.2f}): {before / now:.1f}× faster{target}"
            )


def _install_the_old_way(home: Path, python: str) -> tuple[float, Path]:
    """`pip install` of the baseline's source tree into a fresh interpreter: what action.yml did to the job's Python
    (the venv stands in for setup-python's interpreter, so its creation is not counted)."""
    source = home / "source"
    source.mkdir(parents=True)
    archive = subprocess.run(["git", "-C", str(ROOT), "archive", BASELINE], capture_output=True, check=True).stdout
    with tarfile.open(fileobj=BytesIO(archive)) as tar:
        tar.extractall(source, filter="data")
    venv = home / "venv"
    environment = {**os.environ, **NO_CACHE}
    subprocess.run([python, "-I", "-m", "venv", str(venv)], check=True)
    started = time.perf_counter()
    done = subprocess.run(
        [str(venv / "bin" / "python"), "-m", "pip", "install", "--quiet", str(source)],
        env=environment,
        cwd=home,
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode != 0:
        raise RuntimeError(f"pip install of {BASELINE} failed: {done.stderr[-2000:]}")
    return time.perf_counter() - started, venv


def _install_the_new_way(home: Path, python: str, project: GitRepo) -> tuple[float, float, Path]:
    """action.yml's own steps, twice: a cold tool cache, then the same one (what actions/cache restores)."""
    action_path = copy_action(home / "_actions" / "toasty" / "v1")
    tool_cache = home / "tool-cache"
    seconds = []
    for attempt in ("cold", "warm"):
        temp = home / f"temp-{attempt}"
        temp.mkdir()
        runner = Runner(action_path, temp, tool_cache, project.root, toasty_python=python, job_env=dict(NO_CACHE))
        result = runner.run({"comment": "never"}, {"GITHUB_EVENT_NAME": "workflow_dispatch"})
        failed = [step for step in result.steps if step.status != 0]
        if failed:
            raise RuntimeError(f"{failed[0].name} failed: {failed[0].stderr[-2000:]}")
        seconds.append(sum(step.seconds for step in result.steps if step.id in ("home", "install")))
        venv = Path(result.step("home").outputs["dir"]) / "venv"
    return seconds[0], seconds[1], venv


def _start(venv: Path, arguments: list[str], project: GitRepo) -> tuple[float, float]:
    """Median and best wall time of the command, from process start to exit (a shared machine is noisy)."""
    toasty = str(venv / "bin" / "toasty")
    times = []
    for _ in range(STARTS):
        started = time.perf_counter()
        subprocess.run([toasty, *arguments], cwd=project.root, capture_output=True, check=False)
        times.append(time.perf_counter() - started)
    return statistics.median(times), min(times)


def _small_project(root: Path) -> GitRepo:
    repo = GitRepo(root)
    repo.write("README.md", "A small project.\n")
    repo.commit("initial")
    repo.write("small.py", SMALL)
    repo.commit("add small.py")
    return repo
