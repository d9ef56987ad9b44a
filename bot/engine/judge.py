"""From a file's analysis to its findings: thresholds, what the change touched, suppressions, fingerprints.

Only changed code is judged. A function-level finding needs the change to touch the function (its signature,
for rules about the signature) and, when the base version is known, the value to be worse than it was; a
line-level finding needs its own lines changed; a file-level finding needs the file to have got worse.
"""

from __future__ import annotations

import hashlib
from collections import Counter
from collections.abc import Iterator, Mapping
from dataclasses import dataclass

from bot.engine.analysis import FileAnalysis, FunctionInfo, Observation, is_suppressed
from bot.engine.models import ChangedFile, Finding, MetricChange
from bot.engine.rules import RULES, RuleMeta, format_number
from bot.engine.strategy import RuleSettings, Strategy

FINGERPRINT_LENGTH = 20
_REPORTED_METRICS = ("maintainability", "complexity", "lines", "sloc")
_MEANINGFUL_DROP = 1.0
"""A maintainability index must fall by at least this much to count as worse (noise is smaller)."""


def fingerprint(rule: str, path: str, scope: str, anchor: str, ordinal: int) -> str:
    """Stable identity of a finding: never the line number, so it survives pushes and moved code."""
    key = "\x1f".join((rule, path, scope, anchor, str(ordinal)))
    return hashlib.sha256(key.encode("utf-8", "surrogatepass")).hexdigest()[:FINGERPRINT_LENGTH]


def metric_changes(head: FileAnalysis, base: FileAnalysis | None) -> dict[str, MetricChange]:
    """Whole-file figures before → after (before is None for a new file)."""
    changes = {}
    for name in _REPORTED_METRICS:
        after = head.metrics.get(name)
        before = base.metrics.get(name) if base is not None else None
        if after is not None or before is not None:
            changes[name] = MetricChange(before=_round(before), after=_round(after))
    return changes


def judge_file(
    change: ChangedFile,
    head: FileAnalysis,
    base: FileAnalysis | None,
    strategy: Strategy,
    table: Mapping[str, RuleMeta],
) -> list[Finding]:
    """The findings this change is responsible for in one file, sorted by line."""
    return _FileJudge(change, head, base, strategy, table).findings()


@dataclass(frozen=True, slots=True)
class _Candidate:
    rule: RuleMeta
    line: int
    end_line: int
    scope: str
    anchor: str
    subject: str = ""
    value: float | None = None
    suppress_at: tuple[int, ...] = ()


