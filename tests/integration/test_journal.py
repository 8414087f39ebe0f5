"""The journal of a file through the service, on a real database (SQLite and PostgreSQL)."""

from __future__ import annotations

from datetime import date, time

import pytest

from spip_desktop.bootstrap import Services
from spip_desktop.domain.audit import AuditAction, AuditQuery
from spip_desktop.domain.errors import InvalidInput, NotFound, PermissionDenied, SpipError
from spip_desktop.domain.journal import EntryKind, JournalDraft, Outcome
from spip_desktop.domain.security import Role
from tests.conftest import Reference, person_draft, sign_in_as


@pytest.fixture
def person_id(services: Services, reference: Reference) -> int:
    return services.persons.create(
        person_draft(surname="Lefèvre", given_names="Hélène", referent_id=reference.cpip.id)
    ).person.id


def note(
    day: date = date(2026, 3, 10), text: str = "Reçu l'attestation d'hébergement."
) -> JournalDraft:
    return JournalDraft(EntryKind.NOTE, day, None, "Hébergement", text)


def interview(
    day: date = date(2026, 3, 11),
    at: time = time(14, 30),
    agent_id: int | None = None,
    **kw: object,
) -> JournalDraft:
    values: dict[str, object] = {
        "kind": EntryKind.INTERVIEW,
        "day": day,
        "at": at,
        "subject": "Point sur l'emploi",
        "place": "Antenne de Bordeaux, bureau 3",
        "agent_id": agent_id,
    }
    values.update(kw)
    return JournalDraft(**values)  # type: ignore[arg-type]


def test_notes_and_appointments_newest_first(
    services: Services, reference: Reference, person_id: int
) -> None:
    journal = services.journal
    journal.save_entry(person_id, None, 0, note(date(2026, 3, 2)))
    journal.save_entry(person_id, None, 0, interview(agent_id=reference.cpip.id))
    journal.save_entry(
        person_id,
        None,
        0,
        interview(date(2026, 3, 20), time(9), reference.cpip.id, kind=EntryKind.SUMMONS),
    )
    journal.save_entry(person_id, None, 0, note(date(2026, 3, 11), "Appel de la mission locale."))
    entries = journal.entries(person_id)
    assert [(e.draft.kind, e.draft.day) for e in entries] == [
        (EntryKind.SUMMONS, date(2026, 3, 20)),
        (EntryKind.INTERVIEW, date(2026, 3, 11)),  # 14:30, after the note of the same day
        (EntryKind.NOTE, date(2026, 3, 11)),
        (EntryKind.NOTE, date(2026, 3, 2)),
    ]
    assert entries[1].agent_name == "Élodie LEFÈVRE"
    assert entries[0].author == "Diane DIRECTRICE"
    # the past interview waits for its outcome, the summons to come does not
    now = journal.now()
    assert entries[1].awaiting_outcome(now) and not entries[0].awaiting_outcome(now)


def test_the_rules_are_checked_by_the_service(
    services: Services, reference: Reference, person_id: int
) -> None:
    journal = services.journal
    with pytest.raises(InvalidInput) as empty:
        journal.save_entry(person_id, None, 0, note(text="  "))
    assert empty.value.result.errors["text"] == "La note est vide."
    with pytest.raises(InvalidInput) as future:
        journal.save_entry(
            person_id,
            None,
            0,
            interview(date(2026, 4, 1), agent_id=reference.cpip.id, outcome=Outcome.HONOURED),
        )
    assert "n'a pas encore eu lieu" in future.value.result.errors["outcome"]
    with pytest.raises(InvalidInput) as no_agent:
        journal.save_entry(person_id, None, 0, interview())
    assert "agent_id" in no_agent.value.result.errors
    with pytest.raises(InvalidInput) as gone_agent:
        journal.save_entry(person_id, None, 0, interview(agent_id=9999))
    assert "n'existe plus" in gone_agent.value.result.errors["agent_id"]
    assert journal.entries(person_id) == ()


def test_edit_with_its_version_and_a_stale_edit_is_refused(
    services: Services, reference: Reference, person_id: int
) -> None:
    journal = services.journal
    first = journal.save_entry(person_id, None, 0, note())
    edited = journal.save_entry(person_id, first.id, first.version, note(text="Texte corrigé."))
    assert edited.version == first.version + 1
    assert edited.draft.text == "Texte corrigé."
    with pytest.raises(SpipError) as stale:
        journal.save_entry(person_id, first.id, first.version, note(text="Autre texte."))
    assert "modifiée par quelqu'un d'autre" in stale.value.message
    assert journal.get_entry(first.id).draft.text == "Texte corrigé."


