"""A pull request gets one check run and one review, exactly once per push, with the fewest requests."""

from __future__ import annotations

import math
from typing import Any

import pytest

from bot.report.comment import parse_marker
from bot.store import gradings
from bot.store.gradings import PullKey
from tests.app.conftest import RunningApp
from tests.app.scenarios import RISKY, UTIL, branchy, many_findings
from tests.fakegithub import FakeGitHub


async def open_pull(fake: FakeGitHub, toasty: RunningApp, **pull_options: object) -> object:
    repo = fake.add_repo("octo/demo")
    pull = repo.add_pull(**pull_options)  # type: ignore[arg-type]
    draft = bool(pull_options.get("draft"))
    delivery = fake.webhook(
        "pull_request", "opened.payload", pull=pull, modify=lambda p: p["pull_request"].update(draft=draft)
    )
    record = await fake.deliver(delivery, toasty.webhook_url)
    assert record.status_code == 202, record.response_body
    await toasty.settle()
    return pull


async def test_full_flow_check_run_annotations_review(fake_github: FakeGitHub, toasty: RunningApp) -> None:
    pull = await open_pull(
        fake_github, toasty, base_files={"app/util.py": UTIL}, changes={"app/util.py": UTIL, "app/risky.py": RISKY}
    )
    repo = pull.repo  # type: ignore[attr-defined]
    (run,) = repo.check_runs.values()
    assert (run.status, run.conclusion, run.head_sha) == ("completed", "success", pull.head_sha)  # type: ignore[attr-defined]
    assert run.output["title"].startswith("Grade ")
    assert "Toasty grade:" in run.output["summary"]
    assert {a.path for a in run.annotations} == {"app/risky.py"}
    rules = {a.title.split(":")[0] for a in run.annotations}
    assert {"Command run through the shell", "Dynamic code execution"} <= rules
    assert {a.title.rsplit(" ", 1)[1] for a in run.annotations} == {"[security.shell-true]", "[security.eval]"}
    assert [a["identifier"] for a in run.actions] == ["regrade"]
    (review,) = pull.reviews.values()  # type: ignore[attr-defined]
    assert review.state == "COMMENTED"
    comments = list(pull.review_comments.values())  # type: ignore[attr-defined]
    assert sorted(c.line for c in comments) == [8, 13]
    assert all(parse_marker(c.body) is not None for c in comments)
    assert "👍" in comments[0].body


async def test_requests_per_pull_request_are_the_minimum(fake_github: FakeGitHub, toasty: RunningApp) -> None:
    changes = {f"pkg/m{i}.py": f'"""M."""\nvalue = eval(x{i})\n' for i in range(60)}
    await open_pull(fake_github, toasty, base_files={"README.md": "hi\n"}, changes=changes)
    annotations = 60
    assert fake_github.count("apps/create-installation-access-token") == 1
    assert fake_github.count("checks/create") == 1
    assert fake_github.count("pulls/list-files") == 1  # 60 files: one page of 100
    assert fake_github.count("graphql") == math.ceil((60 + 1) / 50)  # config + 60 heads, 50 per query
    assert fake_github.count("checks/update") == math.ceil(annotations / 50)
    assert fake_github.count("pulls/create-review") == 1
    assert len(fake_github.requests()) == 1 + 1 + 1 + 2 + 2 + 1


async def test_more_than_fifty_annotations_are_all_sent_in_batches(fake_github: FakeGitHub, toasty: RunningApp) -> None:
    pull = await open_pull(
        fake_github, toasty, base_files={"README.md": "hi\n"}, changes={"many.py": many_findings(120)}
    )
    (run,) = pull.repo.check_runs.values()  # type: ignore[attr-defined]
    assert len(run.annotations) == 120
    assert fake_github.count("checks/update") == 3
    comments = pull.review_comments.values()  # type: ignore[attr-defined]
    assert len(comments) == 10  # the default comment budget


