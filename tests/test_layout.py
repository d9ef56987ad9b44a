"""The package reads top-down: engine ← learning ← github ← grading ← handlers ← jobs ← web ← cli, and no import
runs back up (a lower layer that needs an upper one is a design to fix, not an import to add)."""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
LAYERS = [
    {"engine"},
    {"store", "report", "commenting", "git", "commands", "logs", "metrics"},
    {"learning", "reviewing", "feedback"},
    {"github", "settings"},
    {"context"},
    {"grading"},
    {"handlers"},
    {"jobs"},
    {"web"},
    {"cli"},
]
RANK = {name: rank for rank, names in enumerate(LAYERS) for name in names}


def _part(module: str) -> str | None:
    parts = module.split(".")
    return parts[1] if parts[0] == "bot" and len(parts) > 1 else None


def test_every_part_of_the_package_has_a_layer() -> None:
    parts = {p.stem if p.is_file() else p.name for p in (ROOT / "bot").iterdir() if not p.name.startswith(("_", "."))}
    assert parts - {"py"} <= set(RANK), sorted(parts - set(RANK))


def test_no_import_runs_back_up() -> None:
    upward = []
    for path in sorted((ROOT / "bot").rglob("*.py")):
        source = _part(".".join(path.relative_to(ROOT).with_suffix("").parts))
        if source is None or source == "__init__":
            continue
        for node in ast.walk(ast.parse(path.read_text())):
            modules = [node.module] if isinstance(node, ast.ImportFrom) and node.module else []
            if isinstance(node, ast.Import):
                modules = [alias.name for alias in node.names]
            for module in modules:
                target = _part(module)
                if target is not None and target != source and RANK[target] >= RANK[source]:
                    upward.append(f"{path.relative_to(ROOT)}:{node.lineno} imports {module}")
    assert upward == []
