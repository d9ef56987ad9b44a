"""Learning in the App: reactions polled cheaply, replies and threads recorded, and the next push shows it."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from sqlalchemy import select, update

from benchmarks.learning import as_new_signal, synthetic_log
from bot.engine.strategy import parse_strategy
from bot.jobs.reactions import poll_reactions
from bot.report.comment import parse_marker
from bot.store import deliveries, feedback
from bot.store.models import Delivery, Feedback
from bot.web.keys import RUNNER, SERVICES
from tests.app.conftest import RunningApp
from tests.app.scenarios import RISKY, UTIL
from tests.fakegithub import FakeGitHub

UNDOCUMENTED = "".join(f"def helper_{i}(x):\n    return x + {i}\n\n\n" for i in range(6))


async def open_pull(
    fake: FakeGitHub, toasty: RunningApp, changes: dict[str, str], base: dict[str, str] | None = None
) -> Any:
    repo = fake.add_repo("octo/demo")
    repo.set_permission("maintainer", "write")
    repo.set_permission("org-reader", "read")  # a member of the organisation without write access
    pull = repo.add_pull(base_files=base or {"app/util.py": UTIL}, changes=changes, author="maintainer")
    await deliver(fake, toasty, "pull_request", "opened.payload", pull)
    return pull


async def deliver(fake: FakeGitHub, toasty: RunningApp, event: str, name: str, pull: Any, **options: Any) -> None:
    record = await fake.deliver(fake.webhook(event, name, pull=pull, **options), toasty.webhook_url)
    assert record.status_code in (200, 202), record.response_body
    await toasty.settle()


def comments_by_rule(pull: Any) -> dict[str, list[Any]]:
    found: dict[str, list[Any]] = {}
    for comment in pull.review_comments.values():
        marker = parse_marker(comment.body)
        if marker is not None:
            found.setdefault(marker[1], []).append(comment)
    return found


async def log(toasty: RunningApp, *, posted: bool = False) -> list[Feedback]:
    """The feedback log; Toasty's own `posted` entries (one per comment it posted) only when asked for."""
    async with toasty.database.session() as session:
        rows = await session.scalars(select(Feedback).order_by(Feedback.id))
        return [row for row in rows if posted or row.signal != "posted"]


async def test_each_comment_github_took_is_logged_as_posted_so_learning_knows_how_many_go_unanswered(
    fake_github: FakeGitHub, toasty: RunningApp
) -> None:
    pull = await open_pull(fake_github, toasty, {"app/risky.py": RISKY})
    posted = [row for row in await log(toasty, posted=True) if row.signal == "posted"]
    on_github = {marker[0] for c in pull.review_comments.values() if (marker := parse_marker(c.body))}
    assert {row.fingerprint for row in posted} == on_github  # one entry per comment GitHub took, no more
    assert len(posted) == len(on_github)
    assert {(row.actor, row.association, row.source) for row in posted} == {("toasty[bot]", "BOT", "review")}
    strategy = await toasty.app[SERVICES].learning.strategy_for(pull.repo.full_name, None)
    assert strategy.answer_rate is None  # nothing is due yet: a comment gets half a day to be answered


async def test_reactions_are_polled_with_conditional_requests(fake_github: FakeGitHub, toasty: RunningApp) -> None:
    pull = await open_pull(fake_github, toasty, {"app/risky.py": RISKY})
    context = toasty.app[SERVICES]
    shell, evaluate = comments_by_rule(pull)["security.shell-true"][0], comments_by_rule(pull)["security.eval"][0]
    fake_github.react(shell, "+1", user="maintainer")
    fake_github.react(evaluate, "-1", user="maintainer")
    fake_github.react(evaluate, "-1", user="passer-by")
    first = await poll_reactions(context)
    assert (first.pulls, first.reaction_fetches, first.signals) == (1, 2, 3)
    entries = {(e.actor, e.content, e.association) for e in await log(toasty)}
    assert entries == {
        ("maintainer", "+1", "COLLABORATOR"),
        ("maintainer", "-1", "COLLABORATOR"),
        ("passer-by", "-1", "NONE"),
    }
    # Nothing changed: the page comes back 304 and no reactions are fetched.
    second = await poll_reactions(context)
    assert (second.not_modified, second.reaction_fetches, second.signals) == (1, 0, 0)
    assert fake_github.requests("pulls/list-review-comments")[-1].not_modified
    # A reaction taken back is a signal too.
    fake_github.unreact(shell, "+1", user="maintainer")
    third = await poll_reactions(context)
    assert third.signals == 1
    assert (await log(toasty))[-1].signal == "reaction_removed"


