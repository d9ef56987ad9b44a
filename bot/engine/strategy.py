"""The Strategy: every weight, threshold, severity and switch the engine uses, as one versioned document.

Layers resolve as default ◀ collective ◀ learned ◀ the repository's config; whatever the config sets is
recorded in `pinned` so that no learned layer ever overrides it.
"""

from __future__ import annotations

import difflib
import hashlib
import json
from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import Annotated, Literal

from pydantic import Field, PositiveFloat, ValidationError

from bot.engine.config import ConfigError, CustomRuleConfig, RuleConfig, ToastyConfig, describe_validation_error
from bot.engine.custom_rules import RegexRule
from bot.engine.files import DEFAULT_MAX_BYTES
from bot.engine.globs import matches
from bot.engine.models import Delivery, Dimension, Frozen, Severity
from bot.engine.plugins import plugin_rules
from bot.engine.rules import CATALOGUE, RuleMeta

STRATEGY_VERSION = 1

DEFAULT_WEIGHTS: dict[Dimension, float] = {
    Dimension.COMPLEXITY: 2.0,
    Dimension.MAINTAINABILITY: 1.0,
    Dimension.SIZE: 1.0,
    Dimension.DOCUMENTATION: 0.5,
    Dimension.RELIABILITY: 2.0,
    Dimension.SECURITY: 3.0,
}

DEFAULT_EXCLUDES: tuple[str, ...] = (
    # vendored and third-party code
    "vendor/",
    "vendored/",
    "third_party/",
    "third-party/",
    "node_modules/",
    "bower_components/",
    # generated code
    "*_pb2.py",
    "*_pb2_grpc.py",
    "*_pb2.pyi",
    "*.pb.go",
    "*.generated.*",
    "*.g.dart",
    "generated/",
    "__generated__/",
    # minified and bundled assets
    "*.min.js",
    "*.min.css",
    "*.bundle.js",
    "*.map",
    # lock files
    "*.lock",
    "package-lock.json",
    "npm-shrinkwrap.json",
    "pnpm-lock.yaml",
    "go.sum",
)

TEST_PATHS: tuple[str, ...] = (
    "tests/",
    "test/",
    "testing/",
    "test_*.py",
    "*_test.py",
    "conftest.py",
    "*_test.go",
    "*.test.js",
    "*.test.ts",
    "*.spec.js",
    "*.spec.ts",
    "*Test.java",
    "*Tests.java",
)


class RuleSettings(Frozen):
    """How one rule behaves in one repository."""

    enabled: bool = True
    severity: Severity
    threshold: float | None = None
    delivery: Delivery = "comment"
    usefulness: float = Field(default=0.5, ge=0, le=1)
    """Expected share of this rule's comments the team finds worth reading (learned; 0.5 knows nothing)."""
    probe: float | None = None
    """For metric rules: values between this and the threshold are exploration candidates (learning asks)."""


class LearnedRule(Frozen):
    """What the feedback log taught about one rule, kept in the strategy so every change can be explained."""

    usefulness: float
    evidence: float
    """Trust-weighted, age-faded votes behind the estimate."""
    up: int = 0
    down: int = 0
    fixed: int = 0
    ignored: int = 0
    resolved: int = 0
    muted: bool = False
    threshold_from: float | None = None
    threshold_to: float | None = None
    delivery_from: Delivery = "comment"
    delivery_to: Delivery = "comment"
    set_aside: int = 0
    """Earlier votes set aside because the latest ones reversed them (the team changed its mind)."""
    last_heard: datetime | None = None
    """When the team last voted on the rule: exploration asks about the rule it has not heard about longest."""
    in_doubt: bool = False
    """The votes leave open whether the rule is worth a comment: a commenting rule gets one comment per review, a
    quietened one is asked about often."""
    posterior: tuple[PositiveFloat, PositiveFloat] | None = None
    """Beta(α, β) with the usefulness estimate's mean and spread: what exploration samples from."""
    worth_chance: float = Field(default=0.0, ge=0, le=1)
    """The chance the rule is worth a comment (by the votes alone)."""
    ask_chance: float | None = Field(default=None, ge=0, le=1)
    """The share of reviews in which the rule is commented on while the votes leave its worth open: a quiet rule is
    asked about, one in doubt comments once (None, in strategies made before it existed: `worth_chance`)."""
    probe_cuts: tuple[tuple[float, Annotated[float, Field(ge=0, le=1)]], ...] = ()
    """For metric rules: where the team's own cut may lie below the threshold, each cut with its probability (a
    probe asks about a value beyond a cut drawn from these)."""
    probe_posterior: tuple[PositiveFloat, PositiveFloat] | None = None
    """Read from strategies made before `probe_cuts`; no longer written."""
    probe_chance: float = Field(default=0.0, ge=0, le=1)
    """The share of reviews in which a value just below the threshold is asked about (Thompson sampling: the chance
    the team wants such values flagged, less where few comments get an answer)."""
    bounded: int = 0
    """People whose votes on this rule were bounded so that no one outweighs the rest of the team."""

    @property
    def asking(self) -> float:
        """The share of reviews in which the rule is asked about (or, in doubt, commented on once)."""
        return self.worth_chance if self.ask_chance is None else self.ask_chance


