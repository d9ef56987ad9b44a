"""Runs action.yml's composite steps the way GitHub's runner does: each `run:` script with bash, in its
working-directory, with the variables and files the runner sets, `${{ … }}` expressions filled in beforehand.

The two `uses:` steps stand in for what they do on a runner: actions/setup-python (with `update-environment:
false`) hands over an interpreter's path without touching the job's, actions/cache restores nothing (a cold cache).
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parents[2]
ACTION_FILES = ("action.yml", "pyproject.toml", "README.md", "LICENSE", "bot", "action")
"""What GitHub downloads of the action that its steps use (the whole repository, on a runner)."""
_EXPRESSION = re.compile(r"\$\{\{\s*(.*?)\s*\}\}")
_PATH = re.compile(r"[A-Za-z_][\w-]*(\.[A-Za-z_][\w-]*)*")


def copy_action(destination: Path) -> Path:
    """The action as GitHub lays it out under _actions/OWNER/REPO/REF: a copy, never the source tree itself."""
    for name in ACTION_FILES:
        source = ROOT / name
        if source.is_dir():
            shutil.copytree(source, destination / name, ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
        elif source.exists():
            destination.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, destination / name)
    return destination


@dataclass
class StepRun:
    """One step's result."""

    id: str
    name: str
    status: int
    stdout: str
    stderr: str
    outputs: dict[str, str]
    seconds: float = 0.0


@dataclass
class CompositeRun:
    """The whole action's result: every step that ran, and the action's outputs."""

    steps: list[StepRun]
    outputs: dict[str, str]
    job_env_file: Path
    job_path_file: Path
    summary: str

    @property
    def status(self) -> int:
        return self.steps[-1].status if self.steps else 0

    def step(self, step_id: str) -> StepRun:
        return next(step for step in self.steps if step.id == step_id)

    @property
    def annotations(self) -> list[str]:
        lines = self.step("grade").stdout.splitlines() if any(s.id == "grade" for s in self.steps) else []
        return [line for line in lines if line.startswith(("::error", "::warning", "::notice"))]


def default_python() -> str:
    """What actions/setup-python hands over here: the interpreter under the tests' virtual environment."""
    return str(getattr(sys, "_base_executable", sys.executable))