async def test_polling_pages_through_many_comments(fake_github: FakeGitHub, toasty: RunningApp) -> None:
    config = {".github/toasty.yml": "comments:\n  budget: 50\n", "app/util.py": UTIL}
    many = "".join(f"value_{i} = eval(source_{i})\n" for i in range(120))
    pull = await open_pull(fake_github, toasty, {"app/many.py": '"""M."""\n' + many}, base=config)
    for push in range(2):
        pull.push({"app/more.py": '"""M."""\n' + many.replace("value_", f"v{push}_")})
        await deliver(fake_github, toasty, "pull_request", "synchronize.payload", pull)
    assert len(pull.review_comments) == 150
    last = max(pull.review_comments.values(), key=lambda c: c.id)
    fake_github.react(last, "+1", user="maintainer")
    report = await poll_reactions(toasty.app[SERVICES])
    assert report.requests == 2  # two pages of 100
    assert report.signals == 1
    assert (await poll_reactions(toasty.app[SERVICES])).not_modified == 2


async def test_the_next_push_shows_what_the_team_taught(fake_github: FakeGitHub, toasty: RunningApp) -> None:
    pull = await open_pull(fake_github, toasty, {"app/helpers.py": '"""Helpers."""\n\n\n' + UNDOCUMENTED})
    docstrings = comments_by_rule(pull)["documentation.function-docstring"]
    assert len(docstrings) == 6
    for comment in docstrings[:4]:
        fake_github.react(comment, "-1", user="maintainer")
    await poll_reactions(toasty.app[SERVICES])
    pull.push({"app/more.py": '"""More."""\n\n\n' + UNDOCUMENTED.replace("helper_", "other_")})
    await deliver(fake_github, toasty, "pull_request", "synchronize.payload", pull)
    newest = max(pull.repo.check_runs.values(), key=lambda run: run.id)
    assert "Learned for this repository" in newest.output["summary"]
    assert "`documentation.function-docstring` inline comments → annotations only" in newest.output["summary"]
    new_comments = [c for c in pull.review_comments.values() if c.commit_id == pull.head_sha]
    assert not any("docstring" in c.body for c in new_comments if "usually keeps quiet" not in c.body)
    assert any(a.path == "app/more.py" for a in newest.annotations)  # still shown, as annotations


async def test_strangers_reactions_are_recorded_but_change_nothing(fake_github: FakeGitHub, toasty: RunningApp) -> None:
    pull = await open_pull(fake_github, toasty, {"app/helpers.py": '"""Helpers."""\n\n\n' + UNDOCUMENTED})
    for comment in pull.review_comments.values():
        for stranger in ("troll-1", "troll-2", "troll-3"):
            fake_github.react(comment, "-1", user=stranger)
        fake_github.react(comment, "-1", user="some-bot[bot]", bot=True)
    await poll_reactions(toasty.app[SERVICES])
    associations = {e.association for e in await log(toasty)}
    assert associations == {"NONE", "BOT"}
    strategy = await toasty.app[SERVICES].learning.strategy_for("octo/demo", None)
    assert strategy.rules["documentation.function-docstring"].delivery == "comment"


