"""Grading a change: decide what to analyse, analyse it, judge it, score it. The one entry point for all faces."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from concurrent.futures import Executor
from dataclasses import dataclass, field

from bot.engine.analysis import FileAnalysis
from bot.engine.files import AnalysisJob, Unavailable
from bot.engine.globs import matches
from bot.engine.judge import judge_file, metric_changes
from bot.engine.models import ChangedFile, FileGrade, PullRequestGrade
from bot.engine.plugins import plugin_rules
from bot.engine.pool import Progress, make_pool, run_jobs, worth_a_pool
from bot.engine.rules import RuleMeta, rule_table
from bot.engine.scoring import dimension_scores, letter, overall_score
from bot.engine.strategy import DEFAULT_EXCLUDES, Strategy

Reader = Callable[[str], bytes | Unavailable | None]


@dataclass(slots=True)
class GradingPlan:
    """Which files get analysed (head and, for before → after, base) and which are skipped and why."""

    strategy: Strategy
    to_grade: list[ChangedFile] = field(default_factory=list)
    not_graded: list[FileGrade] = field(default_factory=list)
    """Removed files (nothing to judge) and skipped ones (with the reason)."""
    use_plugins: bool = True

    def head_jobs(self, read_head: Reader) -> list[AnalysisJob]:
        """One job per graded file, with its head contents."""
        return [self._job(change.path, read_head(change.path)) for change in self.to_grade]

    def base_jobs(self, read_base: Reader) -> list[AnalysisJob | None]:
        """One job per graded file that existed before the change (None where it did not)."""
        return [
            self._job(change.path, read_base(change.old_path or change.path)) if has_base(change) else None
            for change in self.to_grade
        ]

    def analyses(self, read_head: Reader, read_base: Reader | None) -> Analyses:
        """The contents this plan needs, read now into one batch of jobs, and how their results become the grade."""
        heads = self.head_jobs(read_head)
        bases: list[AnalysisJob | None] = self.base_jobs(read_base) if read_base is not None else [None] * len(heads)
        return Analyses(self, heads, bases)

    def _job(self, path: str, data: bytes | Unavailable | None) -> AnalysisJob:
        return AnalysisJob(
            path=path,
            data=data,
            max_bytes=self.strategy.max_file_bytes,
            custom_rules=self.strategy.regex_rules(),
            use_plugins=self.use_plugins,
            skip_generated=not self.strategy.generated_files,
        )


@dataclass(frozen=True, slots=True)
class Analyses:
    """A plan's analysis jobs (heads, then the bases that exist): whoever runs them, sync or async, hands the
    results back to `grade`, so the App, the Action and the CLI put a grade together the same way."""

    grading: GradingPlan
    heads: list[AnalysisJob]
    bases: list[AnalysisJob | None]

    @property
    def jobs(self) -> list[AnalysisJob]:
        """Every job to run, in the order `grade` expects their results."""
        return [*self.heads, *(job for job in self.bases if job is not None)]

    def grade(self, results: Sequence[FileAnalysis]) -> PullRequestGrade:
        """Judge every analysed file and score the change, from each job's analysis in the order of `jobs`."""
        if len(results) != len(self.heads) + sum(job is not None for job in self.bases):
            raise ValueError(f"{len(results)} analyses for {len(self.jobs)} jobs")
        rest = iter(results[len(self.heads) :])
        bases = [next(rest) if job is not None else None for job in self.bases]
        return assemble(self.grading, results[: len(self.heads)], bases)


def has_base(change: ChangedFile) -> bool:
    """Whether a base version exists to compare with."""
    return change.status in ("modified", "renamed", "copied", "unchanged")


def plan(changes: Sequence[ChangedFile], strategy: Strategy, use_plugins: bool = True) -> GradingPlan:
    """Sort the changed files into graded and not graded (removed, excluded, binary), in path order."""
    grading = GradingPlan(strategy=strategy, use_plugins=use_plugins)
    for change in sorted(changes, key=lambda c: c.path):
        reason = _skip_reason(change, strategy)
        if change.status == "removed" or reason is not None:
            grading.not_graded.append(
                FileGrade(path=change.path, old_path=change.old_path, status=change.status, skipped=reason)
            )
        else:
            grading.to_grade.append(change)
    return grading


def known_rules(strategy: Strategy, use_plugins: bool = True) -> dict[str, RuleMeta]:
    """Built-in rules, installed plugins' rules and the repository's custom rules."""
    extra = [rule.meta for rule in strategy.regex_rules()]
    if use_plugins:
        extra.extend(plugin_rules())
    return rule_table(extra)


def assemble(
    grading: GradingPlan,
    heads: Sequence[FileAnalysis],
    bases: Sequence[FileAnalysis | None],
) -> PullRequestGrade:
    """Judge every analysed file and score the whole change."""
    strategy = grading.strategy
    table = known_rules(strategy, grading.use_plugins)
    files = list(grading.not_graded)
    changed_lines = 0
    for change, head, base in zip(grading.to_grade, heads, bases, strict=True):
        if head.skipped:
            files.append(_skipped(change, head.skipped, head.language))
            continue
        base_usable = base if base is not None and not base.skipped else None
        findings = judge_file(change, head, base_usable, strategy, table)
        lines = head.lines if change.whole_file or not change.patch_available else len(change.added_lines)
        changed_lines += lines
        files.append(
            FileGrade(
                path=change.path,
                old_path=change.old_path,
                status=change.status,
                language=head.language,
                changed_lines=lines,
                metrics=metric_changes(head, base_usable),
                findings=tuple(findings),
            )
        )
    files.sort(key=lambda f: f.path)
    all_findings = [finding for file in files for finding in file.findings]
    dimensions = dimension_scores(all_findings, changed_lines, strategy.weights)
    score = overall_score(dimensions)
    passed = strategy.fail_under is None or score >= strategy.fail_under
    return PullRequestGrade(
        score=score,
        grade=letter(score),
        dimensions=dimensions,
        files=tuple(files),
        fail_under=strategy.fail_under,
        passed=passed,
        strategy_digest=strategy.digest,
    )


def grade_change(
    changes: Sequence[ChangedFile],
    read_head: Reader,
    read_base: Reader | None,
    strategy: Strategy,
    *,
    executor: Executor | None = None,
    parallel: bool = False,
    progress: Progress | None = None,
) -> PullRequestGrade:
    """Grade a change synchronously: the CLI's and the Action's path (the App runs the same plan and Analyses, its
    jobs in its own pool, between its GitHub reads).

    With `parallel`, a process pool is started for the duration when the batch is big enough to repay it.
    """
    batch = plan(changes, strategy).analyses(read_head, read_base)
    jobs = batch.jobs
    if executor is None and parallel and worth_a_pool(jobs):
        with make_pool() as pool:
            return batch.grade(run_jobs(jobs, pool, progress))
    return batch.grade(run_jobs(jobs, executor, progress))


def _skip_reason(change: ChangedFile, strategy: Strategy) -> str | None:
    if change.status == "removed":
        return None
    if change.is_binary:
        return "binary file"
    if not strategy.includes(change.path):
        if matches(DEFAULT_EXCLUDES, change.path) and matches(strategy.exclude, change.path):
            return "excluded by default (vendored, generated, minified or lock file)"
        return "excluded by configuration"
    return None


def _skipped(change: ChangedFile, reason: str, language: str | None) -> FileGrade:
    return FileGrade(
        path=change.path, old_path=change.old_path, status=change.status, language=language, skipped=reason
    )
