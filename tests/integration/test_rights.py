"""Access-to-rights steps through the services, on a real database (SQLite and PostgreSQL)."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from datetime import date, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import event, text
from sqlalchemy.exc import DBAPIError

from spip_desktop.bootstrap import Services
from spip_desktop.db.models import PartnerRow
from spip_desktop.db.rights import RightsRepository
from spip_desktop.domain.audit import AuditAction, AuditQuery
from spip_desktop.domain.errors import (
    EditConflict,
    InvalidInput,
    NotFound,
    PermissionDenied,
    SpipError,
)
from spip_desktop.domain.partners import PartnerKind
from spip_desktop.domain.rights import (
    Actor,
    RightsDomain,
    StepDraft,
    StepKind,
    StepQuery,
    StepSort,
    StepStatus,
)
from spip_desktop.domain.security import PERMISSIONS, Permission, Role, Scope
from spip_desktop.domain.text import fold
from tests.conftest import NOW, TODAY, Reference, person_draft, sign_in_as

S = StepStatus
CASELOAD_SENTENCE = "Ce dossier ne fait pas partie de votre portefeuille"


def add_partner(services: Services, name: str, active: bool = True) -> int:
    """Partners come straight into the table: their service is written elsewhere."""
    with services.factory() as uow:
        row = PartnerRow(
            name=name, kind=PartnerKind.INSTITUTION, sort_key=fold(name), active=active
        )
        uow.session.add(row)
        uow.session.flush()
        partner_id = row.id
        uow.commit()
    return partner_id


def step_draft(**changes: Any) -> StepDraft:
    values: dict[str, Any] = {
        "kind": StepKind.C2S,
        "opened_on": date(2026, 3, 2),
        "follow_up_on": date(2026, 3, 20),
    }
    values.update(changes)
    return StepDraft(**values)


@pytest.fixture
def world(services: Services, reference: Reference) -> dict[str, int]:
    """Two CPIPs' people, two partners."""
    ids = {
        "cpam": add_partner(services, "CPAM de la Gironde"),
        "caf": add_partner(services, "CAF de la Gironde"),
    }
    for key, surname, number, referent in (
        ("martin", "Martin", "2026-000101", reference.cpip.id),
        ("durand", "Durand", "2026-000102", reference.cpip.id),
        ("zola", "Zola", "2026-000103", reference.cpip2.id),
    ):
        ids[key] = services.persons.create(
            person_draft(
                surname=surname,
                given_names="Hélène",
                file_number=number,
                referent_id=referent,
                antenne_id=reference.antenne.id,
            )
        ).person.id
    return ids


def errors_of(raised: pytest.ExceptionInfo[InvalidInput]) -> dict[str, str]:
    return raised.value.result.errors


def audit_of(services: Services, step_id: int) -> list[Any]:
    entries = services.audit.browse(AuditQuery(object_type="rights_step"))
    return [e for e in entries if e.object_id == step_id]


# -- opening and following a step -----------------------------------------------------------