def test_outcome_of_a_past_appointment_only(
    services: Services, reference: Reference, person_id: int
) -> None:
    journal = services.journal
    past = journal.save_entry(person_id, None, 0, interview(agent_id=reference.cpip.id))
    honoured = journal.set_outcome(past.id, past.version, Outcome.HONOURED)
    assert honoured.draft.outcome is Outcome.HONOURED
    cleared = journal.set_outcome(honoured.id, honoured.version, None)
    assert cleared.draft.outcome is None
    coming = journal.save_entry(
        person_id, None, 0, interview(date(2026, 3, 12), time(15), reference.cpip.id)
    )
    with pytest.raises(InvalidInput) as early:
        journal.set_outcome(coming.id, coming.version, Outcome.MISSED)
    assert "n'a pas encore eu lieu" in early.value.result.summary()
    a_note = journal.save_entry(person_id, None, 0, note())
    with pytest.raises(SpipError, match="Une note n'a pas de suite"):
        journal.set_outcome(a_note.id, a_note.version, Outcome.EXCUSED)


def test_every_change_is_audited_with_the_person(
    services: Services, reference: Reference, person_id: int
) -> None:
    journal = services.journal
    entry = journal.save_entry(person_id, None, 0, interview(agent_id=reference.cpip.id))
    entry = journal.set_outcome(entry.id, entry.version, Outcome.EXCUSED)
    journal.delete_entry(entry.id, entry.version)
    with pytest.raises(NotFound):
        journal.get_entry(entry.id)
    trail = services.audit.browse(AuditQuery(object_type="journal_entry"))
    assert [e.action for e in reversed(trail)] == [
        AuditAction.CREATE,
        AuditAction.UPDATE,
        AuditAction.DELETE,
    ]
    assert {e.person_id for e in trail} == {person_id}
    assert {e.object_id for e in trail} == {entry.id}
    created = trail[-1]
    assert created.summary == "Entretien du 11/03/2026 à 14:30 : Point sur l'emploi"
    fields = {c.field: c.new for c in created.changes}
    assert fields["agent_id"] == "Élodie LEFÈVRE" and fields["at"] == "14:30"
    outcome = trail[1]
    assert [(c.field, c.old, c.new) for c in outcome.changes] == [("outcome", None, "excuse")]
    deleted = trail[0]
    assert {c.field: c.old for c in deleted.changes}["subject"] == "Point sur l'emploi"
    # the file's history shows them too
    assert any(e.object_type == "journal_entry" for e in services.persons.history(person_id))


def test_a_cpip_writes_in_their_caseload_only(
    services: Services, reference: Reference, person_id: int
) -> None:
    other = services.persons.create(
        person_draft(file_number="2026-000002", referent_id=reference.cpip2.id)
    ).person.id
    written = services.journal.save_entry(other, None, 0, note())
    sign_in_as(services, Role.CPIP, agent_id=reference.cpip.id)
    mine = services.journal.save_entry(person_id, None, 0, note())
    assert services.journal.entries(person_id) == (mine,)
    with pytest.raises(PermissionDenied, match="portefeuille"):
        services.journal.entries(other)
    with pytest.raises(PermissionDenied):
        services.journal.save_entry(other, None, 0, note())
    with pytest.raises(PermissionDenied):
        services.journal.delete_entry(written.id, written.version)
    with pytest.raises(PermissionDenied):
        services.journal.set_outcome(written.id, written.version, None)
    for role in (Role.SECRETARIAT, Role.ASS, Role.ADMIN):
        sign_in_as(services, role)
        with pytest.raises(PermissionDenied):
            services.journal.entries(person_id)
    sign_in_as(services, Role.DPIP)
    assert len(services.journal.entries(other)) == 1


def test_an_unknown_file_is_refused(
    services: Services, reference: Reference, person_id: int
) -> None:
    with pytest.raises(NotFound, match="n'existe plus"):
        services.journal.entries(person_id + 1000)
    with pytest.raises(NotFound, match="n'existe plus"):
        services.journal.save_entry(person_id + 1000, None, 0, note())
