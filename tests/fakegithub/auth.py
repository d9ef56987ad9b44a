"""GitHub App credentials: a test RSA key, JWTs checked as strictly as GitHub does, installation tokens."""

from __future__ import annotations

import base64
import functools
import json
import secrets
import string
import time
from dataclasses import dataclass

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa

# https://docs.github.com/apps/creating-github-apps/authenticating-with-a-github-app/generating-a-json-web-token-jwt-for-a-github-app
JWT_MAX_LIFETIME_SECONDS = 10 * 60
# GitHub tolerates a little clock drift on `iat`; its docs advise back-dating by 60 s.
_IAT_FUTURE_TOLERANCE_SECONDS = 60
MSG_UNDECODABLE = "A JSON web token could not be decoded"
MSG_EXP_TOO_FAR = "'Expiration time' claim ('exp') is too far in the future"
MSG_EXP_INVALID = (
    "'Expiration time' claim ('exp') must be a numeric value representing the future time at which the assertion"
    " expires"
)
MSG_IAT_INVALID = "'Issued at' claim ('iat') must be an Integer representing the time that the assertion was issued"
_TOKEN_ALPHABET = string.ascii_letters + string.digits


@dataclass(frozen=True)
class JwtClaims:
    """The claims of a JWT that passed verification."""

    issuer: str
    issued_at: int
    expires_at: int


class JwtRejected(Exception):
    """GitHub would answer 401 with this message."""


@functools.cache
def session_private_key() -> rsa.RSAPrivateKey:
    """One RSA key per test session: generating keys is slow, and nothing depends on its value."""
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


def private_key_pem(key: rsa.RSAPrivateKey) -> bytes:
    """The key as GitHub hands it out when you generate one for an App (PKCS#1 PEM)."""
    return key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.TraditionalOpenSSL, serialization.NoEncryption()
    )


def make_jwt(
    key: rsa.RSAPrivateKey,
    issuer: int | str,
    *,
    issued_at: int | None = None,
    expires_at: int | None = None,
    algorithm: str = "RS256",
) -> str:
    """Sign an App JWT the way GitHub's docs describe (tests use it to exercise the fake's checks)."""
    now = int(time.time())
    iat = now - 60 if issued_at is None else issued_at
    claims = {"iat": iat, "exp": iat + JWT_MAX_LIFETIME_SECONDS if expires_at is None else expires_at, "iss": issuer}
    header = {"alg": algorithm, "typ": "JWT"}
    signing_input = f"{_b64(json.dumps(header).encode())}.{_b64(json.dumps(claims).encode())}"
    signature = key.sign(signing_input.encode(), padding.PKCS1v15(), hashes.SHA256())
    return f"{signing_input}.{_b64(signature)}"


def verify_app_jwt(
    token: str, key: rsa.RSAPublicKey, accepted_issuers: set[str], *, now: float | None = None
) -> JwtClaims:
    """Verify an App JWT: RS256 signature by the App's key, known issuer, `exp` in (now, now + 10 min]."""
    moment = time.time() if now is None else now
    try:
        header_part, claims_part, signature_part = token.split(".")
        header = json.loads(_unb64(header_part))
        claims = json.loads(_unb64(claims_part))
        signature = _unb64(signature_part)
    except ValueError as error:
        raise JwtRejected(MSG_UNDECODABLE) from error
    if not isinstance(header, dict) or header.get("alg") != "RS256" or not isinstance(claims, dict):
        raise JwtRejected(MSG_UNDECODABLE)
    try:
        key.verify(signature, f"{header_part}.{claims_part}".encode(), padding.PKCS1v15(), hashes.SHA256())
    except InvalidSignature as error:
        raise JwtRejected(MSG_UNDECODABLE) from error
    if str(claims.get("iss")) not in accepted_issuers:
        raise JwtRejected(MSG_UNDECODABLE)
    iat, exp = claims.get("iat"), claims.get("exp")
    if not isinstance(iat, int) or isinstance(iat, bool) or iat > moment + _IAT_FUTURE_TOLERANCE_SECONDS:
        raise JwtRejected(MSG_IAT_INVALID)
    if not isinstance(exp, int | float) or isinstance(exp, bool) or exp <= moment:
        raise JwtRejected(MSG_EXP_INVALID)
    if exp > moment + JWT_MAX_LIFETIME_SECONDS:
        raise JwtRejected(MSG_EXP_TOO_FAR)
    return JwtClaims(str(claims["iss"]), iat, int(exp))


def new_installation_token() -> str:
    """A token shaped like GitHub's installation tokens (`ghs_` and 36 characters)."""
    return "ghs_" + "".join(secrets.choice(_TOKEN_ALPHABET) for _ in range(36))


def _b64(raw: bytes) -> str:
    """Base64url without padding, as JWTs use."""
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def _unb64(text: str) -> bytes:
    """Decode base64url, restoring the padding JWTs drop."""
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