def test_a_step_goes_from_a_engager_to_obtenu_with_its_whole_history(
    services: Services, world: dict[str, int], reference: Reference
) -> None:
    rights = services.rights
    step = rights.open_step(
        world["martin"],
        step_draft(partner_id=world["cpam"], agent_id=reference.cpip.id),
        "Première demande, pas de couverture depuis la sortie.",
    )
    assert step.status is S.TO_START and not step.closed
    assert step.created_by == "Diane DIRECTRICE"
    assert [(u.status, u.previous) for u in step.history] == [(S.TO_START, None)]
    assert step.history[0].note == "Première demande, pas de couverture depuis la sortie."

    step = rights.change_status(step.id, step.version, S.IN_PROGRESS, "Dossier retiré à la CPAM")
    documents = ("Pièce d'identité ou titre de séjour", "Attestation de la mission locale")
    step = rights.change_status(
        step.id,
        step.version,
        S.FILED,
        "Déposé à l'accueil",
        Actor.PARTNER,
        replace(step.draft, documents=documents),
    )
    assert step.draft.documents == documents
    step = rights.change_status(step.id, step.version, S.MISSING_DOCUMENTS, "RIB manquant")
    step = rights.change_status(step.id, step.version, S.FILED)
    obtained = replace(step.draft, outcome_on=date(2026, 3, 11), expires_on=date(2027, 3, 11))
    step = rights.change_status(step.id, step.version, S.OBTAINED, "Droits ouverts", None, obtained)

    assert step.status is S.OBTAINED and step.closed
    assert step.status_at == NOW
    assert step.draft.expires_on == date(2027, 3, 11)
    assert [(u.previous, u.status) for u in step.history] == [
        (None, S.TO_START),
        (S.TO_START, S.IN_PROGRESS),
        (S.IN_PROGRESS, S.FILED),
        (S.FILED, S.MISSING_DOCUMENTS),
        (S.MISSING_DOCUMENTS, S.FILED),
        (S.FILED, S.OBTAINED),
    ]
    assert step.history[2].actor is Actor.PARTNER
    assert {u.author for u in step.history} == {"Diane DIRECTRICE"}
    # The step row is the projection of the last update.
    with services.factory.reader() as uow:
        stored = uow.session.execute(
            text("SELECT status, closed FROM rights_step WHERE id = :i"), {"i": step.id}
        ).one()
    assert stored[0] == "obtenu" and bool(stored[1]) is True

    # A closed step moves no more: renewing the right is a new step.
    with pytest.raises(InvalidInput) as raised:
        rights.change_status(step.id, step.version, S.IN_PROGRESS)
    assert "nouvelle démarche" in errors_of(raised)["status"]


def test_each_change_is_audited_with_its_person_summary_and_diff(
    services: Services, world: dict[str, int]
) -> None:
    rights = services.rights
    step = rights.open_step(world["martin"], step_draft(partner_id=world["cpam"]))
    step = rights.change_status(step.id, step.version, S.IN_PROGRESS, "Appel à la CPAM")
    step = rights.add_note(step.id, step.version, "Rendez-vous pris le 18/03")
    rights.update_step(step.id, step.version, replace(step.draft, follow_up_on=date(2026, 3, 25)))

    entries = audit_of(services, step.id)  # newest first
    assert [e.action for e in entries] == [
        AuditAction.UPDATE,
        AuditAction.UPDATE,
        AuditAction.UPDATE,
        AuditAction.CREATE,
    ]
    assert {e.person_id for e in entries} == {world["martin"]}
    created = entries[-1]
    assert created.summary.startswith("Complémentaire santé solidaire (C2S)")
    assert {c.field: c.new for c in created.changes}["partner_id"] == "CPAM de la Gironde"
    moved = entries[2]
    assert "À engager → En cours" in moved.summary
    assert {(c.field, c.old, c.new) for c in moved.changes} == {
        ("status", "À engager", "En cours"),
        ("note", None, "Appel à la CPAM"),
    }
    assert "note ajoutée" in entries[1].summary
    assert [(c.field, c.old, c.new) for c in entries[0].changes] == [
        ("follow_up_on", "2026-03-20", "2026-03-25")
    ]
    # The file's own history shows them too.
    assert {e.object_type for e in services.persons.history(world["martin"])} >= {"rights_step"}


def test_a_note_keeps_the_status_and_the_form_alone_writes_no_history(
    services: Services, world: dict[str, int]
) -> None:
    rights = services.rights
    step = rights.open_step(world["martin"], step_draft())
    noted = rights.add_note(step.id, step.version, "  Message laissé au standard  ", Actor.PARTNER)
    assert noted.status is S.TO_START and noted.version > step.version
    last = noted.history[-1]
    assert (last.previous, last.status, last.note, last.actor) == (
        S.TO_START,
        S.TO_START,
        "Message laissé au standard",
        Actor.PARTNER,
    )
    assert not last.is_status_change
    edited = rights.update_step(noted.id, noted.version, replace(noted.draft, notes="À relancer"))
    assert len(edited.history) == 2 and edited.draft.notes == "À relancer"
    with pytest.raises(InvalidInput, match="Écrivez la note"):
        rights.add_note(edited.id, edited.version, "   ")
    with pytest.raises(InvalidInput, match="nouveau statut ou écrivez une note"):
        rights.change_status(edited.id, edited.version, S.TO_START)


