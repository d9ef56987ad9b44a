"""Committed credentials in any text: one RE2 pattern per kind, then checks on the value so examples are not alarms.

Every pattern runs over the whole text with RE2 (linear time, no pre-filter to fall out of step with it). A kind
names the credential it finds; the generic kinds find a value assigned to a password-, secret- or token-like name
in bandit's shapes (assignment, default and keyword argument, dictionary key, comparison) and in configuration
formats (YAML, JSON, .env, TOML, ini, XML), and accept it only when it looks random: long enough, no whitespace,
several character classes, enough entropy, no placeholder words or repeated runs, not a reference to a variable.
"""

from __future__ import annotations

import itertools
import math
import re
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from functools import cache
from typing import Any

import re2

_MAX_PROGRAM_MEMORY = 64 * 1024 * 1024
_SURROGATES = re.compile("[\ud800-\udfff]")
_MAX_VALUE = 400


@dataclass(frozen=True, slots=True)
class SecretMatch:
    """Where a credential is (character offsets into the text) and what kind it is; never the value itself."""

    kind: str
    start: int
    end: int


@dataclass(frozen=True, slots=True)
class SecretKind:
    """One kind of credential: its pattern (the value is the `value` group, or the whole match) and its check."""

    name: str
    pattern: str
    check: Callable[[str], bool]
    covers: str = ""
    """What the kind includes, for docs/rules.md."""


def is_random_token(value: str) -> bool:
    """A vendor token's body: no filler (xxxx, EXAMPLE, YourTokenHere), not CamelCase words, enough entropy."""
    lowered = value.lower()
    if value.isdigit() or _has_repeated_run(value) or any(word in lowered for word in _TOKEN_PLACEHOLDERS):
        return False
    if _is_camel_words(value):
        return False
    return _entropy(value) >= min(3.0, math.log2(len(value)) - 0.7)


def is_credential(value: str) -> bool:
    """A value assigned to a secret-like name that looks like a real credential, not a word, path or reference."""
    if not 10 <= len(value) <= _MAX_VALUE or any(c.isspace() for c in value) or _is_placeholder(value):
        return False
    if value[0] in _REFERENCE_STARTS or "://" in value or _compiled(_REFERENCE).fullmatch(value) is not None:
        return False
    if _compiled(_VERSION).search(value) is not None or _is_identifier(value) or _is_dotted_name(value):
        return False
    if any(word in value.lower() for word in _NAME_WORDS):  # libsecret-1-0, db_password_v2: a name, not a secret
        return False
    if value.isdigit():  # a number is an id or a count unless it is long and varied
        return len(value) >= 16 and _entropy(value) >= 2.3
    if _reads_as_words(value) or _is_camel_words(value):
        return False
    return _character_classes(value) >= 2 and _entropy(value) >= (3.0 if len(value) < 16 else 3.3)


def is_password(value: str) -> bool:
    """A password in a URL: not a filler (xxxx, ***), a template (`${PASS}`, `<pass>`) or the word password itself."""
    lowered = value.lower()
    return (
        len(value) >= 3
        and lowered not in _PASSWORD_WORDS
        and not any(word in lowered for word in (*_TOKEN_PLACEHOLDERS, "password"))
        and not _has_repeated_run(value)
        and not any(mark in value for mark in "${}<>%*")
    )


def is_private_key(value: str) -> bool:
    """A key block with a body: a run of base64 long enough to be key material, not `...` or prose."""
    return not _is_placeholder(value)


def find_secrets(text: str, *, quoted_only: bool = False) -> Iterator[SecretMatch]:
    """Every credential in the text, in pattern order; several kinds may report the same place.

    In a programming language a literal is quoted, so an unquoted value after `token =` is an expression
    (`ed25519.Ed25519PrivateKey`, `get_token()`): `quoted_only` leaves such values out. Config formats (YAML,
    .env, ini, properties, shell) keep them."""
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:  # a lone surrogate (some declared encodings yield them): RE2 needs UTF-8
        text = _SURROGATES.sub("\ufffd", text)  # one character for one, so offsets still point into the original
    for kind in KINDS:
        regex = _compiled(kind.pattern)
        for match in regex.finditer(text):
            groups = match.groupdict()
            name, host = groups.pop("name", None), groups.pop("host", None)
            if (name is not None and names_something_else(name)) or (host is not None and _is_example_host(host)):
                continue
            if quoted_only and groups.get(_BARE_GROUP) is not None:
                continue
            value = next((v for v in groups.values() if v is not None), match.group(0))
            if kind.check(value):
                # a group's start, not the match's: a pattern may begin with the character before the name
                starts = [match.start(index) for index in regex.groupindex.values() if match.start(index) >= 0]
                yield SecretMatch(kind.name, min(starts, default=match.start()), match.end())


