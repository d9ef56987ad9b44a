"""Repositories and changes the App tests grade: real-looking code with known findings."""

from __future__ import annotations

UTIL = '"""Utilities."""\n\n\ndef add(a, b):\n    """Add two numbers."""\n    return a + b\n'

RISKY = (
    '"""Running things."""\n\nimport subprocess\n\n\n'
    "def run(command):\n"
    '    """Run a shell command."""\n'
    "    return subprocess.run(command, shell=True)\n\n\n"
    "def evaluate(expression):\n"
    '    """Evaluate user input."""\n'
    "    return eval(expression)\n"
)


def branchy(name: str, branches: int) -> str:
    """A documented function with the given number of `if` statements."""
    body = "".join(f"    if x == {i}:\n        return {i}\n" for i in range(branches))
    return f'def {name}(x):\n    """Decide."""\n{body}    return -1\n'


def many_findings(count: int) -> str:
    """A module with `count` eval calls, one finding each."""
    lines = "".join(f"value_{i} = eval(source_{i})\n" for i in range(count))
    return '"""Many findings."""\n\n' + lines
