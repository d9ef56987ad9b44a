"""The catalogue of built-in rules: stable ids, dimensions, defaults and the words of each message."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Literal

from pydantic import Field

from bot.engine.models import Dimension, Frozen, Severity

RuleScope = Literal["function", "line", "file"]


class RuleMeta(Frozen):
    """Everything the engine, the reports and the learner need to know about one rule."""

    id: str = Field(pattern=r"^[a-z][a-z0-9-]*(\.[a-z0-9][a-z0-9-]*)*$", max_length=80)
    dimension: Dimension
    severity: Severity
    title: str
    why: str
    advice: str
    scope: RuleScope = "line"
    threshold: float | None = None
    """Default threshold for metric rules; None for rules that fire on a pattern."""
    bounds: tuple[float, float] | None = None
    """Hard limits learning may never move the threshold past."""
    lower_is_worse: bool = False
    unit: str = ""
    details: str = ""
    """How the check decides, for docs/rules.md (which is generated from this catalogue)."""

    @property
    def is_metric(self) -> bool:
        """Metric rules compare a measured value with a threshold."""
        return self.threshold is not None

    def exceeds(self, value: float, threshold: float) -> bool:
        """Whether a measured value breaks the threshold in this rule's direction."""
        return value < threshold if self.lower_is_worse else value > threshold

    def describe_probe(self, value: float, threshold: float, subject: str = "") -> str:
        """The question an exploration comment asks about a value just short of the threshold."""
        what = self.title if not subject else f"{self.title}: {subject}"
        relation = "above" if self.lower_is_worse else "below"
        return (
            f"{what} is {format_number(value)}{self.unit}, just {relation} this repository's threshold of "
            f"{format_number(threshold)}{self.unit}. Toasty is checking whether findings like this are worth flagging "
            f"here: 👍 if so, 👎 if not. {self.why}"
        )

    def describe(self, value: float | None, threshold: float | None, subject: str = "") -> str:
        """The message a user reads: what is wrong (with the figures), why it matters, what to do."""
        what = self.title if not subject else f"{self.title}: {subject}"
        if value is not None and threshold is not None:
            relation = "below" if self.lower_is_worse else "above"
            measured = f"{format_number(value)}{self.unit}"
            what = f"{what} is {measured}, {relation} the threshold of {format_number(threshold)}{self.unit}"
        return " ".join(part for part in (f"{what}.", self.why, self.advice) if part)


def format_number(number: float) -> str:
    """Integers without a decimal point, other values with one decimal."""
    return str(int(number)) if float(number).is_integer() else f"{number:.1f}"


C, M, S, D, R, X = (
    Dimension.COMPLEXITY,
    Dimension.MAINTAINABILITY,
    Dimension.SIZE,
    Dimension.DOCUMENTATION,
    Dimension.RELIABILITY,
    Dimension.SECURITY,
)
INFO, MINOR, MAJOR, CRITICAL = Severity.INFO, Severity.MINOR, Severity.MAJOR, Severity.CRITICAL

