"""the review a grading chose, kept with it, so a retry posts it without grading again; when each comment was last
written down to be sent

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-05
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("gradings", schema=None) as batch_op:
        batch_op.add_column(sa.Column("review", sa.Text(), nullable=True))
    with op.batch_alter_table("review_comments", schema=None) as batch_op:
        batch_op.add_column(sa.Column("pending_since", sa.DateTime(timezone=True), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("review_comments", schema=None) as batch_op:
        batch_op.drop_column("pending_since")
    with op.batch_alter_table("gradings", schema=None) as batch_op:
        batch_op.drop_column("review")
