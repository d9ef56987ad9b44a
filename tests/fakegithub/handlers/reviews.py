"""Pull request reviews and review comments, with GitHub's all-or-nothing rule for comments outside the diff."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from tests.fakegithub.activity import Review, ReviewComment
from tests.fakegithub.errors import not_found, unprocessable, validation_failed
from tests.fakegithub.handlers.context import Reply, RequestContext
from tests.fakegithub.render_pulls import review, review_comment
from tests.fakegithub.repository import Pull
from tests.fakegithub.review_rules import Placement, PlacementRefused, place, to_sentence
from tests.fakegithub.timestamps import parse_iso, utc_now

_STATE_FOR_EVENT = {
    "APPROVE": "APPROVED",
    "REQUEST_CHANGES": "CHANGES_REQUESTED",
    "COMMENT": "COMMENTED",
    None: "PENDING",
}
# Not documented word for word; GitHub asks for a body on COMMENT/REQUEST_CHANGES reviews without inline comments.
BODY_REQUIRED = "Review body can't be blank"


def create_review(ctx: RequestContext) -> Reply:
    """POST .../pulls/{n}/reviews: every comment must land in the diff, or nothing is created."""
    pull = ctx.pull()
    body: Mapping[str, Any] = ctx.body or {}
    commit_id = _commit_for(ctx, pull, body.get("commit_id"))
    event, drafts = body.get("event"), body.get("comments") or []
    if event in ("COMMENT", "REQUEST_CHANGES") and not body.get("body") and not drafts:
        raise unprocessable([BODY_REQUIRED], ctx.docs)
    if event is None and any(r.state == "PENDING" and r.user == ctx.state.app.bot for r in pull.reviews.values()):
        raise unprocessable(["User can only have one pending review per pull request"], ctx.docs)
    placements = _place_all(ctx, pull, commit_id, drafts)
    item = _new_review(ctx, pull, body.get("body") or "", _STATE_FOR_EVENT[event], commit_id)
    for draft, placement in zip(drafts, placements, strict=True):
        _new_comment(ctx, pull, item, draft["body"], placement, commit_id)
    return Reply(body=review(ctx.urls, item))


def list_reviews(ctx: RequestContext) -> Reply:
    """GET .../pulls/{n}/reviews, oldest first."""
    pull = ctx.pull()
    return ctx.page(sorted(pull.reviews.values(), key=lambda r: r.id), lambda r: review(ctx.urls, r))


def get_review(ctx: RequestContext) -> Reply:
    """GET .../pulls/{n}/reviews/{review_id}."""
    found = ctx.pull().reviews.get(ctx.params["review_id"])
    if found is None:
        raise not_found(ctx.docs)
    return Reply(body=review(ctx.urls, found))


def list_comments_for_review(ctx: RequestContext) -> Reply:
    """GET .../pulls/{n}/reviews/{review_id}/comments."""
    pull = ctx.pull()
    if ctx.params["review_id"] not in pull.reviews:
        raise not_found(ctx.docs)
    found = [c for c in _by_id(pull.review_comments.values()) if c.review_id == ctx.params["review_id"]]
    return ctx.page(found, lambda c: review_comment(ctx.urls, c))


def list_pull_comments(ctx: RequestContext) -> Reply:
    """GET .../pulls/{n}/comments with sort/direction/since."""
    pull = ctx.pull()
    return ctx.page(_filtered(ctx, _visible(pull.review_comments.values())), lambda c: review_comment(ctx.urls, c))


def list_repo_comments(ctx: RequestContext) -> Reply:
    """GET .../pulls/comments: every review comment in the repository, ascending by id unless sorted."""
    repo = ctx.repo()
    comments = _visible(c for pull in repo.pulls.values() for c in pull.review_comments.values())
    return ctx.page(_filtered(ctx, comments), lambda c: review_comment(ctx.urls, c))


def get_comment(ctx: RequestContext) -> Reply:
    """GET .../pulls/comments/{comment_id}."""
    return Reply(body=review_comment(ctx.urls, _comment(ctx)))


def update_comment(ctx: RequestContext) -> Reply:
    """PATCH .../pulls/comments/{comment_id}: a new body bumps updated_at."""
    comment = _comment(ctx)
    comment.body = ctx.body["body"]
    comment.updated_at = utc_now()
    return Reply(body=review_comment(ctx.urls, comment))


def delete_comment(ctx: RequestContext) -> Reply:
    """DELETE .../pulls/comments/{comment_id}."""
    comment = _comment(ctx)
    del comment.pull.review_comments[comment.id]
    return Reply(status=204)


def create_comment(ctx: RequestContext) -> Reply:
    """POST .../pulls/{n}/comments: one comment in a review of its own (or a reply via in_reply_to)."""
    pull = ctx.pull()
    if ctx.body.get("in_reply_to") is not None:
        return _reply(ctx, pull, ctx.body["in_reply_to"], ctx.body["body"])
    commit_id = _commit_for(ctx, pull, ctx.body["commit_id"])
    placement = _place_all(ctx, pull, commit_id, [ctx.body])[0]
    item = _new_review(ctx, pull, "", "COMMENTED", commit_id)
    comment = _new_comment(ctx, pull, item, ctx.body["body"], placement, commit_id)
    return Reply(status=201, body=review_comment(ctx.urls, comment))


def create_reply(ctx: RequestContext) -> Reply:
    """POST .../pulls/{n}/comments/{comment_id}/replies."""
    return _reply(ctx, ctx.pull(), ctx.params["comment_id"], ctx.body["body"])


def _reply(ctx: RequestContext, pull: Pull, parent_id: int, text: str) -> Reply:
    """A reply joins the thread's root comment, in a review of its own."""
    parent = pull.review_comments.get(parent_id)
    if parent is None:
        raise not_found(ctx.docs)
    root = pull.review_comments.get(parent.in_reply_to_id or parent.id, parent)
    item = _new_review(ctx, pull, "", "COMMENTED", root.commit_id)
    placement = Placement(
        root.path,
        root.line,
        root.side,
        root.start_line,
        root.start_side,
        root.position,
        root.diff_hunk,
        root.subject_type,
    )
    comment = _new_comment(ctx, pull, item, text, placement, root.commit_id)
    comment.in_reply_to_id = root.id
    return Reply(status=201, body=review_comment(ctx.urls, comment))


