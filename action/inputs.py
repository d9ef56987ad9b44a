"""The Action's inputs, passed by action.yml as environment variables and validated here."""

from __future__ import annotations

import os
from collections.abc import Mapping
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, SecretStr, ValidationError, field_validator

from bot.engine.config import parse_score


class InputError(ValueError):
    """An input the workflow gave that cannot work, with the input's name."""


class Inputs(BaseModel):
    """Everything the workflow can set, with the defaults action.yml documents."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    github_token: SecretStr | None = None
    config: str = ".github/toasty.yml"
    fail_under: float | None = None
    comment: Literal["auto", "always", "never"] = "auto"
    max_comments: int | None = Field(default=None, ge=0, le=50)
    sarif: str = "toasty.sarif"
    strategy: str = ""
    app_login: str = ""
    """Toasty Apps' accounts (`slug[bot]`, comma-separated) whose review comments count as Toasty's own."""

    @property
    def app_logins(self) -> tuple[str, ...]:
        """The App accounts, one by one."""
        return tuple(login.strip() for login in self.app_login.split(",") if login.strip())

    @field_validator("fail_under", mode="before")
    @classmethod
    def _score(cls, value: object) -> float | None:
        return None if value in (None, "") else parse_score(value)

    @field_validator("max_comments", mode="before")
    @classmethod
    def _count(cls, value: object) -> object:
        return None if value in (None, "") else value

    @field_validator("github_token", mode="before")
    @classmethod
    def _token(cls, value: object) -> object:
        return None if value in (None, "") else value

    @classmethod
    def from_environment(cls, environment: Mapping[str, str] | None = None) -> Inputs:
        """Read TOASTY_* variables; a bad value names the input it came from."""
        env = os.environ if environment is None else environment
        names = {field: f"TOASTY_{field.upper()}" for field in cls.model_fields}
        values = {field: env[name] for field, name in names.items() if name in env}
        values.setdefault("comment", "auto")
        values["comment"] = values["comment"].strip().lower() or "auto"
        try:
            return cls.model_validate(values)
        except ValidationError as error:
            problems = "; ".join(
                f"{str(e['loc'][0]).replace('_', '-')}: {e['msg']}" for e in error.errors() if e["loc"]
            )
            raise InputError(problems) from None