# -- value checks ---------------------------------------------------------------------------------------------

_PLACEHOLDER_WORDS = (
    "example",
    "changeme",
    "change_me",
    "placeholder",
    "dummy",
    "sample",
    "your",
    "redacted",
    "fake",
    "replace",
    "insert",
    "notreal",
    "not_real",
    "todo",
    "secret_here",
    "password_here",
    "token_here",
    "<",
    "${",
    "{{",
    "%(",
    "%s",
    "...",
    "***",
    "###",
    "1234567",
    "abcdefg",
    "here",
)
_VERSION = r"[-:@_]v?\d+\.\d+(?:\.\d+)*(?:[-.][A-Za-z0-9]+)?$"
"""Ends in a version number (jjwt-jackson-0.11.2, library@1.4.0): a dependency, not a credential."""
_FILLERS = frozenset("xXzZ0*#.")
_PASSWORD_WORDS = frozenset(("pass", "password", "passwd", "pwd", "secret", "changeme", "token", "xxx", "tiger"))
"""The word itself, and `tiger`: scott/tiger, the example account of Oracle's and SQLAlchemy's documentation."""
_NAME_WORDS = ("secret", "password", "passwd", "token", "apikey", "api_key", "credential")
_TOKEN_PLACEHOLDERS = (
    *("example", "placeholder", "changeme", "redacted", "replace", "your", "here", "<", "${", "{{", "..."),
)
_REFERENCE_STARTS = frozenset("$%{[<#/~.@&*(")
_REFERENCE = r"[A-Za-z_]+\d*(?:(?:\.|::|->)[A-Za-z_]+\d*)+(?:\(\))?|[A-Za-z_]\w*\(\)|(?:[a-z]+_)+[a-z]+\d{0,2}"
"""A dotted name, a call, or snake_case words: a reference to where the secret lives, not the secret."""


def names_something_else(name: str) -> bool:
    """`credentialsId`, `token_url`, `PASSWORD_FILE`, `publicToken`: the name says the value is not a secret."""
    lowered = name.lower()
    if any(word in lowered for word in _NOT_SECRET_PARTS):
        return True
    words = list(_compiled(r"[A-Z]?[a-z0-9]+|[A-Z]+(?:[^A-Za-z]|$)").findall(name))
    return bool(words) and words[-1].strip("_.-").lower() in _NOT_A_SECRET_WORDS


def _is_example_host(host: str) -> bool:
    """RFC 2606's documentation domains and the local machine: URLs written to show the syntax."""
    lowered = host.lower().rstrip(".")
    return lowered in ("localhost", "127.0.0.1") or any(
        lowered == domain or lowered.endswith("." + domain) for domain in ("example.com", "example.org", "example.net")
    )


def _is_dotted_name(value: str) -> bool:
    """`Ed25519PrivateKey.from_private_bytes`, `hpke.MLKEM768X25519PrivateKey`: a name in code, unless one part is
    long and as jumbled as a token (`pk.eyJ1Ijoi…`, `s.ZC9Ecf4M…`)."""
    parts = value.split(".")
    if len(parts) < 2 or not all(part.isidentifier() for part in parts):
        return False
    return not any(len(part) >= 16 and _class_switches(part) >= 0.3 * len(part) for part in parts)


def _is_camel_words(value: str) -> bool:
    """`PKCS7PrivateKeyTypes`, `APActivationPayload`: capitalised words make up most of it, as in a type name."""
    words = _compiled(r"[A-Z][a-z]{2,}").findall(value)
    return len(words) >= 2 and sum(len(word) for word in words) >= 0.6 * len(value)


def _class_switches(value: str) -> int:
    """How often the character class (lower, upper, digit, other) changes along the value."""
    classes = [2 if c.isdigit() else 1 if c.isupper() else 0 if c.islower() else 3 for c in value]
    return sum(1 for a, b in itertools.pairwise(classes) if a != b)


def _is_identifier(value: str) -> bool:
    """X509_info_st, pem_password_cb: short words joined by underscores name something; a token has a long run."""
    parts = value.split("_")
    return len(parts) > 1 and all(part.isalnum() and len(part) <= 10 for part in parts if part)