def test_an_appeal_starts_afresh_from_a_refusal(services: Services, world: dict[str, int]) -> None:
    rights = services.rights
    step = rights.open_step(world["martin"], step_draft())
    for status in (S.IN_PROGRESS, S.FILED):
        step = rights.change_status(step.id, step.version, status)
    refused = replace(step.draft, outcome_on=date(2026, 3, 10))
    step = rights.change_status(
        step.id, step.version, S.REFUSED, "Ressources trop élevées", None, refused
    )
    assert step.closed
    step = rights.change_status(step.id, step.version, S.APPEAL, "Recours gracieux envoyé")
    assert step.status is S.APPEAL and not step.closed
    assert step.draft.outcome_on is None
    won = replace(step.draft, outcome_on=date(2026, 3, 12), expires_on=date(2027, 3, 12))
    step = rights.change_status(step.id, step.version, S.OBTAINED, "", None, won)
    assert [u.status for u in step.history][-3:] == [S.REFUSED, S.APPEAL, S.OBTAINED]


# -- what is refused, in French ----------------------------------------------------------------


def test_a_transition_outside_the_table_is_refused_naming_the_allowed_ones(
    services: Services, world: dict[str, int]
) -> None:
    step = services.rights.open_step(world["martin"], step_draft())
    with pytest.raises(InvalidInput) as raised:
        services.rights.change_status(step.id, step.version, S.OBTAINED, "Trop vite")
    assert errors_of(raised)["status"] == (
        "Une démarche « à engager » ne peut pas passer à « obtenu ». Statuts possibles : "
        "« en cours », « abandonné » ou « sans objet »."
    )
    unchanged = services.rights.get_step(step.id)
    assert (unchanged.version, len(unchanged.history)) == (step.version, 1)


@pytest.mark.parametrize(
    ("changes", "field", "words"),
    [
        ({"follow_up_on": date(2026, 3, 1)}, "follow_up_on", "ne peut pas précéder l'ouverture"),
        ({"kind": StepKind.OTHER, "other_label": "  "}, "other_label", "« autre »"),
        ({"handled_by": Actor.PARTNER, "partner_id": None}, "partner_id", "partenaire"),
        ({"opened_on": date(2026, 3, 13)}, "opened_on", "futur"),
        ({"kind": StepKind.POLE_EMPLOI}, "kind", "France Travail depuis le 1er janvier 2024"),
        ({"partner_contact": "Mme\x00Roux"}, "partner_contact", "invisible"),
        ({"agent_id": 9999}, "agent_id", "n'existe plus"),
        ({"partner_id": 9999}, "partner_id", "n'existe plus"),
    ],
)
def test_bad_input_is_refused_with_a_clear_sentence(
    services: Services, world: dict[str, int], changes: dict[str, Any], field: str, words: str
) -> None:
    with pytest.raises(InvalidInput) as raised:
        services.rights.open_step(world["martin"], step_draft(**changes))
    assert words in errors_of(raised)[field]
    assert services.rights.person_steps(world["martin"]) == ()


