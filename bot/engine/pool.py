"""Running analysis jobs: inline for small batches, in a process pool when the batch is worth it."""

from __future__ import annotations

import multiprocessing
import os
from collections.abc import Callable, Sequence
from concurrent.futures import Executor, ProcessPoolExecutor

from bot.engine.analysis import FileAnalysis
from bot.engine.files import AnalysisJob, analyze_file

POOL_MIN_BYTES = 200_000
"""Below this much source in a batch, starting worker processes costs more than it saves."""
Progress = Callable[[int, int], None]


def make_pool(workers: int | None = None) -> ProcessPoolExecutor:
    """A process pool started with forkserver: safe to create from a program that already runs threads."""
    context = multiprocessing.get_context("forkserver")
    return ProcessPoolExecutor(max_workers=workers or os.cpu_count() or 1, mp_context=context)


def worth_a_pool(jobs: Sequence[AnalysisJob]) -> bool:
    """A single file, or a small batch, never pays for pool start-up."""
    size = sum(len(job.data) for job in jobs if isinstance(job.data, bytes))
    return len(jobs) > 1 and size >= POOL_MIN_BYTES


def run_jobs(
    jobs: Sequence[AnalysisJob], executor: Executor | None = None, progress: Progress | None = None
) -> list[FileAnalysis]:
    """Analyse every job, in order; with an executor the work spreads over its processes."""
    total = len(jobs)
    if executor is None or total < 2:
        results = []
        for done, job in enumerate(jobs, start=1):
            results.append(analyze_file(job))
            if progress is not None:
                progress(done, total)
        return results
    results_iter = executor.map(analyze_file, jobs, chunksize=max(1, min(16, total // 32)))
    results = []
    for done, analysis in enumerate(results_iter, start=1):
        results.append(analysis)
        if progress is not None:
            progress(done, total)
    return results