def _reads_as_words(value: str) -> bool:
    """Letters only, changing case less often than random text does: `PasswordField`, `SlackTokenHere`."""
    if any(c.isdigit() for c in value):
        return False
    letters = [c for c in value if c.isalpha()]
    switches = sum(1 for a, b in itertools.pairwise(letters) if a.isupper() != b.isupper())
    return len(letters) < 16 or switches < 0.4 * len(letters)


def _is_placeholder(value: str) -> bool:
    lowered = value.lower()
    if any(word in lowered for word in _PLACEHOLDER_WORDS):
        return True
    return _has_repeated_run(value)


def _has_repeated_run(value: str) -> bool:
    """xxxx, XXXX, zzzz, 0000, or six of any character in a row: what people type in place of a key."""
    run, previous = 0, ""
    for character in value:
        run = run + 1 if character == previous else 1
        if run >= 6 or (run >= 4 and character in _FILLERS):
            return True
        previous = character
    return False


def _character_classes(value: str) -> int:
    return (
        any(c.islower() for c in value)
        + any(c.isupper() for c in value)
        + any(c.isdigit() for c in value)
        + any(not c.isalnum() for c in value)
    )


def _entropy(value: str) -> float:
    """Shannon entropy in bits per character."""
    if not value:
        return 0.0
    counts = Counter(value)
    return -sum(n / len(value) * math.log2(n / len(value)) for n in counts.values())


@cache
def _compiled(pattern: str) -> Any:
    options = re2.Options()
    options.max_mem = _MAX_PROGRAM_MEMORY
    options.log_errors = False
    return re2.compile(pattern, options)


# -- the kinds ----------------------------------------------------------------------------------------------------

_NAME = (
    r"(?:[\w.-]{0,40}?(?i:pass(?:wo?r?d|phrase)|pwd|secret|token|credential|"
    r"(?:api|access|secret|private|auth|client|master|encryption|signing|account|app|subscription|license)[_.-]?key|"
    r"apikey|auth[_.-]?(?:code|string))s?(?:[A-Z0-9_.-][\w.-]{0,40})?|[\w.-]{0,40}[_.-](?i:pass)(?:[_.-][\w.-]{0,40})?)"
)
"""A password-, secret- or token-like name, such as DB_PASSWORD, SECRET_KEY, api_token, client_secret, xToken."""
_NOT_A_SECRET_WORDS = frozenset(
    (
        *("id", "ids", "name", "names", "url", "urls", "uri", "path", "paths", "file", "files", "dir", "length"),
        *("len", "size", "type", "count", "header", "field", "format", "prefix", "env", "var", "mode", "version"),
        *("regex", "pattern", "policy", "endpoint", "expiry", "expires", "expiration", "ttl", "timeout", "hash"),
        *("label", "prompt", "input", "class", "kind"),
    )
)
_NOT_SECRET_PARTS = ("public", "csrf", "xsrf", "authenticity", "nonce", "example", "sample")
"""The last word of a name that holds something about a secret (its id, its URL, its length), not the secret."""
_QUOTED_VALUE = r"\"(?P<value>[^\"\n]{1,400})\"|'(?P<value2>[^'\n]{1,400})'|`(?P<value3>[^`\n]{1,400})`"
_BARE_GROUP = "bare"
_BARE_VALUE = f"(?P<{_BARE_GROUP}>" + r"[^\s\"'`,;(){}\[\]<>\\]{8,400})"
_OPERATOR = r"(?:=>|:{1,3}=|\?=|\.=|\|\|=|===|!==|==|!=|=|:)"
_BLANK = r"[ \t]*"


def _assignments() -> tuple[str, ...]:
    """name <type>? op value (Python, JS, Go, Java, C#, PHP, shell, Make, YAML, TOML, ini, .env, JSON); a call's
    ("name", "value") such as setProperty; name "value" (C, Go)."""
    start = r"(?:^|[^\w.-])"
    return (
        rf"{start}[\"'$@]?(?P<name>{_NAME})[\"'\]]{{0,2}}(?:[ \t]+[A-Za-z_][\w\[\]*]*)?{_BLANK}(?:\[\d*\]{_BLANK})?"
        rf"{_OPERATOR}{_BLANK}@?(?:{_QUOTED_VALUE}|{_BARE_VALUE})",
        rf"\({_BLANK}[\"'](?P<name>{_NAME})[\"']{_BLANK},{_BLANK}(?:{_QUOTED_VALUE})",
        rf"{start}(?P<name>{_NAME})[ \t]+(?:{_QUOTED_VALUE})",
    )


