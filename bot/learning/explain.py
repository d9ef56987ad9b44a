"""Saying what was learned: which numbers differ from the defaults, why, and from how much evidence."""

from __future__ import annotations

from collections.abc import Mapping

from bot.engine.rules import format_number
from bot.engine.strategy import LearnedRule, Strategy
from bot.learning.learner import Reviewer
from bot.learning.params import LearningParameters

_MODE_WORDS = {"comment": "inline comments", "annotation": "annotations only", "silent": "silent", "probe": "probes"}


def evidence_words(record: LearnedRule) -> str:
    """`9 👎 / 1 👍, 2 fixed`: the votes behind a learned number."""
    parts = [f"{record.down} 👎 / {record.up} 👍"]
    if record.fixed:
        parts.append(f"{record.fixed} fixed")
    if record.ignored:
        parts.append(f"{record.ignored} ignored")
    if record.resolved:
        parts.append(f"{record.resolved} resolved")
    return ", ".join(parts)


def changes(strategy: Strategy) -> list[str]:
    """One line per learned difference from the starting point, most evidence first."""
    lines = _discounted(strategy) + _answering(strategy) + _probing(strategy)
    for rule_id, record in sorted(strategy.learned.items(), key=lambda item: -item[1].evidence):
        evidence = evidence_words(record)
        if record.muted:
            lines.append(f"`{rule_id}` muted by the team (`@toasty unmute` brings it back)")
            continue
        if (
            record.threshold_from is not None
            and record.threshold_to is not None
            and record.threshold_to != record.threshold_from
        ):
            lines.append(
                f"`{rule_id}` threshold {format_number(record.threshold_from)} → "
                f"{format_number(record.threshold_to)} after {evidence}"
            )
        if record.delivery_to != record.delivery_from:
            changed = f"; the latest votes overturned {record.set_aside} earlier ones" if record.set_aside else ""
            lines.append(
                f"`{rule_id}` {_MODE_WORDS[record.delivery_from]} → {_MODE_WORDS[record.delivery_to]} "
                f"(usefulness {record.usefulness:.0%} after {evidence}{changed})"
            )
        if record.in_doubt:
            doubt = f"in doubt (usefulness {record.usefulness:.0%} after {evidence})"
            lines.append(f"`{rule_id}` {doubt}: {_asking(record)}")
        if record.bounded:
            lines.append(
                f"`{rule_id}`: votes from {_people(record.bounded)} bounded, so that no one outweighs the rest of "
                "the team on this rule"
            )
    return lines


def reviewer_lines(reviewers: Mapping[str, Reviewer]) -> list[str]:
    """Whose votes weigh less and why, by login: for the repository's maintainers (`toasty strategy show`)."""
    return [
        f"votes from @{login} weigh less (×{reviewer.weight:.2f}): they disagree with the other reviewers on "
        f"{reviewer.disagreement:.0%} of the {reviewer.agreed + reviewer.differed:.0f} findings they voted on together"
        for login, reviewer in sorted(reviewers.items(), key=lambda item: (item[1].weight, item[0]))
        if reviewer.weight < 0.95
    ]


def _discounted(strategy: Strategy) -> list[str]:
    """Unnamed, for everyone who can read the check run: how many people weigh less, and why."""
    if not strategy.reviewers:
        return []
    worst = max(reviewer.disagreement for reviewer in strategy.reviewers)
    return [
        f"votes from {_people(len(strategy.reviewers))} weigh less: they disagree with the other reviewers on up to "
        f"{worst:.0%} of findings (maintainers see who in `toasty strategy show`)"
    ]


def _answering(strategy: Strategy) -> list[str]:
    """Where few comments get an answer, Toasty asks less: say so, with the figure."""
    rate = strategy.answer_rate
    if rate is None or rate >= LearningParameters().answered_enough:
        return []
    return [
        f"the team answers about {rate:.0%} of Toasty's comments here, so it asks about quiet rules and lower "
        "thresholds less often (a question nobody answers teaches nothing)"
    ]


def _probing(strategy: Strategy) -> list[str]:
    """One line for the rules whose findings just short of the threshold are asked about, and how likely a
    stricter cut is: the questions in reviews say why they are asked, this says where."""
    asked = []
    for rule_id, record in sorted(strategy.learned.items()):
        settings = strategy.rules.get(rule_id)
        if record.probe_chance > 0 and settings is not None and settings.threshold is not None:
            stricter = sum(mass for _, mass in record.probe_cuts)
            asked.append(f"`{rule_id}` ({format_number(settings.threshold)}, {stricter:.0%} likely)")
    if not asked:
        return []
    return [
        f"findings just short of the threshold are asked about now and then, where the team may want a stricter cut: "
        f"{', '.join(asked)}; a 👍 on such a question moves the threshold"
    ]


def _people(count: int) -> str:
    return f"{count} reviewer" + ("" if count == 1 else "s")


def _asking(record: LearnedRule) -> str:
    """How Toasty asks the team about a rule whose votes leave open whether it is worth a comment."""
    if record.delivery_to == "comment":
        return f"one inline comment in {record.asking:.0%} of reviews until the votes settle it"
    return f"asked about in {record.asking:.0%} of reviews until the votes settle it"


def summary_section(strategy: Strategy) -> str:
    """The check run's "Learned for this repository" section; empty when nothing differs from the defaults."""
    lines = changes(strategy)
    if not lines:
        return ""
    body = "\n".join(f"- {line}" for line in lines[:12])
    more = f"\n- … and {len(lines) - 12} more (`toasty strategy show`)" if len(lines) > 12 else ""
    return (
        "### Learned for this repository\n\n"
        f"{body}{more}\n\n"
        "<sub>From 👍/👎 on Toasty's comments, fixes, and `@toasty` replies by this repository's members. "
        "Anything set in `.github/toasty.yml` always wins.</sub>"
    )
