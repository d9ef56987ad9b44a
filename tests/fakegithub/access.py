"""Which credential each GitHub operation takes, and which App permission it needs."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from tests.fakegithub.accounts import AccessToken
from tests.fakegithub.auth import MSG_UNDECODABLE, JwtRejected, verify_app_jwt
from tests.fakegithub.errors import GENERIC_DOCS, ApiError, unauthorized
from tests.fakegithub.state import GitHubState
from tests.fakegithub.timestamps import utc_now

APP_JWT = "app"
INSTALLATION = "installation"
ANONYMOUS = "anonymous"

# https://docs.github.com/rest/apps/apps: these are called as the App itself, with a JWT.
_JWT_OPERATIONS = {
    "apps/get-authenticated",
    "apps/list-installations",
    "apps/get-installation",
    "apps/create-installation-access-token",
    "apps/get-repo-installation",
    "apps/list-webhook-deliveries",
    "apps/get-webhook-delivery",
    "apps/redeliver-webhook-delivery",
}
_OPEN_OPERATIONS = {"meta/root", "rate-limit/get", "apps/create-from-manifest"}
# Operation-id prefix -> the installation permission it needs ("metadata" is always granted).
_PERMISSION_BY_PREFIX = (
    ("checks/", "checks"),
    ("pulls/", "pull_requests"),
    ("reactions/create-for-pull-request", "pull_requests"),
    ("reactions/delete-for-pull-request", "pull_requests"),
    ("reactions/list-for-pull-request", "pull_requests"),
    ("reactions/", "issues"),
    ("issues/", "issues"),
    ("repos/get-content", "contents"),
    ("repos/get-commit", "contents"),
    ("repos/compare-commits", "contents"),
    ("repos/download-tarball-archive", "contents"),
    ("git/", "contents"),
    ("code-scanning/", "security_events"),
)
_LEVELS = {"read": 1, "write": 2, "admin": 3}
MSG_REQUIRES_AUTH = "Requires authentication"
MSG_BAD_CREDENTIALS = "Bad credentials"


@dataclass(frozen=True)
class Credential:
    """Who a request authenticated as."""

    kind: str
    token: AccessToken | None = None

    @property
    def rate_key(self) -> str:
        """Which rate-limit budget this caller spends."""
        if self.token is not None:
            return f"installation:{self.token.installation.id}"
        return self.kind


def credential_kind(operation_id: str) -> str:
    """The credential an operation is called with: App JWT, installation token, or none needed."""
    if operation_id in _JWT_OPERATIONS:
        return APP_JWT
    if operation_id in _OPEN_OPERATIONS:
        return ANONYMOUS
    return INSTALLATION


def missing_permission(operation_id: str, method: str, token: AccessToken) -> str | None:
    """The permission the token lacks for this operation, or None when it may proceed."""
    permission = next((perm for prefix, perm in _PERMISSION_BY_PREFIX if operation_id.startswith(prefix)), None)
    if permission is None:
        return None
    # Pull request conversation comments are issue comments; either permission lets an App write them.
    granted = token.permissions.get(permission)
    if permission == "issues" and granted is None:
        granted = token.permissions.get("pull_requests")
    needed = "read" if method == "GET" else "write"
    if _LEVELS.get(granted or "", 0) >= _LEVELS[needed]:
        return None
    return f"{permission}:{needed}"


def authenticate(state: GitHubState, headers: Mapping[str, str], kind: str, docs: str) -> Credential:
    """Check the Authorization header against what the operation takes; raise the 401 GitHub would give."""
    scheme, _, secret = headers.get("authorization", "").strip().partition(" ")
    scheme, secret = scheme.lower(), secret.strip()
    if not secret:
        if kind == ANONYMOUS:
            return Credential(ANONYMOUS)
        raise unauthorized(MSG_REQUIRES_AUTH, docs)
    if scheme not in ("token", "bearer"):
        raise unauthorized(MSG_BAD_CREDENTIALS, docs)
    if kind == APP_JWT:
        return _app_credential(state, scheme, secret, docs)
    token = state.tokens.get(secret)
    if token is None or token.expires_at <= utc_now():
        raise unauthorized(MSG_BAD_CREDENTIALS, docs)
    return Credential(INSTALLATION, token)


def _app_credential(state: GitHubState, scheme: str, secret: str, docs: str) -> Credential:
    """App endpoints take only a Bearer JWT signed with the App's key."""
    if scheme != "bearer":
        raise unauthorized(MSG_UNDECODABLE, docs)
    app = state.app
    try:
        verify_app_jwt(secret, app.key.public_key(), {str(app.id), app.client_id})
    except JwtRejected as rejected:
        # GitHub links its JWT errors to the REST root, whatever the endpoint.
        raise ApiError(401, {"message": str(rejected), "documentation_url": GENERIC_DOCS}) from rejected
    return Credential(APP_JWT)