def test_an_expiry_before_the_outcome_is_refused(services: Services, world: dict[str, int]) -> None:
    rights = services.rights
    step = rights.open_step(world["martin"], step_draft())
    for status in (S.IN_PROGRESS, S.FILED):
        step = rights.change_status(step.id, step.version, status)
    early = replace(step.draft, outcome_on=date(2026, 3, 10), expires_on=date(2026, 3, 1))
    with pytest.raises(InvalidInput) as raised:
        rights.change_status(step.id, step.version, S.OBTAINED, "", None, early)
    assert errors_of(raised)["expires_on"] == (
        "L'échéance du droit (01/03/2026) doit suivre la date d'obtention (10/03/2026)."
    )
    missing = replace(step.draft, outcome_on=None)
    with pytest.raises(InvalidInput, match="date à laquelle le droit a été obtenu"):
        rights.change_status(step.id, step.version, S.OBTAINED, "", None, missing)
    assert rights.get_step(step.id).status is S.FILED


def test_an_archived_partner_is_refused_for_a_new_choice_only(
    services: Services, world: dict[str, int]
) -> None:
    old = add_partner(services, "Association fermée")
    step = services.rights.open_step(world["martin"], step_draft(partner_id=old))
    with services.factory() as uow:
        uow.session.execute(
            text("UPDATE partner SET active = :f WHERE id = :i"), {"f": False, "i": old}
        )
        uow.commit()
    # The step keeps its partner through later changes...
    step = services.rights.change_status(step.id, step.version, S.IN_PROGRESS)
    assert step.draft.partner_id == old
    # ...but nobody picks it again.
    with pytest.raises(InvalidInput, match="« Association fermée » est archivé"):
        services.rights.open_step(world["durand"], step_draft(partner_id=old))


def test_an_old_pole_emploi_step_stays_readable_and_editable(
    services: Services, world: dict[str, int]
) -> None:
    with services.factory() as uow:
        step_id = uow.rights.add(
            world["martin"],
            step_draft(kind=StepKind.POLE_EMPLOI, opened_on=date(2023, 11, 6), follow_up_on=None),
            datetime(2023, 11, 6, 10, 0),
            "ancien",
            "Agent d'avant",
        )
        uow.commit()
    step = services.rights.get_step(step_id)
    assert step.draft.kind is StepKind.POLE_EMPLOI
    assert "Pôle emploi" in step.title
    moved = services.rights.change_status(step_id, step.version, S.IN_PROGRESS, "Repris en 2026")
    assert moved.draft.kind is StepKind.POLE_EMPLOI
    found = services.rights.list_steps(StepQuery(domain=RightsDomain.EMPLOYMENT))
    assert [line.step.id for line in found] == [step_id]


def test_a_stale_version_is_a_conflict_that_says_who_and_keeps_nothing(
    services: Services, world: dict[str, int]
) -> None:
    rights = services.rights
    step = rights.open_step(world["martin"], step_draft())
    rights.change_status(step.id, step.version, S.IN_PROGRESS, "Par un collègue")
    with pytest.raises(EditConflict) as raised:
        rights.change_status(step.id, step.version, S.ABANDONED, "Trop tard")
    conflict = raised.value
    assert conflict.message.startswith("Cette démarche a été modifiée par Diane DIRECTRICE le ")
    assert "Vos saisies sont conservées" in conflict.message
    assert conflict.current.status is S.IN_PROGRESS
    with pytest.raises(EditConflict):
        rights.update_step(step.id, step.version, replace(step.draft, notes="Écrasé ?"))
    with pytest.raises(EditConflict):
        rights.add_note(step.id, step.version, "Écrasé ?")
    current = rights.get_step(step.id)
    assert current.draft.notes == "" and len(current.history) == 2


def test_a_step_of_a_purged_file_is_gone(services: Services, world: dict[str, int]) -> None:
    with pytest.raises(NotFound, match="n'existe plus"):
        services.rights.get_step(12345)
    with pytest.raises(NotFound, match="dossier n'existe plus"):
        services.rights.open_step(98765, step_draft())


# -- the history is append-only ----------------------------------------------------------------


