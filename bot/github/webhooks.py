"""The fields every webhook delivery shares (its action, installation, repository, sender and the pull request it is
about), parsed once into types where the delivery comes in, so no handler digs them out of a raw dictionary."""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, StrictInt, StrictStr

MAX_BIGINT = 2**63 - 1
NAME = r"^[a-z][a-z0-9_]{0,63}$"
"""GitHub's event and action names: lowercase words joined by underscores (and the columns hold 64 characters)."""
FULL_NAME = r"^[A-Za-z0-9_.-]{1,100}/[A-Za-z0-9_.-]{1,100}$"
"""owner/name as GitHub allows them (owners 39 characters, repositories 100)."""

EventName = Annotated[StrictStr, Field(pattern=NAME)]


class MissingField(ValueError):
    """A handler needs a field this delivery does not carry (GitHub always sends it for the events handled)."""


class _Loose(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True)


class Account(_Loose):
    """A user, bot or organisation as a payload names it."""

    login: StrictStr
    type: StrictStr | None = None

    @property
    def is_bot(self) -> bool:
        """Bots' feedback never counts, and their commands are not obeyed."""
        return self.type == "Bot" or self.login.endswith("[bot]")


class Installation(_Loose):
    """The App installation the delivery is for: whose token acts on it."""

    id: StrictInt = Field(ge=1, le=MAX_BIGINT)
    account: Account | None = None


class Repository(_Loose):
    """The repository the delivery is about."""

    full_name: Annotated[StrictStr, Field(pattern=FULL_NAME)] | None = None
    default_branch: StrictStr | None = None


class PullRequest(_Loose):
    """The pull request a delivery is about (`pull_request` events, review comments and threads)."""

    number: StrictInt = Field(ge=1, le=MAX_BIGINT)


class Issue(_Loose):
    """The issue a delivery is about; a pull request's conversation is an issue that links its pull request."""

    number: StrictInt = Field(ge=1, le=MAX_BIGINT)
    pull_request: _Loose | None = None


class Envelope(_Loose):
    """What every delivery may carry besides its event's own object."""

    action: EventName | None = None
    installation: Installation | None = None
    repository: Repository | None = None
    sender: Account | None = None
    pull_request: PullRequest | None = None
    issue: Issue | None = None

    @property
    def installation_id(self) -> int:
        """The installation whose client acts on this delivery."""
        if self.installation is None:
            raise MissingField("the delivery names no installation")
        return self.installation.id

    @property
    def repository_name(self) -> str:
        """owner/name of the repository the delivery is about."""
        if self.repository is None or self.repository.full_name is None:
            raise MissingField("the delivery names no repository")
        return self.repository.full_name

    @property
    def pull_number(self) -> int:
        """The pull request the delivery is about: its own, or the one whose conversation an issue comment is in."""
        if self.pull_request is not None:
            return self.pull_request.number
        if self.issue is not None and self.issue.pull_request is not None:
            return self.issue.number
        raise MissingField("the delivery names no pull request")

    @property
    def about_pull_request(self) -> bool:
        """Whether the delivery names a pull request (an issue comment may be on a plain issue)."""
        return self.pull_request is not None or (self.issue is not None and self.issue.pull_request is not None)

    @property
    def default_branch(self) -> str:
        """Where the repository's configuration is read from (`HEAD` when the payload does not say)."""
        return (self.repository.default_branch if self.repository else None) or "HEAD"


def envelope(data: dict[str, Any]) -> Envelope:
    """A delivery's shared fields, typed (pydantic's ValidationError when one is malformed)."""
    return Envelope.model_validate(data)
