"""Engine speed: Toasty against the floor (read + parse + tokenize) and a naive engine built on radon's helpers.

Targets, on one process: at least 9x faster than the naive radon engine, within 2x of the floor, and the
pathological pydoc_data/topics.py graded in under 2 s while radon's raw analysis of it does not finish.
"""

from __future__ import annotations

import ast
import gc
import io
import multiprocessing
import os
import signal
import time
import tokenize
import warnings
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

from radon.complexity import cc_visit
from radon.metrics import h_visit, mi_visit
from radon.raw import analyze

from benchmarks import corpus
from bot.engine.files import AnalysisJob, analyze_file
from bot.engine.python.raw import raw_metrics

NAIVE_SAMPLE_EVERY = int(os.environ.get("TOASTY_BENCH_SAMPLE", "1"))
"""The naive engine runs on every file by default (minutes); TOASTY_BENCH_SAMPLE=12 takes one in twelve."""
RADON_TIMEOUT = 30.0
NAIVE_FILE_LIMIT = 5.0
"""Per-file allowance for the naive engine: radon's raw analysis is quadratic on long literal tables."""


class NaiveTooSlow(Exception):
    """The naive engine passed NAIVE_FILE_LIMIT on one file."""


@dataclass
class Timing:
    """Seconds spent by each contender on the same files, measured interleaved file by file."""

    files: int = 0
    floor: float = 0.0
    toasty: float = 0.0
    naive: float = 0.0
    toasty_beside_naive: float = 0.0
    """Toasty's time on just the files radon finished, for a like-for-like ratio."""
    compared: int = 0
    identical: int = 0
    radon_failed: int = 0
    radon_too_slow: int = 0
    toasty_where_radon_too_slow: float = 0.0


def floor_work(data: bytes) -> None:
    """The least any Python grader must do: decode, parse and tokenize."""
    text = data.decode("utf-8")
    ast.parse(text)
    for _ in tokenize.generate_tokens(io.StringIO(text).readline):
        pass


def toasty_work(path: str, data: bytes) -> None:
    """Everything Toasty measures on a file (all rules, all metrics)."""
    analyze_file(AnalysisJob(path=path, data=data, max_bytes=10**9, use_plugins=False, skip_generated=False))


def naive_work(data: bytes) -> tuple[object, ...]:
    """A naive engine: radon's top-level helpers, each re-parsing the source."""
    text = data.decode("utf-8")
    return cc_visit(text), mi_visit(text, True), h_visit(text), analyze(text)


def _timed(work: Callable[..., object], *args: object) -> tuple[float, Any]:
    started = time.perf_counter()
    result = work(*args)
    return time.perf_counter() - started, result


def measure(files: corpus.Corpus, with_naive: bool) -> Timing:
    """Interleave the contenders file by file so machine noise hits them alike."""
    timing = Timing(files=len(files.files))
    gc.collect()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for source in files.files:
            timing.floor += _timed(floor_work, source.data)[0]
            toasty_seconds = _timed(toasty_work, source.path, source.data)[0]
            timing.toasty += toasty_seconds
            if with_naive:
                _compare_with_naive(timing, source, toasty_seconds)
    return timing


def _compare_with_naive(timing: Timing, source: corpus.SourceFile, toasty_seconds: float) -> None:
    try:
        seconds, naive = _within_limit(naive_work, source.data)
    except SyntaxError:  # radon's own tokenizer pass gives up on a few valid files
        timing.radon_failed += 1
        return
    except NaiveTooSlow:
        timing.radon_too_slow += 1
        timing.toasty_where_radon_too_slow += toasty_seconds
        return
    timing.naive += seconds
    timing.toasty_beside_naive += toasty_seconds
    timing.compared += 1
    timing.identical += _same_raw_figures(source.data, naive[3])


def _within_limit(work: Callable[..., object], *args: object) -> tuple[float, Any]:
    """_timed, interrupted after NAIVE_FILE_LIMIT seconds (radon is pure Python, so the alarm lands)."""

    def interrupt(signum: int, frame: object) -> None:
        raise NaiveTooSlow

    previous = signal.signal(signal.SIGALRM, interrupt)
    signal.setitimer(signal.ITIMER_REAL, NAIVE_FILE_LIMIT)
    try:
        return _timed(work, *args)
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