def test_the_database_refuses_to_change_an_update(
    services: Services, world: dict[str, int]
) -> None:
    step = services.rights.open_step(world["martin"], step_draft(), "Note d'origine")
    with (
        pytest.raises(DBAPIError, match="append-only table: rights_step_update"),
        services.engine.begin() as connection,
    ):
        connection.execute(text("UPDATE rights_step_update SET note = 'Réécrite'"))
    assert services.rights.get_step(step.id).history[0].note == "Note d'origine"


@pytest.fixture
def statements(services: Services) -> Iterator[list[str]]:
    seen: list[str] = []

    def record(*args: Any) -> None:
        seen.append(str(args[2]).upper())

    event.listen(services.engine, "before_cursor_execute", record)
    yield seen
    event.remove(services.engine, "before_cursor_execute", record)


def test_the_repository_only_ever_inserts_history_rows(
    services: Services, world: dict[str, int], statements: list[str]
) -> None:
    rights = services.rights
    step = rights.open_step(world["martin"], step_draft(), "Ouverture")
    step = rights.change_status(step.id, step.version, S.IN_PROGRESS, "En route")
    step = rights.add_note(step.id, step.version, "Note")
    step = rights.update_step(step.id, step.version, replace(step.draft, notes="Observations"))
    touching = [s for s in statements if "RIGHTS_STEP_UPDATE" in s and not s.startswith("SELECT")]
    assert touching and all(s.startswith("INSERT INTO RIGHTS_STEP_UPDATE") for s in touching)
    # Nothing in the repository's interface changes or removes a history row.
    public = {name for name in vars(RightsRepository) if not name.startswith("_")}
    assert not {n for n in public if any(w in n for w in ("delete", "remove", "edit", "history_"))}
    assert public >= {"add", "update", "add_update", "history"}


# -- who may do what ----------------------------------------------------------------------------


def test_a_cpip_follows_the_steps_of_their_caseload_only(
    services: Services, world: dict[str, int], reference: Reference
) -> None:
    own = services.rights.open_step(world["martin"], step_draft())
    other = services.rights.open_step(world["zola"], step_draft())
    sign_in_as(services, Role.CPIP, agent_id=reference.cpip.id)
    rights = services.rights
    assert rights.may_follow(reference.cpip.id) and not rights.may_follow(reference.cpip2.id)
    opened = rights.open_step(world["durand"], step_draft(kind=StepKind.RSA))
    assert opened.status is S.TO_START
    with pytest.raises(PermissionDenied) as raised:
        rights.open_step(world["zola"], step_draft())
    assert raised.value.message.startswith(CASELOAD_SENTENCE)
    with pytest.raises(PermissionDenied, match=CASELOAD_SENTENCE):
        rights.change_status(other.id, other.version, S.IN_PROGRESS)
    with pytest.raises(PermissionDenied, match=CASELOAD_SENTENCE):
        rights.get_step(other.id)
    with pytest.raises(PermissionDenied, match=CASELOAD_SENTENCE):
        rights.person_steps(world["zola"])
    # The service-wide view keeps the caseload's steps, whatever the filter asks.
    assert {line.step.id for line in rights.list_steps(StepQuery())} == {own.id, opened.id}
    assert rights.count_steps(StepQuery()) == 2
    assert rights.list_steps(StepQuery(referent_id=reference.cpip2.id)) == ()
    assert rights.count_steps(StepQuery(referent_id=reference.cpip2.id)) == 0


def test_the_ass_follows_every_step_and_the_secretariat_none(
    services: Services, world: dict[str, int], reference: Reference
) -> None:
    step = services.rights.open_step(world["zola"], step_draft())
    sign_in_as(services, Role.ASS)
    assert services.rights.may_follow(reference.cpip2.id)
    moved = services.rights.change_status(step.id, step.version, S.IN_PROGRESS)
    assert moved.history[-1].author == "Test"
    assert services.rights.count_steps(StepQuery()) == 1
    sign_in_as(services, Role.SECRETARIAT)
    assert not services.rights.may_follow(reference.cpip2.id)
    with pytest.raises(PermissionDenied):
        services.rights.list_steps(StepQuery())
    with pytest.raises(PermissionDenied):
        services.rights.person_steps(world["zola"])


