"""Security rules: Python calls that run untrusted input (bandit's checks), and credentials committed in any text.

Python calls are matched by the name they were imported as (`import pickle as pk; pk.loads(…)` is `pickle.loads`),
which the walk resolves through the module's imports (PythonContext.qualify).
"""

from __future__ import annotations

import ast
import re
from collections.abc import Iterator

from bot.engine.analysis import Observation, anchor_text
from bot.engine.models import Dimension, Severity
from bot.engine.rules.meta import RuleMeta
from bot.engine.rules.registry import RULES, PythonContext, SourceFile
from bot.engine.secrets import find_secrets, is_credential, names_something_else

_ALWAYS_SHELL = frozenset(
    (
        *("os.system", "os.popen", "os.popen2", "os.popen3", "os.popen4", "platform.popen"),
        *("subprocess.getoutput", "subprocess.getstatusoutput", "commands.getoutput", "commands.getstatusoutput"),
        *("popen2.popen2", "popen2.popen3", "popen2.popen4", "popen2.Popen3", "popen2.Popen4"),
    )
)
"""Functions that always hand their command to a shell (bandit's B605 list)."""
_UNPICKLERS = frozenset(
    (
        *(
            f"{module}.{name}"
            for module in ("pickle", "cPickle", "_pickle", "dill", "cloudpickle", "joblib")
            for name in ("load", "loads", "Unpickler")
        ),
        *("marshal.load", "marshal.loads", "shelve.open", "shelve.DbfilenameShelf", "pandas.read_pickle"),
        *("jsonpickle.decode", "jsonpickle.loads", "jsonpickle.unpickler.decode", "jsonpickle.unpickler.Unpickler"),
    )
)
_EVALUATORS = frozenset(("eval", "exec", "builtins.eval", "builtins.exec"))
_SAFE_YAML_LOADERS = frozenset(("SafeLoader", "CSafeLoader", "BaseLoader", "CBaseLoader"))
_PASSWORD_NAME = re.compile(r"(?:^|_)(?:pas+wo?r?d|pass(?:phrase)?|pwd|token|secrete?)(?:_|$)", re.IGNORECASE)
"""bandit's hard-coded password names: the word as a whole underscore-separated part of the name."""

EVAL = RuleMeta(
    id="security.eval",
    dimension=Dimension.SECURITY,
    severity=Severity.CRITICAL,
    title="Dynamic code execution",
    why="eval and exec run whatever string reaches them, which turns any injection into code execution.",
    advice="Parse the data instead (ast.literal_eval, json.loads) or dispatch through a dictionary.",
    details="calls to `eval` or `exec` (also `builtins.eval`); `ast.literal_eval` and methods named `eval` are fine.",
)

SHELL_TRUE = RuleMeta(
    id="security.shell-true",
    dimension=Dimension.SECURITY,
    severity=Severity.CRITICAL,
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
)

SHELL_CONSTANT = RuleMeta(
    id="security.shell-constant",
    dimension=Dimension.SECURITY,
    severity=Severity.MINOR,
    title="Constant command run through the shell",
    why="Safe while the command is a constant, but a shell still parses it: the day a value is spliced in, it "
    "becomes shell injection.",
    advice="Pass the command as a list of arguments to subprocess.run, without a shell.",
    details=(
        "the same calls with a constant command (a string literal, or a list of literals). bandit reports"
        " these at low severity; Toasty keeps them apart so a team can mute them without muting "
        "injection."
    ),
)

YAML_LOAD = RuleMeta(
    id="security.yaml-load",
    dimension=Dimension.SECURITY,
    severity=Severity.MAJOR,
    title="yaml.load without a safe loader",
    why="The default loaders can construct arbitrary Python objects from a YAML document.",
    advice="Use yaml.safe_load, or pass Loader=yaml.SafeLoader.",
    details=(
        "`yaml.load` or `yaml.load_all` without a safe loader (`SafeLoader`, `CSafeLoader`, "
        "`BaseLoader`), and `yaml.unsafe_load` or `yaml.full_load`."
    ),
)

PICKLE = RuleMeta(
    id="security.pickle",
    dimension=Dimension.SECURITY,
    severity=Severity.MAJOR,
    title="Unpickling data",
    why="Unpickling runs code chosen by whoever wrote the bytes.",
    advice="Use a data format such as JSON for anything that may come from outside the process.",
    details=(
        "`load`, `loads` and `Unpickler` of `pickle`, `cPickle`, `_pickle`, `dill`, `cloudpickle` and "
        "`joblib`; `marshal.load` and `loads`; `shelve.open` and `DbfilenameShelf`; `jsonpickle.decode` "
        "(and `jsonpickle.unpickler`); `pandas.read_pickle` and any `read_pickle` method."
    ),
)