async def test_synchronize_comments_only_on_new_findings_and_records_fixes(
    fake_github: FakeGitHub, toasty: RunningApp
) -> None:
    pull = await open_pull(fake_github, toasty, base_files={"app/util.py": UTIL}, changes={"app/risky.py": RISKY})
    first = {parse_marker(c.body)[0] for c in pull.review_comments.values()}  # type: ignore[attr-defined,index]
    fixed_risky = RISKY.replace("return eval(expression)", "return int(expression)")
    pull.push({"app/risky.py": fixed_risky + "\n\n" + branchy("decide", 12)})  # type: ignore[attr-defined]
    delivery = fake_github.webhook("pull_request", "synchronize.payload", pull=pull)
    assert (await fake_github.deliver(delivery, toasty.webhook_url)).status_code == 202
    await toasty.settle()
    assert len(pull.repo.check_runs) == 2  # type: ignore[attr-defined]
    assert len(pull.reviews) == 2  # type: ignore[attr-defined]
    second_review = max(pull.reviews)  # type: ignore[attr-defined]
    new = [c for c in pull.review_comments.values() if c.review_id == second_review]  # type: ignore[attr-defined]
    assert [parse_marker(c.body)[1] for c in new] == ["complexity.cyclomatic"]  # type: ignore[index]
    assert not first & {parse_marker(c.body)[0] for c in new}  # type: ignore[index]
    async with toasty.database.session() as session:
        from sqlalchemy import select

        from bot.store.models import TrackedFinding

        rows = (await session.scalars(select(TrackedFinding))).all()
    fixed = {row.rule for row in rows if row.status == "fixed"}
    assert fixed == {"security.eval"}


async def test_a_push_with_nothing_new_posts_no_review(fake_github: FakeGitHub, toasty: RunningApp) -> None:
    pull = await open_pull(fake_github, toasty, base_files={"app/util.py": UTIL}, changes={"app/risky.py": RISKY})
    pull.push({"README.md": "docs\n"})  # type: ignore[attr-defined]
    await fake_github.deliver(fake_github.webhook("pull_request", "synchronize.payload", pull=pull), toasty.webhook_url)
    await toasty.settle()
    assert len(pull.repo.check_runs) == 2  # type: ignore[attr-defined]
    assert len(pull.reviews) == 1  # type: ignore[attr-defined]


async def test_more_than_100_files_and_binary_files(fake_github: FakeGitHub, toasty: RunningApp) -> None:
    changes: dict[str, bytes | str] = {f"src/f{i:03}.py": f'"""M."""\nx = {i}\n' for i in range(130)}
    changes["assets/logo.png"] = b"\x89PNG\r\n\x1a\n\x00\x00binary"
    changes["src/f007.py"] = '"""M."""\nx = eval(y)\n'
    pull = await open_pull(fake_github, toasty, base_files={"README.md": "hi\n"}, changes=changes)
    assert fake_github.count("pulls/list-files") == 2
    (run,) = pull.repo.check_runs.values()  # type: ignore[attr-defined]
    assert "`assets/logo.png`: binary file" in run.output["summary"]
    assert [a.path for a in run.annotations] == ["src/f007.py"]
    grading = await gradings.latest_grading(toasty.database, PullKey("octo/demo", pull.number))  # type: ignore[attr-defined]
    assert grading is not None
    assert grading.status == "completed"


async def test_config_comes_from_the_default_branch_not_the_pull_request(
    fake_github: FakeGitHub, toasty: RunningApp
) -> None:
    base = {".github/toasty.yml": "rules:\n  security.eval: {severity: minor}\n", "app/util.py": UTIL}
    sneaky = {".github/toasty.yml": "rules:\n  security: off\n", "app/risky.py": RISKY}
    pull = await open_pull(fake_github, toasty, base_files=base, changes=sneaky)
    (run,) = pull.repo.check_runs.values()  # type: ignore[attr-defined]
    by_title = {a.title.split(":")[0]: a.annotation_level for a in run.annotations}
    assert by_title["Dynamic code execution"] == "warning"  # minor, as the default branch says
    assert "Command run through the shell" in by_title  # the pull request cannot switch security off


async def test_a_broken_config_yields_a_check_run_that_says_what_is_wrong(
    fake_github: FakeGitHub, toasty: RunningApp
) -> None:
    base = {".github/toasty.yml": "rules:\n  complexity.cyclomatic: {threshold: lots}\n", "app/util.py": UTIL}
    pull = await open_pull(fake_github, toasty, base_files=base, changes={"app/risky.py": RISKY})
    (run,) = pull.repo.check_runs.values()  # type: ignore[attr-defined]
    assert (run.status, run.conclusion) == ("completed", "failure")
    assert "rules.complexity.cyclomatic.threshold" in run.output["summary"]
    assert not pull.reviews  # type: ignore[attr-defined]


async def test_fail_under_fails_the_check(fake_github: FakeGitHub, toasty: RunningApp) -> None:
    base = {".github/toasty.yml": "fail_under: B\n", "app/util.py": UTIL}
    pull = await open_pull(fake_github, toasty, base_files=base, changes={"app/risky.py": RISKY})
    (run,) = pull.repo.check_runs.values()  # type: ignore[attr-defined]
    assert run.conclusion == "failure"