def _place_all(ctx: RequestContext, pull: Pull, commit_id: str, drafts: list[Mapping[str, Any]]) -> list[Placement]:
    """Place every draft comment or refuse them all with one combined reason."""
    placements, reasons = [], []
    for draft in drafts:
        try:
            placements.append(place(pull, commit_id, draft))
        except PlacementRefused as refused:
            reasons += refused.reasons
    if reasons:
        # GitHub reports the reasons as one sentence and does not say which comment was at fault.
        raise unprocessable([to_sentence(reasons)], ctx.docs)
    return placements


def _commit_for(ctx: RequestContext, pull: Pull, commit_id: str | None) -> str:
    """The commit a review is about: the head by default; an unknown SHA is a 422."""
    if commit_id is None:
        return pull.head_sha
    if commit_id not in pull.repo.commits:
        raise validation_failed(f"No commit found for SHA: {commit_id}", ctx.docs)
    if commit_id not in pull.commit_shas:
        raise unprocessable(["Commit is not part of the pull request"], ctx.docs)
    return commit_id


def _new_review(ctx: RequestContext, pull: Pull, text: str, state: str, commit_id: str) -> Review:
    """Record a review by the App's bot."""
    submitted = None if state == "PENDING" else utc_now()
    item = Review(ctx.state.ids.next("review"), pull, ctx.state.app.bot, text, state, commit_id, submitted)
    pull.reviews[item.id] = item
    return item


def _new_comment(
    ctx: RequestContext, pull: Pull, item: Review, text: str, placement: Placement, commit_id: str
) -> ReviewComment:
    """Record a review comment by the App's bot."""
    comment = ReviewComment(
        id=ctx.state.ids.next("review_comment"),
        pull=pull,
        review_id=item.id,
        user=ctx.state.app.bot,
        body=text,
        path=placement.path,
        line=placement.line,
        side=placement.side,
        start_line=placement.start_line,
        start_side=placement.start_side,
        position=placement.position,
        commit_id=commit_id,
        diff_hunk=placement.diff_hunk,
        subject_type=placement.subject_type,
    )
    pull.review_comments[comment.id] = comment
    return comment


def _comment(ctx: RequestContext) -> ReviewComment:
    """The review comment in the path (any pull request of the repository), or 404."""
    repo = ctx.repo()
    for pull in repo.pulls.values():
        if ctx.params["comment_id"] in pull.review_comments:
            return pull.review_comments[ctx.params["comment_id"]]
    raise not_found(ctx.docs)


def _visible(comments: Iterable[ReviewComment]) -> list[ReviewComment]:
    """Comments of pending reviews are only visible to their author; the fake hides them from lists."""
    return _by_id(c for c in comments if c.pull.reviews[c.review_id].state != "PENDING")


def _filtered(ctx: RequestContext, comments: list[ReviewComment]) -> list[ReviewComment]:
    """`since` keeps comments updated at or after it; `sort` and `direction` order them."""
    if "since" in ctx.query:
        since = parse_iso(ctx.query["since"])
        comments = [c for c in comments if c.updated_at >= since]
    sort = ctx.query.get("sort")
    if sort is None:
        return comments
    key = "updated_at" if sort == "updated" else "created_at"
    descending = ctx.query.get("direction", "asc") == "desc"
    return sorted(comments, key=lambda c: (getattr(c, key), c.id), reverse=descending)


def _by_id(comments: Iterable[ReviewComment]) -> list[ReviewComment]:
    """Oldest first, GitHub's default order."""
    return sorted(comments, key=lambda c: c.id)


HANDLERS = {
    "pulls/create-review": create_review,
    "pulls/list-reviews": list_reviews,
    "pulls/get-review": get_review,
    "pulls/list-comments-for-review": list_comments_for_review,
    "pulls/list-review-comments": list_pull_comments,
    "pulls/list-review-comments-for-repo": list_repo_comments,
    "pulls/get-review-comment": get_comment,
    "pulls/update-review-comment": update_comment,
    "pulls/delete-review-comment": delete_comment,
    "pulls/create-review-comment": create_comment,
    "pulls/create-reply-for-review-comment": create_reply,
}
