"""`.github/toasty.yml`: the repository's own settings, validated as untrusted input.

The file comes from whoever can push to the default branch, so it is size-bounded, parsed without YAML
aliases (no exponential expansion), and every mistake is reported with the key that holds it.
"""

from __future__ import annotations

import re
from typing import Annotated, Any, Literal

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, ValidationError, field_validator

from bot.engine.models import Delivery, Dimension, Severity

CONFIG_PATH = ".github/toasty.yml"
MAX_CONFIG_BYTES = 64 * 1024
MAX_CUSTOM_RULES = 50
MAX_PATTERN_LENGTH = 1000
GRADE_FLOORS = {"A": 90.0, "B": 80.0, "C": 70.0, "D": 60.0, "F": 0.0}
_SIZE = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*([kmg]?)b?\s*$", re.IGNORECASE)
_UNITS = {"": 1, "k": 1024, "m": 1024**2, "g": 1024**3}


class ConfigError(ValueError):
    """A configuration problem, worded for the person who wrote the file."""


def parse_score(value: object) -> float:
    """A score threshold given as a number (0–100) or a letter grade (its lowest score)."""
    if isinstance(value, bool):
        raise ValueError("expected a score from 0 to 100 or a grade letter A–F")
    if isinstance(value, int | float):
        number = float(value)
    elif isinstance(value, str) and value.strip().upper() in GRADE_FLOORS:
        return GRADE_FLOORS[value.strip().upper()]
    else:
        try:
            number = float(str(value))
        except ValueError:
            raise ValueError(f"{value!r} is neither a score from 0 to 100 nor a grade letter A–F") from None
    if not 0 <= number <= 100:
        raise ValueError(f"{number:g} is outside 0–100")
    return number


def _parse_size(value: object) -> int:
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    match = _SIZE.match(str(value))
    if match is None:
        raise ValueError(f"{value!r} is not a size such as 500000, 500kB or 1MB")
    return int(float(match.group(1)) * _UNITS[match.group(2).lower()])


def _rule_shorthand(value: object) -> object:
    """`off`/`false` disables a rule, a number sets its threshold, a severity name sets its severity."""
    if value is False or (isinstance(value, str) and value.lower() in ("off", "false", "disabled")):
        return {"enabled": False}
    if value is True or (isinstance(value, str) and value.lower() in ("on", "true", "enabled")):
        return {"enabled": True}
    if isinstance(value, int | float):
        return {"threshold": value}
    if isinstance(value, str) and value.lower() in {s.value for s in Severity}:
        return {"severity": value.lower()}
    return value


Score = Annotated[float, BeforeValidator(parse_score)]
ByteSize = Annotated[int, BeforeValidator(_parse_size), Field(gt=0, le=50 * 1024 * 1024)]
Glob = Annotated[str, Field(min_length=1, max_length=500)]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, defer_build=True)


class RuleConfig(_Strict):
    """Settings for one rule (or, when the key is a dimension name, for all of its rules)."""

    enabled: bool | None = None
    threshold: float | None = None
    severity: Severity | None = None
    delivery: Delivery | None = None


RuleEntry = Annotated[RuleConfig, BeforeValidator(_rule_shorthand)]


class OverrideConfig(_Strict):
    """Rule settings that apply only to paths matching these globs (e.g. relaxed under tests/)."""

    paths: list[Glob] = Field(min_length=1, max_length=100)
    rules: dict[str, RuleEntry] = Field(default_factory=dict)


RULE_ID_PATTERN = r"^[a-z][a-z0-9-]*(\.[a-z0-9][a-z0-9-]*)+$"


def is_rule_id(text: str) -> bool:
    """Whether text is shaped like a rule id: a built-in one, a plugin's, or one a repository's config defines."""
    return len(text) <= 80 and re.fullmatch(RULE_ID_PATTERN, text) is not None


class CustomRuleConfig(_Strict):
    """A regular-expression rule written in the repository's config, run with a linear-time engine."""

    id: str = Field(pattern=RULE_ID_PATTERN, max_length=80)
    pattern: str = Field(min_length=1, max_length=MAX_PATTERN_LENGTH)
    message: str = Field(min_length=1, max_length=1000)
    severity: Severity = Severity.MINOR
    dimension: Dimension = Dimension.RELIABILITY
    paths: list[Glob] = Field(default_factory=lambda: ["*"], max_length=100)
    ignore_case: bool = False

    @field_validator("pattern")
    @classmethod
    def _linear_time(cls, pattern: str) -> str:
        from bot.engine.custom_rules import compile_pattern

        compile_pattern(pattern, ignore_case=False)
        return pattern


