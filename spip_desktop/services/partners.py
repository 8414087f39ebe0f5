"""The partner directory and the conventions signed with partners.

Anyone who follows rights steps, enrols people in stages or reads the files reads
the directory (to choose a partner, to call a contact); only the direction
(:attr:`Permission.PARTNERS`) changes it. A partner still used by a step, a stage
or a convention is never deleted: it is archived, which takes it out of the
choices for new records while the old ones keep showing its name. Every change
is recorded in the audit trail with its fields' differences.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime
from typing import Any

from ..db.unit_of_work import UnitOfWork
from ..domain.audit import AuditAction, AuditEvent, diff
from ..domain.errors import DuplicateValue, InvalidInput, NotFound, PermissionDenied, SpipError
from ..domain.partners import (
    Convention,
    ConventionDraft,
    ConventionQuery,
    Partner,
    PartnerDraft,
    PartnerQuery,
    PartnerUse,
    Theme,
    format_funding,
    validate_convention,
    validate_partner,
)
from ..domain.security import Permission, User
from ..domain.text import fold
from .base import Clock, Service, UnitOfWorkSource, UserSession

PARTNER_GONE = "Ce partenaire n'existe plus : il a peut-être été supprimé."
CONVENTION_GONE = "Cette convention n'existe plus : elle a peut-être été supprimée."

#: Who reads the directory: whoever chooses partners or calls them.
READERS = (Permission.PARTNERS, Permission.RIGHTS, Permission.ENROL, Permission.PERSON_DETAILS)


def _themes(themes: frozenset[Theme]) -> list[str]:
    return [t.label for t in Theme if t in themes]


def partner_matches(partner: Partner, query: PartnerQuery) -> bool:
    """Whether ``partner`` passes the directory's filters (text folded: case, accents)."""
    draft = partner.draft
    if not query.include_archived and not partner.active:
        return False
    if query.kind is not None and draft.kind is not query.kind:
        return False
    if query.theme is not None and query.theme not in draft.themes:
        return False
    # A partner serving no antenne in particular serves the whole service.
    if (
        query.antenne_id is not None
        and draft.antenne_ids
        and query.antenne_id not in draft.antenne_ids
    ):
        return False
    words = fold(query.text).split()
    if not words:
        return True
    haystack = fold(
        " ".join(
            (
                draft.name,
                draft.kind.label,
                draft.address,
                " ".join(c.name for c in draft.contacts),
                " ".join(_themes(draft.themes)),
            )
        )
    )
    return all(word in haystack for word in words)


def in_use_message(name: str, use: PartnerUse) -> str:
    """Why a partner cannot be deleted, and what to do instead."""
    return (
        f"« {name} » ne peut pas être supprimé : il est encore rattaché à {use.describe()}. "
        "Archivez-le plutôt : il ne sera plus proposé pour de nouvelles démarches ni de "
        "nouveaux stages, et les anciens dossiers garderont son nom."
    )


