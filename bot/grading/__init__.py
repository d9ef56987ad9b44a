"""The App's grading of a pull request, by concern: the check run, reading what the plan needs, the review, and
what learning records (`pull_request` puts them in order)."""

from bot.grading.pull_request import abandon_gradings, grade_pull_request
from bot.grading.ref import PullRequestRef

__all__ = ["PullRequestRef", "abandon_gradings", "grade_pull_request"]
