"""The strategy maths on hand-worked cases: votes, trust, decay, posteriors, thresholds, modes, pins, resets."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest

from bot.engine.config import load_config
from bot.engine.rules import CATALOGUE
from bot.engine.strategy import Strategy, resolve_strategy
from bot.learning.explain import changes, summary_section
from bot.learning.learner import CollectivePriors, apply_priors, collective_priors, learn
from bot.learning.ledger import Ledger
from bot.learning.params import LearningParameters
from bot.learning.votes import Signal

NOW = datetime(2026, 11, 1, tzinfo=UTC)
PARAMS = LearningParameters(collective=False)
STEADY = LearningParameters(collective=False, change_rate=1e-12, change_run=1)
"""As if tastes never changed: the plain Beta posterior, for the hand-worked sums."""


class Log:
    """Builds a feedback log the way the App writes one."""

    def __init__(self) -> None:
        self.signals: list[Signal] = []

    def add(
        self,
        rule: str,
        signal: str = "reaction",
        content: str | None = "+1",
        *,
        fingerprint: str | None = None,
        value: float | None = None,
        actor: str = "maintainer",
        association: str = "MEMBER",
        days_ago: float = 0,
    ) -> Log:
        self.signals.append(
            Signal(
                id=len(self.signals) + 1,
                repository="octo/demo",
                rule=rule,
                fingerprint=fingerprint if fingerprint is not None else f"fp{len(self.signals)}",
                value=value,
                actor=actor,
                association=association,
                signal=signal,
                content=content,
                occurred_at=NOW - timedelta(days=days_ago),
            )
        )
        return self

    def learn(self, base: Strategy | None = None, params: LearningParameters = PARAMS, **kwargs: object) -> Strategy:
        return learn(base or Strategy.default(), self.signals, CATALOGUE, params=params, now=NOW, **kwargs)  # type: ignore[arg-type]


def test_no_feedback_changes_nothing() -> None:
    assert Log().learn().rules == Strategy.default().rules


def test_usefulness_is_the_beta_posterior_mean() -> None:
    log = Log()
    for _ in range(3):
        log.add("security.pickle", content="+1")
    log.add("security.pickle", content="-1")
    # prior Beta(3, 1) (four pseudo-votes at the defaults' 75%), then 3 for and 1 against: 6 / 8
    assert log.learn(params=STEADY).rules["security.pickle"].usefulness == pytest.approx(6 / 8, abs=1e-4)


def test_old_votes_count_half_after_one_half_life() -> None:
    log = Log().add("security.pickle", content="-1", days_ago=90).add("security.pickle", content="+1")
    record = log.learn(params=STEADY).learned["security.pickle"]
    assert record.evidence == pytest.approx(1.5)
    assert record.usefulness == pytest.approx((3 + 1) / (4 + 1.5), abs=1e-4)


def test_a_few_votes_leave_a_rule_close_to_the_defaults() -> None:
    log = Log().add("reliability.assert", content="-1").add("reliability.assert", content="-1", fingerprint="b")
    log.add("reliability.assert", content="+1", fingerprint="c")
    learned = log.learn()
    assert learned.rules["reliability.assert"].delivery == "comment"  # one 👎 more than 👍 is not a verdict
    assert learned.rules["reliability.assert"].usefulness > 0.5


def test_one_vote_per_person_per_finding() -> None:
    log = Log()
    log.add("security.pickle", content="+1", fingerprint="a").add("security.pickle", content="heart", fingerprint="a")
    log.add("security.pickle", content="+1", fingerprint="b").add(
        "security.pickle", "reaction_removed", "+1", fingerprint="b"
    )
    log.add("security.pickle", content="+1", fingerprint="c").add("security.pickle", content="-1", fingerprint="c")
    record = log.learn().learned["security.pickle"]
    assert (record.up, record.down, record.evidence) == (1, 0, 1.0)


def test_ignore_beats_a_reaction_and_a_fix_counts_for_the_author() -> None:
    log = Log()
    log.add("reliability.assert", content="+1", fingerprint="a").add(
        "reliability.assert", "ignore", None, fingerprint="a"
    )
    log.add("reliability.assert", "fixed", None, fingerprint="b", actor="author")
    record = log.learn().learned["reliability.assert"]
    assert (record.ignored, record.fixed, record.up) == (1, 1, 0)


def test_strangers_and_bots_move_nothing() -> None:
    log = Log()
    for index in range(30):
        for rule in CATALOGUE:
            log.add(rule, content="-1", actor=f"stranger{index}", association="NONE", value=50.0)
        log.add("complexity.cyclomatic", content="-1", actor="dependabot[bot]", association="BOT", value=40.0)
        log.add("complexity.cyclomatic", content="-1", actor="toasty[bot]", association="MEMBER", value=40.0)
    learned = log.learn(ignored_actors=frozenset({"toasty[bot]"}))
    assert learned.rules == Strategy.default().rules
    assert learned.weights == Strategy.default().weights


def test_votes_that_weigh_nothing_make_no_change_of_taste_more_likely() -> None:
    honest, with_grumpy = Log(), Log()
    for index in range(40):
        rule = "reliability.assert" if index % 2 else "security.eval"
        content = "-1" if index in (33, 37, 39) else "+1"  # noisy 👎 late in a long record
        for log in (honest, with_grumpy):
            for member in ("ana", "bo"):
                log.add(rule, content=content, fingerprint=f"f{index}", actor=member, days_ago=40 - index)
        with_grumpy.add(rule, content="-1", fingerprint=f"f{index}", actor="grumpy", days_ago=40 - index)
    grumpy = with_grumpy.learn()
    assert min(reviewer.weight for reviewer in grumpy.reviewers) == 0  # grumpy disagrees with everyone
    for rule in ("reliability.assert", "security.eval"):
        alone, crowded = honest.learn().learned[rule], grumpy.learned[rule]
        assert (crowded.usefulness, crowded.worth_chance) == (alone.usefulness, alone.worth_chance)


def test_contributors_count_a_little() -> None:
    log = Log()
    for _ in range(4):
        log.add("security.pickle", content="-1", association="CONTRIBUTOR")
    assert log.learn().learned["security.pickle"].evidence == pytest.approx(1.0)


def test_threshold_moves_to_the_cut_the_votes_draw_once_they_beat_the_default_by_two() -> None:
    log = Log()
    for value in (12, 13):
        log.add("complexity.cyclomatic", content="-1", value=value)
    assert log.learn().rules["complexity.cyclomatic"].threshold == 10  # two votes are not yet enough evidence
    log.add("complexity.cyclomatic", content="-1", value=14)
    assert log.learn().rules["complexity.cyclomatic"].threshold == 14  # the team accepts up to 14
    log.add("complexity.cyclomatic", content="+1", value=18)
    assert log.learn().rules["complexity.cyclomatic"].threshold == 14
    log.add("complexity.cyclomatic", content="-1", value=15)
    strategy = log.learn()
    assert strategy.rules["complexity.cyclomatic"].threshold == 15
    assert "`complexity.cyclomatic` threshold 10 → 15 after 4 👎 / 1 👍" in changes(strategy)


def test_threshold_never_passes_its_hard_bounds() -> None:
    log = Log()
    for index in range(40):
        log.add("complexity.cyclomatic", content="-1", value=500 + index)
    assert log.learn().rules["complexity.cyclomatic"].threshold == 50  # the rule's upper bound


def test_a_thumbs_up_just_below_the_threshold_lowers_it() -> None:
    log = Log()
    for value in (45, 48, 52, 55):
        log.add("size.function-length", content="+1", value=value)
    assert log.learn().rules["size.function-length"].threshold == 44


def test_maintainability_threshold_moves_the_other_way() -> None:
    log = Log()
    for value in (15.5, 12.0, 16.0):
        log.add("maintainability.index", content="-1", value=value)
    assert log.learn().rules["maintainability.index"].threshold == 12.0  # the team accepts files down to 12


def test_comments_become_annotations_then_silence_as_the_team_objects() -> None:
    log = Log()
    for _ in range(4):
        log.add("documentation.function-docstring", content="-1")
    assert log.learn().rules["documentation.function-docstring"].delivery == "annotation"
    for _ in range(20):
        log.add("documentation.function-docstring", content="-1")
    strategy = log.learn()
    assert strategy.rules["documentation.function-docstring"].delivery == "silent"
    assert any("inline comments → silent" in line for line in changes(strategy))


def test_a_change_of_taste_needs_a_sustained_run_against_a_record() -> None:
    log = Log()
    for day in range(12):
        log.add("reliability.assert", content="+1", days_ago=30 - day)
    for _ in range(2):
        log.add("reliability.assert", content="-1")
    held = log.learn()
    assert held.rules["reliability.assert"].delivery == "comment"  # two 👎 against twelve 👍: held back, not quiet
    assert held.learned["reliability.assert"].in_doubt
    for _ in range(2):
        log.add("reliability.assert", content="-1")
    strategy = log.learn()
    assert strategy.rules["reliability.assert"].delivery == "annotation"
    assert strategy.learned["reliability.assert"].set_aside == 12
    assert "the latest votes overturned 12 earlier ones" in " ".join(changes(strategy))
    assert log.learn(params=STEADY).rules["reliability.assert"].delivery == "comment"  # a plain posterior: 15 / 20


def test_noise_inside_a_long_record_does_not_quieten_a_rule_and_a_false_alarm_is_asked_about() -> None:
    log = Log()
    for index in range(30):
        log.add("reliability.assert", content="-1" if index % 10 == 4 else "+1", days_ago=40 - index)
    for _ in range(3):
        log.add("reliability.assert", content="-1", days_ago=5)
    assert log.learn().rules["reliability.assert"].delivery == "comment"  # three 👎 in a row after 27 👍
    log.add("reliability.assert", content="-1", days_ago=5)
    quiet = log.learn()
    assert quiet.rules["reliability.assert"].delivery == "annotation"  # a fourth: perhaps a change of taste
    assert quiet.learned["reliability.assert"].worth_chance > 0.4  # so it is asked about in many reviews
    for _ in range(5):
        log.add("reliability.assert", content="+1")  # the answers to those questions
    assert log.learn().rules["reliability.assert"].delivery == "comment"


def test_a_rule_is_in_doubt_while_its_votes_leave_open_whether_it_is_worth_a_comment() -> None:
    log = Log()
    for day in range(6):
        log.add("reliability.assert", content="+1", days_ago=30 - day)
    assert not log.learn().learned["reliability.assert"].in_doubt
    for days_ago in (20, 19):
        log.add("reliability.assert", content="-1", days_ago=days_ago)
    commenting = log.learn()
    assert commenting.rules["reliability.assert"].delivery == "comment"
    assert commenting.learned["reliability.assert"].in_doubt  # one comment per review until the team says more
    doubt = commenting.learned["reliability.assert"]
    assert doubt.ask_chance == doubt.worth_chance  # … in the share of reviews its chance of being worth it says
    assert "`reliability.assert` in doubt (usefulness 71% after 2 👎 / 6 👍): one inline comment in " in (
        summary_section(commenting)
    )
    for days_ago in (18, 17):
        log.add("reliability.assert", content="-1", days_ago=days_ago)
    quietened = log.learn()
    assert quietened.rules["reliability.assert"].delivery == "annotation"
    assert quietened.learned["reliability.assert"].in_doubt
    assert "in doubt (usefulness 55% after 4 👎 / 6 👍): asked about in 42% of reviews" in summary_section(quietened)
    log.add("reliability.assert", content="-1")
    settled = log.learn()
    assert settled.rules["reliability.assert"].delivery == "annotation"
    assert not settled.learned["reliability.assert"].in_doubt


def test_rules_a_person_or_the_config_decided_are_never_in_doubt() -> None:
    log = Log()
    for _ in range(2):
        log.add("reliability.assert", content="-1").add("complexity.cyclomatic", content="-1")
    for _ in range(3):
        log.add("reliability.assert", content="+1").add("complexity.cyclomatic", content="+1")
    assert log.learn().learned["reliability.assert"].in_doubt
    assert log.learn().learned["complexity.cyclomatic"].in_doubt
    base = resolve_strategy(load_config("rules:\n  complexity.cyclomatic: {delivery: comment}\n"))
    log.add("reliability.assert", "mute", None)
    learned = log.learn(base).learned
    assert not learned["reliability.assert"].in_doubt
    assert not learned["complexity.cyclomatic"].in_doubt
    assert learned["reliability.assert"].worth_chance == 0  # never asked about either


def test_a_rule_turned_down_long_ago_stays_down() -> None:
    log = Log()
    for _ in range(5):
        log.add("documentation.function-docstring", content="-1", days_ago=180)  # two half-lives ago
    strategy = log.learn()
    assert strategy.learned["documentation.function-docstring"].evidence == pytest.approx(1.25)  # under 3, yet
    assert strategy.rules["documentation.function-docstring"].delivery == "annotation"


def test_refusals_the_new_threshold_spares_do_not_quieten_the_rule() -> None:
    log = Log()
    for value in (11, 12, 12, 13, 13, 14, 14, 15, 15, 15):
        log.add("complexity.cyclomatic", content="-1", value=value)
    for value in (18, 22):
        log.add("complexity.cyclomatic", content="+1", value=value)
    strategy = log.learn()
    assert strategy.rules["complexity.cyclomatic"].threshold == 15
    assert strategy.rules["complexity.cyclomatic"].delivery == "comment"  # 10 👎 were about the threshold


def test_mute_and_unmute_by_members_only() -> None:
    stranger = Log().add("security.pickle", "mute", None, association="NONE")
    assert stranger.learn().rules["security.pickle"].delivery == "comment"
    muted = Log().add("security.pickle", "mute", None)
    assert muted.learn().rules["security.pickle"].delivery == "silent"
    muted.add("security.pickle", "unmute", None)
    assert muted.learn().rules["security.pickle"].delivery == "comment"


def test_config_pins_are_never_learned_over() -> None:
    base = resolve_strategy(load_config("rules:\n  complexity.cyclomatic: {threshold: 8, delivery: comment}\n"))
    log = Log()
    for value in (20, 21, 22, 23):
        log.add("complexity.cyclomatic", content="-1", value=value)
    for _ in range(10):
        log.add("complexity.cyclomatic", content="-1", value=None)
    settings = log.learn(base).rules["complexity.cyclomatic"]
    assert (settings.threshold, settings.delivery) == (8, "comment")


def test_reset_forgets_without_deleting() -> None:
    log = Log()
    for _ in range(5):
        log.add("security.pickle", content="-1").add("security.yaml-load", content="-1")
    log.add("security.pickle", "reset", "security.pickle", fingerprint="")
    strategy = log.learn()
    assert "security.pickle" not in strategy.learned
    assert strategy.rules["security.yaml-load"].delivery != "comment"
    log.add("security.yaml-load", "reset", None, fingerprint="")
    assert log.learn().learned == {}
    assert len(log.signals) == 12  # the log only grew


def test_replaying_the_log_gives_the_same_strategy() -> None:
    log = Log()
    for index in range(30):
        log.add(sorted(CATALOGUE)[index % 7], content="-1" if index % 3 else "+1", value=float(10 + index))
    first = log.learn().to_json()
    shuffled = Log()
    shuffled.signals = list(reversed(log.signals))
    assert shuffled.learn().to_json() == first


def test_probing_starts_once_the_team_votes_on_a_rule_and_becomes_rare_once_it_refuses_what_it_finds() -> None:
    log = Log().add("complexity.cyclomatic", content="+1", value=20)
    assert log.learn().rules["complexity.cyclomatic"].probe is None  # one vote: nothing to ask a stranger about
    log.add("complexity.cyclomatic", content="+1", value=22).add("complexity.cyclomatic", content="+1", value=30)
    learned = log.learn().learned["complexity.cyclomatic"]
    assert log.learn().rules["complexity.cyclomatic"].probe == 7.0  # values 8–10 may be asked about
    assert [cut for cut, _ in learned.probe_cuts] == [7.0, 8.0, 9.0]  # the team's cut may be any of these …
    assert 0.3 < learned.probe_chance < 0.7  # … or the default: a fair chance either way
    said = " ".join(changes(log.learn()))
    assert re.search(r"short of the threshold .*`complexity.cyclomatic` \(10, \d+% likely\)", said)  # said, with why
    for value in (10, 9, 10):  # probes the team refused, at the top of the band
        log.add("complexity.cyclomatic", content="-1", value=value)
    assert log.learn().learned["complexity.cyclomatic"].probe_chance == 0  # below the floor: exploration only
    assert not any("short of the threshold" in line for line in changes(log.learn()))  # nor said to be asked
    for value in (25, 26, 27, 28, 29, 31, 32, 33, 34, 35) * 6:  # many later votes on the rule …
        log.add("complexity.cyclomatic", content="+1", value=value)
    assert log.learn().learned["complexity.cyclomatic"].probe_chance > 0.15  # … and old refusals no longer settle it


def test_old_refusals_of_a_stricter_cut_are_set_aside_together_once_the_team_may_have_changed_its_mind() -> None:
    def chance(refusals: tuple[int, ...], later: int) -> float:
        log = Log()
        for value in (20, 22, 30):
            log.add("complexity.cyclomatic", content="+1", value=value)
        for value in refusals:  # probes the team refused
            log.add("complexity.cyclomatic", content="-1", value=value)
        for index in range(later):  # comments above the threshold: they say nothing about a stricter cut
            log.add("complexity.cyclomatic", content="+1", value=25 + index % 10)
        return log.learn().learned["complexity.cyclomatic"].probe_chance

    twice, eight_times = (10, 9), (10, 9, 10, 9, 8, 10, 9, 8)
    assert chance(twice, 0) == chance(eight_times, 0) == 0  # just refused: not asked again
    assert chance(eight_times, 30) > 0.15  # a change since is as likely after eight refusals as after two …
    assert abs(chance(eight_times, 30) - chance(twice, 30)) < 0.05  # … so they are asked again as soon
    assert chance(eight_times, 60) > chance(eight_times, 30)


def test_a_team_that_answers_few_comments_is_asked_less() -> None:
    answering, silent = Log(), Log()
    for index in range(40):
        for log in (answering, silent):
            log.add(
                "reliability.assert",
                "posted",
                None,
                fingerprint=f"f{index}",
                actor="toasty[bot]",
                association="BOT",
                days_ago=40 - index,
            )
        answering.add(
            "reliability.assert", content="-1" if index % 2 else "+1", fingerprint=f"f{index}", days_ago=40 - index
        )
        if index % 10 == 0:
            silent.add(
                "reliability.assert", content="-1" if index % 20 else "+1", fingerprint=f"f{index}", days_ago=40 - index
            )
    loud, quiet = answering.learn(), silent.learn()
    assert loud.answer_rate == pytest.approx(41 / 42, abs=1e-3)
    assert quiet.answer_rate == pytest.approx(5 / 42, abs=1e-3)
    assert quiet.exploration < loud.exploration
    assert "the team answers about 12% of Toasty's comments here" in summary_section(quiet)


def test_dimension_weights_follow_what_the_team_values() -> None:
    log = Log()
    for _ in range(5):
        log.add("security.eval", content="+1")
        log.add("documentation.module-docstring", content="-1")
    weights = log.learn().weights
    assert weights[CATALOGUE["security.eval"].dimension] == pytest.approx(3.0 * 1.5)
    assert weights[CATALOGUE["documentation.module-docstring"].dimension] == pytest.approx(0.5 * 0.5)


def test_collective_priors_start_a_new_repository_where_teams_settle() -> None:
    repositories = {}
    for name in ("a/one", "b/two", "c/three"):
        log = Log()
        for value in (12, 13, 14, 15, 15, 16, 16):
            log.add("complexity.cyclomatic", content="-1", value=value)
        for _ in range(5):
            log.add("documentation.module-docstring", content="-1")
        repositories[name] = Ledger.of(log.signals, PARAMS)
    priors = collective_priors(repositories, CATALOGUE, params=PARAMS, now=NOW)
    prior = priors.rules["complexity.cyclomatic"]
    assert (prior.repositories, prior.threshold) == (3, 16.0)
    assert prior.negative == 0  # those 👎 were about the threshold, not about the rule
    assert priors.rules["documentation.module-docstring"].negative == pytest.approx(15.0)
    fresh = apply_priors(Strategy.default(), priors, CATALOGUE)
    assert fresh.rules["complexity.cyclomatic"].threshold == 16.0
    assert fresh.rules["documentation.module-docstring"].delivery == "annotation"  # three teams refused it
    assert fresh.rules["complexity.cyclomatic"].delivery == "comment"
    leaning = (
        Log()
        .add("documentation.module-docstring", content="+1")
        .learn(base=fresh, params=LearningParameters(collective=True), priors=CollectivePriors(priors.rules))
    )
    assert leaning.rules["documentation.module-docstring"].usefulness < 0.5  # one 👍 does not outweigh 15 refusals


def test_summary_section_explains_the_numbers() -> None:
    log = Log()
    for value in (12, 13, 14, 15, 15, 16, 17, 18, 19):
        log.add("complexity.cyclomatic", content="-1", value=value)
    log.add("complexity.cyclomatic", content="+1", value=25)
    section = summary_section(log.learn())
    assert section.startswith("### Learned for this repository")
    assert "threshold 10 → 19 after 9 👎 / 1 👍" in section
    assert summary_section(Strategy.default()) == ""


def test_votes_cast_minutes_apart_reach_the_minimum_evidence_together() -> None:
    log = Log()
    for minutes, value in ((8, 12), (7, 13), (6, 14)):
        log.add("complexity.cyclomatic", content="-1", value=value, days_ago=minutes / 1440)
    assert log.learn().rules["complexity.cyclomatic"].threshold == 14  # the third vote already moves it


def test_a_stricter_threshold_sits_in_the_middle_of_the_cuts_the_votes_leave_open() -> None:
    log = Log()
    for value in (15, 16, 18, 20):
        log.add("complexity.cyclomatic", content="+1", value=value)
    log.add("complexity.cyclomatic", content="-1", value=7).add("complexity.cyclomatic", content="+1", value=10)
    assert log.learn().rules["complexity.cyclomatic"].threshold == 8  # the cut is 7, 8 or 9: at most one off
    log.add("complexity.cyclomatic", content="-1", value=8)
    assert log.learn().rules["complexity.cyclomatic"].threshold == 9  # 8 or 9: the one nearer the old threshold


def test_a_welcomed_probe_lowers_the_threshold_and_a_later_change_of_cut_is_followed() -> None:
    log = Log()
    for value in (14, 18, 22, 25):
        log.add("complexity.cyclomatic", content="+1", value=value)
    strategy = log.learn()
    assert strategy.rules["complexity.cyclomatic"].probe == 7.0  # values 8–10 may be asked about …
    assert strategy.learned["complexity.cyclomatic"].probe_cuts  # … a cut drawn from these
    log.add("complexity.cyclomatic", content="+1", value=9)  # a probe the team welcomed
    assert log.learn().rules["complexity.cyclomatic"].threshold == 8
    for value in (11, 12, 13, 13, 14):  # the team's cut moves up: it now accepts these
        log.add("complexity.cyclomatic", content="-1", value=value)
    looser = log.learn()
    assert looser.rules["complexity.cyclomatic"].threshold == 14
    assert looser.rules["complexity.cyclomatic"].delivery == "comment"  # a new cut, not a rule demoted
    for value in (9, 10, 11, 12):  # and down again: the latest word wins, without replaying all history
        log.add("complexity.cyclomatic", content="+1", value=value)
    assert log.learn().rules["complexity.cyclomatic"].threshold <= 10


def test_a_first_refusal_holds_a_rule_back_before_it_has_the_minimum_evidence() -> None:
    welcomed = Log().add("reliability.assert", content="+1").learn()
    assert not welcomed.learned["reliability.assert"].in_doubt  # as sure as the defaults, or surer
    refused = Log().add("reliability.assert", content="-1").learn()
    assert refused.rules["reliability.assert"].delivery == "comment"  # one vote is not a verdict …
    assert refused.learned["reliability.assert"].in_doubt  # … but it costs the rule its other comments per review