class PartnerService(Service):
    def __init__(
        self,
        uow: UnitOfWorkSource,
        today: Clock = date.today,
        session: UserSession | None = None,
        now: Callable[[], datetime] | None = None,
    ) -> None:
        """``now`` is taken like every feature service's; the conventions need the day only."""
        super().__init__(uow, today, session)

    # -- permissions --------------------------------------------------------------------
    def _require_reader(self) -> User:
        user = self.user
        if not any(user.may(p, any_person=True) for p in READERS):
            raise PermissionDenied()
        return user

    # -- audit values -------------------------------------------------------------------
    @staticmethod
    def _partner_values(uow: UnitOfWork, partner: Partner) -> dict[str, Any]:
        draft = partner.draft
        antennes = {a.id: a.name for a in uow.reference.antennes()}
        return {
            "name": draft.name,
            "kind": draft.kind.label,
            "themes": _themes(draft.themes),
            "antenne_ids": sorted(antennes.get(i, str(i)) for i in draft.antenne_ids),
            "address": draft.address,
            "phone": draft.phone,
            "email": draft.email,
            "referent_id": draft.referent_id,
            "contacts": [
                " — ".join(part for part in (c.name, c.role, c.phone, c.email) if part)
                for c in draft.contacts
            ],
            "notes": draft.notes,
            "active": partner.active,
        }

    @staticmethod
    def _convention_values(convention: Convention) -> dict[str, Any]:
        draft = convention.draft
        return {
            "partner_id": convention.partner_name,
            "level": draft.level.label,
            "object": draft.title,
            "themes": _themes(draft.themes),
            "milieu": draft.milieu.label,
            "signed_on": draft.signed_on,
            "expires_on": draft.expires_on,
            "funding_cents": format_funding(draft.funding_cents),
            "funding_source": draft.funding_source,
            "status": draft.status.label,
            "notes": draft.notes,
        }

    # -- the directory --------------------------------------------------------------------
    def partners(self, query: PartnerQuery | None = None) -> tuple[Partner, ...]:
        """The partners passing ``query``, in alphabetical order (archived ones on request)."""
        self._require_reader()
        query = query or PartnerQuery()
        with self._uow.reader() as uow:
            found = uow.partners.partners(include_archived=query.include_archived)
        return tuple(p for p in found if partner_matches(p, query))

    def get_partner(self, partner_id: int) -> Partner:
        self._require_reader()
        with self._uow.reader() as uow:
            partner = uow.partners.get(partner_id)
        if partner is None:
            raise NotFound(PARTNER_GONE)
        return partner

    def _check_partner(self, uow: UnitOfWork, partner_id: int | None, draft: PartnerDraft) -> None:
        result = validate_partner(draft)
        if draft.referent_id is not None:
            referent = uow.reference.agent(draft.referent_id)
            if referent is None:
                result.error(
                    "referent_id", "Cet agent n'existe plus : choisissez un autre référent."
                )
        known = {a.id for a in uow.reference.antennes()}
        if any(a not in known for a in draft.antenne_ids):
            result.error("antenne_ids", "Une des antennes choisies n'existe plus.")
        if not result.ok:
            raise InvalidInput(result)
        owner = uow.partners.name_owner(draft.name, partner_id)
        if owner is not None:
            raise DuplicateValue(
                "name",
                f"Un partenaire porte déjà ce nom (« {owner} ») : choisissez-le dans "
                "l'annuaire ou donnez un nom qui le distingue (par exemple avec la commune).",
            )

    def save_partner(self, partner_id: int | None, version: int, draft: PartnerDraft) -> Partner:
        """Add a partner to the directory, or change one (its contacts in the same step)."""
        self._require(Permission.PARTNERS)
        with self._uow() as uow:
            before = uow.partners.get(partner_id) if partner_id is not None else None
            if partner_id is not None and before is None:
                raise NotFound(PARTNER_GONE)
            self._check_partner(uow, partner_id, draft)
            new_id = uow.partners.save(partner_id, version, draft)
            after = uow.partners.get(new_id)
            assert after is not None
            self._audit(
                uow,
                AuditEvent(
                    AuditAction.CREATE if before is None else AuditAction.UPDATE,
                    "partner",
                    new_id,
                    summary=after.name,
                    changes=diff(
                        None if before is None else self._partner_values(uow, before),
                        self._partner_values(uow, after),
                    ),
                ),
            )
            uow.commit()
        return after

    def set_archived(self, partner_id: int, version: int, archived: bool) -> Partner:
        """Archive a partner (no longer offered for new records) or bring it back."""
        self._require(Permission.PARTNERS)
        with self._uow() as uow:
            before = uow.partners.get(partner_id)
            if before is None:
                raise NotFound(PARTNER_GONE)
            uow.partners.set_active(partner_id, version, not archived)
            after = uow.partners.get(partner_id)
            assert after is not None
            self._audit(
                uow,
                AuditEvent(
                    AuditAction.UPDATE,
                    "partner",
                    partner_id,
                    summary=f"{after.name} ({'archivé' if archived else 'réactivé'})",
                    changes=diff({"active": before.active}, {"active": after.active}),
                ),
            )
            uow.commit()
        return after

    def partner_use(self, partner_id: int) -> PartnerUse:
        """What still points at the partner (rights steps, stages, conventions)."""
        self._require_reader()
        with self._uow.reader() as uow:
            if uow.partners.get(partner_id) is None:
                raise NotFound(PARTNER_GONE)
            return uow.partners.use(partner_id)

    def delete_partner(self, partner_id: int, version: int) -> None:
        """Delete a partner nothing uses (a partner in use is archived instead)."""
        self._require(Permission.PARTNERS)
        with self._uow() as uow:
            partner = uow.partners.get(partner_id)
            if partner is None:
                raise NotFound(PARTNER_GONE)
            use = uow.partners.use(partner_id)
            if use.total:
                raise SpipError(in_use_message(partner.name, use))
            values = self._partner_values(uow, partner)
            uow.partners.delete(partner_id, version)
            self._audit(
                uow,
                AuditEvent(
                    AuditAction.DELETE,
                    "partner",
                    partner_id,
                    summary=partner.name,
                    changes=diff(values, None),
                ),
            )
            uow.commit()

    # -- conventions --------------------------------------------------------------------
    def conventions(self, query: ConventionQuery | None = None) -> tuple[Convention, ...]:
        """Conventions passing ``query`` (their state computed today), nearest expiry first."""
        self._require_reader()
        query = query or ConventionQuery()
        today = self._today()
        with self._uow.reader() as uow:
            found = uow.partners.conventions(query.partner_id)
        return tuple(c for c in found if not query.states or c.state(today) in query.states)

    def _check_convention(
        self, uow: UnitOfWork, draft: ConventionDraft, before: Convention | None
    ) -> str:
        """The partner's name, if the convention may be saved with it."""
        result = validate_convention(draft)
        if not result.ok:
            raise InvalidInput(result)
        assert draft.partner_id is not None
        partner = uow.partners.get(draft.partner_id)
        if partner is None:
            result.error("partner_id", "Ce partenaire n'existe plus : choisissez-en un autre.")
            raise InvalidInput(result)
        kept = before is not None and before.draft.partner_id == partner.id
        if not partner.active and not kept:
            result.error(
                "partner_id",
                f"« {partner.name} » est archivé : réactivez-le dans l'annuaire avant de lui "
                "rattacher une convention.",
            )
            raise InvalidInput(result)
        return partner.name

    def save_convention(
        self, convention_id: int | None, version: int, draft: ConventionDraft
    ) -> Convention:
        """Record a convention, or change one."""
        self._require(Permission.PARTNERS)
        with self._uow() as uow:
            before = uow.partners.convention(convention_id) if convention_id is not None else None
            if convention_id is not None and before is None:
                raise NotFound(CONVENTION_GONE)
            self._check_convention(uow, draft, before)
            new_id = uow.partners.save_convention(convention_id, version, draft)
            after = uow.partners.convention(new_id)
            assert after is not None
            self._audit(
                uow,
                AuditEvent(
                    AuditAction.CREATE if before is None else AuditAction.UPDATE,
                    "convention",
                    new_id,
                    summary=f"{after.partner_name} : {after.draft.title}",
                    changes=diff(
                        None if before is None else self._convention_values(before),
                        self._convention_values(after),
                    ),
                ),
            )
            uow.commit()
        return after

    def delete_convention(self, convention_id: int, version: int) -> None:
        self._require(Permission.PARTNERS)
        with self._uow() as uow:
            convention = uow.partners.convention(convention_id)
            if convention is None:
                raise NotFound(CONVENTION_GONE)
            uow.partners.delete_convention(convention_id, version)
            self._audit(
                uow,
                AuditEvent(
                    AuditAction.DELETE,
                    "convention",
                    convention_id,
                    summary=f"{convention.partner_name} : {convention.draft.title}",
                    changes=diff(self._convention_values(convention), None),
                ),
            )
            uow.commit()