async def test_drafts_are_skipped_unless_configured(fake_github: FakeGitHub, toasty: RunningApp) -> None:
    pull = await open_pull(fake_github, toasty, base_files={"a.py": UTIL}, changes={"b.py": RISKY}, draft=True)
    assert fake_github.count("checks/create") == 0
    pull.draft = False  # type: ignore[attr-defined]
    ready = fake_github.webhook("pull_request", "ready_for_review.payload", pull=pull)
    await fake_github.deliver(ready, toasty.webhook_url)
    await toasty.settle()
    assert fake_github.count("checks/create") == 1


async def test_regrade_button_and_rerun_grade_again(fake_github: FakeGitHub, toasty: RunningApp) -> None:
    pull = await open_pull(fake_github, toasty, base_files={"a.py": UTIL}, changes={"b.py": RISKY})

    def press_regrade(payload: dict[str, Any]) -> None:
        payload["requested_action"] = {"identifier": "regrade"}
        payload["check_run"]["name"] = "Toasty"

    other_button = fake_github.webhook("check_run", "requested_action.payload", pull=pull)  # another app's button
    assert (await fake_github.deliver(other_button, toasty.webhook_url)).status_code == 202
    await toasty.settle()
    assert fake_github.count("checks/create") == 1
    for event, name, modify in (
        ("check_run", "requested_action.payload", press_regrade),
        ("check_suite", "rerequested.payload", None),
    ):
        delivery = fake_github.webhook(event, name, pull=pull, modify=modify)
        assert (await fake_github.deliver(delivery, toasty.webhook_url)).status_code == 202
        await toasty.settle()
    assert fake_github.count("checks/create") == 3
    assert len(pull.reviews) == 1  # type: ignore[attr-defined]


@pytest.mark.parametrize("fake_github", [{"enterprise": True}], indirect=True)
async def test_enterprise_server_base_url(fake_github: FakeGitHub, toasty: RunningApp) -> None:
    assert toasty.settings.github_api_url.endswith("/api/v3")
    assert toasty.settings.graphql_url.endswith("/api/graphql")
    pull = await open_pull(fake_github, toasty, base_files={"a.py": UTIL}, changes={"b.py": RISKY})
    (run,) = pull.repo.check_runs.values()  # type: ignore[attr-defined]
    assert run.status == "completed"
    assert len(pull.reviews) == 1  # type: ignore[attr-defined]


async def test_before_figures_come_from_the_merge_base_even_after_the_base_branch_moved(
    fake_github: FakeGitHub, toasty: RunningApp
) -> None:
    repo = fake_github.add_repo("octo/demo")
    fork_point = repo.commit({"app/decide.py": '"""D."""\n' + branchy("decide", 12)}, branch="main")
    head = repo.commit(
        {"app/decide.py": '"""D."""\n' + branchy("decide", 13)}, parent=fork_point, branch="feature", message="one more"
    )
    moved = repo.commit(
        {"app/decide.py": '"""D."""\n' + branchy("decide", 30)}, parent=fork_point, branch="main", message="elsewhere"
    )
    pull = repo.add_pull(base=moved, head=head)
    assert await fake_github.deliver(
        fake_github.webhook("pull_request", "opened.payload", pull=pull), toasty.webhook_url
    )
    await toasty.settle()
    (finding,) = [f for f in (await _findings(toasty)) if f.rule == "complexity.cyclomatic"]
    assert finding.value == 14  # reported: 13 → 14 against the merge base (the moved base tip had 31)
    assert fake_github.count("graphql") == 1  # the base version was rebuilt from the patch, not fetched


async def _findings(toasty: RunningApp) -> list[Any]:
    from sqlalchemy import select

    from bot.store.models import TrackedFinding

    async with toasty.database.session() as session:
        return list(await session.scalars(select(TrackedFinding)))


async def test_a_late_grading_of_an_older_commit_is_superseded_not_mixed(
    fake_github: FakeGitHub, toasty: RunningApp
) -> None:
    pull = fake_github.add_repo("octo/demo").add_pull(base_files={"app/util.py": UTIL}, changes={"app/a.py": RISKY})
    older = pull.head_sha
    late = fake_github.webhook("pull_request", "opened.payload", pull=pull)  # delivered after the next push
    newer = pull.push({"app/b.py": RISKY})
    assert (await fake_github.deliver(late, toasty.webhook_url)).status_code == 202
    await toasty.settle()
    (run,) = pull.repo.check_runs.values()
    assert (run.head_sha, run.status, run.conclusion) == (older, "completed", "neutral")
    assert newer in run.output["summary"]
    assert run.annotations == []  # app/b.py (only in the newer commit) was not graded as part of the older one
    assert len(pull.reviews) == 0
    assert fake_github.count("graphql") == 1  # the head was asked for with the config, not in a request of its own
