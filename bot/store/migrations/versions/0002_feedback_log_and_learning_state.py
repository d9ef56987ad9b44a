"""feedback log and learning state

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-22
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "comment_reactions",
        sa.Column("comment_id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("actor", sa.String(length=256), nullable=False),
        sa.Column("content", sa.String(length=32), nullable=False),
        sa.PrimaryKeyConstraint("comment_id", "actor", "content", name=op.f("pk_comment_reactions")),
    )
    op.create_table(
        "feedback",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("repository", sa.String(length=256), nullable=False),
        sa.Column("pull_number", sa.Integer(), nullable=True),
        sa.Column("fingerprint", sa.String(length=64), nullable=True),
        sa.Column("rule", sa.String(length=80), nullable=False),
        sa.Column("value", sa.Float(), nullable=True),
        sa.Column("threshold", sa.Float(), nullable=True),
        sa.Column("path", sa.String(length=1024), nullable=True),
        sa.Column("actor", sa.String(length=256), nullable=False),
        sa.Column("association", sa.String(length=32), nullable=False),
        sa.Column("signal", sa.String(length=32), nullable=False),
        sa.Column("content", sa.String(length=32), nullable=True),
        sa.Column("source", sa.String(length=16), nullable=False),
        sa.Column("comment_id", sa.BigInteger(), nullable=True),
        sa.Column("occurred_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_feedback")),
    )
    with op.batch_alter_table("feedback", schema=None) as batch_op:
        batch_op.create_index("ix_feedback_repository_rule", ["repository", "rule"], unique=False)
        batch_op.create_index("ix_feedback_rule", ["rule"], unique=False)

    op.create_table(
        "poll_state",
        sa.Column("repository", sa.String(length=256), nullable=False),
        sa.Column("pull_number", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("etags", sa.Text(), nullable=False),
        sa.Column("polled_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("repository", "pull_number", name=op.f("pk_poll_state")),
    )
    op.create_table(
        "strategy_snapshots",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("repository", sa.String(length=256), nullable=False),
        sa.Column("feedback_upto", sa.Integer(), nullable=False),
        sa.Column("document", sa.Text(), nullable=False),
        sa.Column("computed_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_strategy_snapshots")),
    )
    with op.batch_alter_table("strategy_snapshots", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_strategy_snapshots_repository"), ["repository"], unique=False)

    with op.batch_alter_table("gradings", schema=None) as batch_op:
        batch_op.add_column(sa.Column("installation_id", sa.BigInteger(), nullable=True))
        batch_op.add_column(sa.Column("author", sa.String(length=256), nullable=True))
        batch_op.add_column(sa.Column("author_association", sa.String(length=32), nullable=True))

    with op.batch_alter_table("review_comments", schema=None) as batch_op:
        batch_op.add_column(sa.Column("rollup", sa.String(length=200), nullable=True))
        batch_op.add_column(sa.Column("probe", sa.Boolean(), nullable=False, server_default=sa.false()))


def downgrade() -> None:
    with op.batch_alter_table("review_comments", schema=None) as batch_op:
        batch_op.drop_column("probe")
        batch_op.drop_column("rollup")

    with op.batch_alter_table("gradings", schema=None) as batch_op:
        batch_op.drop_column("author_association")
        batch_op.drop_column("author")
        batch_op.drop_column("installation_id")

    with op.batch_alter_table("strategy_snapshots", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_strategy_snapshots_repository"))

    op.drop_table("strategy_snapshots")
    op.drop_table("poll_state")
    with op.batch_alter_table("feedback", schema=None) as batch_op:
        batch_op.drop_index("ix_feedback_rule")
        batch_op.drop_index("ix_feedback_repository_rule")

    op.drop_table("feedback")
    op.drop_table("comment_reactions")