class CommentsConfig(_Strict):
    """How many inline comments one review may carry."""

    budget: int = Field(default=10, ge=0, le=50)


class ToastyConfig(_Strict):
    """The whole `.github/toasty.yml` file."""

    include: list[Glob] | None = Field(default=None, max_length=200)
    exclude: list[Glob] = Field(default_factory=list, max_length=200)
    default_excludes: bool = True
    rules: dict[str, RuleEntry] = Field(default_factory=dict)
    overrides: list[OverrideConfig] = Field(default_factory=list, max_length=50)
    weights: dict[Dimension, Annotated[float, Field(ge=0, le=100)]] = Field(default_factory=dict)
    comments: CommentsConfig = Field(default_factory=CommentsConfig)
    fail_under: Score | None = None
    conclusion: Literal["failure", "neutral"] = "failure"
    """Check-run conclusion when the score is below fail_under."""
    learning: bool = True
    drafts: bool = False
    generated_files: bool = False
    """Grade files whose header says they are generated (skipped by default)."""
    max_file_size: ByteSize = 1_000_000
    custom_rules: list[CustomRuleConfig] = Field(default_factory=list, max_length=MAX_CUSTOM_RULES)


def load_config(text: str | bytes | None) -> ToastyConfig:
    """Parse and validate a config file; an absent or empty file means all defaults."""
    if text is None:
        return ToastyConfig()
    if isinstance(text, bytes):
        if len(text) > MAX_CONFIG_BYTES:
            raise ConfigError(f"{CONFIG_PATH} is {len(text)} bytes; the limit is {MAX_CONFIG_BYTES}")
        try:
            text = text.decode("utf-8")
        except UnicodeDecodeError as error:
            raise ConfigError(f"{CONFIG_PATH} is not UTF-8 text ({error.reason} at byte {error.start})") from None
    if len(text.encode("utf-8")) > MAX_CONFIG_BYTES:
        raise ConfigError(f"{CONFIG_PATH} is larger than {MAX_CONFIG_BYTES} bytes")
    data = _safe_yaml(text)
    if data is None:
        return ToastyConfig()
    if not isinstance(data, dict):
        raise ConfigError(f"{CONFIG_PATH} must be a mapping of settings, not a {type(data).__name__}")
    try:
        return ToastyConfig.model_validate(data)
    except ValidationError as error:
        raise ConfigError(describe_validation_error(error)) from None


def _safe_yaml(text: str) -> Any:
    """yaml.safe_load, refusing anchors and aliases (their expansion is a denial-of-service vector)."""
    import yaml  # on first use: grading without a configuration file never needs the YAML parser

    try:
        for event in yaml.parse(text, Loader=yaml.SafeLoader):
            if isinstance(event, yaml.AliasEvent) or getattr(event, "anchor", None):
                line = event.start_mark.line + 1 if event.start_mark is not None else 0
                raise ConfigError(f"{CONFIG_PATH} line {line}: YAML anchors and aliases are not supported")
        return yaml.safe_load(text)
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        where = f" line {mark.line + 1}, column {mark.column + 1}" if mark is not None else ""
        problem = getattr(error, "problem", None) or str(error)
        raise ConfigError(f"{CONFIG_PATH}{where}: invalid YAML ({problem})") from None


def describe_validation_error(error: ValidationError) -> str:
    """One line per problem, each naming the key as the user wrote it."""
    problems = []
    for item in error.errors():
        key = _key_path(item["loc"])
        message = item["msg"]
        if item["type"] == "extra_forbidden":
            message = "unknown setting"
        problems.append(f"{key}: {message}" if key else message)
    return f"{CONFIG_PATH}: " + "; ".join(problems)


def _key_path(location: tuple[int | str, ...]) -> str:
    parts: list[str] = []
    for part in location:
        if isinstance(part, int):
            parts.append(f"[{part}]")
        elif part in ("function-after[_rule_shorthand(), RuleConfig]",) or "function-" in str(part):
            continue
        else:
            parts.append(("." if parts else "") + str(part))
    return "".join(parts)
