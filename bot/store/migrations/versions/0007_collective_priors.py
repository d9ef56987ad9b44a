"""collective priors stored once for every process (per-rule counts and thresholds only)

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-06
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "collective_priors",
        sa.Column("rule", sa.String(length=80), nullable=False),
        sa.Column("positive", sa.Float(), nullable=False),
        sa.Column("negative", sa.Float(), nullable=False),
        sa.Column("repositories", sa.Integer(), nullable=False),
        sa.Column("threshold", sa.Float(), nullable=True),
        sa.Column("computed_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("rule", name=op.f("pk_collective_priors")),
    )


def downgrade() -> None:
    op.drop_table("collective_priors")
