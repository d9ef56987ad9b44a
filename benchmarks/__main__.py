"""Run every benchmark and print its figures (`make bench`); `python -m benchmarks engine` runs one."""

from __future__ import annotations

import argparse
import importlib
import sys
import time

SUITES = ("engine", "detection", "app", "intake", "jobs", "learning", "action_install")


def main() -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks")
    parser.add_argument("suites", nargs="*", metavar="SUITE", help=f"{', '.join(SUITES)} (default: all)")
    args = parser.parse_args()  # no `choices`: Python 3.11 rejects an empty list against them
    unknown = sorted(set(args.suites) - set(SUITES))
    if unknown:
        parser.error(f"unknown suite {', '.join(unknown)}; choose from {', '.join(SUITES)}")
    for name in args.suites or SUITES:
        started = time.perf_counter()
        module = importlib.import_module(f"benchmarks.{name}")
        for line in module.run():
            print(line, flush=True)
        print(f"({name}: {time.perf_counter() - started:.0f} s)\n", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