def test_a_reader_of_the_whole_file_reads_the_steps_without_following_them(
    services: Services, world: dict[str, int], monkeypatch: pytest.MonkeyPatch
) -> None:
    step = services.rights.open_step(world["zola"], step_draft(), "Ouverture")
    # No role reads whole files without following steps today: give the secretariat one.
    monkeypatch.setitem(PERMISSIONS[Role.SECRETARIAT], Permission.PERSON_DETAILS, Scope.SERVICE)
    sign_in_as(services, Role.SECRETARIAT)
    assert [s.id for s in services.rights.person_steps(world["zola"])] == [step.id]
    assert services.rights.get_step(step.id).history[0].note == "Ouverture"
    assert not services.rights.may_follow(None)
    with pytest.raises(PermissionDenied):
        services.rights.add_note(step.id, step.version, "Non")


# -- the service-wide view ----------------------------------------------------------------------


@pytest.fixture
def many(services: Services, world: dict[str, int], reference: Reference) -> dict[str, int]:
    """Steps across people, partners, agents and statuses."""
    rights = services.rights
    made: dict[str, int] = {}

    def make(name: str, person: str, statuses: tuple[StepStatus, ...] = (), **changes: Any) -> None:
        step = rights.open_step(world[person], step_draft(**changes))
        for status in statuses:
            draft = None
            if status in (S.OBTAINED, S.REFUSED):
                draft = replace(step.draft, outcome_on=date(2026, 3, 11))
            step = rights.change_status(step.id, step.version, status, "", None, draft)
        made[name] = step.id

    make(
        "late", "martin", (S.IN_PROGRESS,), follow_up_on=date(2026, 3, 5), partner_id=world["cpam"]
    )
    make("today", "martin", (), follow_up_on=TODAY, kind=StepKind.RSA, partner_id=world["caf"])
    make("undated", "durand", (), follow_up_on=None, kind=StepKind.CNI)
    make(
        "soon",
        "zola",
        (S.IN_PROGRESS, S.FILED),
        follow_up_on=date(2026, 3, 15),
        agent_id=reference.cpip2.id,
        kind=StepKind.APL,
        partner_id=world["caf"],
    )
    make("won", "zola", (S.IN_PROGRESS, S.FILED, S.OBTAINED), follow_up_on=date(2026, 3, 3))
    make(
        "dropped",
        "durand",
        (S.ABANDONED,),
        follow_up_on=date(2026, 3, 4),
        agent_id=reference.cpip.id,
        kind=StepKind.FRANCE_TRAVAIL,
    )
    return made


def ids(services: Services, **query: Any) -> list[int]:
    return [line.step.id for line in services.rights.list_steps(StepQuery(**query))]


def test_the_default_view_lists_open_steps_next_follow_up_first(
    services: Services, many: dict[str, int]
) -> None:
    expected = [many[k] for k in ("late", "today", "soon", "undated")]
    assert ids(services) == expected
    assert services.rights.count_steps(StepQuery()) == 4
    # Undated steps come last whichever the direction.
    assert ids(services, descending=True) == [many[k] for k in ("soon", "today", "late", "undated")]
    # With the closed ones: the open steps first, then the closed ones, each by follow-up.
    everything = ids(services, open_only=False)
    assert everything == [many[k] for k in ("late", "today", "soon", "undated", "won", "dropped")]


