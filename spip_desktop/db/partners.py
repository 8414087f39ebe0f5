"""The SQL of the partner directory and of the conventions."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import delete, func, or_, select
from sqlalchemy.orm import Session

from ..domain.partners import (
    Contact,
    Convention,
    ConventionDraft,
    Partner,
    PartnerDraft,
    PartnerUse,
    Theme,
)
from ..domain.text import fold
from . import models as m
from .repositories import checked

PARTNER_GONE = "Ce partenaire n'existe plus : il a peut-être été supprimé."
CONVENTION_GONE = "Cette convention n'existe plus : elle a peut-être été supprimée."


def encode_themes(themes: frozenset[Theme]) -> str:
    """``droits,emploi``: the values in the enumeration's order (stable, comparable)."""
    return ",".join(t.value for t in Theme if t in themes)


def decode_themes(text: str) -> frozenset[Theme]:
    values = {v for v in text.split(",") if v}
    return frozenset(t for t in Theme if t.value in values)


def _to_partner(
    row: m.PartnerRow, antenne_ids: Sequence[int], contacts: Sequence[m.PartnerContactRow]
) -> Partner:
    return Partner(
        id=row.id,
        version=row.version,
        draft=PartnerDraft(
            name=row.name,
            kind=row.kind,
            themes=decode_themes(row.themes),
            antenne_ids=frozenset(antenne_ids),
            address=row.address,
            phone=row.phone,
            email=row.email,
            referent_id=row.referent_id,
            contacts=tuple(
                Contact(c.name, c.role, c.phone, c.email)
                for c in sorted(contacts, key=lambda c: (c.position, c.id))
            ),
            notes=row.notes,
        ),
        active=row.active,
    )


def _to_convention(row: m.ConventionRow, partner_name: str) -> Convention:
    return Convention(
        id=row.id,
        version=row.version,
        draft=ConventionDraft(
            partner_id=row.partner_id,
            level=row.level,
            title=row.title,
            themes=decode_themes(row.themes),
            milieu=row.milieu,
            signed_on=row.signed_on,
            expires_on=row.expires_on,
            funding_cents=row.funding_cents,
            funding_source=row.funding_source,
            status=row.status,
            notes=row.notes,
        ),
        partner_name=partner_name,
    )


class PartnerRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    # -- partners ---------------------------------------------------------------------
    def _partners(self, *where: Any) -> list[Partner]:
        rows = list(
            self.session.scalars(
                select(m.PartnerRow).where(*where).order_by(m.PartnerRow.sort_key, m.PartnerRow.id)
            )
        )
        if not rows:
            return []
        ids = [r.id for r in rows]
        antennes: dict[int, list[int]] = {i: [] for i in ids}
        for partner_id, antenne_id in self.session.execute(
            select(m.PartnerAntenneRow.partner_id, m.PartnerAntenneRow.antenne_id).where(
                m.PartnerAntenneRow.partner_id.in_(ids)
            )
        ):
            antennes[partner_id].append(antenne_id)
        contacts: dict[int, list[m.PartnerContactRow]] = {i: [] for i in ids}
        for contact in self.session.scalars(
            select(m.PartnerContactRow).where(m.PartnerContactRow.partner_id.in_(ids))
        ):
            contacts[contact.partner_id].append(contact)
        return [_to_partner(r, antennes[r.id], contacts[r.id]) for r in rows]

    def partners(self, include_archived: bool = True) -> list[Partner]:
        """Every partner (the active ones only, unless asked), in folded-name order."""
        where = [] if include_archived else [m.PartnerRow.active.is_(True)]
        return self._partners(*where)

    def get(self, partner_id: int) -> Partner | None:
        found = self._partners(m.PartnerRow.id == partner_id)
        return found[0] if found else None

    def names(self, partner_ids: Sequence[int]) -> dict[int, str]:
        if not partner_ids:
            return {}
        rows = self.session.execute(
            select(m.PartnerRow.id, m.PartnerRow.name).where(m.PartnerRow.id.in_(list(partner_ids)))
        ).all()
        return {i: n for i, n in rows}

    def name_owner(self, name: str, exclude_id: int | None) -> str | None:
        """The name of another partner whose name folds like ``name`` (case, accents,
        punctuation and spaces aside), if there is one."""
        stmt = select(m.PartnerRow.name).where(m.PartnerRow.sort_key == fold(name))
        if exclude_id is not None:
            stmt = stmt.where(m.PartnerRow.id != exclude_id)
        return self.session.scalars(stmt.limit(1)).first()

    def save(self, partner_id: int | None, version: int, draft: PartnerDraft) -> int:
        if partner_id is None:
            row = m.PartnerRow(active=True)
            self.session.add(row)
        else:
            row = checked(self.session.get(m.PartnerRow, partner_id), version, PARTNER_GONE)
            row.updated_at = m.utcnow()  # the contacts may change alone: the version moves
        row.name = " ".join(draft.name.split())
        row.kind = draft.kind
        row.themes = encode_themes(draft.themes)
        row.address = draft.address.strip()
        row.phone = draft.phone.strip()
        row.email = draft.email.strip()
        row.referent_id = draft.referent_id
        row.notes = draft.notes.strip()
        row.sort_key = fold(row.name)
        self.session.flush()
        self.session.execute(
            delete(m.PartnerAntenneRow).where(m.PartnerAntenneRow.partner_id == row.id)
        )
        self.session.execute(
            delete(m.PartnerContactRow).where(m.PartnerContactRow.partner_id == row.id)
        )
        self.session.add_all(
            m.PartnerAntenneRow(partner_id=row.id, antenne_id=a) for a in sorted(draft.antenne_ids)
        )
        self.session.add_all(
            m.PartnerContactRow(
                partner_id=row.id,
                name=c.name.strip(),
                role=c.role.strip(),
                phone=c.phone.strip(),
                email=c.email.strip(),
                position=i,
            )
            for i, c in enumerate(draft.contacts)
        )
        self.session.flush()
        return row.id

    def set_active(self, partner_id: int, version: int, active: bool) -> None:
        row = checked(self.session.get(m.PartnerRow, partner_id), version, PARTNER_GONE)
        row.active = active
        row.updated_at = m.utcnow()
        self.session.flush()

    def use(self, partner_id: int) -> PartnerUse:
        def count(model: Any, *where: Any) -> int:
            return int(
                self.session.scalar(select(func.count()).select_from(model).where(*where)) or 0
            )

        return PartnerUse(
            steps=count(m.RightsStepRow, m.RightsStepRow.partner_id == partner_id),
            stages=count(
                m.StageRow,
                or_(
                    m.StageRow.organiser_partner_id == partner_id,
                    m.StageRow.venue_partner_id == partner_id,
                ),
            ),
            conventions=count(m.ConventionRow, m.ConventionRow.partner_id == partner_id),
        )

    def delete(self, partner_id: int, version: int) -> None:
        row = checked(self.session.get(m.PartnerRow, partner_id), version, PARTNER_GONE)
        self.session.execute(
            delete(m.PartnerAntenneRow).where(m.PartnerAntenneRow.partner_id == partner_id)
        )
        self.session.execute(
            delete(m.PartnerContactRow).where(m.PartnerContactRow.partner_id == partner_id)
        )
        self.session.delete(row)
        self.session.flush()

    # -- conventions --------------------------------------------------------------------
    def _conventions(self, *where: Any) -> list[Convention]:
        stmt = (
            select(m.ConventionRow, m.PartnerRow.name)
            .join(m.PartnerRow, m.PartnerRow.id == m.ConventionRow.partner_id)
            .where(*where)
            .order_by(
                m.ConventionRow.expires_on.is_(None),
                m.ConventionRow.expires_on,
                m.PartnerRow.sort_key,
                m.ConventionRow.id,
            )
        )
        return [_to_convention(row, name) for row, name in self.session.execute(stmt).all()]

    def conventions(self, partner_id: int | None = None) -> list[Convention]:
        """Conventions, the nearest expiry first (those without one last)."""
        where = [] if partner_id is None else [m.ConventionRow.partner_id == partner_id]
        return self._conventions(*where)

    def convention(self, convention_id: int) -> Convention | None:
        found = self._conventions(m.ConventionRow.id == convention_id)
        return found[0] if found else None

    def save_convention(
        self, convention_id: int | None, version: int, draft: ConventionDraft
    ) -> int:
        if convention_id is None:
            row = m.ConventionRow()
            self.session.add(row)
        else:
            row = checked(
                self.session.get(m.ConventionRow, convention_id), version, CONVENTION_GONE
            )
        assert draft.partner_id is not None
        row.partner_id = draft.partner_id
        row.level = draft.level
        row.title = " ".join(draft.title.split())
        row.themes = encode_themes(draft.themes)
        row.milieu = draft.milieu
        row.signed_on = draft.signed_on
        row.expires_on = draft.expires_on
        row.funding_cents = draft.funding_cents
        row.funding_source = draft.funding_source.strip()
        row.status = draft.status
        row.notes = draft.notes.strip()
        self.session.flush()
        return row.id

    def delete_convention(self, convention_id: int, version: int) -> None:
        row = checked(self.session.get(m.ConventionRow, convention_id), version, CONVENTION_GONE)
        self.session.delete(row)
        self.session.flush()
