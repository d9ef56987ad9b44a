"""the queue's fetch keeps to its index whatever the statistics say (PostgreSQL; nothing on SQLite)

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-06

procrastinate takes the next job with one query ordered by priority and id, which its partial index on waiting jobs
answers by reading one entry. But the table's statistics are taken when autovacuum gets to it (a minute or more
apart), and a table that was empty or idle when last analysed says waiting jobs are rare: the planner then reads
every waiting job and sorts them, on every fetch, so each job costs more the larger the backlog, just when one
builds up (measured: 0.8-1.9 ms of PostgreSQL CPU per fetch on a backlog of 2,000, against 0.5-0.6 ms with current
statistics or with this setting). Without sorting allowed in the function, the planner keeps to the index.

Raising procrastinate's pin: a new version of the fetch function (`procrastinate_fetch_job_v3`, ...) needs the same.
"""

from __future__ import annotations

from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None

FETCH = "procrastinate_fetch_job_v2(character varying[], bigint)"


def upgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute(f"ALTER FUNCTION {FETCH} SET enable_sort = off")


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute(f"ALTER FUNCTION {FETCH} RESET enable_sort")