def _same_raw_figures(data: bytes, radon_raw: object) -> bool:
    ours = raw_metrics(data.decode("utf-8"))
    return (ours.loc, ours.lloc, ours.sloc, ours.comments, ours.multi, ours.blank, ours.single_comments) == tuple(
        radon_raw  # type: ignore[arg-type]
    )


def _radon_raw_in_child(data: bytes, queue: multiprocessing.Queue[float]) -> None:
    started = time.perf_counter()
    analyze(data.decode("utf-8"))
    queue.put(time.perf_counter() - started)


def radon_on_pathological(source: corpus.SourceFile, timeout: float) -> float | None:
    """radon.raw.analyze on the pathological file in a child process; None when it did not finish in time."""
    queue: multiprocessing.Queue[float] = multiprocessing.get_context("spawn").Queue()
    child = multiprocessing.get_context("spawn").Process(target=_radon_raw_in_child, args=(source.data, queue))
    child.start()
    child.join(timeout)
    if child.is_alive():
        child.terminate()
        child.join()
        return None
    return queue.get()


def run() -> Iterator[str]:
    """Measure, yielding report lines as figures become available."""
    yield from ["## Engine (one process)", ""]
    header = f"{'corpus':<34} {'files':>6} {'MB':>6} {'floor f/s':>10} {'toasty f/s':>11} {'toasty/floor':>13}"
    yield header
    whole = {}
    for files in (corpus.stdlib(), corpus.third_party()):
        timing = measure(files, with_naive=False)
        whole[files.name] = timing
        yield (
            f"{files.name:<34} {timing.files:>6} {files.megabytes:>6.1f} {timing.files / timing.floor:>10.1f} "
            f"{timing.files / timing.toasty:>11.1f} {timing.toasty / timing.floor:>12.2f}x"
        )
    yield ""
    yield (
        f"{'naive radon engine, same files':<34} {'files':>6} {'naive f/s':>10} {'toasty f/s':>11} "
        f"{'naive/toasty':>13} {'raw figures = radon':>20}"
    )
    for files in (corpus.stdlib(), corpus.third_party()):
        sample = files.sample(NAIVE_SAMPLE_EVERY)
        timing = measure(sample, with_naive=True)
        ratio = timing.naive / timing.toasty_beside_naive
        yield (
            f"{sample.name:<34} {timing.compared:>6} {timing.compared / timing.naive:>10.1f} "
            f"{timing.compared / timing.toasty_beside_naive:>11.1f} {ratio:>12.1f}x "
            f"{timing.identical:>9}/{timing.compared} files"
            + (f" ({timing.radon_failed} radon could not analyse)" if timing.radon_failed else "")
        )
        if timing.radon_too_slow:
            yield (
                f"{'':<34} radon gave up on {timing.radon_too_slow} more after {NAIVE_FILE_LIMIT:.0f} s each; "
                f"Toasty graded those in {timing.toasty_where_radon_too_slow:.2f} s together"
            )
    yield ""
    pathological = corpus.pathological()
    seconds = min(_timed(toasty_work, pathological.path, pathological.data)[0] for _ in range(3))
    radon_seconds = radon_on_pathological(pathological, RADON_TIMEOUT)
    radon_text = f"{radon_seconds:.1f} s" if radon_seconds is not None else f"did not finish in {RADON_TIMEOUT:.0f} s"
    yield (
        f"pathological {pathological.path} ({len(pathological.data) / 1e6:.2f} MB): "
        f"Toasty {seconds:.2f} s (target < 2 s); radon's raw analysis: {radon_text}"
    )
    floor_ratio = max(t.toasty / t.floor for t in whole.values())
    yield f"targets: toasty/floor <= 2.0x (worst here {floor_ratio:.2f}x), naive/toasty >= 9x, pathological < 2 s"