@dataclass
class Runner:
    """A runner's surroundings: its temp and tool-cache directories, the job's environment and the action's copy."""

    action_path: Path
    temp: Path
    tool_cache: Path
    workspace: Path
    toasty_python: str = field(default_factory=default_python)
    job_env: dict[str, str] = field(default_factory=dict)
    token: str = ""

    def run(self, inputs: dict[str, str], github_env: dict[str, str]) -> CompositeRun:
        """Run every step in order, stopping at the first that fails, as a composite action does."""
        metadata = yaml.safe_load((self.action_path / "action.yml").read_text(encoding="utf-8"))
        context: dict[str, Any] = {
            "github": {"action_path": str(self.action_path), "token": self.token, "workspace": str(self.workspace)},
            "runner": {"os": "Linux", "arch": "X64", "temp": str(self.temp), "tool_cache": str(self.tool_cache)},
            "steps": {},
        }
        context["inputs"] = {
            name: inputs.get(name, substitute(str(spec.get("default", "")), context))
            for name, spec in metadata["inputs"].items()
        }
        unknown = set(inputs) - set(metadata["inputs"])
        assert not unknown, f"action.yml has no input {sorted(unknown)}"
        job_env_file, job_path_file = self.temp / "job-env", self.temp / "job-path"
        summary = self.temp / "step-summary.md"
        for path in (job_env_file, job_path_file, summary):
            path.write_text("")
        done: list[StepRun] = []
        for index, step in enumerate(metadata["runs"]["steps"]):
            step_id = step.get("id", f"step{index}")
            if "uses" in step:
                outputs = self._uses(step, context)
                done.append(StepRun(step_id, step.get("name", ""), 0, "", "", outputs))
            else:
                done.append(self._run_step(step_id, step, context, github_env, job_env_file, job_path_file, summary))
            context["steps"][step_id] = {"outputs": done[-1].outputs}
            if done[-1].status != 0:
                break
        outputs = {name: substitute(spec["value"], context) for name, spec in metadata.get("outputs", {}).items()}
        return CompositeRun(done, outputs, job_env_file, job_path_file, summary.read_text(encoding="utf-8"))

    def _uses(self, step: dict[str, Any], context: dict[str, Any]) -> dict[str, str]:
        action = step["uses"].split("@")[0]
        settings = {key: substitute(_string(value), context) for key, value in (step.get("with") or {}).items()}
        if action == "actions/setup-python":
            assert settings.get("update-environment") == "false", "setup-python would switch the job's python"
            version = subprocess.run(
                [self.toasty_python, "-I", "-c", "import platform; print(platform.python_version())"],
                capture_output=True,
                text=True,
                check=True,
            ).stdout.strip()
            return {"python-path": self.toasty_python, "python-version": version}
        if action == "actions/cache":
            assert settings["path"], "the cache needs a path"
            assert settings["key"], "the cache needs a key"
            return {"cache-hit": "false"}
        raise AssertionError(f"the test runner does not know what {action} does")

    def _run_step(
        self,
        step_id: str,
        step: dict[str, Any],
        context: dict[str, Any],
        github_env: dict[str, str],
        job_env_file: Path,
        job_path_file: Path,
        summary: Path,
    ) -> StepRun:
        assert step.get("shell") == "bash", f"step {step_id}: composite run steps must name their shell"
        output_file = self.temp / f"output-{step_id}"
        output_file.write_text("")
        env = {
            **runner_environment(),
            **self.job_env,
            **github_env,
            "CI": "true",
            "GITHUB_ACTIONS": "true",
            "GITHUB_WORKSPACE": str(self.workspace),
            "GITHUB_ACTION_PATH": str(self.action_path),
            "GITHUB_OUTPUT": str(output_file),
            "GITHUB_ENV": str(job_env_file),
            "GITHUB_PATH": str(job_path_file),
            "GITHUB_STEP_SUMMARY": str(summary),
            "RUNNER_TEMP": str(self.temp),
            "RUNNER_TOOL_CACHE": str(self.tool_cache),
            "RUNNER_OS": "Linux",
            "RUNNER_ARCH": "X64",
        }
        env.update({key: substitute(_string(value), context) for key, value in (step.get("env") or {}).items()})
        cwd = self.workspace / substitute(str(step.get("working-directory", ".")), context)
        script = self.temp / f"script-{step_id}.sh"
        script.write_text(substitute(step["run"], context))
        started = time.perf_counter()
        done = subprocess.run(
            ["bash", "--noprofile", "--norc", "-eo", "pipefail", str(script)],  # GitHub's `shell: bash`
            cwd=cwd,
            env=env,
            capture_output=True,
            text=True,
            errors="surrogateescape",
            check=False,
        )
        outputs = read_outputs(output_file)
        seconds = time.perf_counter() - started
        return StepRun(step_id, step.get("name", ""), done.returncode, done.stdout, done.stderr, outputs, seconds)


def runner_environment() -> dict[str, str]:
    """The machine's environment, as a runner hands it to every step (less what this test process set for itself)."""
    own = ("VIRTUAL_ENV", "PYTEST_", "GITHUB_", "RUNNER_", "TOASTY_")
    return {key: value for key, value in os.environ.items() if not key.startswith(own)}


def _string(value: object) -> str:
    """A YAML value as the runner passes it: `false`, not Python's `False`."""
    return str(value).lower() if isinstance(value, bool) else str(value)


def substitute(text: str, context: dict[str, Any]) -> str:
    """Fill in `${{ a.b.c }}` property lookups; anything else is an expression this runner cannot judge."""

    def lookup(match: re.Match[str]) -> str:
        expression = match.group(1)
        assert _PATH.fullmatch(expression), f"unsupported expression in action.yml: {expression}"
        value: Any = context
        for part in expression.split("."):
            value = value.get(part, "") if isinstance(value, dict) else ""
        return str(value)

    return _EXPRESSION.sub(lookup, text)


def read_outputs(path: Path) -> dict[str, str]:
    """GITHUB_OUTPUT's `name=value` lines and `name<<DELIMITER` blocks."""
    outputs: dict[str, str] = {}
    lines = iter(path.read_text(encoding="utf-8", errors="surrogateescape").splitlines())
    for line in lines:
        if "<<" in line and ("=" not in line or line.index("<<") < line.index("=")):
            name, delimiter = line.split("<<", 1)
            value = []
            for body in lines:
                if body == delimiter:
                    break
                value.append(body)
            outputs[name] = "\n".join(value)
        elif "=" in line:
            name, value_text = line.split("=", 1)
            outputs[name] = value_text
    return outputs