class ReviewerWeight(Frozen):
    """How much one (unnamed) person's votes count, from how often they agree with the other reviewers and with
    outcomes. Names stay out of the strategy document, which the Action and API callers may read."""

    weight: float
    disagreement: float
    """Share of the findings they shared with others on which they voted against the others' verdict."""
    findings: int


class RulePatch(Frozen):
    """A partial change to a rule's settings: only the fields given apply."""

    enabled: bool | None = None
    severity: Severity | None = None
    threshold: float | None = None
    delivery: Delivery | None = None

    def apply(self, settings: RuleSettings) -> RuleSettings:
        """The settings with this patch's fields replaced."""
        changes = self.model_dump(exclude_none=True)
        return settings.model_copy(update=changes) if changes else settings

    @classmethod
    def from_config(cls, entry: RuleConfig) -> RulePatch:
        """Same fields, from the config file's model."""
        return cls(**entry.model_dump(exclude_none=True))


class PathOverride(Frozen):
    """Rule patches for paths matching any of the globs; keys are rule ids or dimension names."""

    paths: tuple[str, ...]
    rules: dict[str, RulePatch]


DEFAULT_OVERRIDES: tuple[PathOverride, ...] = (
    PathOverride(
        paths=TEST_PATHS,
        rules={
            "reliability.assert": RulePatch(enabled=False),
            Dimension.DOCUMENTATION.value: RulePatch(enabled=False),
            "size.function-length": RulePatch(threshold=120),
        },
    ),
)


class Strategy(Frozen):
    """The resolved numbers for one repository; plain JSON, so the App can export it and the Action read it."""

    version: Literal[1] = 1
    rules: dict[str, RuleSettings] = Field(default_factory=dict)
    weights: dict[Dimension, float] = Field(default_factory=lambda: dict(DEFAULT_WEIGHTS))
    comment_budget: int = Field(default=10, ge=0, le=50)
    fail_under: float | None = Field(default=None, ge=0, le=100)
    conclusion: Literal["failure", "neutral"] = "failure"
    include: tuple[str, ...] | None = None
    exclude: tuple[str, ...] = DEFAULT_EXCLUDES
    overrides: tuple[PathOverride, ...] = DEFAULT_OVERRIDES
    custom_rules: tuple[CustomRuleConfig, ...] = ()
    max_file_bytes: int = Field(default=DEFAULT_MAX_BYTES, gt=0)
    drafts: bool = False
    generated_files: bool = False
    learning: bool = True
    pinned: frozenset[str] = frozenset()
    """Keys the repository's config set (e.g. `rules.complexity.cyclomatic.threshold`): never learned over."""
    exploration: float = Field(default=0.0, ge=0, le=1)
    """Share of reviews that may carry one exploration comment (0 without learning)."""
    learned: dict[str, LearnedRule] = Field(default_factory=dict)
    """Per rule, what the repository's feedback changed and from how much evidence."""
    reviewers: tuple[ReviewerWeight, ...] = ()
    """People whose votes weigh less than their access would say, unnamed (`toasty strategy show` names them)."""
    feedback_upto: int = 0
    """The last feedback log entry the learned numbers include."""
    answer_rate: float | None = Field(default=None, ge=0, le=1)
    """Share of Toasty's recent comments the team answered (None: not known): questions are asked less where it is
    low."""

    @classmethod
    def default(cls) -> Strategy:
        """The shipped defaults for every built-in rule."""
        return cls(rules={rule.id: default_settings(rule) for rule in CATALOGUE.values()})

    def settings(self, rule: RuleMeta, path: str) -> RuleSettings:
        """A rule's effective settings for one path, path overrides applied in order."""
        current = self.rules.get(rule.id) or default_settings(rule)
        for override in self.overrides:
            if not matches(override.paths, path):
                continue
            for key in (rule.dimension.value, rule.id):
                patch = override.rules.get(key)
                if patch is not None:
                    current = patch.apply(current)
        return current

    def includes(self, path: str) -> bool:
        """Whether a path is graded at all (include globs, minus excludes)."""
        if self.include is not None and not matches(self.include, path):
            return False
        return not matches(self.exclude, path)

    def regex_rules(self) -> tuple[RegexRule, ...]:
        """The repository's custom rules in the form worker processes take."""
        return tuple(
            RegexRule(r.id, r.pattern, r.message, r.severity, r.dimension, tuple(r.paths), r.ignore_case)
            for r in self.custom_rules
        )

    def to_json(self) -> str:
        """The versioned document (stable key order), as exported for the Action."""
        return json.dumps(self.model_dump(mode="json"), sort_keys=True, indent=2)

    @property
    def digest(self) -> str:
        """Short content hash: which numbers produced a grade."""
        canonical = json.dumps(self.model_dump(mode="json"), sort_keys=True, separators=(",", ":"))
        return hashlib.sha256(canonical.encode()).hexdigest()[:12]


