"""The grading engine: a pure function of (changed files, their contents, strategy) to a grade.

It knows nothing of GitHub, HTTP or databases, which is what lets the App, the Action and the CLI give the
same answer for the same change.
"""

from bot.engine.config import ConfigError, ToastyConfig, load_config
from bot.engine.diff import DiffError, changed_file_from_patch, parse_diff
from bot.engine.grader import Analyses, GradingPlan, assemble, grade_change, known_rules, plan
from bot.engine.models import (
    ChangedFile,
    Dimension,
    FileGrade,
    Finding,
    MetricChange,
    PullRequestGrade,
    Severity,
)
from bot.engine.strategy import Strategy, apply_config

__all__ = [
    "Analyses",
    "ChangedFile",
    "ConfigError",
    "DiffError",
    "Dimension",
    "FileGrade",
    "Finding",
    "GradingPlan",
    "MetricChange",
    "PullRequestGrade",
    "Severity",
    "Strategy",
    "ToastyConfig",
    "apply_config",
    "assemble",
    "changed_file_from_patch",
    "grade_change",
    "known_rules",
    "load_config",
    "parse_diff",
    "plan",
]
