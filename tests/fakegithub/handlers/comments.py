"""Conversation (issue) comments on pull requests, and reactions on review and issue comments."""

from __future__ import annotations

from tests.fakegithub.activity import IssueComment, ReviewComment
from tests.fakegithub.errors import not_found
from tests.fakegithub.handlers.context import Reply, RequestContext
from tests.fakegithub.render_pulls import issue_comment, reaction
from tests.fakegithub.timestamps import parse_iso, utc_now


def list_issue_comments(ctx: RequestContext) -> Reply:
    """GET .../issues/{issue_number}/comments (a pull request is an issue), ascending, with `since`."""
    repo = ctx.repo()
    number = ctx.params["issue_number"]
    if number not in repo.pulls:
        raise not_found(ctx.docs)
    found = sorted((c for c in repo.issue_comments.values() if c.issue_number == number), key=lambda c: c.id)
    if "since" in ctx.query:
        since = parse_iso(ctx.query["since"])
        found = [c for c in found if c.updated_at >= since]
    return ctx.page(found, lambda c: issue_comment(ctx.urls, c))


def create_issue_comment(ctx: RequestContext) -> Reply:
    """POST .../issues/{issue_number}/comments as the App's bot."""
    repo = ctx.repo()
    if ctx.params["issue_number"] not in repo.pulls:
        raise not_found(ctx.docs)
    comment = IssueComment(
        ctx.state.ids.next("issue_comment"), repo, ctx.params["issue_number"], ctx.state.app.bot, ctx.body["body"]
    )
    repo.issue_comments[comment.id] = comment
    return Reply(status=201, body=issue_comment(ctx.urls, comment))


def get_issue_comment(ctx: RequestContext) -> Reply:
    """GET .../issues/comments/{comment_id}."""
    return Reply(body=issue_comment(ctx.urls, _issue_comment(ctx)))


def update_issue_comment(ctx: RequestContext) -> Reply:
    """PATCH .../issues/comments/{comment_id}."""
    comment = _issue_comment(ctx)
    comment.body = ctx.body["body"]
    comment.updated_at = utc_now()
    return Reply(body=issue_comment(ctx.urls, comment))


def delete_issue_comment(ctx: RequestContext) -> Reply:
    """DELETE .../issues/comments/{comment_id}."""
    comment = _issue_comment(ctx)
    del comment.repo.issue_comments[comment.id]
    return Reply(status=204)


def list_review_comment_reactions(ctx: RequestContext) -> Reply:
    """GET .../pulls/comments/{comment_id}/reactions, optionally one `content`."""
    return _list_reactions(ctx, _review_comment(ctx))


def create_review_comment_reaction(ctx: RequestContext) -> Reply:
    """POST .../pulls/comments/{comment_id}/reactions: 201 when new, 200 when the bot had already reacted so."""
    return _create_reaction(ctx, _review_comment(ctx))


def delete_review_comment_reaction(ctx: RequestContext) -> Reply:
    """DELETE .../pulls/comments/{comment_id}/reactions/{reaction_id}."""
    comment = _review_comment(ctx)
    kept = [r for r in comment.reactions if r.id != ctx.params["reaction_id"]]
    if len(kept) == len(comment.reactions):
        raise not_found(ctx.docs)
    comment.reactions[:] = kept
    return Reply(status=204)


def list_issue_comment_reactions(ctx: RequestContext) -> Reply:
    """GET .../issues/comments/{comment_id}/reactions."""
    return _list_reactions(ctx, _issue_comment(ctx))


def create_issue_comment_reaction(ctx: RequestContext) -> Reply:
    """POST .../issues/comments/{comment_id}/reactions."""
    return _create_reaction(ctx, _issue_comment(ctx))


def _list_reactions(ctx: RequestContext, comment: ReviewComment | IssueComment) -> Reply:
    """A comment's reactions, optionally of one content, paginated."""
    found = [r for r in comment.reactions if ctx.query.get("content") in (None, r.content)]
    return ctx.page(found, lambda r: reaction(ctx.urls, r))


def _create_reaction(ctx: RequestContext, comment: ReviewComment | IssueComment) -> Reply:
    """React as the App's bot (201 new, 200 when it already had)."""
    before = len(comment.reactions)
    bot = ctx.state.app.bot
    made = ctx.state.react(comment, ctx.body["content"], bot.login, kind=bot.type)
    return Reply(status=201 if len(comment.reactions) > before else 200, body=reaction(ctx.urls, made))


def _review_comment(ctx: RequestContext) -> ReviewComment:
    """The review comment in the path, in this repository, or 404."""
    repo = ctx.repo()
    found = ctx.state.find_review_comment(ctx.params["comment_id"])
    if found is None or found.pull.repo is not repo:
        raise not_found(ctx.docs)
    return found


def _issue_comment(ctx: RequestContext) -> IssueComment:
    """The issue comment in the path, or 404."""
    found = ctx.repo().issue_comments.get(ctx.params["comment_id"])
    if found is None:
        raise not_found(ctx.docs)
    return found


HANDLERS = {
    "issues/list-comments": list_issue_comments,
    "issues/create-comment": create_issue_comment,
    "issues/get-comment": get_issue_comment,
    "issues/update-comment": update_issue_comment,
    "issues/delete-comment": delete_issue_comment,
    "reactions/list-for-pull-request-review-comment": list_review_comment_reactions,
    "reactions/create-for-pull-request-review-comment": create_review_comment_reaction,
    "reactions/delete-for-pull-request-comment": delete_review_comment_reaction,
    "reactions/list-for-issue-comment": list_issue_comment_reactions,
    "reactions/create-for-issue-comment": create_issue_comment_reaction,
}
