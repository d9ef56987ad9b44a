"""The fake's in-memory GitHub: the App, its installations, repositories, and the test-facing API to arrange them."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import timedelta

from tests.fakegithub.accounts import TOKEN_LIFETIME, AccessToken, App, IdSequence, Installation, User
from tests.fakegithub.activity import REACTION_CONTENTS, HookDelivery, IssueComment, Reaction, ReviewComment
from tests.fakegithub.auth import new_installation_token, session_private_key
from tests.fakegithub.repository import Repo
from tests.fakegithub.timestamps import utc_now


class GitHubState:
    """Everything the fake knows, plus the test-facing API for arranging it."""

    def __init__(self, *, app_id: int = 424242, app_slug: str = "toasty", webhook_secret: str = "fake-webhook-secret"):
        self.ids = IdSequence()
        self.users: dict[str, User] = {}
        self.deleted_logins: set[str] = set()
        owner = self.user("toasty-dev", kind="Organization")
        bot = User(f"{app_slug}[bot]", 190_000_000 + app_id % 1000, "Bot")
        self.users[bot.login] = bot
        self.app = App(
            id=app_id,
            slug=app_slug,
            name=app_slug.capitalize(),
            client_id=f"Iv23li{app_id:014d}",
            owner=owner,
            bot=bot,
            webhook_secret=webhook_secret,
            key=session_private_key(),
        )
        self.installations: dict[int, Installation] = {}
        self.repos: dict[str, Repo] = {}
        self.tokens: dict[str, AccessToken] = {}
        self.deliveries: list[HookDelivery] = []

    def user(self, login: str, *, kind: str = "User") -> User:
        """The account with this login, created on first mention."""
        if login not in self.users:
            self.users[login] = User(login, self.ids.next("user"), kind)
        return self.users[login]

    def install(self, account: str, *, permissions: Mapping[str, str] | None = None) -> Installation:
        """Install the App on an account (reusing the installation if it exists)."""
        for installation in self.installations.values():
            if installation.account.login == account:
                return installation
        installation = Installation(
            id=self.ids.next("installation"),
            app=self.app,
            account=self.user(account, kind="Organization"),
            permissions=dict(permissions or self.app.permissions),
        )
        self.installations[installation.id] = installation
        return installation

    def add_repo(
        self, full_name: str, *, default_branch: str = "main", private: bool = True, installed: bool = True
    ) -> Repo:
        """Create a repository; by default the App is installed on it."""
        owner_login, name = full_name.split("/")
        owner = self.user(owner_login, kind="Organization")
        repo = Repo(self, owner, name, default_branch=default_branch, private=private)
        self.repos[full_name.lower()] = repo
        if installed:
            self.install(owner_login).repository_ids.add(repo.id)
        return repo

    def repo(self, owner: str, name: str) -> Repo | None:
        """A repository by owner and name, case-insensitively like GitHub."""
        return self.repos.get(f"{owner}/{name}".lower())

    def repo_by_id(self, repo_id: int) -> Repo | None:
        """A repository by numeric id (GitHub's `/repositories/{id}` pagination links use it)."""
        return next((r for r in self.repos.values() if r.id == repo_id), None)

    def installation_for(self, repo: Repo) -> Installation | None:
        """The installation that reaches `repo`, if the App is installed there."""
        return next((i for i in self.installations.values() if repo.id in i.repository_ids), None)

    def issue_token(
        self,
        installation: Installation,
        *,
        repository_ids: Iterable[int] | None = None,
        permissions: Mapping[str, str] | None = None,
    ) -> AccessToken:
        """Create an installation access token valid for one hour."""
        token = AccessToken(
            token=new_installation_token(),
            installation=installation,
            expires_at=utc_now() + TOKEN_LIFETIME,
            repository_ids=frozenset(repository_ids) if repository_ids is not None else None,
            permissions=dict(permissions or installation.permissions),
        )
        self.tokens[token.token] = token
        return token

    def expire_tokens(self) -> None:
        """Make every issued installation token expired, to test the App's refresh path."""
        for token in self.tokens.values():
            token.expires_at = utc_now() - timedelta(seconds=1)

    def find_review_comment(self, comment_id: int) -> ReviewComment | None:
        """A review comment by id, in any repository."""
        for repo in self.repos.values():
            for pull in repo.pulls.values():
                if comment_id in pull.review_comments:
                    return pull.review_comments[comment_id]
        return None

    def react(self, comment: ReviewComment | IssueComment, content: str, user: str, *, kind: str = "User") -> Reaction:
        """Add a reaction by `user` (GitHub keeps one per user and content, so repeats return the existing one)."""
        if content not in REACTION_CONTENTS:
            raise ValueError(f"GitHub has no reaction {content!r}; use one of {REACTION_CONTENTS}")
        who = self.user(user, kind=kind)
        for existing in comment.reactions:
            if existing.user == who and existing.content == content:
                return existing
        reaction = Reaction(self.ids.next("reaction"), who, content, utc_now())
        comment.reactions.append(reaction)
        return reaction

    def unreact(self, comment: ReviewComment | IssueComment, content: str, user: str) -> None:
        """Remove `user`'s reaction of this kind (reactions never change the comment's updated_at)."""
        comment.reactions[:] = [r for r in comment.reactions if not (r.user.login == user and r.content == content)]
