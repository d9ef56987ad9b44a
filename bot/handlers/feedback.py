"""Feedback that arrives as webhooks: `@toasty` replies to Toasty's comments, PR-level commands, resolved threads."""

from __future__ import annotations

from typing import Any

from gidgethub import sansio
from pydantic import ValidationError

from bot.commands import Command, parse_command
from bot.context import DeliveryContext, Services
from bot.engine.config import is_rule_id
from bot.engine.grader import known_rules
from bot.engine.rules import format_number
from bot.engine.strategy import Strategy, parse_strategy
from bot.feedback import record_feedback
from bot.github import feedback as github_feedback
from bot.github.reviews import comments_by
from bot.github.webhooks import Account
from bot.handlers.routes import Routes, payload
from bot.report.ownership import toasty_marker
from bot.store import feedback
from bot.store.feedback import NewSignal
from bot.store.models import ReviewComment

routes = Routes()


@routes.on("pull_request_review_comment", "created")
async def on_reply(event: sansio.Event, *, services: Services, context: DeliveryContext) -> None:
    """A reply in the thread of a Toasty comment: `@toasty ignore`, `mute [RULE]`, `unmute [RULE]`, `explain`."""
    data = payload(event)
    comment = data["comment"]
    command = parse_command(comment.get("body"))
    parent_id = comment.get("in_reply_to_id")
    author = _author(comment)
    if command is None or parent_id is None or author is None or author.is_bot:
        return
    repository = context.envelope.repository_name
    row = await _toasty_comment(services, context, repository, int(parent_id))
    if row is None:
        return
    actor = author.login
    association = await services.trust.association(context.gh, repository, actor)
    if command.verb == "explain":
        await _explain(services, context, row, int(parent_id), actor=actor, association=association)
        return
    rule = _rule(command, row.rule)
    if rule is None:
        return
    await record_feedback(services.database, services.metrics, [_signal(row, command, rule, actor, association)])
    context.log.info("%s by %s on %s (%s)", command.verb, actor, repository, rule)


@routes.on("issue_comment", "created")
async def on_pull_request_comment(event: sansio.Event, *, services: Services, context: DeliveryContext) -> None:
    """`@toasty mute RULE` or `@toasty unmute RULE` in a pull request's conversation."""
    comment = payload(event)["comment"]
    command = parse_command(comment.get("body"))
    if command is None or command.verb not in ("mute", "unmute") or not context.envelope.about_pull_request:
        return
    author = _author(comment)
    if author is None or author.is_bot or command.rule is None or not is_rule_id(command.rule):
        return
    repository, actor = context.envelope.repository_name, author.login
    signal = NewSignal.on_rule(
        repository,
        command.rule,
        pull_number=context.envelope.pull_number,
        actor=actor,
        association=await services.trust.association(context.gh, repository, actor),
        signal=command.verb,
        source="webhook",
    )
    await record_feedback(services.database, services.metrics, [signal])


@routes.on("pull_request_review_thread", "resolved", "unresolved")
async def on_thread(event: sansio.Event, *, services: Services, context: DeliveryContext) -> None:
    """Resolving a Toasty thread is weak evidence that the comment was worth it (unresolving takes it back)."""
    data, sender = payload(event), context.envelope.sender
    if sender is None or sender.is_bot:
        return
    repository = context.envelope.repository_name
    for comment in (data.get("thread") or {}).get("comments") or []:
        marker = toasty_marker(comment, {context.bot_login})
        if marker is None:
            continue
        row = await feedback.comment_by_fingerprint(services.database, repository, marker[0])
        if row is None:
            return
        association = await services.trust.association(context.gh, repository, sender.login)
        signal = NewSignal.on_finding(
            row, actor=sender.login, association=association, signal=data["action"], source="webhook"
        )
        await record_feedback(services.database, services.metrics, [signal])
        return


def _author(comment: dict[str, Any]) -> Account | None:
    """Who wrote a comment (None for a deleted account, which GitHub names as no one)."""
    try:
        return Account.model_validate(comment.get("user"))
    except ValidationError:
        return None