TLS_VERIFY_OFF = RuleMeta(
    id="security.tls-verify-off",
    dimension=Dimension.SECURITY,
    severity=Severity.MAJOR,
    title="TLS verification turned off",
    why="Without certificate checks anyone on the network path can read and alter the traffic.",
    advice="Keep verification on; point it at the right CA bundle if a private CA is involved.",
    details=(
        "`verify=False` or `verify_ssl=False` in any call, `ssl._create_unverified_context()`, "
        "`ssl.CERT_NONE`, and assigning `False` to `check_hostname`."
    ),
)


@RULES.on(ast.Call, reports=(EVAL, SHELL_TRUE, SHELL_CONSTANT, YAML_LOAD, PICKLE, TLS_VERIFY_OFF))
def dangerous_call(context: PythonContext, node: ast.Call) -> None:
    """A call that runs code, a shell command or a pickle, or turns TLS checks off, by the name it resolves to.
    A call is at most one of the first four (the first that matches, in bandit's order)."""
    qualified = context.qualify(node.func)
    name = qualified.rsplit(".", 1)[-1]
    # the first of a repeated keyword, as the compiler would complain of the second (ast.parse accepts both)
    keywords = {keyword.arg: keyword.value for keyword in reversed(node.keywords)} if node.keywords else {}
    if qualified in _EVALUATORS:
        context.observe(EVAL, node, f"{name}()")
    elif qualified in _ALWAYS_SHELL or ("shell" in keywords and _runs_a_shell(keywords["shell"])):
        command = node.args[0] if node.args else keywords.get("args") or keywords.get("cmd")
        context.observe(SHELL_CONSTANT if _is_constant(command) else SHELL_TRUE, node, _shown(qualified, name))
    elif qualified.startswith("yaml.") and _is_unsafe_yaml(node, name, keywords.get("Loader")):
        context.observe(YAML_LOAD, node, f"yaml.{name}()")
    elif qualified in _UNPICKLERS or name == "read_pickle":
        context.observe(PICKLE, node, _shown(qualified, name))
    if keywords and (_is_false(keywords.get("verify")) or _is_false(keywords.get("verify_ssl"))):
        context.observe(TLS_VERIFY_OFF, node, "verify=False")
    elif name == "_create_unverified_context":
        context.observe(TLS_VERIFY_OFF, node, "ssl._create_unverified_context()")


@RULES.on(ast.Attribute, reports=(TLS_VERIFY_OFF,))
def cert_none(context: PythonContext, node: ast.Attribute) -> None:
    """`ssl.CERT_NONE`: a certificate that is not checked."""
    if node.attr == "CERT_NONE" and isinstance(node.value, ast.Name) and node.value.id == "ssl":
        context.observe(TLS_VERIFY_OFF, node, "ssl.CERT_NONE")


@RULES.on(ast.Assign, reports=(TLS_VERIFY_OFF,))
def check_hostname_off(context: PythonContext, node: ast.Assign) -> None:
    """`context.check_hostname = False`."""
    value = node.value
    if isinstance(value, ast.Constant) and value.value is False:
        for target in node.targets:
            if isinstance(target, ast.Attribute) and target.attr == "check_hostname":
                context.observe(TLS_VERIFY_OFF, node, "check_hostname = False")


HARDCODED_PASSWORD = RuleMeta(
    id="security.hardcoded-password",
    dimension=Dimension.SECURITY,
    severity=Severity.MAJOR,
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
)


@RULES.on(ast.Assign, reports=(HARDCODED_PASSWORD,))
def assigned_password(context: PythonContext, node: ast.Assign) -> None:
    """`DB_PASSWORD = "…"`, `self.password = "…"`, `config["password"] = "…"`."""
    text = _literal(node.value)
    if text is not None:
        for target in node.targets:
            _password(context, node, _target_name(target), text)


@RULES.on(ast.AnnAssign, reports=(HARDCODED_PASSWORD,))
def annotated_password(context: PythonContext, node: ast.AnnAssign) -> None:
    """`password: str = "…"`."""
    text = _literal(node.value)
    if text is not None:
        _password(context, node, _target_name(node.target), text)


@RULES.on(ast.Call, reports=(HARDCODED_PASSWORD,))
def password_argument(context: PythonContext, node: ast.Call) -> None:
    """`connect(password="…")`."""
    for keyword in node.keywords:
        text = _literal(keyword.value)
        if text is not None:
            _password(context, keyword, keyword.arg or "", text)


@RULES.on(ast.FunctionDef, ast.AsyncFunctionDef, reports=(HARDCODED_PASSWORD,))
def password_default(context: PythonContext, function: ast.FunctionDef | ast.AsyncFunctionDef) -> None:
    """`def connect(password="…")`."""
    arguments = function.args
    if not (arguments.defaults or arguments.kw_defaults):
        return
    positional = [*arguments.posonlyargs, *arguments.args]
    pairs = [
        *zip(positional[len(positional) - len(arguments.defaults) :], arguments.defaults, strict=True),
        *zip(arguments.kwonlyargs, arguments.kw_defaults, strict=True),
    ]
    for argument, default in pairs:
        text = _literal(default)
        if text is not None:
            _password(context, default or argument, argument.arg, text)


