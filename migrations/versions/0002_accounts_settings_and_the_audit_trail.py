"""Accounts, service settings and the append-only audit trail

The audit tables refuse UPDATE and DELETE in the database itself (SQLite
triggers; a PL/pgSQL trigger function on PostgreSQL), so that no program
holding an ordinary connection can rewrite history. On PostgreSQL the folded
search column also gets a trigram index (``pg_trgm``) when the extension can
be created, and the folded keys the binary collation "C" (see BINARY_COLUMNS).
The SQL is frozen here as it was at this revision.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-27 01:03:30.689552
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

APPEND_ONLY_TABLES = ("audit_entry", "audit_anchor")

SQLITE_DDL = [
    f"""CREATE TRIGGER {table}_no_{verb} BEFORE {verb.upper()} ON {table} BEGIN
        SELECT RAISE(ABORT, 'append-only table: {table}');
    END"""
    for table in APPEND_ONLY_TABLES
    for verb in ("update", "delete")
]

#: Folded keys are made to be compared byte by byte, as SQLite does: under a
#: server's linguistic collation (fr_FR, ICU) the separator \x1f and punctuation
#: would be ignored and "Martine Anne" would sort before "Martin Jean".
BINARY_COLUMNS = (
    ("person", "sort_key", "varchar(600)"),
    ("person", "given_sort_key", "varchar(600)"),
    ("person", "search_text", "text"),
    ("person", "file_number", "varchar(30)"),
    ("agent", "sort_key", "varchar(600)"),
)

POSTGRESQL_DDL = [
    *(
        f'ALTER TABLE {table} ALTER COLUMN {column} TYPE {type_} COLLATE "C"'
        for table, column, type_ in BINARY_COLUMNS
    ),
    """CREATE OR REPLACE FUNCTION spip_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        RAISE EXCEPTION 'append-only table: %', TG_TABLE_NAME;
    END $$""",
    *(
        f"""CREATE TRIGGER {table}_append_only BEFORE UPDATE OR DELETE ON {table}
        FOR EACH ROW EXECUTE FUNCTION spip_append_only()"""
        for table in APPEND_ONLY_TABLES
    ),
    *(
        f"""CREATE TRIGGER {table}_no_truncate BEFORE TRUNCATE ON {table}
        FOR EACH STATEMENT EXECUTE FUNCTION spip_append_only()"""
        for table in APPEND_ONLY_TABLES
    ),
]


def _create_trigram_index() -> None:
    """Accent-insensitive search on PostgreSQL: LIKE on the folded column, via trigrams."""
    bind = op.get_bind()
    available = bind.exec_driver_sql(
        "SELECT 1 FROM pg_available_extensions WHERE name = 'pg_trgm'"
    ).first()
    if available is None:
        return  # the search still works, with a sequential scan
    savepoint = bind.begin_nested()
    try:
        bind.exec_driver_sql("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    except sa.exc.DBAPIError:
        savepoint.rollback()  # not allowed to create it: same fallback
        return
    savepoint.commit()
    bind.exec_driver_sql(
        "CREATE INDEX ix_person_search_trgm ON person USING gin (search_text gin_trgm_ops)"
    )


revision: str = '0002'
down_revision: str | Sequence[str] | None = '0001'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('audit_anchor',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('first_kept_id', sa.Integer(), nullable=False),
    sa.Column('anchor_hash', sa.String(length=64), nullable=False),
    sa.Column('at', sa.DateTime(), nullable=False),
    sa.Column('pruned', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_audit_anchor')),
    sqlite_autoincrement=True
    )
    op.create_table('audit_entry',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('at', sa.DateTime(), nullable=False),
    sa.Column('actor_login', sa.String(length=100), nullable=False),
    sa.Column('actor_name', sa.String(length=200), nullable=False),
    sa.Column('action', sa.String(length=20), nullable=False),
    sa.Column('object_type', sa.String(length=30), nullable=False),
    sa.Column('object_id', sa.Integer(), nullable=True),
    sa.Column('person_id', sa.Integer(), nullable=True),
    sa.Column('summary', sa.String(length=500), nullable=False),
    sa.Column('changes', sa.Text(), nullable=False),
    sa.Column('prev_hash', sa.String(length=64), nullable=False),
    sa.Column('hash', sa.String(length=64), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_audit_entry')),
    sqlite_autoincrement=True
    )
    with op.batch_alter_table('audit_entry', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_audit_entry_actor_login'), ['actor_login'], unique=False)
        batch_op.create_index(batch_op.f('ix_audit_entry_at'), ['at'], unique=False)
        batch_op.create_index('ix_audit_entry_object', ['object_type', 'object_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_audit_entry_person_id'), ['person_id'], unique=False)

    op.create_table('setting',
    sa.Column('key', sa.String(length=60), nullable=False),
    sa.Column('value', sa.Text(), nullable=False),
    sa.PrimaryKeyConstraint('key', name=op.f('pk_setting'))
    )
    op.create_table('account',
    sa.Column('login', sa.String(length=64), nullable=False),
    sa.Column('display_name', sa.String(length=200), nullable=False),
    sa.Column('roles', sa.String(length=100), nullable=False),
    sa.Column('agent_id', sa.Integer(), nullable=True),
    sa.Column('password_hash', sa.String(length=200), nullable=False),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.Column('locked', sa.Boolean(), nullable=False),
    sa.Column('failed_attempts', sa.Integer(), nullable=False),
    sa.Column('last_failed_at', sa.DateTime(), nullable=True),
    sa.Column('last_login_at', sa.DateTime(), nullable=True),
    sa.Column('password_changed_at', sa.DateTime(), nullable=True),
    sa.Column('must_change_password', sa.Boolean(), nullable=False),
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['agent_id'], ['agent.id'], name=op.f('fk_account_agent_id_agent')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_account')),
    sa.UniqueConstraint('agent_id', name=op.f('uq_account_agent_id')),
    sa.UniqueConstraint('login', name=op.f('uq_account_login'))
    )
    dialect = op.get_bind().dialect.name
    if dialect == "sqlite":
        for statement in SQLITE_DDL:
            op.execute(statement)
    elif dialect == "postgresql":
        for statement in POSTGRESQL_DDL:
            op.execute(statement)
        _create_trigram_index()


def downgrade() -> None:
    dialect = op.get_bind().dialect.name
    if dialect == "postgresql":
        op.execute("DROP INDEX IF EXISTS ix_person_search_trgm")
        for table, column, type_ in BINARY_COLUMNS:
            op.execute(f'ALTER TABLE {table} ALTER COLUMN {column} TYPE {type_} COLLATE "default"')
    op.drop_table('account')
    op.drop_table('setting')
    with op.batch_alter_table('audit_entry', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_audit_entry_person_id'))
        batch_op.drop_index('ix_audit_entry_object')
        batch_op.drop_index(batch_op.f('ix_audit_entry_at'))
        batch_op.drop_index(batch_op.f('ix_audit_entry_actor_login'))

    op.drop_table('audit_entry')
    op.drop_table('audit_anchor')  # the triggers go with their tables
    if dialect == "postgresql":
        op.execute("DROP FUNCTION IF EXISTS spip_append_only()")