async def test_replies_ignore_mute_and_explain(fake_github: FakeGitHub, toasty: RunningApp) -> None:
    pull = await open_pull(fake_github, toasty, {"app/risky.py": RISKY})
    evaluate = comments_by_rule(pull)["security.eval"][0]

    def reply(body: str, login: str, association: str) -> Any:
        def modify(payload: dict[str, Any]) -> None:
            payload["comment"].update(in_reply_to_id=evaluate.id, body=body, author_association=association)
            payload["comment"]["user"].update(login=login, type="User")

        return modify

    replies_sent = [
        ("@toasty ignore", "maintainer", "MEMBER"),
        ("Please\n@toasty mute", "passer-by", "NONE"),
        ("@toasty explain", "maintainer", "MEMBER"),
        ("@toasty explain", "maintainer", "MEMBER"),  # asked twice: answered once
    ]
    for body, login, association in replies_sent:
        modify = reply(body, login, association)
        await deliver(fake_github, toasty, "pull_request_review_comment", "created.payload", pull, modify=modify)
    signals = [(e.signal, e.actor, e.rule) for e in await log(toasty)]
    assert signals == [
        ("ignore", "maintainer", "security.eval"),
        ("mute", "passer-by", "security.eval"),
        ("explain", "maintainer", "security.eval"),
    ]
    replies = fake_github.requests("pulls/create-reply-for-review-comment")
    assert len(replies) == 1  # explained once
    assert "security.eval" in replies[0].json["body"]
    strategy = await toasty.app[SERVICES].learning.strategy_for("octo/demo", None)
    assert strategy.rules["security.eval"].delivery == "comment"  # a stranger cannot mute a rule
    modify = reply("@toasty mute security.eval", "org-reader", "MEMBER")
    await deliver(fake_github, toasty, "pull_request_review_comment", "created.payload", pull, modify=modify)
    strategy = await toasty.app[SERVICES].learning.strategy_for("octo/demo", None)
    assert strategy.rules["security.eval"].delivery == "comment"  # nor can an organisation member who only reads
    fake_github.state.deleted_logins.add("gone")
    modify = reply("@toasty mute security.eval", "gone", "MEMBER")
    await deliver(fake_github, toasty, "pull_request_review_comment", "created.payload", pull, modify=modify)
    assert ("mute", "gone", "NONE") in [(e.signal, e.actor, e.association) for e in await log(toasty)]
    await deliver(
        fake_github,
        toasty,
        "pull_request_review_comment",
        "created.payload",
        pull,
        modify=reply("@toasty mute security.eval", "maintainer", "MEMBER"),
    )
    strategy = await toasty.app[SERVICES].learning.strategy_for("octo/demo", None)
    assert strategy.rules["security.eval"].delivery == "silent"


async def test_resolved_threads_and_fixed_findings_are_recorded(fake_github: FakeGitHub, toasty: RunningApp) -> None:
    pull = await open_pull(fake_github, toasty, {"app/risky.py": RISKY})
    shell = comments_by_rule(pull)["security.shell-true"][0]

    def resolve(payload: dict[str, Any]) -> None:
        payload["thread"]["comments"] = [
            {
                **payload["thread"]["comments"][0],
                "body": shell.body,
                "user": {**payload["thread"]["comments"][0]["user"], "login": "toasty[bot]"},
            }
        ]
        payload["sender"].update(login="maintainer", type="User")

    await deliver(fake_github, toasty, "pull_request_review_thread", "resolved.payload", pull, modify=resolve)
    pull.push({"app/risky.py": RISKY.replace("return eval(expression)", "return int(expression)")})
    await deliver(fake_github, toasty, "pull_request", "synchronize.payload", pull)
    entries = [(e.signal, e.actor, e.rule, e.association) for e in await log(toasty)]
    assert ("resolved", "maintainer", "security.shell-true", "COLLABORATOR") in entries
    payload = fake_github.webhook_payload("pull_request", "synchronize.payload", pull=pull)["pull_request"]
    author, association = payload["user"]["login"], payload["author_association"]
    assert ("fixed", author, "security.eval", association) in entries  # the comment's finding went away
    assert not any(e[0] == "fixed" and e[2] == "security.shell-true" for e in entries)


async def test_strategy_history_records_gradings_not_reads(fake_github: FakeGitHub, toasty: RunningApp) -> None:
    pinned = {".github/toasty.yml": "rules:\n  complexity.cyclomatic: {threshold: 25}\n", "app/util.py": UTIL}
    await open_pull(fake_github, toasty, {"app/risky.py": RISKY}, base=pinned)
    history = await feedback.snapshots(toasty.database, "octo/demo")
    assert [parse_strategy(s.document).rules["complexity.cyclomatic"].threshold for s in history] == [25]
    await toasty.app[SERVICES].learning.strategy_for("octo/demo", None)  # the dashboard's and the API's view
    assert len(await feedback.snapshots(toasty.database, "octo/demo")) == 1


