"""procrastinate's tables and functions, on PostgreSQL (the job queue there); nothing on SQLite

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-04

The schema is procrastinate's own (`SchemaManager.get_schema()` of the pinned version). A later procrastinate
release that changes it ships SQL migrations (procrastinate/sql/migrations); apply them in a new revision here when
raising the pin.
"""

from __future__ import annotations

from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None

_DROP = """
DO $$
DECLARE
    routine record;
BEGIN
    DROP TABLE IF EXISTS procrastinate_events, procrastinate_periodic_defers, procrastinate_jobs,
        procrastinate_workers CASCADE;
    FOR routine IN SELECT oid::regprocedure AS signature FROM pg_proc WHERE proname LIKE 'procrastinate\\_%' LOOP
        EXECUTE 'DROP FUNCTION IF EXISTS ' || routine.signature || ' CASCADE';
    END LOOP;
    DROP TYPE IF EXISTS procrastinate_job_to_defer_v1, procrastinate_job_status, procrastinate_job_event_type CASCADE;
END;
$$;
"""


def upgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        from procrastinate.schema import SchemaManager

        _script(SchemaManager.get_schema())


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        _script(_DROP)


def _script(sql: str) -> None:
    """A multi-statement script in one go; asyncpg refuses those as prepared statements, so it gets them raw."""
    bind = op.get_bind()
    if bind.dialect.driver == "asyncpg":
        bind.connection.dbapi_connection.run_async(lambda raw: raw.execute(sql))  # type: ignore[union-attr]
    else:
        bind.exec_driver_sql(sql)
