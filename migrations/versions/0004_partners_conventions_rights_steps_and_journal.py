"""Partners and conventions, access-to-rights steps, the journal

Stages organised by a partner named only by text in 0003 get a real partner
record (kind *organisme de stage*), one per distinct name once folded (case,
accents, punctuation), and ``stage.organiser_partner_id`` becomes a foreign key;
``stage.venue_partner_id`` names a partner lending the premises. The history
of a rights step (``rights_step_update``) refuses UPDATE in the database itself
(the trigger of 0002's kind; DELETE stays possible for the retention purge,
through the person's cascade). On PostgreSQL the partner's folded sort key uses
the binary collation "C", like the person's. Frozen here as at this revision.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-27 05:50:00
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op

revision: str = '0004'
down_revision: str | Sequence[str] | None = '0003'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

SQLITE_DDL = [
    """CREATE TRIGGER rights_step_update_no_update BEFORE UPDATE ON rights_step_update BEGIN
        SELECT RAISE(ABORT, 'append-only table: rights_step_update');
    END""",
]

POSTGRESQL_DDL = [
    'ALTER TABLE partner ALTER COLUMN sort_key TYPE varchar(600) COLLATE "C"',
    # spip_append_only() comes from 0002.
    """CREATE TRIGGER rights_step_update_no_update BEFORE UPDATE ON rights_step_update
        FOR EACH ROW EXECUTE FUNCTION spip_append_only()""",
]

_LIGATURES = str.maketrans(
    {"œ": "oe", "Œ": "OE", "æ": "ae", "Æ": "AE", "ß": "ss", "ø": "o", "Ø": "O", "ł": "l",
     "Ł": "L", "đ": "d", "Đ": "D"}
)


def _fold(text: str) -> str:
    """The folded key of 0004 (frozen copy of domain.text.fold at this revision)."""
    text = unicodedata.normalize("NFKD", text).translate(_LIGATURES)
    text = "".join(c for c in text if not unicodedata.combining(c)).lower()
    return re.sub(r"[^0-9a-z]+", " ", text).strip()


def upgrade() -> None:
    op.create_table('partner',
    sa.Column('name', sa.String(length=150), nullable=False),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('themes', sa.String(length=200), nullable=False),
    sa.Column('address', sa.String(length=250), nullable=False),
    sa.Column('phone', sa.String(length=30), nullable=False),
    sa.Column('email', sa.String(length=254), nullable=False),
    sa.Column('referent_id', sa.Integer(), nullable=True),
    sa.Column('notes', sa.Text(), nullable=False),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.Column('sort_key', sa.String(length=600), nullable=False),
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['referent_id'], ['agent.id'], name=op.f('fk_partner_referent_id_agent')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_partner')),
    sa.UniqueConstraint('name', name=op.f('uq_partner_name'))
    )
    with op.batch_alter_table('partner', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_partner_referent_id'), ['referent_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_partner_sort_key'), ['sort_key'], unique=False)

    op.create_table('convention',
    sa.Column('partner_id', sa.Integer(), nullable=False),
    sa.Column('level', sa.String(length=20), nullable=False),
    sa.Column('title', sa.String(length=250), nullable=False),
    sa.Column('themes', sa.String(length=200), nullable=False),
    sa.Column('milieu', sa.String(length=20), nullable=False),
    sa.Column('signed_on', sa.Date(), nullable=True),
    sa.Column('expires_on', sa.Date(), nullable=True),
    sa.Column('funding_cents', sa.Integer(), nullable=True),
    sa.Column('funding_source', sa.String(length=100), nullable=False),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('notes', sa.Text(), nullable=False),
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['partner_id'], ['partner.id'], name=op.f('fk_convention_partner_id_partner')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_convention'))
    )
    with op.batch_alter_table('convention', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_convention_expires_on'), ['expires_on'], unique=False)
        batch_op.create_index(batch_op.f('ix_convention_partner_id'), ['partner_id'], unique=False)

    op.create_table('journal_entry',
    sa.Column('person_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('day', sa.Date(), nullable=False),
    sa.Column('at', sa.Time(), nullable=True),
    sa.Column('subject', sa.String(length=200), nullable=False),
    sa.Column('text', sa.Text(), nullable=False),
    sa.Column('place', sa.String(length=200), nullable=False),
    sa.Column('agent_id', sa.Integer(), nullable=True),
    sa.Column('outcome', sa.String(length=20), nullable=True),
    sa.Column('author', sa.String(length=200), nullable=False),
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['agent_id'], ['agent.id'], name=op.f('fk_journal_entry_agent_id_agent')),
    sa.ForeignKeyConstraint(['person_id'], ['person.id'], name=op.f('fk_journal_entry_person_id_person'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_journal_entry'))
    )
    with op.batch_alter_table('journal_entry', schema=None) as batch_op:
        batch_op.create_index('ix_journal_entry_agent_day', ['agent_id', 'day'], unique=False)
        batch_op.create_index('ix_journal_entry_day_kind', ['day', 'kind'], unique=False)
        batch_op.create_index('ix_journal_entry_person_day', ['person_id', 'day'], unique=False)

    op.create_table('partner_antenne',
    sa.Column('partner_id', sa.Integer(), nullable=False),
    sa.Column('antenne_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['antenne_id'], ['antenne.id'], name=op.f('fk_partner_antenne_antenne_id_antenne')),
    sa.ForeignKeyConstraint(['partner_id'], ['partner.id'], name=op.f('fk_partner_antenne_partner_id_partner'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('partner_id', 'antenne_id', name=op.f('pk_partner_antenne'))
    )
    with op.batch_alter_table('partner_antenne', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_partner_antenne_antenne_id'), ['antenne_id'], unique=False)

    op.create_table('partner_contact',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('partner_id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=150), nullable=False),
    sa.Column('role', sa.String(length=150), nullable=False),
    sa.Column('phone', sa.String(length=30), nullable=False),
    sa.Column('email', sa.String(length=254), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['partner_id'], ['partner.id'], name=op.f('fk_partner_contact_partner_id_partner'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_partner_contact'))
    )
    with op.batch_alter_table('partner_contact', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_partner_contact_partner_id'), ['partner_id'], unique=False)

    op.create_table('rights_step',
    sa.Column('person_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=30), nullable=False),
    sa.Column('other_label', sa.String(length=150), nullable=False),
    sa.Column('partner_id', sa.Integer(), nullable=True),
    sa.Column('handled_by', sa.String(length=10), nullable=False),
    sa.Column('agent_id', sa.Integer(), nullable=True),
    sa.Column('partner_contact', sa.String(length=150), nullable=False),
    sa.Column('opened_on', sa.Date(), nullable=False),
    sa.Column('follow_up_on', sa.Date(), nullable=True),
    sa.Column('documents', sa.Text(), nullable=False),
    sa.Column('outcome_on', sa.Date(), nullable=True),
    sa.Column('expires_on', sa.Date(), nullable=True),
    sa.Column('notes', sa.Text(), nullable=False),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('status_at', sa.DateTime(), nullable=False),
    sa.Column('closed', sa.Boolean(), nullable=False),
    sa.Column('created_by', sa.String(length=200), nullable=False),
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['agent_id'], ['agent.id'], name=op.f('fk_rights_step_agent_id_agent')),
    sa.ForeignKeyConstraint(['partner_id'], ['partner.id'], name=op.f('fk_rights_step_partner_id_partner')),
    sa.ForeignKeyConstraint(['person_id'], ['person.id'], name=op.f('fk_rights_step_person_id_person'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_rights_step'))
    )
    with op.batch_alter_table('rights_step', schema=None) as batch_op:
        batch_op.create_index('ix_rights_step_closed_expiry', ['closed', 'expires_on'], unique=False)
        batch_op.create_index('ix_rights_step_open_follow_up', ['closed', 'follow_up_on', 'person_id'], unique=False)
        batch_op.create_index('ix_rights_step_person', ['person_id', 'closed', 'follow_up_on'], unique=False)
        batch_op.create_index('ix_rights_step_status', ['status', 'follow_up_on'], unique=False)
        batch_op.create_index('ix_rights_step_kind', ['kind', 'closed', 'follow_up_on'], unique=False)
        batch_op.create_index('ix_rights_step_opened', ['closed', 'opened_on'], unique=False)
        batch_op.create_index('ix_rights_step_opened_on', ['opened_on'], unique=False)
        batch_op.create_index('ix_rights_step_partner', ['partner_id', 'closed', 'follow_up_on'], unique=False)
        batch_op.create_index('ix_rights_step_agent', ['agent_id', 'closed', 'follow_up_on'], unique=False)

    op.create_table('rights_step_update',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('step_id', sa.Integer(), nullable=False),
    sa.Column('at', sa.DateTime(), nullable=False),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('previous', sa.String(length=20), nullable=True),
    sa.Column('note', sa.Text(), nullable=False),
    sa.Column('author_login', sa.String(length=100), nullable=False),
    sa.Column('author', sa.String(length=200), nullable=False),
    sa.Column('actor', sa.String(length=10), nullable=False),
    sa.ForeignKeyConstraint(['step_id'], ['rights_step.id'], name=op.f('fk_rights_step_update_step_id_rights_step'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_rights_step_update')),
    sqlite_autoincrement=True
    )
    with op.batch_alter_table('rights_step_update', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_rights_step_update_step_id'), ['step_id'], unique=False)

    with op.batch_alter_table('measure', schema=None) as batch_op:
        batch_op.create_index('ix_measure_probation_end', ['probation_end'], unique=False)
        batch_op.create_index('ix_measure_sentence_end', ['sentence_end'], unique=False)
        batch_op.create_index('ix_measure_type_final', ['measure_type', 'final_date'], unique=False)

    with op.batch_alter_table('obligation', schema=None) as batch_op:
        batch_op.create_index('ix_obligation_kind_measure', ['kind', 'measure_id'], unique=False)

    _partners_from_stage_organisers()

    with op.batch_alter_table('stage', schema=None) as batch_op:
        batch_op.add_column(sa.Column('venue_partner_id', sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f('ix_stage_organiser_partner_id'), ['organiser_partner_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_stage_venue_partner_id'), ['venue_partner_id'], unique=False)
        batch_op.create_foreign_key(batch_op.f('fk_stage_venue_partner_id_partner'), 'partner', ['venue_partner_id'], ['id'])
        batch_op.create_foreign_key(batch_op.f('fk_stage_organiser_partner_id_partner'), 'partner', ['organiser_partner_id'], ['id'])

    dialect = op.get_bind().dialect.name
    for statement in {"sqlite": SQLITE_DDL, "postgresql": POSTGRESQL_DDL}.get(dialect, []):
        op.execute(statement)
    if dialect == "sqlite":
        _forget_stale_statistics()


def _forget_stale_statistics() -> None:
    """Bases made by the demo generator before this revision were analysed whole, when the
    audit trail had one row: that figure made SQLite scan the trail instead of using its
    person index. Without statistics for a table the planner assumes it is large."""
    bind = op.get_bind()
    has_stats = bind.execute(
        sa.text("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'sqlite_stat1'")
    ).first()
    if has_stats is not None:
        bind.execute(
            sa.text(
                "DELETE FROM sqlite_stat1 WHERE tbl NOT IN ('person', 'measure', 'obligation')"
            )
        )


def _partners_from_stage_organisers() -> None:
    """One partner per distinct organiser name typed in 0003; the stages point at it."""
    bind = op.get_bind()
    # 0003 had no partner table: nothing could have set the column on purpose.
    bind.execute(sa.text("UPDATE stage SET organiser_partner_id = NULL"))
    rows = bind.execute(
        sa.text(
            "SELECT id, organiser_name FROM stage "
            "WHERE organiser_kind = 'partner' AND organiser_name <> '' ORDER BY id"
        )
    ).all()
    now = datetime.now(UTC).replace(tzinfo=None)
    by_key: dict[str, int] = {}
    for stage_id, name in rows:
        key = _fold(name)
        if not key:
            continue
        partner_id = by_key.get(key)
        if partner_id is None:
            partner_id = bind.execute(
                sa.text(
                    "INSERT INTO partner (name, kind, themes, address, phone, email, notes, "
                    "active, sort_key, version, created_at, updated_at) VALUES (:name, "
                    "'stage', '', '', '', '', :notes, :active, :key, 1, :now, :now) "
                    "RETURNING id"
                ),
                {
                    "name": " ".join(name.split()),
                    "notes": "Créé à partir du nom d'organisateur saisi sur les stages.",
                    "active": True,
                    "key": key,
                    "now": now,
                },
            ).scalar_one()
            by_key[key] = partner_id
        bind.execute(
            sa.text("UPDATE stage SET organiser_partner_id = :p WHERE id = :s"),
            {"p": partner_id, "s": stage_id},
        )


def downgrade() -> None:
    with op.batch_alter_table('stage', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_stage_organiser_partner_id_partner'), type_='foreignkey')
        batch_op.drop_constraint(batch_op.f('fk_stage_venue_partner_id_partner'), type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_stage_venue_partner_id'))
        batch_op.drop_index(batch_op.f('ix_stage_organiser_partner_id'))
        batch_op.drop_column('venue_partner_id')

    with op.batch_alter_table('obligation', schema=None) as batch_op:
        batch_op.drop_index('ix_obligation_kind_measure')

    with op.batch_alter_table('measure', schema=None) as batch_op:
        batch_op.drop_index('ix_measure_type_final')
        batch_op.drop_index('ix_measure_sentence_end')
        batch_op.drop_index('ix_measure_probation_end')

    op.drop_table('rights_step_update')  # its trigger goes with it
    op.drop_table('rights_step')
    op.drop_table('partner_contact')
    op.drop_table('partner_antenne')
    op.drop_table('journal_entry')
    op.drop_table('convention')
    op.drop_table('partner')
