"""Cancelled measures, arrival in the establishment, the register of monthly summaries

``measure.cancelled_on``: a cancelled measure is kept but counts nowhere.
``person.establishment_since``: when a detainee arrived in the current establishment
(the monthly summary counts the SAS placements begun in a month from it). The register
of the summaries sent (``summary_export``) refuses UPDATE in the database itself, as
``rights_step_update`` does since 0004 (DELETE stays possible for a retention job).
Indexes for the monthly summary's queries. Existing rows keep both new dates empty.

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-02 09:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005"
down_revision: str | Sequence[str] | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

SQLITE_DDL = [
    """CREATE TRIGGER summary_export_no_update BEFORE UPDATE ON summary_export BEGIN
        SELECT RAISE(ABORT, 'append-only table: summary_export');
    END""",
]

POSTGRESQL_DDL = [
    # spip_append_only() comes from 0002.
    """CREATE TRIGGER summary_export_no_update BEFORE UPDATE ON summary_export
        FOR EACH ROW EXECUTE FUNCTION spip_append_only()""",
]


SUMMARY_INDEXES: list[tuple[str, str, list[str]]] = [
    (
        "ix_rights_step_update_status_at",
        "rights_step_update",
        ["status", "at", "previous", "step_id"],
    ),
    ("ix_rights_step_update_step_at", "rights_step_update", ["step_id", "at", "id", "status"]),
    (
        "ix_rights_step_status_at",
        "rights_step",
        ["status_at", "opened_on", "follow_up_on", "person_id"],
    ),
    ("ix_person_summary", "person", ["id", "closed_on", "regime", "referent_id", "antenne_id"]),
    (
        "ix_measure_follow",
        "measure",
        [
            "person_id",
            "measure_type",
            "cancelled_on",
            "referral_date",
            "probation_start",
            "final_date",
            "decision_date",
            "sentence_end",
            "probation_end",
        ],
    ),
]
#: Indexes of 0004 that now also carry what the summary reads: (name, table, before, after).
WIDENED_INDEXES: list[tuple[str, str, list[str], list[str]]] = [
    (
        "ix_rights_step_opened",
        "rights_step",
        ["closed", "opened_on"],
        ["closed", "opened_on", "status_at", "follow_up_on", "person_id"],
    ),
    ("ix_rights_step_opened_on", "rights_step", ["opened_on"], ["opened_on", "kind", "person_id"]),
    (
        "ix_journal_entry_day_kind",
        "journal_entry",
        ["day", "kind"],
        ["day", "kind", "outcome", "person_id"],
    ),
]


def upgrade() -> None:
    op.create_table(
        "summary_export",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("month", sa.String(length=7), nullable=False),
        sa.Column("scope_key", sa.String(length=40), nullable=False),
        sa.Column("scope_label", sa.String(length=200), nullable=False),
        sa.Column("format", sa.String(length=10), nullable=False),
        sa.Column("file_name", sa.String(length=255), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("size_bytes", sa.Integer(), nullable=False),
        sa.Column("generated_at", sa.DateTime(), nullable=False),
        sa.Column("author_login", sa.String(length=100), nullable=False),
        sa.Column("author", sa.String(length=200), nullable=False),
        sa.Column("figures", sa.Text(), nullable=False),
        sa.Column("previous_figures", sa.Text(), nullable=False),
        sa.Column("document", sa.Text(), nullable=False),
        sa.Column("content", sa.LargeBinary(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_summary_export")),
        sqlite_autoincrement=True,
    )
    with op.batch_alter_table("summary_export", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_summary_export_generated_at"), ["generated_at"], unique=False
        )
        batch_op.create_index("ix_summary_export_month_scope", ["month", "scope_key"], unique=False)

    # Adding a nullable column and indexes: SQLite does both in place (no table copy,
    # so person's search triggers and rights_step_update's trigger stay).
    with op.batch_alter_table("measure", schema=None) as batch_op:
        batch_op.add_column(sa.Column("cancelled_on", sa.Date(), nullable=True))
        batch_op.create_index(
            batch_op.f("ix_measure_referral_date"), ["referral_date"], unique=False
        )

    with op.batch_alter_table("person", schema=None) as batch_op:
        batch_op.add_column(sa.Column("establishment_since", sa.Date(), nullable=True))
        batch_op.create_index(
            batch_op.f("ix_person_establishment_since"), ["establishment_since"], unique=False
        )

    with op.batch_alter_table("enrolment", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_enrolment_end_day"), ["end_day"], unique=False)

    # The summary's indexes, chosen from its query plans on 250,000 people (bench/summary.py):
    # each lets one of its statements read an index alone, in the order it needs.
    for name, table, columns in SUMMARY_INDEXES:
        op.create_index(name, table, columns)
    for name, table, _, wider in WIDENED_INDEXES:
        op.drop_index(name, table_name=table)
        op.create_index(name, table, wider)

    dialect = op.get_bind().dialect.name
    for statement in {"sqlite": SQLITE_DDL, "postgresql": POSTGRESQL_DDL}.get(dialect, []):
        op.execute(statement)


def downgrade() -> None:
    for name, table, narrower, _ in WIDENED_INDEXES:
        op.drop_index(name, table_name=table)
        op.create_index(name, table, narrower)
    for name, table, _ in SUMMARY_INDEXES:
        op.drop_index(name, table_name=table)

    with op.batch_alter_table("enrolment", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_enrolment_end_day"))

    # The columns go with ALTER TABLE ... DROP COLUMN (SQLite 3.35 and later), not a batch:
    # on SQLite a batch would copy the tables, and the copy of person would lose its
    # search triggers.
    op.drop_index(op.f("ix_person_establishment_since"), table_name="person")
    op.drop_column("person", "establishment_since")
    op.drop_index(op.f("ix_measure_referral_date"), table_name="measure")
    op.drop_column("measure", "cancelled_on")

    op.drop_table("summary_export")  # its trigger goes with it