KINDS: tuple[SecretKind, ...] = (
    SecretKind(
        "AWS access key ID",
        r"\b(?P<value>(?:A3T[A-Z0-9]|AKIA|ASIA|ABIA|ACCA)[A-Z0-9]{16})\b",
        is_random_token,
        covers="`AKIA`, `ASIA`, `ABIA`, `ACCA` and `A3T…` ids",
    ),
    SecretKind(
        "AWS secret access key",
        r"(?i:aws[\w.-]{0,20}secret[\w.-]{0,20})[\"']?[ \t]*[:=][ \t]*[\"']?"
        r"(?P<value>[A-Za-z0-9/+]{40})(?:[^A-Za-z0-9/+]|$)",
        is_credential,
    ),
    SecretKind(
        "GitHub token",
        r"\b(?P<value>gh[pousr]_[A-Za-z0-9]{36,251})\b|\b(?P<v2>github_pat_\w{82})\b",
        is_random_token,
        covers="classic `ghp_`, `gho_`, `ghu_`, `ghs_`, `ghr_` and fine-grained `github_pat_`",
    ),
    SecretKind(
        "GitLab token",
        r"\b(?P<value>gl(?:pat|dt|rt|ft|ffct)-[\w-]{20}|glimt-[\w-]{25}|glptt-[\w-]{40}|glagent-[\w-]{50,}|gloas-[\w-]{64}|"
        r"glsoat-[\w-]{20,}|glcbt-(?:[0-9a-zA-Z]{1,5}_)?[\w-]{20}|GR1348941[\w-]{20,}|_gitlab_session=[0-9a-z]{32}|"
        r"gl(?:pat|rt)-[\w-]{27,300}\.[0-9a-z]{2}[0-9a-z]{7})(?:[^\w.-]|$)",
        is_random_token,
        covers=(
            "personal, deploy, runner, CI/CD job, feed, incoming mail, pipeline trigger, Kubernetes agent, SCIM, "
            "OAuth application secret, feature flag, runner registration, session cookie; routable formats too"
        ),
    ),
    SecretKind(
        "Slack token",
        r"\bxox[abposr]-(?:\d+-)*(?P<value>[0-9A-Za-z]{10,250})\b|\b(?P<v2>xapp-\d-[A-Z0-9]+-\d+-[a-z0-9]+)|"
        r"\b(?P<v3>xoxe(?:\.xox[bp])?-\d-[A-Za-z0-9]{100,})",
        is_random_token,
        covers="bot, user, legacy workspace, app-level `xapp-` and configuration `xoxe-` tokens",
    ),
    SecretKind(
        "Slack webhook URL",
        r"(?i:hooks\.slack\.com/(?:services|workflows|triggers)/)(?P<value>[A-Za-z0-9+/_-]{24,})",
        is_random_token,
        covers="`hooks.slack.com` services, workflows and triggers",
    ),
    SecretKind("Google API key", r"\b(?P<value>AIza[\w-]{35})(?:[^\w-]|$)", is_random_token),
    SecretKind(
        "Stripe key",
        r"\b(?P<value>(?:sk|rk)_(?:test|live|prod)_[a-zA-Z0-9]{10,99})\b",
        is_random_token,
        covers="secret and restricted keys, live, test and prod",
    ),
    SecretKind("npm token", r"\b(?P<value>npm_[A-Za-z0-9]{36})\b", is_random_token, covers="`npm_` access tokens"),
    SecretKind(
        "npm registry auth token",
        r"//[\w.-]+(?::\d+)?/(?:[\w./-]*/)?:_(?:authToken|password|auth)\s*=\s*(?P<value>[^\s\"'$]{8,})",
        is_random_token,
        covers="the legacy `_authToken`, `_password` or `_auth` in `.npmrc`",
    ),
    SecretKind("PyPI token", r"\b(?P<value>pypi-AgEIcHlwaS5vcmc[\w-]{50,})", is_random_token),
    SecretKind(
        "OpenAI key",
        r"\b(?P<value>sk-(?:(?:proj|svcacct|admin)-)?[\w-]{20,}T3BlbkFJ[\w-]{20,})",
        is_random_token,
        covers="user, project, service-account and admin keys",
    ),
    SecretKind(
        "Anthropic key",
        r"\b(?P<value>sk-ant-(?:api|admin)\d\d-[\w-]{80,}AA)(?:[^\w-]|$)",
        is_random_token,
        covers="API and admin keys",
    ),
    SecretKind(
        "JSON Web Token",
        r"\b(?P<value>ey[A-Za-z0-9_-]{17,}\.ey[A-Za-z0-9/\\_-]{17,}(?:\.[A-Za-z0-9/\\_-]{10,}={0,2})?)",
        is_random_token,
    ),
    SecretKind(
        "Discord bot token",
        r"(?:^|[^\w.-])(?P<value>[MNO][A-Za-z0-9_-]{23,25}\.[A-Za-z0-9_-]{6}\.[A-Za-z0-9_-]{27,38})(?:[^\w.-]|$)",
        is_random_token,
    ),
    SecretKind("Twilio key", r"\b(?P<value>(?:SK|AC)[0-9a-fA-F]{32})\b", is_random_token),
    SecretKind("SendGrid key", r"\b(?P<value>SG\.[\w=-]{20,24}\.[\w=-]{39,50})(?:[^\w=-]|$)", is_random_token),
    SecretKind("Mailchimp key", r"\b(?P<value>[0-9a-f]{32}-us\d{1,2})\b", is_random_token),
    SecretKind("Telegram bot token", r"(?:^|[^\w:])(?P<value>\d{5,16}:A[\w-]{34})(?:[^\w-]|$)", is_random_token),
    SecretKind(
        "Azure storage account key",
        r"(?i:AccountKey)[ \t]*=[ \t]*(?P<value>[A-Za-z0-9+/]{86,88}={0,2})",
        is_random_token,
    ),
    SecretKind(
        "Artifactory token",
        r"\b(?P<value>AKCp[A-Za-z0-9]{69}|cmVmd[A-Za-z0-9]{59})\b|(?:^|[^\w])(?P<v2>AP[0-9A-F][A-Za-z0-9]{8,}|AKC[A-Za-z0-9]{10,})\b",
        is_random_token,
    ),
    SecretKind("Twitter bearer token", r"\bA{22}(?P<value>[A-Za-z0-9%]{30,})", is_random_token),
    SecretKind(
        "password in a URL",
        r"\b[a-zA-Z][a-zA-Z0-9+.-]{1,20}://[^\s:/?#@\"'`]{1,100}:(?P<value>[^\s:/?#@\"'`]{1,100})@(?P<host>[\w.-]+)",
        is_password,
        covers="`scheme://user:password@host`, not on documentation domains",
    ),
    SecretKind(
        "private key",
        r"-----BEGIN[ A-Z0-9_-]{0,100}PRIVATE KEY(?: BLOCK)?-----\s*(?:[\w-]+:[^\n]*\n\s*)*"
        r"(?P<value>(?:[A-Za-z0-9+/=]{40,}\s*){2,}|[A-Za-z0-9+/=]{64,})",
        is_private_key,
        covers="RSA, EC, DSA, OpenSSH, PGP, PKCS#8 and encrypted blocks that have a key body",
    ),
    *(SecretKind("password or secret in an assignment", pattern, is_credential) for pattern in _assignments()),
    SecretKind(
        "password or secret in a command-line option",
        rf"(?:^|[ \t])-{{1,2}}(?P<name>{_NAME})(?:[ \t]+|=)(?:{_QUOTED_VALUE}|{_BARE_VALUE})",
        is_credential,
    ),
    SecretKind(
        "token in an Authorization header",
        r"(?i:authorization)[\"']?[ \t]*[:=][ \t]*[\"']?(?i:bearer|basic|token)?[ \t]*"
        r"(?P<value>[A-Za-z0-9._~+/=-]{16,400})",
        is_credential,
        covers="bearer, basic and token credentials",
    ),
    SecretKind(
        "password or secret in a comparison",
        rf"(?:\"(?P<value>[^\"\n]{{8,400}})\"|'(?P<value2>[^'\n]{{8,400}})')[ \t]*(?:===|!==|==|!=)[ \t]*"
        rf"[\w.$]*(?P<name>{_NAME})",
        is_credential,
    ),
    SecretKind(
        "password or secret in an XML element",
        rf"<(?P<name>{_NAME})>\s*(?P<value>[^<\s]{{8,400}})\s*</",
        is_credential,
    ),
)