BUILTIN_RULES: tuple[RuleMeta, ...] = (
    RuleMeta(
        id="complexity.cyclomatic",
        dimension=C,
        severity=MAJOR,
        scope="function",
        threshold=10,
        bounds=(5, 50),
        title="Cyclomatic complexity",
        why="Every branch is another path to test and to hold in mind while reading.",
        advice="Split the function, return early, or replace branching with a lookup table.",
    ),
    RuleMeta(
        id="complexity.cognitive",
        dimension=C,
        severity=MAJOR,
        scope="function",
        threshold=15,
        bounds=(5, 80),
        title="Cognitive complexity",
        why="Nested and interrupted control flow is what makes code hard to follow (SonarSource's measure).",
        advice="Flatten nesting with guard clauses and move deep blocks into well-named helpers.",
    ),
    RuleMeta(
        id="complexity.nesting",
        dimension=C,
        severity=MINOR,
        scope="function",
        threshold=4,
        bounds=(2, 10),
        title="Nesting depth",
        why="Deeply nested blocks hide which conditions hold at each line.",
        advice="Invert conditions to return early, or extract the inner block into a function.",
    ),
    RuleMeta(
        id="maintainability.index",
        dimension=M,
        severity=MINOR,
        scope="file",
        threshold=20,
        bounds=(0, 65),
        lower_is_worse=True,
        title="Maintainability index",
        why="The index (volume, complexity and size together) fell into radon's hard-to-maintain range.",
        advice="Split the file by concern or simplify its most complex functions.",
    ),
    RuleMeta(
        id="size.function-length",
        dimension=S,
        severity=MINOR,
        scope="function",
        threshold=60,
        bounds=(20, 400),
        unit=" lines",
        title="Function length",
        why="Long functions do several things and are hard to test and review.",
        advice="Extract the steps into smaller functions with descriptive names.",
    ),
    RuleMeta(
        id="size.parameters",
        dimension=S,
        severity=MINOR,
        scope="function",
        threshold=5,
        bounds=(2, 20),
        title="Parameter count",
        why="Many parameters make calls error-prone and suggest the function does too much.",
        advice="Group related parameters into a dataclass, or split the function.",
    ),
    RuleMeta(
        id="size.file-length",
        dimension=S,
        severity=MINOR,
        scope="file",
        threshold=1000,
        bounds=(200, 20000),
        unit=" lines",
        title="File length",
        why="Very long files mix concerns and make changes hard to review.",
        advice="Split the file into modules that each have one concern.",
    ),
    RuleMeta(
        id="documentation.module-docstring",
        dimension=D,
        severity=INFO,
        scope="file",
        title="Module without a docstring",
        why="A module docstring tells a newcomer what the file is for before they read it.",
        advice="Add a one-line docstring at the top saying what the module is for.",
        details=("A module needs a docstring when it defines a function or class."),
    ),
    RuleMeta(
        id="documentation.class-docstring",
        dimension=D,
        severity=INFO,
        scope="function",
        title="Public class without a docstring",
        why="Readers and tools rely on the docstring to learn what a class represents.",
        advice="Add a one-line docstring saying what the class is and why it exists.",
        details=(
            "Public names only: not starting with `_` (so dunder methods are exempt), not"
            " nested in a function, not `@overload`, `@override`, property setters or deleters."
        ),
    ),
    RuleMeta(
        id="documentation.function-docstring",
        dimension=D,
        severity=INFO,
        scope="function",
        title="Public function without a docstring",
        why="Callers rely on the docstring to learn what the function promises.",
        advice="Add a one-line docstring saying what the function does and why.",
        details=(
            "Public names only: not starting with `_` (so dunder methods are exempt), not"
            " nested in a function, not `@overload`, `@override`, property setters or deleters."
        ),
    ),
    RuleMeta(
        id="reliability.bare-except",
        dimension=R,
        severity=MAJOR,
        title="Bare `except:`",
        why="It also catches KeyboardInterrupt and SystemExit and hides real bugs.",
        advice="Catch the specific exceptions you expect, or at least `except Exception`.",
    ),
    RuleMeta(
        id="reliability.swallowed-exception",
        dimension=R,
        severity=MINOR,
        title="Exception swallowed",
        why="A handler that only passes makes failures silent and impossible to diagnose.",
        advice="Log it, handle it or let it propagate; use contextlib.suppress to say that ignoring is intended.",
        details=(
            "an `except` clause whose body is only `pass` or `...` (a bare `except:` is reported as "
            "`reliability.bare-except` instead)."
        ),
    ),
    RuleMeta(
        id="reliability.mutable-default",
        dimension=R,
        severity=MAJOR,
        title="Mutable default argument",
        why="The default is created once and shared between calls, so changes leak from one call to the next.",
        advice="Default to None and create the list, dict or set inside the function.",
        details=(
            "list, dict and set literals and comprehensions, and calls to `list`, `dict`, `set`, `bytearray`,"
            " `defaultdict`, `OrderedDict`, `deque` or `Counter`, as parameter defaults."
        ),
    ),
    RuleMeta(
        id="reliability.assert",
        dimension=R,
        severity=MINOR,
        title="`assert` used for a runtime check",
        why="Assertions are removed when Python runs with -O, so the check silently disappears.",
        advice="Raise a specific exception (ValueError, TypeError…) instead.",
        details=("any `assert` statement outside test paths."),
    ),
    RuleMeta(
        id="reliability.merge-conflict",
        dimension=R,
        severity=CRITICAL,
        title="Merge conflict marker",
        why="A conflict marker left in a file breaks it for everyone.",
        advice="Resolve the conflict and remove the marker lines.",
        details=("a `<<<<<<<` conflict marker line."),
    ),
    RuleMeta(
        id="parse-error",
        dimension=R,
        severity=MAJOR,
        scope="file",
        title="File does not parse",
        why="Nothing else in this file could be checked, and it will fail wherever it is imported.",
        advice="Fix the syntax error at the reported location.",
    ),
    RuleMeta(
        id="security.eval",
        dimension=X,
        severity=CRITICAL,
        title="Dynamic code execution",
        why="eval and exec run whatever string reaches them, which turns any injection into code execution.",
        advice="Parse the data instead (ast.literal_eval, json.loads) or dispatch through a dictionary.",
        details=(
            "calls to `eval` or `exec` (also `builtins.eval`); `ast.literal_eval` and methods named `eval` are fine."
        ),
    ),
    RuleMeta(
        id="security.shell-true",
        dimension=X,
        severity=CRITICAL,
        title="Command run through the shell",
        why="The shell interprets metacharacters in the command, so untrusted input becomes shell injection.",
        advice="Pass the command as a list of arguments without shell=True (shlex.split if needed).",
        details=(
            "a command that is not a constant run through a shell: any call with a true `shell=` (a literal "
            "by its truth, any computed value as true, as bandit reads it), and the functions that always use"
            " a shell — `os.system`, `os.popen` (and `popen2`–`popen4`), `subprocess.getoutput` and "
            "`getstatusoutput`, `commands.getoutput` and `getstatusoutput`, `popen2.popen2`–`popen4`, "
            "`Popen3`, `Popen4`, `platform.popen`."
        ),
    ),
    RuleMeta(
        id="security.shell-constant",
        dimension=X,
        severity=MINOR,
        title="Constant command run through the shell",
        why="Safe while the command is a constant, but a shell still parses it: the day a value is spliced in, it "
        "becomes shell injection.",
        advice="Pass the command as a list of arguments to subprocess.run, without a shell.",
        details=(
            "the same calls with a constant command (a string literal, or a list of literals). bandit reports"
            " these at low severity; Toasty keeps them apart so a team can mute them without muting "
            "injection."
        ),
    ),
    RuleMeta(
        id="security.yaml-load",
        dimension=X,
        severity=MAJOR,
        title="yaml.load without a safe loader",
        why="The default loaders can construct arbitrary Python objects from a YAML document.",
        advice="Use yaml.safe_load, or pass Loader=yaml.SafeLoader.",
        details=(
            "`yaml.load` or `yaml.load_all` without a safe loader (`SafeLoader`, `CSafeLoader`, "
            "`BaseLoader`), and `yaml.unsafe_load` or `yaml.full_load`."
        ),
    ),
    RuleMeta(
        id="security.pickle",
        dimension=X,
        severity=MAJOR,
        title="Unpickling data",
        why="Unpickling runs code chosen by whoever wrote the bytes.",
        advice="Use a data format such as JSON for anything that may come from outside the process.",
        details=(
            "`load`, `loads` and `Unpickler` of `pickle`, `cPickle`, `_pickle`, `dill`, `cloudpickle` and "
            "`joblib`; `marshal.load` and `loads`; `shelve.open` and `DbfilenameShelf`; `jsonpickle.decode` "
            "(and `jsonpickle.unpickler`); `pandas.read_pickle` and any `read_pickle` method."
        ),
    ),
    RuleMeta(
        id="security.tls-verify-off",
        dimension=X,
        severity=MAJOR,
        title="TLS verification turned off",
        why="Without certificate checks anyone on the network path can read and alter the traffic.",
        advice="Keep verification on; point it at the right CA bundle if a private CA is involved.",
        details=(
            "`verify=False` or `verify_ssl=False` in any call, `ssl._create_unverified_context()`, "
            "`ssl.CERT_NONE`, and assigning `False` to `check_hostname`."
        ),
    ),
    RuleMeta(
        id="security.hardcoded-password",
        dimension=X,
        severity=MAJOR,
        title="Hard-coded password",
        why="A password written into the code is shared by every copy of it and cannot be changed without a release.",
        advice="Read it from the environment or a secret store; compare against a stored hash, not a literal.",
        details=(
            "bandit's hard-coded password shapes in Python — a string literal assigned to (`DB_PASSWORD = "
            '"…"`, `self.password = "…"`, `config["password"] = "…"`), passed as a keyword argument to, used '
            "as the default of, keyed in a dictionary literal under, or compared (`==`, `!=`, `is`) with a "
            "name whose underscore-separated parts include `password`, `passwd`, `pass`, `passphrase`, `pwd`,"
            " `token` or `secret` — unless the name says the value is something else (`password_field`, "
            '`token_url`). Empty strings are not reported (comparing with `""` checks for a missing password;'
            " bandit reports it). A literal that looks like a real credential is reported once, as "
            "`security.hardcoded-secret`."
        ),
    ),
    RuleMeta(
        id="security.hardcoded-secret",
        dimension=X,
        severity=CRITICAL,
        title="Hard-coded secret",
        why="A credential committed to the repository is readable by everyone with access, forever, in its history.",
        advice="Revoke it now, load it from the environment or a secret store, and purge it from history.",
        details=(
            "credentials of the kinds listed below, and any value assigned to a password-, secret-, token- or"
            " key-like name (`DB_PASSWORD`, `SECRET_KEY`, `api_token`, `client_secret`, `xToken`…) in "
            "bandit's shapes (assignment, default and keyword argument, dictionary key, comparison), in YAML,"
            ' JSON, `.env`, TOML, ini and XML, in `setProperty("NAME", "value")`-style calls and in '
            "command-line options (`--api-key VALUE`); in a programming language only a quoted value counts "
            "(unquoted, `token = get_token()` is an expression). A generic value counts only when it looks "
            "like a credential: 10–400 characters, no whitespace, at least two character classes, enough "
            "entropy (3.0 bits per character, 3.3 from 16 characters), not letters that read as words, not a "
            "reference (`settings.SECRET_KEY`, `get_token()`, `${DB_PASSWORD}`, `{{ vault_token }}`, a path, "
            "a URL, a version), and a name that does not say the value is something else (`…_id`, `…_url`, "
            "`…_file`, `public…`, `csrf…`). Placeholders are never reported: filler runs (`ghp_xxxx…`, "
            "`glpat-XXXX…`, `AKIAXXXX…`, `0000`), words such as `example` (AWS's documented "
            "`AKIAIOSFODNN7EXAMPLE`), `changeme`, `your…`, `…here`, `redacted`, a private-key header with no "
            "key body, and URLs on the documentation domains (`example.com`). Every pattern runs with RE2 "
            "over the whole text, so a scan takes linear time and no pre-filter can fall out of step with its"
            " pattern. The report never repeats the credential."
        ),
    ),
)

CATALOGUE: dict[str, RuleMeta] = {rule.id: rule for rule in BUILTIN_RULES}


def rule_table(extra: Iterable[RuleMeta] = ()) -> dict[str, RuleMeta]:
    """The built-in rules plus any from plugins or the repository's own YAML rules."""
    table = dict(CATALOGUE)
    for rule in extra:
        table.setdefault(rule.id, rule)
    return table
