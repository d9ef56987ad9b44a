"""Run every benchmark and print its figures (`make bench`); `python -m benchmarks engine` runs one."""

from __future__ import annotations

import argparse
import importlib
import sys
import time

SUITES = ("engine", "app", "learning")


def main() -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks")
    parser.add_argument("suites", nargs="*", choices=SUITES, help="which benchmarks (default: all)")
    args = parser.parse_args()
    for name in args.suites or SUITES:
        started = time.perf_counter()
        module = importlib.import_module(f"benchmarks.{name}")
        for line in module.run():
            print(line, flush=True)
        print(f"({name}: {time.perf_counter() - started:.0f} s)\n", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