def default_settings(rule: RuleMeta) -> RuleSettings:
    """A rule's shipped settings."""
    return RuleSettings(severity=rule.severity, threshold=rule.threshold)


def apply_config(strategy: Strategy, config: ToastyConfig, known: Mapping[str, RuleMeta]) -> Strategy:
    """The repository's config over a strategy: what it sets wins and is pinned against learning."""
    custom = {rule.id: rule for rule in config.custom_rules}
    table = {**known, **{rule_id: _custom_meta(rule) for rule_id, rule in custom.items()}}
    rules = dict(strategy.rules)
    pinned = set(strategy.pinned)
    for key, entry in config.rules.items():
        for rule in _rules_for_key(key, table, "rules"):
            current = rules.get(rule.id) or default_settings(rule)
            rules[rule.id] = RulePatch.from_config(entry).apply(current)
            pinned.update(f"rules.{rule.id}.{field}" for field in entry.model_dump(exclude_none=True))
    for rule_id in custom:
        rules.setdefault(rule_id, default_settings(table[rule_id]))
    overrides = [*(strategy.overrides if config.default_excludes else ()), *_overrides(config, table)]
    set_fields = config.model_fields_set
    pinned.update(f"weights.{dimension.value}" for dimension in config.weights)
    if "comments" in set_fields:
        pinned.add("comment_budget")
    return strategy.model_copy(
        update={
            "rules": rules,
            "weights": {**strategy.weights, **config.weights},
            "comment_budget": config.comments.budget if "comments" in set_fields else strategy.comment_budget,
            "fail_under": config.fail_under if "fail_under" in set_fields else strategy.fail_under,
            "conclusion": config.conclusion,
            "include": tuple(config.include) if config.include is not None else strategy.include,
            "exclude": (*(DEFAULT_EXCLUDES if config.default_excludes else ()), *config.exclude),
            "overrides": tuple(overrides),
            "custom_rules": tuple(config.custom_rules),
            "max_file_bytes": config.max_file_size,
            "drafts": config.drafts,
            "generated_files": config.generated_files,
            "learning": config.learning,
            "pinned": frozenset(pinned),
        }
    )


def _overrides(config: ToastyConfig, table: Mapping[str, RuleMeta]) -> Iterable[PathOverride]:
    for index, override in enumerate(config.overrides):
        for key in override.rules:
            _rules_for_key(key, table, f"overrides[{index}].rules")
        yield PathOverride(
            paths=tuple(override.paths),
            rules={key: RulePatch.from_config(entry) for key, entry in override.rules.items()},
        )


def _rules_for_key(key: str, table: Mapping[str, RuleMeta], where: str) -> list[RuleMeta]:
    """The rules a config key names: one rule id, or every rule of a dimension."""
    if key in table:
        return [table[key]]
    dimension_rules = [rule for rule in table.values() if rule.dimension.value == key]
    if dimension_rules:
        return dimension_rules
    choices = [*table, *(d.value for d in Dimension)]
    close = difflib.get_close_matches(key, choices, n=1)
    hint = f" (did you mean '{close[0]}'?)" if close else "; `toasty rules` lists them"
    raise ConfigError(f".github/toasty.yml: {where}.{key}: unknown rule{hint}")


def _custom_meta(rule: CustomRuleConfig) -> RuleMeta:
    return RegexRule(rule.id, rule.pattern, rule.message, rule.severity, rule.dimension, tuple(rule.paths)).meta


def resolve_strategy(
    config: ToastyConfig | None = None, base: Strategy | None = None, extra_rules: Iterable[RuleMeta] | None = None
) -> Strategy:
    """Defaults (or a learned strategy) with the repository's config on top; plugins' rules are configurable too."""
    strategy = base if base is not None else Strategy.default()
    if config is None:
        return strategy
    extra = plugin_rules() if extra_rules is None else extra_rules
    return apply_config(strategy, config, {**CATALOGUE, **{rule.id: rule for rule in extra}})


def parse_strategy(text: str | bytes) -> Strategy:
    """Read an exported strategy document, refusing versions this Toasty does not know."""
    try:
        data = json.loads(text)
    except (ValueError, UnicodeDecodeError) as error:
        raise ConfigError(f"strategy document is not JSON: {error}") from None
    if not isinstance(data, dict):
        raise ConfigError("strategy document must be a JSON object")
    if data.get("version") != STRATEGY_VERSION:
        raise ConfigError(
            f"strategy document has version {data.get('version')!r}; this Toasty reads version {STRATEGY_VERSION}"
        )
    try:
        return Strategy.model_validate(data)
    except ValidationError as error:
        raise ConfigError("strategy document: " + describe_validation_error(error).split(": ", 1)[-1]) from None