@pytest.mark.parametrize("sort", list(StepSort), ids=lambda s: s.value)
@pytest.mark.parametrize("descending", [False, True], ids=["asc", "desc"])
@pytest.mark.parametrize("open_only", [True, False], ids=["open", "all"])
def test_pages_follow_each_other_without_gap_or_repeat(
    services: Services, many: dict[str, int], sort: StepSort, descending: bool, open_only: bool
) -> None:
    query = StepQuery(sort=sort, descending=descending, open_only=open_only)
    whole = [line.step.id for line in services.rights.list_steps(query)]
    assert len(whole) == services.rights.count_steps(query) == (4 if open_only else 6)
    for size in (1, 2, 4):
        paged: list[int] = []
        for offset in range(0, 8, size):
            paged += [line.step.id for line in services.rights.list_steps(query, offset, size)]
        assert paged == whole, size


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ({"status": S.IN_PROGRESS}, ["late"]),
        ({"status": S.OBTAINED}, ["won"]),
        ({"domain": RightsDomain.CAF}, ["today", "soon"]),
        ({"domain": RightsDomain.CAF, "status": S.FILED}, ["soon"]),
        ({"partner_id": "caf"}, ["today", "soon"]),
        ({"partner_id": "caf", "open_only": False}, ["today", "soon"]),
        ({"referent_id": "cpip2", "open_only": False}, ["soon", "won"]),
        ({"agent_id": "cpip2"}, ["soon"]),
        ({"agent_id": "cpip", "open_only": False}, ["dropped"]),
        ({"antenne_id": "antenne"}, ["late", "today", "soon", "undated"]),
        ({"overdue": True}, ["late"]),
        ({"overdue": True, "open_only": False}, ["late"]),
        ({"domain": RightsDomain.EMPLOYMENT}, []),
    ],
)
def test_filters_combine(
    services: Services,
    many: dict[str, int],
    world: dict[str, int],
    reference: Reference,
    query: dict[str, Any],
    expected: list[str],
) -> None:
    known = {
        **world,
        "cpip": reference.cpip.id,
        "cpip2": reference.cpip2.id,
        "antenne": reference.antenne.id,
    }
    resolved = {k: known[v] if type(v) is str else v for k, v in query.items()}
    assert ids(services, **resolved) == [many[name] for name in expected]
    assert services.rights.count_steps(StepQuery(**resolved)) == len(expected)


def test_each_sort_orders_the_view(services: Services, many: dict[str, int]) -> None:
    by_person = ids(services, sort=StepSort.PERSON)
    names = [
        line.person_name for line in services.rights.list_steps(StepQuery(sort=StepSort.PERSON))
    ]
    assert names == sorted(names) and len(by_person) == 4
    by_status = [
        line.step.status
        for line in services.rights.list_steps(StepQuery(sort=StepSort.STATUS, open_only=False))
    ]
    order = list(StepStatus)
    assert by_status == sorted(by_status, key=order.index)
    assert ids(services, sort=StepSort.OPENED) == sorted(ids(services))
    updated = ids(services, sort=StepSort.UPDATED, descending=True)
    assert set(updated) == set(ids(services))


def test_a_line_names_the_person_the_referent_the_partner_and_the_agent(
    services: Services, many: dict[str, int], reference: Reference
) -> None:
    line = next(x for x in services.rights.list_steps(StepQuery()) if x.step.id == many["soon"])
    assert (line.person_name, line.file_number) == ("ZOLA Hélène", "2026-000103")
    assert line.referent_name == "Anne ZOLA"
    assert line.agent_name == "Anne ZOLA"
    assert line.partner_name == "CAF de la Gironde"
    assert line.step.status is S.FILED and line.step.history == ()
    assert line.step.overdue(TODAY) is False
    assert line.step.overdue(TODAY + timedelta(days=10)) is True


@pytest.mark.parametrize("domain", [RightsDomain.HEALTH, RightsDomain.DISABILITY])
def test_health_domains_never_select_people(
    services: Services, world: dict[str, int], domain: RightsDomain
) -> None:
    """Code pénitentiaire R113-51: no selection of people by health data."""
    for ask in (services.rights.list_steps, services.rights.count_steps):
        with pytest.raises(SpipError) as refused:
            ask(StepQuery(domain=domain))
        assert "R113-51" in refused.value.message
