"""The retry policy over any mix of rate limits and failures: each budget is spent only by its own kind."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from bot.github.client import GitHubUnavailable, RetryLater
from bot.jobs.retry import MAX_FAILURES, MAX_WAITS, Budget, GiveUp, Retry, decide

OUTCOMES = st.lists(st.sampled_from(["wait", "failure"]), max_size=60)


def attempts_until_given_up(outcomes: list[str]) -> tuple[int, int, GiveUp | None]:
    """Play attempts ending as `outcomes` say; the waits and failures used, and the give-up if one came."""
    used = Budget(0, 0)
    for outcome in outcomes:
        error: Exception = RetryLater(120, "rate limit") if outcome == "wait" else GitHubUnavailable("502")
        decision = decide(error, used)
        if isinstance(decision, GiveUp):
            return used.waits, used.failures, decision
        assert isinstance(decision, Retry)
        assert decision.rate_limited is (outcome == "wait")
        if decision.rate_limited:
            assert decision.delay == 120  # GitHub's own figure, not a schedule of ours
            used = Budget(used.failures, used.waits + 1)
        else:
            used = Budget(used.failures + 1, used.waits)
    return used.waits, used.failures, None


@given(OUTCOMES)
def test_github_failures_get_their_attempts_whatever_waits_came_between(outcomes: list[str]) -> None:
    waits, failures, given_up = attempts_until_given_up(outcomes)
    if given_up is None:
        assert failures < MAX_FAILURES
        assert waits < MAX_WAITS
    elif "kept failing" in given_up.reason:
        assert failures == MAX_FAILURES - 1  # the fourth failure is the one that gives up
    else:
        assert "rate limit" in given_up.reason
        assert waits == MAX_WAITS - 1


def test_an_error_trying_again_cannot_fix_is_given_up_at_once() -> None:
    decision = decide(ValueError("422 Unprocessable Entity"), Budget(0, 0))
    assert decision == GiveUp("ValueError: 422 Unprocessable Entity")
