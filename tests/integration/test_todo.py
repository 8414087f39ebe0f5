"""*À traiter* on a real database: each alert shows from the first day of its window and
not the day before, leaves once done, closed or its outcome recorded; scopes, caps and
counts, permissions.

People, measures and stages go through their services; rights steps, journal entries,
partners and conventions are written as rows (their services are separate work).
The list is asked on any day through a clock the test moves.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

import pytest
from sqlalchemy import func, select, update

from spip_desktop.bootstrap import Services
from spip_desktop.db import models as m
from spip_desktop.domain.enums import MeasureType, ObligationType, Regime
from spip_desktop.domain.errors import PermissionDenied, SpipError
from spip_desktop.domain.journal import EntryKind, Outcome
from spip_desktop.domain.model import Antenne, MeasureDraft, ObligationDraft, PersonDraft
from spip_desktop.domain.partners import (
    ConventionLevel,
    ConventionStatus,
    Milieu,
    PartnerKind,
)
from spip_desktop.domain.rights import Actor, StepKind, StepStatus
from spip_desktop.domain.security import Role, User
from spip_desktop.domain.stages import (
    AttendanceChange,
    AttendanceCode,
    Cadre,
    EndKind,
    EnrolmentDraft,
    SessionDraft,
    Stage,
    StageDraft,
)
from spip_desktop.domain.timeline import FileTab
from spip_desktop.domain.todo import TodoItem, TodoKind, TodoList, TodoScope
from spip_desktop.services import todo as todo_module
from spip_desktop.services.todo import (
    NO_AGENT,
    OTHER_AGENT_REFUSED,
    WIDE_REFUSED,
    TodoService,
    sas_eligible_since,
)
from tests.conftest import MANAGER, TODAY, Reference, person_draft, sign_in_as

K = TodoKind


class Clock:
    """The day (and time) the list is asked on."""

    def __init__(self) -> None:
        self.day = TODAY
        self.at = time(12, 0)

    def today(self) -> date:
        return self.day

    def now(self) -> datetime:
        return datetime.combine(self.day, self.at)


@dataclass
class World:
    services: Services
    ref: Reference
    antenne2: Antenne
    clock: Clock
    todo: TodoService
    numbers: Iterator[int]

    # -- asking ---------------------------------------------------------------------------
    def ask(self, day: date, scope: TodoScope | None = None, at: time = time(12, 0)) -> TodoList:
        self.clock.day, self.clock.at = day, at
        return self.todo.todo(scope or TodoScope.mine(self.ref.cpip.id))

    def lines(
        self, kind: TodoKind, day: date, scope: TodoScope | None = None, at: time = time(12, 0)
    ) -> tuple[TodoItem, ...]:
        return self.ask(day, scope, at).of(kind)

    def sign_in_cpip(self, agent_id: int | None = None) -> User:
        return sign_in_as(self.services, Role.CPIP, agent_id=agent_id or self.ref.cpip.id)

    # -- data -----------------------------------------------------------------------------
    def person(self, surname: str = "Dupont", **changes: object) -> int:
        values: dict[str, object] = {
            "surname": surname,
            "file_number": f"2026-{next(self.numbers):06d}",
            "referent_id": self.ref.cpip.id,
            "antenne_id": self.ref.antenne.id,
        }
        values.update(changes)
        draft: PersonDraft = person_draft(**values)
        return self.services.persons.create(draft).person.id

    def measure(self, person_id: int, **values: object) -> int:
        draft = MeasureDraft(**{"decision_date": date(2025, 1, 10), **values})  # type: ignore[arg-type]
        file = self.services.persons.add_measure(person_id, draft)
        return max(x.id for x in file.measures)

    def add(self, *rows: m.Base) -> list[int]:
        with self.services.factory() as uow:
            uow.session.add_all(rows)
            uow.session.flush()
            ids = [int(getattr(r, "id", 0) or 0) for r in rows]
            uow.commit()
        return ids

    def change(self, model: type[m.Base], row_id: int, **values: object) -> None:
        with self.services.factory() as uow:
            uow.session.execute(update(model).where(model.id == row_id).values(**values))  # type: ignore[attr-defined]
            uow.commit()

    def step(self, person_id: int, **values: object) -> int:
        fields: dict[str, object] = {
            "person_id": person_id,
            "kind": StepKind.FRANCE_TRAVAIL,
            "handled_by": Actor.SPIP,
            "opened_on": date(2026, 1, 5),
            "status": StepStatus.IN_PROGRESS,
            "status_at": datetime(2026, 1, 5, 10, 0),
            "closed": False,
        }
        fields.update(values)
        return self.add(m.RightsStepRow(**fields))[0]

    def appointment(self, person_id: int, day: date, **values: object) -> int:
        fields: dict[str, object] = {
            "person_id": person_id,
            "kind": EntryKind.INTERVIEW,
            "day": day,
            "at": time(14, 30),
            "subject": "Point sur l'emploi",
            "agent_id": self.ref.cpip.id,
        }
        fields.update(values)
        return self.add(m.JournalEntryRow(**fields))[0]

    def partner(self, name: str = "CAF de la Gironde", **values: object) -> int:
        fields: dict[str, object] = {
            "name": name,
            "kind": PartnerKind.INSTITUTION,
            "sort_key": name.lower(),
            "referent_id": self.ref.cpip.id,
        }
        fields.update(values)
        return self.add(m.PartnerRow(**fields))[0]

    def convention(self, partner_id: int, expires_on: date, **values: object) -> int:
        fields: dict[str, object] = {
            "partner_id": partner_id,
            "level": ConventionLevel.LOCAL,
            "title": "Convention d'accès aux droits",
            "milieu": Milieu.BOTH,
            "signed_on": date(2023, 6, 1),
            "expires_on": expires_on,
            "status": ConventionStatus.SIGNED,
        }
        fields.update(values)
        return self.add(m.ConventionRow(**fields))[0]

    def stage(
        self,
        *days: date,
        start: time = time(9),
        end: time = time(12),
        required_minutes: int | None = None,
    ) -> Stage:
        citizenship = next(
            t for t in self.services.stages.catalogue() if t.name == "Stage de citoyenneté"
        )
        return self.services.stages.save_stage(
            None,
            0,
            StageDraft(
                type_id=citizenship.id,
                title="Session de mars",
                sessions=tuple(SessionDraft(d, start, end) for d in days),
                required_minutes=required_minutes,
            ),
        )

    def enrol(self, stage: Stage, person_id: int, final_date: date | None = None) -> int:
        cadre = Cadre.PEINE if final_date else Cadre.ACCOMPAGNEMENT
        enrolment = self.services.stages.enrol(
            EnrolmentDraft(stage.id, person_id, cadre, "TC 25/123", final_date)
        )
        return enrolment.id

    def attend(self, stage: Stage, enrolment_id: int, code: AttendanceCode) -> None:
        sheet = self.services.stages.attendance_sheet(stage.id)
        self.services.stages.save_attendance(
            stage.id,
            [
                AttendanceChange(
                    enrolment_id,
                    s.id,
                    code,
                    replaces_id=(r.id if (r := sheet.record(enrolment_id, s.id)) else None),
                )
                for s in stage.sessions
            ],
        )


@pytest.fixture
def world(services: Services, reference: Reference) -> World:
    antenne2 = services.reference.save_antenne(Antenne(None, "Antenne de Libourne", "LIB"))
    clock = Clock()
    todo = TodoService(services.factory, clock.today, services.session, clock.now)
    numbers = iter(range(1, 10_000))
    return World(services, reference, antenne2, clock, todo, numbers)


def ids(lines: tuple[TodoItem, ...]) -> list[int | None]:
    return [line.ref_id for line in lines]


def person_ids(lines: tuple[TodoItem, ...]) -> list[int | None]:
    return [line.person_id for line in lines]


D = timedelta(days=1)


# -- each kind: the first day of its window ----------------------------------------------


def test_a_follow_up_shows_on_its_day_stays_overdue_and_leaves_when_the_step_closes(
    world: World,
) -> None:
    person = world.person("Lefèvre", given_names="Élodie")
    due = date(2026, 3, 20)
    step = world.step(person, follow_up_on=due)
    world.sign_in_cpip()

    assert world.lines(K.FOLLOW_UP, due - D) == ()
    (line,) = world.lines(K.FOLLOW_UP, due)
    assert (line.person_id, line.ref_id, line.tab, line.due) == (
        person,
        step,
        FileTab.RIGHTS,
        due,
    )
    assert line.person_name == "LEFÈVRE Élodie"
    assert line.referent_name == "Élodie LEFÈVRE"  # the CPIP of the reference data
    assert "Inscription à France Travail" in line.title
    assert not line.overdue
    (late,) = world.lines(K.FOLLOW_UP, due + 3 * D)
    assert late.overdue

    world.change(m.RightsStepRow, step, status=StepStatus.OBTAINED, closed=True)
    assert world.lines(K.FOLLOW_UP, due + 3 * D) == ()


def test_a_right_expiring_shows_30_days_before_and_until_its_last_day(world: World) -> None:
    person = world.person()
    expires = date(2026, 4, 20)
    step = world.step(
        person,
        kind=StepKind.C2S,
        status=StepStatus.OBTAINED,
        closed=True,
        outcome_on=date(2025, 4, 20),
        expires_on=expires,
    )
    world.step(
        person, kind=StepKind.AME, status=StepStatus.REFUSED, closed=True, expires_on=expires
    )
    world.sign_in_cpip()
    first = expires - 30 * D

    assert world.lines(K.RIGHT_EXPIRY, first - D) == ()
    assert ids(world.lines(K.RIGHT_EXPIRY, first)) == [step]
    (line,) = world.lines(K.RIGHT_EXPIRY, expires)
    assert "Complémentaire santé solidaire" in line.title
    assert "20/04/2026" in line.detail
    assert world.lines(K.RIGHT_EXPIRY, expires + D) == ()


def test_a_stage_deadline_shows_30_days_before_until_the_stage_is_validated(
    world: World,
) -> None:
    person = world.person("Martin")
    final = date(2025, 10, 1)  # deadline: 1 April 2026
    world.measure(person, measure_type=MeasureType.PEINE_DE_STAGE, final_date=final)
    world.sign_in_cpip()
    deadline = date(2026, 4, 1)
    first = deadline - 30 * D

    assert world.lines(K.STAGE_DEADLINE, first - D) == ()
    (line,) = world.lines(K.STAGE_DEADLINE, first)
    assert (line.due, line.tab, line.overdue) == (deadline, FileTab.STAGES, False)
    assert "pas encore inscrit" in line.detail

    world.services.session.user = MANAGER
    stage = world.stage(date(2026, 3, 9), date(2026, 3, 10))
    enrolment = world.enrol(stage, person, final)
    world.sign_in_cpip()
    (line,) = world.lines(K.STAGE_DEADLINE, date(2026, 3, 5))
    assert "inscrit au stage du 09/03/2026" in line.detail
    assert line.ref_id == enrolment
    # over, attendance incomplete: not done
    (line,) = world.lines(K.STAGE_DEADLINE, date(2026, 3, 12))
    assert "présences à compléter" in line.detail

    world.services.session.user = MANAGER
    world.attend(stage, enrolment, AttendanceCode.PRESENT)
    world.sign_in_cpip()
    assert world.lines(K.STAGE_DEADLINE, date(2026, 3, 12)) == ()
    assert world.lines(K.STAGE_DEADLINE, deadline + 10 * D) == ()


def test_an_overdue_stage_stays_until_done_and_a_failed_one_says_so(world: World) -> None:
    person = world.person()
    # an obligation to do a stage, conviction final on 15 June 2025: deadline 15/12/2025
    world.measure(
        person,
        measure_type=MeasureType.SURSIS_PROBATOIRE,
        final_date=date(2025, 6, 15),
        obligations=(ObligationDraft(ObligationType.STAGE),),
    )
    world.measure(world.person(), measure_type=MeasureType.TIG, final_date=date(2025, 6, 15))
    stage = world.stage(date(2026, 3, 2), date(2026, 3, 3))
    enrolment = world.enrol(stage, person, date(2025, 6, 15))
    world.attend(stage, enrolment, AttendanceCode.UNEXCUSED)
    world.sign_in_cpip()

    (line,) = world.lines(K.STAGE_DEADLINE, TODAY)
    assert line.overdue and line.due == date(2025, 12, 15)
    assert line.person_id == person
    assert line.title == "Stage à accomplir (Sursis probatoire)"
    assert "stage du 02/03/2026 non validé" in line.detail


def test_a_stage_attested_as_validated_is_done(world: World) -> None:
    person = world.person()
    final = date(2025, 10, 1)
    world.measure(person, measure_type=MeasureType.PEINE_DE_STAGE, final_date=final)
    stage = world.stage(date(2026, 3, 2), date(2026, 3, 3))
    enrolment = world.enrol(stage, person, final)
    world.attend(stage, enrolment, AttendanceCode.PRESENT)
    world.services.stages.issue_attestation(enrolment)
    world.sign_in_cpip()
    assert world.lines(K.STAGE_DEADLINE, date(2026, 3, 12)) == ()


def test_a_stage_validated_despite_an_absence_is_done(world: World) -> None:
    """Not every session attended: the computed status decides (enough hours here)."""
    person = world.person()
    final = date(2025, 10, 1)
    world.measure(person, measure_type=MeasureType.PEINE_DE_STAGE, final_date=final)
    stage = world.stage(date(2026, 3, 2), date(2026, 3, 3), required_minutes=180)
    enrolment = world.enrol(stage, person, final)
    first, second = stage.sessions
    world.services.stages.save_attendance(
        stage.id,
        [
            AttendanceChange(enrolment, first.id, AttendanceCode.PRESENT),
            AttendanceChange(enrolment, second.id, AttendanceCode.UNEXCUSED),
        ],
    )
    world.sign_in_cpip()
    assert world.lines(K.STAGE_DEADLINE, date(2026, 3, 12)) == ()


def test_a_corrected_attendance_counts_as_corrected(world: World) -> None:
    """All present at first, one absence after correction: not done any more."""
    person = world.person()
    final = date(2025, 10, 1)
    world.measure(person, measure_type=MeasureType.PEINE_DE_STAGE, final_date=final)
    stage = world.stage(date(2026, 3, 2), date(2026, 3, 3))
    enrolment = world.enrol(stage, person, final)
    world.attend(stage, enrolment, AttendanceCode.PRESENT)
    world.sign_in_cpip()
    assert world.lines(K.STAGE_DEADLINE, date(2026, 3, 12)) == ()
    world.services.session.user = MANAGER
    sheet = world.services.stages.attendance_sheet(stage.id)
    second = stage.sessions[1]
    current = sheet.record(enrolment, second.id)
    assert current is not None
    world.services.stages.save_attendance(
        stage.id,
        [AttendanceChange(enrolment, second.id, AttendanceCode.UNEXCUSED, replaces_id=current.id)],
    )
    world.sign_in_cpip()
    (line,) = world.lines(K.STAGE_DEADLINE, date(2026, 3, 12))
    assert "non validé" in line.detail


def test_a_measure_over_asks_for_no_stage_any_more(world: World) -> None:
    person = world.person()
    world.measure(
        person,
        measure_type=MeasureType.SURSIS_PROBATOIRE,
        decision_date=date(2024, 1, 5),
        final_date=date(2024, 1, 15),
        probation_start=date(2024, 2, 1),
        probation_end=date(2026, 2, 1),
        obligations=(ObligationDraft(ObligationType.STAGE),),
    )
    world.sign_in_cpip()
    assert world.lines(K.STAGE_DEADLINE, date(2026, 1, 31))[0].overdue
    assert world.lines(K.STAGE_DEADLINE, date(2026, 2, 2)) == ()


def test_an_enrolment_for_an_earlier_conviction_does_not_count(world: World) -> None:
    person = world.person()
    world.measure(person, measure_type=MeasureType.PEINE_DE_STAGE, final_date=date(2025, 10, 1))
    stage = world.stage(date(2026, 3, 2), date(2026, 3, 3))
    enrolment = world.enrol(stage, person, date(2024, 1, 10))  # an earlier conviction
    world.attend(stage, enrolment, AttendanceCode.PRESENT)  # validated, but for that one
    world.sign_in_cpip()

    (line,) = world.lines(K.STAGE_DEADLINE, date(2026, 3, 12))
    assert "pas encore inscrit" in line.detail


def test_sessions_with_missing_attendance_show_once_started_for_7_days(world: World) -> None:
    mine, other, gone = world.person("Mine"), world.person("Autre"), world.person("Parti")
    session_day = date(2026, 3, 10)
    stage = world.stage(session_day)
    enrolments = {p: world.enrol(stage, p) for p in (mine, other, gone)}
    world.services.stages.end_enrolment(
        enrolments[gone], 1, EndKind.ABANDON, date(2026, 3, 9), "Déménagement"
    )
    world.sign_in_cpip()

    assert world.lines(K.ATTENDANCE, session_day - D) == ()
    assert world.lines(K.ATTENDANCE, session_day, at=time(8, 59)) == ()
    (line,) = world.lines(K.ATTENDANCE, session_day, at=time(9, 0))
    assert (line.stage_id, line.ref_id, line.person_id, line.tab) == (
        stage.id,
        stage.sessions[0].id,
        None,
        None,
    )
    assert "2 présences à saisir sur 2 inscrits" in line.detail  # not the one who left
    assert not line.overdue
    assert world.lines(K.ATTENDANCE, session_day + 7 * D)[0].overdue
    assert world.lines(K.ATTENDANCE, session_day + 8 * D) == ()

    world.services.session.user = MANAGER
    world.attend(stage, enrolments[mine], AttendanceCode.PRESENT)
    world.sign_in_cpip()
    (line,) = world.lines(K.ATTENDANCE, TODAY)
    assert "1 présence à saisir" in line.detail
    world.services.session.user = MANAGER
    world.attend(stage, enrolments[other], AttendanceCode.LATE)
    world.sign_in_cpip()
    assert world.lines(K.ATTENDANCE, TODAY) == ()


def test_each_session_counts_its_own_missing_attendance(world: World) -> None:
    person = world.person()
    stage = world.stage(date(2026, 3, 9), date(2026, 3, 10))
    enrolment = world.enrol(stage, person)
    first, second = stage.sessions
    world.services.stages.save_attendance(
        stage.id, [AttendanceChange(enrolment, first.id, AttendanceCode.PRESENT)]
    )
    world.sign_in_cpip()
    (line,) = world.lines(K.ATTENDANCE, TODAY)
    assert line.ref_id == second.id
    assert "1 présence à saisir sur 1 inscrit" in line.detail


def test_a_measure_end_shows_30_days_before_its_later_end(world: World) -> None:
    person = world.person()
    world.measure(
        person,
        measure_type=MeasureType.SURSIS_PROBATOIRE,
        probation_start=date(2024, 4, 1),
        probation_end=date(2026, 4, 30),
        sentence_end=date(2026, 4, 10),  # the earlier end does not decide
    )
    world.sign_in_cpip()
    end = date(2026, 4, 30)

    assert world.lines(K.MEASURE_END, end - 31 * D) == ()
    (line,) = world.lines(K.MEASURE_END, end - 30 * D)
    assert (line.due, line.tab) == (end, FileTab.MEASURES)
    assert line.detail == "Fin du délai d'épreuve le 30/04/2026"
    assert world.lines(K.MEASURE_END, end)[0].due == end
    assert world.lines(K.MEASURE_END, end + D) == ()


def test_a_detainee_newly_sas_eligible_shows_from_the_first_day_for_30_days(
    world: World,
) -> None:
    sentence_end = date(2028, 2, 29)
    since = sas_eligible_since(sentence_end)
    assert since == date(2026, 3, 1)
    person = world.person(
        "Détenu", regime=Regime.MILIEU_FERME, establishment_id=world.ref.prison.id
    )
    world.measure(
        person,
        measure_type=MeasureType.EMPRISONNEMENT,
        final_date=date(2025, 1, 20),
        sentence_end=sentence_end,
    )
    world.sign_in_cpip()

    assert world.lines(K.SAS, since - D) == ()
    (line,) = world.lines(K.SAS, since)
    assert (line.due, line.person_id, line.tab) == (since, person, FileTab.IDENTITY)
    assert "29/02/2028" in line.detail and "Gradignan" in line.detail
    assert world.lines(K.SAS, since + 29 * D)
    assert world.lines(K.SAS, since + 30 * D) == ()

    world.change(m.PersonRow, person, establishment_id=world.ref.sas.id)
    assert world.lines(K.SAS, since) == ()


def test_a_convention_shows_90_days_before_it_expires(world: World) -> None:
    partner = world.partner()
    expires = date(2026, 6, 30)
    convention = world.convention(partner, expires)
    world.convention(partner, expires, status=ConventionStatus.DRAFT, title="Avenant en projet")
    world.sign_in_cpip()
    first = expires - 90 * D

    assert world.lines(K.CONVENTION, first - D) == ()
    (line,) = world.lines(K.CONVENTION, first)
    assert (line.partner_id, line.ref_id, line.person_id, line.tab) == (
        partner,
        convention,
        None,
        None,
    )
    assert "CAF de la Gironde" in line.detail
    world.change(m.ConventionRow, convention, status=ConventionStatus.TERMINATED)
    assert world.lines(K.CONVENTION, first) == ()


def test_appointments_of_today_and_tomorrow_until_their_outcome_is_recorded(
    world: World,
) -> None:
    person = world.person()
    day = date(2026, 3, 20)
    entry = world.appointment(person, day)
    world.add(m.JournalEntryRow(person_id=person, kind=EntryKind.NOTE, day=day, text="Une note"))
    world.sign_in_cpip()

    assert world.lines(K.APPOINTMENT, day - 2 * D) == ()
    (line,) = world.lines(K.APPOINTMENT, day - D)  # tomorrow
    assert (line.ref_id, line.tab, line.due) == (entry, FileTab.JOURNAL, day)
    assert line.title == "Entretien à 14\u00a0h\u00a030 : Point sur l'emploi"
    assert "suite à saisir" not in line.detail
    (line,) = world.lines(K.APPOINTMENT, day, at=time(15, 0))
    assert "suite à saisir" in line.detail
    assert world.lines(K.APPOINTMENT, day + D) == ()

    world.change(m.JournalEntryRow, entry, outcome=Outcome.HONOURED)
    assert world.lines(K.APPOINTMENT, day) == ()


def test_closed_files_are_left_out(world: World) -> None:
    person = world.person()
    world.step(person, follow_up_on=TODAY)
    world.appointment(person, TODAY)
    world.sign_in_cpip()
    assert world.ask(TODAY).count(K.FOLLOW_UP) == 1
    world.change(m.PersonRow, person, closed_on=date(2026, 3, 1))
    listing = world.ask(TODAY)
    assert (listing.count(K.FOLLOW_UP), listing.count(K.APPOINTMENT)) == (0, 0)


# -- scopes -----------------------------------------------------------------------------------


@pytest.fixture
def two_caseloads(world: World) -> dict[str, int]:
    """Alerts for the CPIP's person, for a colleague's (one step and one appointment of
    which the CPIP holds), and for a person of the other antenne."""
    ref = world.ref
    mine = world.person("Mine")
    theirs = world.person("Autre", referent_id=ref.cpip2.id)
    far = world.person("Loin", referent_id=ref.cpip2.id, antenne_id=world.antenne2.id)
    steps = {
        "mine": world.step(mine, follow_up_on=TODAY),
        "theirs": world.step(theirs, follow_up_on=TODAY, agent_id=ref.cpip2.id),
        "held": world.step(theirs, follow_up_on=TODAY, agent_id=ref.cpip.id),
        "far": world.step(far, follow_up_on=TODAY),
    }
    world.appointment(mine, TODAY, agent_id=ref.cpip2.id)  # the referent's person
    world.appointment(theirs, TODAY)  # held by the CPIP
    world.appointment(far, TODAY, agent_id=ref.cpip2.id)
    partner = world.partner("Mission locale", referent_id=ref.cpip2.id)
    world.convention(partner, TODAY + 10 * D)
    served = world.partner("CCAS de Libourne", referent_id=ref.cpip2.id)
    world.add(m.PartnerAntenneRow(partner_id=served, antenne_id=world.antenne2.id))
    world.convention(served, TODAY + 20 * D)
    stage = world.stage(date(2026, 3, 10))
    world.enrol(stage, far)
    return {**steps, "mine_person": mine, "theirs_person": theirs, "far_person": far}


def test_a_cpips_list_is_their_caseload(world: World, two_caseloads: dict[str, int]) -> None:
    """What a CPIP holds for a colleague's person (a step in their charge, an interview)
    stays off their list: their caseload-bound rights could not open it."""
    world.sign_in_cpip()
    listing = world.ask(TODAY)
    assert listing.scope == TodoScope.mine(world.ref.cpip.id)
    assert ids(listing.of(K.FOLLOW_UP)) == [two_caseloads["mine"]]
    assert person_ids(listing.of(K.APPOINTMENT)) == [two_caseloads["mine_person"]]
    held_by = {line.person_id: line.detail for line in listing.of(K.APPOINTMENT)}
    assert "avec Anne ZOLA" in held_by[two_caseloads["mine_person"]]
    for line in listing.of(K.FOLLOW_UP):  # and each line opens: the service lets them
        assert world.services.rights.get_step(line.ref_id or 0).id == line.ref_id
    assert listing.count(K.CONVENTION) == 0  # the partners' referent is the colleague
    assert listing.count(K.ATTENDANCE) == 0  # none of my people in that stage
    # TodoScope.mine(None) is the signed-in agent's list
    assert world.todo.todo(TodoScope.mine(None)).totals == listing.totals


def test_the_colleagues_list(world: World, two_caseloads: dict[str, int]) -> None:
    world.services.session.user = MANAGER
    listing = world.ask(TODAY, TodoScope.mine(world.ref.cpip2.id))
    assert sorted(ids(listing.of(K.FOLLOW_UP))) == sorted(
        [two_caseloads["theirs"], two_caseloads["held"], two_caseloads["far"]]
    )
    assert listing.count(K.CONVENTION) == 2
    assert listing.count(K.ATTENDANCE) == 1


def test_an_antenne_and_the_service(world: World, two_caseloads: dict[str, int]) -> None:
    world.services.session.user = MANAGER
    first = world.ask(TODAY, TodoScope.antenne(world.ref.antenne.id))
    assert sorted(ids(first.of(K.FOLLOW_UP))) == sorted(
        [two_caseloads["mine"], two_caseloads["theirs"], two_caseloads["held"]]
    )
    assert first.count(K.APPOINTMENT) == 2
    assert first.count(K.ATTENDANCE) == 0
    assert first.count(K.CONVENTION) == 1  # the one serving the whole service
    second = world.ask(TODAY, TodoScope.antenne(world.antenne2.id))
    assert ids(second.of(K.FOLLOW_UP)) == [two_caseloads["far"]]
    assert second.count(K.ATTENDANCE) == 1
    assert second.count(K.CONVENTION) == 2
    service = world.ask(TODAY, TodoScope.service())
    assert service.count(K.FOLLOW_UP) == 4
    assert service.count(K.APPOINTMENT) == 3
    assert service.count(K.CONVENTION) == 2


# -- caps and counts ----------------------------------------------------------------------------


def test_each_kind_shows_its_first_lines_and_counts_them_all(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(todo_module, "LINES_PER_KIND", 3)
    person = world.person()
    steps = [world.step(person, follow_up_on=TODAY - n * D) for n in range(5)]
    for n in range(3):
        world.appointment(person, TODAY, at=time(9 + n))
    final = date(2025, 9, 1)
    for n in range(4):  # two without enrolment, two enrolled in a stage over, one done
        world.measure(
            world.person(), measure_type=MeasureType.PEINE_DE_STAGE, final_date=final + n * D
        )
    stage = world.stage(date(2026, 3, 2))
    with world.services.factory() as uow:
        enrolled = uow.session.scalars(
            select(m.MeasureRow.person_id).order_by(m.MeasureRow.final_date)
        ).all()
    first_enrolment = world.enrol(stage, enrolled[0], final)
    world.enrol(stage, enrolled[1], final)
    world.attend(stage, first_enrolment, AttendanceCode.PRESENT)
    world.sign_in_cpip()

    listing = world.ask(TODAY)
    assert ids(listing.of(K.FOLLOW_UP)) == steps[::-1][:3]  # the oldest first
    assert listing.count(K.FOLLOW_UP) == 5
    assert len(listing.of(K.APPOINTMENT)) == 3 and listing.count(K.APPOINTMENT) == 3
    deadlines = listing.of(K.STAGE_DEADLINE)
    assert listing.count(K.STAGE_DEADLINE) == 3  # the validated one is done
    assert person_ids(deadlines) == enrolled[1:4]
    assert listing.total == 5 + 3 + 3


def test_many_stage_deadlines_are_counted_beyond_the_lines_shown(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(todo_module, "LINES_PER_KIND", 3)
    people = [world.person() for _ in range(5)]
    for n, person in enumerate(people):
        world.measure(
            person, measure_type=MeasureType.PEINE_DE_STAGE, final_date=date(2025, 9, 1) + n * D
        )
    failed = world.person()
    world.measure(failed, measure_type=MeasureType.PEINE_DE_STAGE, final_date=date(2025, 8, 1))
    stage = world.stage(date(2026, 3, 2))
    world.attend(stage, world.enrol(stage, failed, date(2025, 8, 1)), AttendanceCode.UNEXCUSED)
    for scope in (TodoScope.mine(world.ref.cpip.id), TodoScope.service()):
        listing = world.ask(TODAY, scope)
        assert listing.count(K.STAGE_DEADLINE) == 6
        assert person_ids(listing.of(K.STAGE_DEADLINE)) == [failed, *people[:2]]


# -- permissions ----------------------------------------------------------------------------------


def test_a_cpip_sees_only_their_own_list(world: World, two_caseloads: dict[str, int]) -> None:
    world.sign_in_cpip()
    for scope in (TodoScope.antenne(world.ref.antenne.id), TodoScope.service()):
        with pytest.raises(PermissionDenied) as refused:
            world.ask(TODAY, scope)
        assert refused.value.message == WIDE_REFUSED
    with pytest.raises(PermissionDenied) as refused:
        world.ask(TODAY, TodoScope.mine(world.ref.cpip2.id))
    assert refused.value.message == OTHER_AGENT_REFUSED
    assert set(world.ask(TODAY).totals) == set(TodoKind)


def test_an_account_without_agent_is_told_why(world: World) -> None:
    world.services.session.user = User(9, "admin", "Admin", frozenset({Role.ADMIN}))
    with pytest.raises(PermissionDenied) as refused:
        world.todo.todo(TodoScope.mine(None))
    assert refused.value.message == NO_AGENT
    sign_in_as(world.services, Role.CPIP, agent_id=None)
    with pytest.raises(PermissionDenied, match="aucune fiche agent"):
        world.todo.todo(TodoScope.mine(None))


def test_the_social_worker_sees_the_rights_of_the_whole_service(
    world: World, two_caseloads: dict[str, int]
) -> None:
    sign_in_as(world.services, Role.ASS, agent_id=world.ref.cpip2.id)
    listing = world.ask(TODAY, TodoScope.service())
    assert set(listing.totals) == {K.FOLLOW_UP, K.RIGHT_EXPIRY}
    assert listing.count(K.FOLLOW_UP) == 4
    own = world.ask(TODAY, TodoScope.mine(world.ref.cpip2.id))
    assert set(own.totals) == {K.FOLLOW_UP, K.RIGHT_EXPIRY, K.CONVENTION}


def test_an_agent_whose_role_reaches_the_service_also_has_what_they_hold(
    world: World, two_caseloads: dict[str, int]
) -> None:
    """A social worker follows steps for anyone: those in their charge are on their list,
    with the appointments they hold."""
    sign_in_as(world.services, Role.ASS, Role.CPIP, agent_id=world.ref.cpip.id)
    listing = world.ask(TODAY)
    assert sorted(ids(listing.of(K.FOLLOW_UP))) == sorted(
        [two_caseloads["mine"], two_caseloads["held"]]
    )
    for line in listing.of(K.FOLLOW_UP):
        assert world.services.rights.get_step(line.ref_id or 0).id == line.ref_id
    # the appointment held for a colleague's person needs the journal service-wide
    assert person_ids(listing.of(K.APPOINTMENT)) == [two_caseloads["mine_person"]]


def test_the_direction_sees_every_scope(world: World, two_caseloads: dict[str, int]) -> None:
    sign_in_as(world.services, Role.DPIP, agent_id=world.ref.cpip2.id)
    for scope in (TodoScope.service(), TodoScope.antenne(world.antenne2.id)):
        assert set(world.ask(TODAY, scope).totals) == set(TodoKind)
    with pytest.raises(SpipError, match="Choisissez l'antenne"):
        world.ask(TODAY, TodoScope(todo_module.ScopeKind.ANTENNE))


def test_refreshing_records_nothing_in_the_audit_trail(
    world: World, two_caseloads: dict[str, int]
) -> None:
    def entries() -> int:
        with world.services.factory() as uow:
            return int(uow.session.scalar(select(func.count()).select_from(m.AuditEntryRow)) or 0)

    before = entries()
    world.sign_in_cpip()
    for _ in range(3):
        world.ask(TODAY)
    assert entries() == before


def test_a_cancelled_measure_neither_ends_nor_asks_for_a_stage(world: World) -> None:
    person = world.person()
    end = date(2026, 4, 15)
    world.measure(
        person,
        measure_type=MeasureType.PEINE_DE_STAGE,
        decision_date=date(2025, 10, 1),
        final_date=date(2025, 10, 10),
        probation_end=end,
        cancelled_on=date(2025, 11, 2),
    )
    world.sign_in_cpip()
    assert world.lines(K.MEASURE_END, end - 10 * D) == ()
    assert world.lines(K.STAGE_DEADLINE, date(2026, 4, 1)) == ()
