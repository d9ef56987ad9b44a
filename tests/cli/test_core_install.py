"""`pip install toasty` is the core: grading, the CLI's grading commands and the Action never load the App's stack."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
APP_PACKAGES = (
    "aiohttp",
    "gidgethub",
    "sqlalchemy",
    "alembic",
    "asyncpg",
    "aiosqlite",
    "apscheduler",
    "prometheus_client",
    "jinja2",
    "pydantic_settings",
    "jwt",
    "cachetools",
)
LOADED = """
import json, sys
{code}
print("\\n" + json.dumps(sorted({{name.split(".")[0] for name in sys.modules}})))
"""


def loaded_after(code: str, cwd: Path) -> set[str]:
    """Top-level modules a fresh interpreter holds after running `code`."""
    done = subprocess.run(
        [sys.executable, "-c", LOADED.format(code=code)], cwd=cwd, capture_output=True, text=True, check=False
    )
    assert done.returncode == 0, done.stderr
    return set(json.loads(done.stdout.strip().splitlines()[-1]))


@pytest.mark.parametrize(
    "code",
    [
        "from bot.cli.main import main\ntry:\n    main(['--help'])\nexcept SystemExit:\n    pass",
        "from bot.cli.main import main\nmain(['grade', '--no-progress', 'small.py'])",
        "from bot.cli.main import main\nmain(['rules'])",
        "import action.main, action.review",
    ],
    ids=["help", "grade", "rules", "action"],
)
def test_grading_paths_load_none_of_the_apps_packages(code: str, tmp_path: Path) -> None:
    (tmp_path / "small.py").write_text('"""Small."""\n\n\ndef add(a, b):\n    """Add."""\n    return a + b\n')
    loaded = loaded_after(code, tmp_path)
    assert "bot" in loaded
    assert loaded.isdisjoint(APP_PACKAGES), sorted(loaded & set(APP_PACKAGES))


BLOCK_APP = "import sys\nfor name in {packages!r}:\n    sys.modules[name] = None  # as if never installed\n"


@pytest.mark.parametrize("command", [["token", "list"], ["serve"], ["migrate"], ["strategy", "show", "octo/demo"]])
def test_an_app_command_without_the_app_says_what_to_install(command: list[str], tmp_path: Path) -> None:
    code = BLOCK_APP.format(packages=APP_PACKAGES) + f"from bot.cli.main import main\nsys.exit(main({command!r}))"
    done = subprocess.run([sys.executable, "-c", code], cwd=tmp_path, capture_output=True, text=True, check=False)
    assert done.returncode == 2
    assert f"`toasty {command[0]}` is a command of the GitHub App" in done.stderr
    assert "pip install 'toasty[app]'" in done.stderr
    assert "Traceback" not in done.stderr


def test_grading_works_where_the_app_is_not_installed(tmp_path: Path) -> None:
    (tmp_path / "risky.py").write_text('"""Risky."""\n\n\ndef run(code):\n    """Run."""\n    return eval(code)\n')
    code = BLOCK_APP.format(packages=APP_PACKAGES) + "from bot.cli.main import main\nsys.exit(main(['grade', '.']))"
    done = subprocess.run([sys.executable, "-c", code], cwd=tmp_path, capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stderr
    assert "risky.py:6: critical security.eval" in done.stdout