class _FileJudge:
    def __init__(
        self,
        change: ChangedFile,
        head: FileAnalysis,
        base: FileAnalysis | None,
        strategy: Strategy,
        table: Mapping[str, RuleMeta],
    ) -> None:
        self.change = change
        self.path = change.path
        self.head = head
        self.base = base if change.status != "added" else None
        self.strategy = strategy
        self.table = table
        self.base_values = _function_values(self.base) if self.base is not None else {}
        self.base_file_rules = {o.rule for o in self.base.observations} if self.base is not None else set()
        self._settings: dict[str, RuleSettings] = {}

    def findings(self) -> list[Finding]:
        ordinals: Counter[tuple[str, str, str]] = Counter()
        found = []
        for candidate, in_scope in self.candidates():
            key = (candidate.rule.id, candidate.scope, candidate.anchor)
            ordinal = ordinals[key]
            ordinals[key] += 1
            if in_scope and not self.suppressed(candidate):
                found.append(self.finding(candidate, ordinal))
        return sorted(found, key=lambda f: (f.line, f.rule, f.fingerprint))

    def settings(self, rule: RuleMeta) -> RuleSettings:
        cached = self._settings.get(rule.id)
        if cached is None:
            cached = self._settings[rule.id] = self.strategy.settings(rule, self.path)
        return cached

    def candidates(self) -> Iterator[tuple[_Candidate, bool]]:
        """Every potential finding in file order, each with whether this change is responsible for it."""
        for function in self.head.functions:
            yield from self.function_candidates(function)
        for observation in self.head.observations:
            rule = self.table.get(observation.rule)
            if rule is None or not self.settings(rule).enabled:
                continue
            candidate = _Candidate(
                rule,
                observation.line,
                observation.end_line,
                observation.scope,
                observation.anchor,
                observation.subject,
                observation.value,
                (observation.line, observation.end_line),
            )
            yield candidate, self.observation_in_scope(rule, observation)
        yield from self.file_metric_candidates()

    def function_candidates(self, function: FunctionInfo) -> Iterator[tuple[_Candidate, bool]]:
        whole = (function.start, function.end)
        header = (function.start, function.header_end)
        if function.kind != "class":
            for metric in RULES.function_metrics:
                value = metric.measure(function)
                rule = self.table[metric.meta.id]
                settings = self.settings(rule)
                if value is None or not settings.enabled or _level(rule, settings, value) is None:
                    continue
                span = header if metric.signature_only else whole
                before = self.base_values.get((rule.id, function.qualname))
                got_worse = before is None or rule.exceeds(value, before)
                candidate = self.function_candidate(rule, function, value)
                yield candidate, got_worse and self.change.touches(*span)
        for definition in RULES.definitions:
            rule = self.table[definition.meta.id]
            if definition.applies(function) and self.settings(rule).enabled:
                yield self.function_candidate(rule, function, None), self.change.touches(*header)

    def function_candidate(self, rule: RuleMeta, function: FunctionInfo, value: float | None) -> _Candidate:
        return _Candidate(
            rule,
            function.lineno,
            function.end,
            function.qualname,
            function.signature,
            f"`{function.qualname}`",
            value,
            (function.lineno,),
        )

    def observation_in_scope(self, rule: RuleMeta, observation: Observation) -> bool:
        if rule.scope == "file":
            return self.base is None or rule.id not in self.base_file_rules
        return self.change.touches(observation.line, observation.end_line)

    def file_metric_candidates(self) -> Iterator[tuple[_Candidate, bool]]:
        for metric in RULES.file_metrics:
            value = self.head.metrics.get(metric.figure)
            rule = self.table[metric.meta.id]
            settings = self.settings(rule)
            if value is None or not settings.enabled or _level(rule, settings, value) is None:
                continue
            before = self.base.metrics.get(metric.figure) if self.base is not None else None
            worse = before is None or rule.exceeds(value, before + (-_MEANINGFUL_DROP if rule.lower_is_worse else 0))
            yield _Candidate(rule, 1, 1, "", "", "this file", round(value, 1)), worse

    def suppressed(self, candidate: _Candidate) -> bool:
        suppressions = self.head.suppressions
        if not suppressions:
            return False
        if candidate.rule.scope == "file":  # file metrics are file-scoped (Registry.file_metric)
            lines: Iterator[int] | tuple[int, ...] = iter(suppressions)
        else:
            lines = candidate.suppress_at
        return any(is_suppressed(candidate.rule.id, suppressions.get(line, frozenset())) for line in lines)

    def finding(self, candidate: _Candidate, ordinal: int) -> Finding:
        rule = candidate.rule
        settings = self.settings(rule)
        threshold = settings.threshold if candidate.value is not None else None
        delivery = settings.delivery
        if candidate.value is not None and _level(rule, settings, candidate.value) == "probe":
            delivery = "probe"
            message = rule.describe_probe(candidate.value, threshold or 0, candidate.subject)
        else:
            message = rule.describe(candidate.value, threshold, candidate.subject)
        before = self.base_values.get((rule.id, candidate.scope)) if candidate.value is not None else None
        if before is not None:
            message += f" (It was {format_number(before)} before this change.)"
        return Finding(
            rule=rule.id,
            dimension=rule.dimension,
            severity=settings.severity,
            path=self.path,
            line=candidate.line,
            end_line=max(candidate.end_line, candidate.line),
            scope=candidate.scope,
            title=_title(rule, candidate, threshold),
            message=message,
            value=candidate.value,
            threshold=threshold,
            fingerprint=fingerprint(rule.id, self.path, candidate.scope, candidate.anchor, ordinal),
            delivery=delivery,
        )


def _level(rule: RuleMeta, settings: RuleSettings, value: float) -> str | None:
    """ "finding" past the threshold, "probe" past only the exploration point below it, else None."""
    if settings.threshold is None:
        return None
    if rule.exceeds(value, settings.threshold):
        return "finding"
    if settings.probe is not None and rule.exceeds(value, settings.probe):
        return "probe"
    return None


def _title(rule: RuleMeta, candidate: _Candidate, threshold: float | None) -> str:
    title = rule.title
    if candidate.value is not None and threshold is not None:
        title = f"{title} {format_number(candidate.value)} (threshold {format_number(threshold)})"
    if candidate.subject:
        title = f"{title}: {candidate.subject}"
    return title[:255]


def _function_values(analysis: FileAnalysis) -> dict[tuple[str, str], float]:
    """Each function metric of the base version, by rule and qualified name (the worst if a name repeats)."""
    values: dict[tuple[str, str], float] = {}
    for function in analysis.functions:
        if function.kind == "class":
            continue
        for metric in RULES.function_metrics:
            value = metric.measure(function)
            if value is not None:
                key = (metric.meta.id, function.qualname)
                values[key] = max(values.get(key, value), value)
    return values


def _round(value: float | None) -> float | None:
    return None if value is None else round(value, 2)