async def _toasty_comment(
    services: Services, context: DeliveryContext, repository: str, comment_id: int
) -> ReviewComment | None:
    """The Toasty comment replied to: known by id, or recognised by its marker (and the App's authorship)."""
    row = await feedback.comment_by_id(services.database, comment_id)
    if row is not None:
        return row
    parent = await github_feedback.review_comment(context.gh, repository, comment_id)
    marker = toasty_marker(parent, {context.bot_login})
    if marker is None:
        return None
    row = await feedback.comment_by_fingerprint(services.database, repository, marker[0])
    if row is not None and row.comment_id is None:
        await feedback.set_comment_id(services.database, row.id, comment_id)
        row.comment_id = comment_id
    return row


def _rule(command: Command, replied_rule: str) -> str | None:
    """The rule a command is about: the one it names (custom rules too: the config defines them), else the one
    replied to."""
    if command.rule is None:
        return replied_rule
    return command.rule if is_rule_id(command.rule) else None


def _signal(row: ReviewComment, command: Command, rule: str, actor: str, association: str) -> NewSignal:
    """`ignore` is about the finding replied to; `mute` and `unmute` about a rule (maybe another one)."""
    if command.verb == "ignore":
        return NewSignal.on_finding(row, actor=actor, association=association, signal="ignore", source="webhook")
    return NewSignal.on_rule(
        row.repository,
        rule,
        pull_number=row.pull_number,
        comment_id=row.comment_id,
        actor=actor,
        association=association,
        signal=command.verb,
        source="webhook",
    )


async def _explain(
    services: Services, context: DeliveryContext, row: ReviewComment, comment_id: int, *, actor: str, association: str
) -> None:
    """Answer `@toasty explain` once per comment: the rule's reasons, this repository's numbers, how to tune them."""
    if await feedback.has_signal(services.database, row, comment_id, "explain"):
        return
    if not (context.job.attempt > 1 and await _already_answered(context, row, comment_id)):
        answer = await _explanation(services, row)
        await github_feedback.reply(context.gh, row.repository, row.pull_number, comment_id, answer)
    signal = NewSignal.on_rule(
        row.repository,
        row.rule,
        pull_number=row.pull_number,
        comment_id=comment_id,
        actor=actor,
        association=association,
        signal="explain",
        source="webhook",
    )
    await record_feedback(services.database, services.metrics, [signal])


async def _already_answered(context: DeliveryContext, row: ReviewComment, comment_id: int) -> bool:
    """Whether an earlier attempt's reply reached GitHub though its answer did not reach us (a 502 after the fact)."""
    async for comment in comments_by(context.gh, row.repository, row.pull_number, context.bot_login):
        if comment.get("in_reply_to_id") == comment_id:
            return True
    return False


async def _explanation(services: Services, row: ReviewComment) -> str:
    meta = known_rules(Strategy.default()).get(row.rule)
    if meta is None:
        return f"`{row.rule}` is a rule from a plugin or from this repository's `.github/toasty.yml`."
    snapshot = await feedback.latest_snapshot(services.database, row.repository)
    strategy = parse_strategy(snapshot.document) if snapshot is not None else Strategy.default()
    settings = strategy.settings(meta, row.path)
    lines = [
        f"**{meta.title}** (`{meta.id}`, {meta.dimension.value}, {settings.severity.value})",
        "",
        meta.why,
        "",
        f"What to do: {meta.advice}",
    ]
    if meta.threshold is not None and settings.threshold is not None:
        lines += [
            "",
            f"Threshold here: {format_number(settings.threshold)}{meta.unit} (default "
            f"{format_number(meta.threshold)}{meta.unit}); this finding measured "
            f"{format_number(row.value or 0)}{meta.unit}.",
        ]
    lines += [
        "",
        f"To change it for everyone, set it in `.github/toasty.yml` (`rules: {{{meta.id}: {{threshold: …}}}}`); "
        f"to silence one line, add `# toasty: ignore[{meta.id}]` to it. 👍 and 👎 on Toasty's comments teach it "
        "what this repository values; `@toasty mute` stops a rule here.",
    ]
    return "\n".join(lines)
