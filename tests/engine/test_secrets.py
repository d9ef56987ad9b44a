"""Secret detection on the shapes the issue names: names with underscores, bandit's shapes, config formats,
every claimed kind, and the false alarms that must stay quiet. Credentials are generated, never committed."""

from __future__ import annotations

import random
import string

import pytest

from bot.engine.secrets import find_secrets

_RANDOM = random.Random(16)


def _token(length: int, alphabet: str = string.ascii_letters + string.digits) -> str:
    return "".join(_RANDOM.choice(alphabet) for _ in range(length))


def _kinds(text: str) -> set[str]:
    return {match.kind for match in find_secrets(text)}


VALUE = _token(24)
GENERIC = "password or secret in an assignment"

ASSIGNMENTS = {
    "python assignment": f'DB_PASSWORD = "{VALUE}"\n',
    "secret key": f"SECRET_KEY = '{VALUE}'\n",
    "api token": f'api_token = "{VALUE}"\n',
    "client secret": f'client_secret="{VALUE}"\n',
    "default argument": f'def connect(host, db_password="{VALUE}"):\n    pass\n',
    "keyword argument": f'client = Client(host, api_token="{VALUE}")\n',
    "dictionary key": f'settings = {{"client_secret": "{VALUE}", "debug": True}}\n',
    "subscript": f'config["DB_PASSWORD"] = "{VALUE}"\n',
    "yaml": f"database:\n  db_password: {VALUE}\n",
    "yaml quoted": f"auth_token: '{VALUE}'\n",
    "json": f'{{\n  "apiKey": "{VALUE}"\n}}\n',
    ".env": f"STRIPE_SECRET={VALUE}\n",
    "toml": f'[service]\nclient_secret = "{VALUE}"\n',
    "ini": f"[db]\npassword={VALUE}\n",
    "go": f'var accessToken string = "{VALUE}"\n',
    "javascript": f'const githubToken = "{VALUE}";\n',
    "shell export": f'export AWS_SECRET_ACCESS_KEY="{_token(40)}"\n',
    "command-line option": f"mytool --api-key {VALUE} --verbose\n",
}


@pytest.mark.parametrize("text", ASSIGNMENTS.values(), ids=ASSIGNMENTS.keys())
def test_assignments_to_secret_names_are_found_in_every_shape(text: str) -> None:
    assert _kinds(text), text


def test_a_comparison_with_a_literal_secret_is_found() -> None:
    assert "password or secret in a comparison" in _kinds(f'if "{VALUE}" == user_password:\n')
    assert _kinds(f'if (api_key === "{VALUE}") {{\n')


VENDOR_TOKENS = {
    "AWS access key ID": "AKIA" + _token(16, string.ascii_uppercase + "234567"),
    "AWS access key ID (ABIA)": "ABIA" + _token(16, string.ascii_uppercase + "234567"),
    "AWS access key ID (ACCA)": "ACCA" + _token(16, string.ascii_uppercase + "234567"),
    "GitHub token": "ghp_" + _token(36),
    "GitLab token (personal)": "glpat-" + _token(20),
    "GitLab token (deploy)": "gldt-" + _token(20),
    "GitLab token (runner)": "glrt-" + _token(20),
    "GitLab token (CI job)": "glcbt-" + _token(5) + "_" + _token(20),
    "GitLab token (feed)": "glft-" + _token(20),
    "GitLab token (incoming mail)": "glimt-" + _token(25),
    "GitLab token (pipeline trigger)": "glptt-" + _token(40, "0123456789abcdef"),
    "GitLab token (Kubernetes agent)": "glagent-" + _token(50),
    "GitLab token (SCIM)": "glsoat-" + _token(20),
    "GitLab token (OAuth application)": "gloas-" + _token(64),
    "Slack token": f"xoxb-{_token(12, string.digits)}-{_token(13, string.digits)}-{_token(24)}",
    "Slack token (app-level)": f"xapp-1-A{_token(10, string.ascii_uppercase)}-{_token(13, string.digits)}-"
    + _token(64, "0123456789abcdef"),
    "Slack token (configuration refresh)": "xoxe-1-" + _token(140),
    "Slack webhook URL": f"https://hooks.slack.com/services/T{_token(8)}/B{_token(8)}/{_token(24)}",
    "Stripe key (test)": "sk_test_" + _token(24),
    "Stripe key (restricted)": "rk_live_" + _token(24),
    "npm token": "npm_" + _token(36),
    "npm registry auth token": "//registry.npmjs.org/:_authToken=" + _token(36, "0123456789abcdef-"),
    "Anthropic key (admin)": "sk-ant-admin01-" + _token(93, string.ascii_letters + string.digits + "-_") + "AA",
    "JSON Web Token": "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9" + ".eyJzdWIiOiIx" + _token(30) + "." + _token(43),
    "Discord bot token": "M" + _token(25) + "." + _token(6) + "." + _token(27),
    "Twilio key": "SK" + _token(32, "0123456789abcdef"),
    "SendGrid key": "SG." + _token(22) + "." + _token(43),
    "Mailchimp key": _token(32, "0123456789abcdef") + "-us14",
    "Telegram bot token": _token(10, string.digits) + ":AA" + _token(33),
    "Azure storage account key": "AccountKey=" + _token(86, string.ascii_letters + string.digits + "+/") + "==",
    "Artifactory token": "AKCp" + _token(69),
    "password in a URL": f"postgres://app:{_token(16)}@db.internal:5432/app",
    "private key (PGP)": "-----BEGIN PGP PRIVATE KEY BLOCK-----\n\n"
    + "\n".join(_token(64, string.ascii_letters + string.digits + "+/") for _ in range(4))
    + "\n-----END PGP PRIVATE KEY BLOCK-----\n",
    "private key (OpenSSH)": "-----BEGIN OPENSSH PRIVATE KEY-----\n"
    + "\n".join(_token(70, string.ascii_letters + string.digits + "+/") for _ in range(3))
    + "\n-----END OPENSSH PRIVATE KEY-----\n",
}


