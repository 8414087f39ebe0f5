"""Initial schema: reference data, people, measures, obligations

Revision ID: 0001
Revises:
Create Date: 2026-11-26 23:09:09.907148
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

# The full-text index is part of the schema but not of the models (alembic
# cannot describe virtual tables), so its SQL is frozen here, as it was at
# this revision, rather than imported from the application.
FTS_DDL = (
    """CREATE VIRTUAL TABLE person_fts USING fts5(
        search_text, content='person', content_rowid='id',
        tokenize='unicode61 remove_diacritics 2', prefix='1 2 3')""",
    """CREATE TRIGGER person_fts_after_insert AFTER INSERT ON person BEGIN
        INSERT INTO person_fts(rowid, search_text) VALUES (new.id, new.search_text);
    END""",
    """CREATE TRIGGER person_fts_after_delete AFTER DELETE ON person BEGIN
        INSERT INTO person_fts(person_fts, rowid, search_text)
        VALUES ('delete', old.id, old.search_text);
    END""",
    """CREATE TRIGGER person_fts_after_update AFTER UPDATE OF search_text ON person BEGIN
        INSERT INTO person_fts(person_fts, rowid, search_text)
        VALUES ('delete', old.id, old.search_text);
        INSERT INTO person_fts(rowid, search_text) VALUES (new.id, new.search_text);
    END""",
)


revision: str = '0001'
down_revision: str | Sequence[str] | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('antenne',
    sa.Column('name', sa.String(length=150), nullable=False),
    sa.Column('code', sa.String(length=20), nullable=False),
    sa.Column('address', sa.String(length=250), nullable=False),
    sa.Column('phone', sa.String(length=30), nullable=False),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_antenne')),
    sa.UniqueConstraint('name', name=op.f('uq_antenne_name'))
    )
    op.create_table('establishment',
    sa.Column('name', sa.String(length=150), nullable=False),
    sa.Column('kind', sa.String(length=30), nullable=False),
    sa.Column('city', sa.String(length=120), nullable=False),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_establishment')),
    sa.UniqueConstraint('name', name=op.f('uq_establishment_name'))
    )
    op.create_table('agent',
    sa.Column('surname', sa.String(length=100), nullable=False),
    sa.Column('given_name', sa.String(length=150), nullable=False),
    sa.Column('role', sa.String(length=20), nullable=False),
    sa.Column('antenne_id', sa.Integer(), nullable=True),
    sa.Column('email', sa.String(length=254), nullable=False),
    sa.Column('phone', sa.String(length=30), nullable=False),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.Column('sort_key', sa.String(length=600), nullable=False),
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['antenne_id'], ['antenne.id'], name=op.f('fk_agent_antenne_id_antenne')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_agent'))
    )
    with op.batch_alter_table('agent', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_agent_antenne_id'), ['antenne_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_agent_sort_key'), ['sort_key'], unique=False)

    op.create_table('person',
    sa.Column('file_number', sa.String(length=30), nullable=False),
    sa.Column('surname', sa.String(length=100), nullable=False),
    sa.Column('usage_name', sa.String(length=100), nullable=False),
    sa.Column('given_names', sa.String(length=150), nullable=False),
    sa.Column('birth_date', sa.Date(), nullable=True),
    sa.Column('birth_place', sa.String(length=120), nullable=False),
    sa.Column('sex', sa.String(length=1), nullable=True),
    sa.Column('address', sa.String(length=250), nullable=False),
    sa.Column('postal_code', sa.String(length=10), nullable=False),
    sa.Column('city', sa.String(length=120), nullable=False),
    sa.Column('phone', sa.String(length=30), nullable=False),
    sa.Column('email', sa.String(length=254), nullable=False),
    sa.Column('appi_number', sa.String(length=30), nullable=False),
    sa.Column('ecrou_number', sa.String(length=30), nullable=False),
    sa.Column('regime', sa.String(length=10), nullable=False),
    sa.Column('establishment_id', sa.Integer(), nullable=True),
    sa.Column('referent_id', sa.Integer(), nullable=True),
    sa.Column('antenne_id', sa.Integer(), nullable=True),
    sa.Column('closed_on', sa.Date(), nullable=True),
    sa.Column('closure_reason', sa.String(length=20), nullable=True),
    sa.Column('closure_note', sa.String(length=4000), nullable=False),
    sa.Column('sort_key', sa.String(length=600), nullable=False),
    sa.Column('given_sort_key', sa.String(length=600), nullable=False),
    sa.Column('search_text', sa.Text(), nullable=False),
    sa.Column('main_measure_type', sa.String(length=40), nullable=True),
    sa.Column('main_measure_end', sa.Date(), nullable=True),
    sa.Column('sentence_end', sa.Date(), nullable=True),
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['antenne_id'], ['antenne.id'], name=op.f('fk_person_antenne_id_antenne')),
    sa.ForeignKeyConstraint(['establishment_id'], ['establishment.id'], name=op.f('fk_person_establishment_id_establishment')),
    sa.ForeignKeyConstraint(['referent_id'], ['agent.id'], name=op.f('fk_person_referent_id_agent')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_person')),
    sa.UniqueConstraint('file_number', name=op.f('uq_person_file_number'))
    )
    with op.batch_alter_table('person', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_person_given_sort_key'), ['given_sort_key'], unique=False)
        batch_op.create_index('ix_person_search_cover', ['id', 'closed_on', 'sort_key'], unique=False)
        batch_op.create_index('ix_person_sort_key', ['sort_key'], unique=False)
        batch_op.create_index('ix_person_active_sort', ['closed_on', 'sort_key'], unique=False)
        batch_op.create_index(batch_op.f('ix_person_antenne_id'), ['antenne_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_person_birth_date'), ['birth_date'], unique=False)
        batch_op.create_index(batch_op.f('ix_person_establishment_id'), ['establishment_id'], unique=False)
        batch_op.create_index('ix_person_main_measure', ['main_measure_type', 'main_measure_end'], unique=False)
        batch_op.create_index('ix_person_main_measure_end', ['main_measure_end'], unique=False)
        batch_op.create_index('ix_person_referent_sort', ['referent_id', 'sort_key'], unique=False)
        batch_op.create_index('ix_person_regime_sentence_end', ['regime', 'sentence_end'], unique=False)

    op.create_table('measure',
    sa.Column('person_id', sa.Integer(), nullable=False),
    sa.Column('measure_type', sa.String(length=40), nullable=False),
    sa.Column('court', sa.String(length=150), nullable=False),
    sa.Column('decision_date', sa.Date(), nullable=True),
    sa.Column('final_date', sa.Date(), nullable=True),
    sa.Column('referral_date', sa.Date(), nullable=True),
    sa.Column('probation_start', sa.Date(), nullable=True),
    sa.Column('probation_end', sa.Date(), nullable=True),
    sa.Column('sentence_end', sa.Date(), nullable=True),
    sa.Column('jap_name', sa.String(length=150), nullable=False),
    sa.Column('notes', sa.String(length=4000), nullable=False),
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['person_id'], ['person.id'], name=op.f('fk_measure_person_id_person'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_measure'))
    )
    with op.batch_alter_table('measure', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_measure_person_id'), ['person_id'], unique=False)

    op.create_table('obligation',
    sa.Column('measure_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=40), nullable=False),
    sa.Column('details', sa.String(length=500), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['measure_id'], ['measure.id'], name=op.f('fk_obligation_measure_id_measure'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_obligation'))
    )
    with op.batch_alter_table('obligation', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_obligation_measure_id'), ['measure_id'], unique=False)

    if op.get_bind().dialect.name == "sqlite":
        for statement in FTS_DDL:
            op.execute(statement)


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        for name in ("after_update", "after_delete", "after_insert"):
            op.execute(f"DROP TRIGGER IF EXISTS person_fts_{name}")
        op.execute("DROP TABLE IF EXISTS person_fts")
    with op.batch_alter_table('obligation', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_obligation_measure_id'))

    op.drop_table('obligation')
    with op.batch_alter_table('measure', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_measure_person_id'))

    op.drop_table('measure')
    with op.batch_alter_table('person', schema=None) as batch_op:
        batch_op.drop_index('ix_person_regime_sentence_end')
        batch_op.drop_index('ix_person_referent_sort')
        batch_op.drop_index('ix_person_main_measure_end')
        batch_op.drop_index('ix_person_main_measure')
        batch_op.drop_index(batch_op.f('ix_person_establishment_id'))
        batch_op.drop_index(batch_op.f('ix_person_birth_date'))
        batch_op.drop_index(batch_op.f('ix_person_antenne_id'))
        batch_op.drop_index('ix_person_active_sort')
        batch_op.drop_index('ix_person_sort_key')
        batch_op.drop_index('ix_person_search_cover')
        batch_op.drop_index(batch_op.f('ix_person_given_sort_key'))

    op.drop_table('person')
    with op.batch_alter_table('agent', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_agent_sort_key'))
        batch_op.drop_index(batch_op.f('ix_agent_antenne_id'))

    op.drop_table('agent')
    op.drop_table('establishment')
    op.drop_table('antenne')
