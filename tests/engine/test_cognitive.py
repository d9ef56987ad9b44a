"""Cognitive complexity on hand-worked cases, following SonarSource's definition as its Python analyzer applies it."""

from __future__ import annotations

import ast

import pytest

from bot.engine.analysis import split_lines
from bot.engine.python.walker import walk_module
from tests.engine.helpers import dedent


def cognitive(code: str) -> dict[str, int | None]:
    code = dedent(code)
    return {f.qualname: f.cognitive for f in walk_module(ast.parse(code), split_lines(code)).functions}


CASES = {
    "sum of primes (white paper, without the labelled continue)": (
        """
        def sum_of_primes(maximum):
            total = 0
            for i in range(1, maximum + 1):      # +1
                for j in range(2, i):            # +2
                    if i % j == 0:               # +3
                        break
                else:                            # +1
                    total += i
            return total
        """,
        7,
    ),
    "a match statement counts once": (
        """
        def words(number):
            match number:                        # +1
                case 1:
                    return "one"
                case 2:
                    return "a couple"
                case _:
                    return "lots"
        """,
        1,
    ),
    "if, elif and else": (
        """
        def sign(x):
            if x > 0:        # +1
                return 1
            elif x < 0:      # +1
                return -1
            else:            # +1
                return 0
        """,
        3,
    ),
    "else containing an if is nesting, not elif": (
        """
        def sign(x):
            if x > 0:            # +1
                return 1
            else:                # +1
                if x < 0:        # +2
                    return -1
            return 0
        """,
        4,
    ),
    "sequences of like boolean operators": (
        """
        def check(a, b, c, d):
            if a and b and c:        # +1 if, +1 and-sequence
                return 1
            if a and b or c and d:   # +1 if, +3: and, or, and
                return 2
            return not (a or b)      # +1
        """,
        7,
    ),
    "ternaries nest": (
        """
        def pick(a, b):
            if a:                                  # +1
                return b if b else (1 if a else 2) # +2, nested ternary +3
            return 0
        """,
        6,
    ),
    "try, except, else and finally": (
        """
        def load(path):
            try:
                data = read(path)
            except OSError:          # +1
                return None
            except ValueError:       # +1
                if strict:           # +2
                    raise
            else:                    # +1
                return data
            finally:
                close()
        """,
        5,
    ),
    "with blocks do not nest": (
        """
        def copy(a, b):
            with open(a) as src:
                with open(b) as dst:
                    if src:          # +1
                        dst.write(src.read())
        """,
        1,
    ),
}


@pytest.mark.parametrize(("code", "expected"), CASES.values(), ids=CASES.keys())
def test_hand_worked_cases(code: str, expected: int) -> None:
    (value,) = [v for v in cognitive(code).values() if v is not None]
    assert value == expected


def test_nested_function_counts_in_its_parent_one_level_deeper() -> None:
    values = cognitive(
        """
        def outer(items):
            def keep(item):
                if item:             # +2 (nested function adds a level)
                    return True
                return False
            return [i for i in items if keep(i)]
        """
    )
    assert values == {"outer": 2, "outer.keep": None}


def test_decorator_wrapper_adds_no_nesting() -> None:
    values = cognitive(
        """
        def logged(function):
            def wrapper(*args):
                if args:             # +1: a wrapper returned by its parent adds no level
                    log(args)
                return function(*args)
            return wrapper
        """
    )
    assert values["logged"] == 1


def test_methods_start_from_zero() -> None:
    values = cognitive(
        """
        class Account:
            def close(self):
                if self.open:        # +1
                    self.open = False
        """
    )
    assert values["Account.close"] == 1