@pytest.mark.parametrize("token", VENDOR_TOKENS.values(), ids=VENDOR_TOKENS.keys())
def test_every_claimed_kind_is_found_on_its_own_and_inside_text(token: str) -> None:
    assert _kinds(token), token
    assert _kinds(f"# deployment notes\nsee: {token} (rotate monthly)\n"), token


QUIET = {
    "GitHub placeholder": "token = ghp_" + "x" * 36,
    "GitLab placeholder": "glpat-" + "X" * 20,
    "Slack placeholder": "SLACK_TOKEN=xoxb-" + "x" * 10 + "-" + "x" * 24,
    "AWS placeholder": "key = AKIA" + "X" * 16,
    "AWS documented example key": "aws_access_key_id = AKIAIOSFODNN7EXAMPLE",
    "AWS documented example secret": "aws_secret_access_key = wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
    "private key header without a body": "-----BEGIN RSA PRIVATE KEY-----\n...\n-----END RSA PRIVATE KEY-----",
    "private key header in prose": 'if line.startswith("-----BEGIN PRIVATE KEY-----"):',
    "Slack-like run inside an image URL": "![logo](https://indieweb.org/images/3/35/2018-250-xoxo-indieweb-1.jpg)",
    "environment reference": 'DB_PASSWORD = os.environ["DB_PASSWORD"]',
    "settings reference": "SECRET_KEY = settings.SECRET_KEY",
    "template": "password: ${DB_PASSWORD}",
    "jinja template": "api_token: '{{ vault_api_token }}'",
    "ordinary word": 'password = "password"',
    "ordinary phrase": 'client_secret = "set this in production"',
    "a word with underscores": 'token_kind = "refresh_token"',
    "a name about the secret": 'PASSWORD_FILE = "/run/secrets/db_password"',
    "secret's id": 'credentialsId: "29f63271-dc2f-4734-8221-5b31b5169bac"',
    "public key": 'public_key = "9Cnzj4p4WGeKLs1Pt8QuKUpRKfFLfRYC9AIKjbJTWit"',
    "changeme": "PASSWORD=changeme-please-1",
    "function call": "api_token = get_token(user)",
    "python pass statement": "def token():\n    pass\nelse_value = compute_everything_here(1)",
    "dependency version": 'auth_token_lib = "jjwt-jackson-0.11.2"',
    "URL password placeholder": "https://user:password@example.com/path",
    "URL on a documentation domain": "https://joe:s3cr3tpw@proxy.example.com",
    "URL template": "postgres://app:REPLACE-WITH-THE-PASSWORD@REPLACE-WITH-THE-HOST:5432/app",
    "a name that mentions a secret": '"libsecret-1.so.0": "libsecret-1-0"',
}


@pytest.mark.parametrize("text", QUIET.values(), ids=QUIET.keys())
def test_placeholders_examples_and_references_are_not_reported(text: str) -> None:
    assert not _kinds(text), text


def test_text_with_a_lone_surrogate_is_scanned_not_rejected() -> None:
    """`# coding: unicode_escape` can decode to lone surrogates, which UTF-8 (and so RE2) cannot carry."""
    text = "\udcff\n" + ASSIGNMENTS["api token"]
    found = list(find_secrets(text))
    assert [text[m.start : m.start + len("api_token")] for m in found] == ["api_token"]


@pytest.mark.parametrize(
    "code",
    [
        "private_key = ed25519.Ed25519PrivateKey.from_private_bytes(data)",
        "private_key: PKCS7PrivateKeyTypes",
        "MLKEM1024P384PrivateKey = rust_openssl.hpke.MLKEM1024P384PrivateKey",
        "if inspector_params.token0 == metadata_params.token0:",
    ],
)
def test_unquoted_values_in_code_are_expressions_not_secrets(code: str) -> None:
    assert not list(find_secrets(code, quoted_only=True))


def test_unquoted_values_in_config_are_still_secrets() -> None:
    assert _kinds(ASSIGNMENTS["yaml"])
    assert not list(find_secrets(ASSIGNMENTS["yaml"], quoted_only=True))  # the same line, read as code
    assert list(find_secrets(ASSIGNMENTS["python assignment"], quoted_only=True))