async def test_a_conversation_command_mutes_a_custom_rule(fake_github: FakeGitHub, toasty: RunningApp) -> None:
    config = "custom_rules:\n  - id: custom.no-print\n    pattern: 'print\\('\n    message: Use the logger\n"
    base = {".github/toasty.yml": config, "app/util.py": UTIL}
    pull = await open_pull(fake_github, toasty, {"app/chatty.py": '"""M."""\nprint("hello")\n'}, base=base)
    assert "custom.no-print" in comments_by_rule(pull)

    def command(payload: dict[str, Any]) -> None:
        payload["issue"]["pull_request"] = {"url": f"{fake_github.api_url}/repos/octo/demo/pulls/{pull.number}"}
        payload["comment"].update(body="Thanks.\n@toasty mute custom.no-print", author_association="MEMBER")
        payload["comment"]["user"].update(login="maintainer", type="User")

    await deliver(fake_github, toasty, "issue_comment", "created.with-installation.payload", pull, modify=command)
    assert [(e.signal, e.rule, e.association) for e in await log(toasty)] == [
        ("mute", "custom.no-print", "COLLABORATOR")
    ]
    pull.push({"app/chatty.py": '"""M."""\nprint("hello")\nprint("again")\n'})
    await deliver(fake_github, toasty, "pull_request", "synchronize.payload", pull)
    assert len(comments_by_rule(pull)["custom.no-print"]) == 1  # muted: the new print got no comment


@pytest.mark.parametrize("reply_applied", [False, True], ids=["lost", "applied-then-502"])
async def test_a_command_waits_out_github_being_down(
    fake_github: FakeGitHub, toasty: RunningApp, reply_applied: bool
) -> None:
    pull = await open_pull(fake_github, toasty, {"app/risky.py": RISKY})
    evaluate = comments_by_rule(pull)["security.eval"][0]

    def explain(payload: dict[str, Any]) -> None:
        payload["comment"].update(in_reply_to_id=evaluate.id, body="@toasty explain", author_association="MEMBER")
        payload["comment"]["user"].update(login="maintainer", type="User")

    if reply_applied:  # GitHub posted the reply, then answered 502
        fake_github.server_error_after_next("pulls/create-reply-for-review-comment", status=502)
    else:
        fake_github.server_error_next("pulls/create-reply-for-review-comment", status=502)
    reply = fake_github.webhook("pull_request_review_comment", "created.payload", pull=pull, modify=explain)
    await fake_github.deliver(reply, toasty.webhook_url)
    await toasty.settle()
    waiting = await deliveries.get(toasty.database, reply.delivery_id)
    assert waiting is not None
    assert waiting.state == "retry"  # not failed: the person's question is not dropped
    async with toasty.database.session() as session:
        await session.execute(update(Delivery).where(Delivery.id == reply.delivery_id).values(not_before=None))
    await toasty.app[RUNNER].run_now(reply.delivery_id)
    await toasty.settle()
    sent = [r.status for r in fake_github.requests("pulls/create-reply-for-review-comment")]
    assert sent == ([502] if reply_applied else [502, 201])
    answers = [c for c in pull.review_comments.values() if c.in_reply_to_id == evaluate.id]
    assert len(answers) == 1  # explained exactly once either way
    assert [e.signal for e in await log(toasty)].count("explain") == 1


async def test_webhooks_are_acknowledged_while_a_big_strategy_is_learned(
    fake_github: FakeGitHub, toasty: RunningApp
) -> None:
    busy = synthetic_log(20_000, "octo/busy")
    await feedback.append(toasty.database, [as_new_signal(signal) for signal in busy])
    learning = toasty.app[SERVICES].learning
    computing = asyncio.create_task(learning.strategy_for("octo/busy", None))
    repo = fake_github.add_repo("octo/demo")
    pull = repo.add_pull(base_files={"app/util.py": UTIL}, changes={"app/risky.py": RISKY}, author="maintainer")
    await asyncio.sleep(0.05)  # the strategy is being read and folded now
    record = await fake_github.deliver(
        fake_github.webhook("pull_request", "opened.payload", pull=pull), toasty.webhook_url
    )
    assert record.status_code == 202
    assert not computing.done()  # answered while 20,000 log entries were still being learned from, off the loop
    strategy = await computing
    assert strategy.feedback_upto == max(signal_id for signal_id in await _ids(toasty, "octo/busy"))
    assert strategy.learned  # and it learned from them
    await toasty.settle()


async def _ids(toasty: RunningApp, repository: str) -> list[int]:
    async with toasty.database.session() as session:
        return list(await session.scalars(select(Feedback.id).where(Feedback.repository == repository)))