@RULES.on(ast.Dict, reports=(HARDCODED_PASSWORD,))
def password_key(context: PythonContext, node: ast.Dict) -> None:
    """`{"password": "…"}`."""
    for key, value in zip(node.keys, node.values, strict=True):
        text = _literal(value)
        if text is not None and isinstance(key, ast.Constant) and isinstance(key.value, str):
            _password(context, value, key.value, text)


@RULES.on(ast.Compare, reports=(HARDCODED_PASSWORD,))
def compared_password(context: PythonContext, node: ast.Compare) -> None:
    """`if password == "…"`, either way round."""
    if len(node.ops) == 1 and isinstance(node.ops[0], ast.Eq | ast.NotEq | ast.Is | ast.IsNot):
        left, right = node.left, node.comparators[0]
        if (text := _literal(right)) is not None:
            _password(context, node, _target_name(left), text)
        if (text := _literal(left)) is not None:
            _password(context, node, _target_name(right), text)


HARDCODED_SECRET = RuleMeta(
    id="security.hardcoded-secret",
    dimension=Dimension.SECURITY,
    severity=Severity.CRITICAL,
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
)


@RULES.text(HARDCODED_SECRET)
def committed_secrets(source: SourceFile) -> Iterator[Observation]:
    """Credentials anywhere in the text (bot/engine/secrets.py has the kinds); in a programming language only quoted
    values count. One finding per line: two patterns can match the same credential."""
    reported: set[int] = set()
    for secret in find_secrets(source.text, quoted_only=source.language != "text"):
        line = source.line_of(secret.start)
        if line not in reported:
            reported.add(line)
            yield Observation(HARDCODED_SECRET.id, line, line, "", anchor_text(source.lines, line, line), secret.kind)


def _literal(value: ast.expr | None) -> str | None:
    """The string a literal holds: the only value a password check goes on to look at (asked before the name, which
    costs more to find, for every assignment, argument and comparison)."""
    return value.value if isinstance(value, ast.Constant) and isinstance(value.value, str) else None


def _password(context: PythonContext, node: ast.AST, name: str, text: str) -> None:
    """A non-empty string literal bound to, passed as or compared with a password-like name. Values that look like
    real credentials are left to security.hardcoded-secret, which reports them."""
    if not name or not text or _PASSWORD_NAME.search(name) is None or names_something_else(name):
        return
    if not is_credential(text):
        context.observe(HARDCODED_PASSWORD, node, name[:60])


def _is_false(node: ast.expr | None) -> bool:
    return isinstance(node, ast.Constant) and node.value is False


def _shown(qualified: str, name: str) -> str:
    """How a finding names the call: by what it resolves to, or by its name when it is a method of an expression."""
    return f"{qualified}()" if not qualified.startswith("?") else f"{name}()"


def _runs_a_shell(shell: ast.expr) -> bool:
    """bandit's reading of `shell=`: a literal by its truth, anything computed as true."""
    if isinstance(shell, ast.Constant):
        return bool(shell.value)
    if isinstance(shell, ast.List | ast.Tuple | ast.Set):
        return bool(shell.elts)
    if isinstance(shell, ast.Dict):
        return bool(shell.keys)
    return True


def _is_constant(command: ast.expr | None) -> bool:
    """A command that is a literal, or a list of literals."""
    return isinstance(command, ast.Constant) or (
        isinstance(command, ast.List | ast.Tuple) and all(isinstance(e, ast.Constant) for e in command.elts)
    )


def _is_unsafe_yaml(node: ast.Call, name: str, loader_keyword: ast.expr | None) -> bool:
    if name in ("unsafe_load", "unsafe_load_all", "full_load", "full_load_all"):
        return True
    if name not in ("load", "load_all"):
        return False
    loader = loader_keyword or (node.args[1] if len(node.args) > 1 else None)
    if loader is None:
        return True
    loader_name = loader.attr if isinstance(loader, ast.Attribute) else getattr(loader, "id", "")
    return loader_name not in _SAFE_YAML_LOADERS


def _target_name(target: ast.expr) -> str:
    """The name a value is bound to: `password`, `self.password`, `config["password"]`."""
    if isinstance(target, ast.Name):
        return target.id
    if isinstance(target, ast.Attribute):
        return target.attr
    if isinstance(target, ast.Subscript) and isinstance(target.slice, ast.Constant):
        key = target.slice.value
        return key if isinstance(key, str) else ""
    return ""
