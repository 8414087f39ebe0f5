"""Demonstration rights steps and journal entries, at the rates a service sees.

Per person, on average: about 2.6 access-to-rights steps (each with its dated
history, 3 to 4 updates), 2 notes and 3 appointments. The first CPIP's caseload
(the demonstration CPIP account) also gets one case of every alert of the
*À traiter* list, so that the home screen shows each kind on the demo's today.
Rows are inserted in bulk with ids chosen here, like the people of
:mod:`spip_desktop.db.demo`.
"""

from __future__ import annotations

import random
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any

from sqlalchemy import Connection, func, insert, select, update

from ..domain.dates import add_months, add_years
from ..domain.enums import AgentRole, EstablishmentKind, MeasureType, Regime
from ..domain.journal import EntryKind, Outcome
from ..domain.partners import ConventionStatus
from ..domain.rights import Actor, StepKind, StepStatus, catalogue_item
from ..domain.stage_terms import Cadre
from ..domain.todo import TodoWindows
from . import models as m
from .demo import _catch_up_sequences, _next_id, insert_rows
from .models import utcnow

#: The day France Travail replaced Pôle emploi: older steps keep the old label.
FRANCE_TRAVAIL_SINCE = date(2024, 1, 1)

#: How often each kind of step is opened (relative weights).
STEP_WEIGHTS: dict[StepKind, int] = {
    StepKind.FRANCE_TRAVAIL: 18,
    StepKind.HEALTH_AFFILIATION: 12,
    StepKind.C2S: 12,
    StepKind.CARTE_VITALE: 6,
    StepKind.RSA: 12,
    StepKind.PRIME_ACTIVITE: 4,
    StepKind.APL: 4,
    StepKind.CNI: 9,
    StepKind.PASSPORT: 2,
    StepKind.RESIDENCE_PERMIT: 3,
    StepKind.DOMICILIATION: 8,
    StepKind.MISSION_LOCALE: 4,
    StepKind.BANK_ACCOUNT: 3,
    StepKind.SHELTER: 6,
    StepKind.HOUSING: 4,
    StepKind.AAH: 2,
    StepKind.RQTH: 2,
    StepKind.AME: 1,
    StepKind.OTHER: 2,
}
OTHER_LABELS = (
    "Permis de conduire (échange)",
    "Dossier de surendettement (Banque de France)",
    "Demande de bourse de formation",
    "Carte de transport solidaire",
)
#: Words of the partner names that usually carry each kind of step (the catalogue's body).
KIND_PARTNERS: dict[StepKind, tuple[str, ...]] = {
    StepKind.CNI: ("Ville de", "Mairie"),
    StepKind.PASSPORT: ("Ville de", "Mairie"),
    StepKind.RESIDENCE_PERMIT: ("Préfecture",),
    StepKind.DOMICILIATION: ("CCAS", "Relais", "Centre social"),
    StepKind.HEALTH_AFFILIATION: ("CPAM",),
    StepKind.CARTE_VITALE: ("CPAM",),
    StepKind.C2S: ("CPAM",),
    StepKind.AME: ("CPAM",),
    StepKind.RSA: ("CAF", "Conseil départemental"),
    StepKind.PRIME_ACTIVITE: ("CAF",),
    StepKind.APL: ("CAF",),
    StepKind.FRANCE_TRAVAIL: ("France Travail",),
    StepKind.POLE_EMPLOI: ("France Travail",),
    StepKind.MISSION_LOCALE: ("Mission locale",),
    StepKind.BANK_ACCOUNT: ("Banque de France",),
    StepKind.SHELTER: ("SIAO", "CHRS", "Résidence sociale"),
    StepKind.HOUSING: ("SIAO", "Résidence sociale", "CCAS"),
    StepKind.AAH: ("MDPH",),
    StepKind.RQTH: ("MDPH",),
    StepKind.OTHER: ("Point d'accès au droit", "Maison de la justice", "CIDFF"),
}
NOTES = (
    "Point sur la situation professionnelle : recherche active, deux candidatures envoyées.",
    "Appel de la personne : demande de report du prochain entretien pour raison de travail.",
    "Justificatif de domicile transmis par courriel.",
    "Échange avec le partenaire : dossier complet, en attente de la décision.",
    "Rappel des obligations de la mesure ; la personne dit les avoir comprises.",
    "Attestation de suivi de soins remise lors de l'accueil.",
    "Courrier reçu du tribunal : audience fixée, à noter dans le suivi.",
    "Situation d'hébergement précaire : orientation vers le SIAO envisagée.",
)
SUBJECTS = {
    EntryKind.INTERVIEW: ("Entretien de suivi", "Bilan de la mesure", "Premier entretien"),
    EntryKind.SUMMONS: ("Convocation pour entretien", "Convocation – rappel des obligations"),
    EntryKind.HOME_VISIT: ("Visite à domicile", "Vérification de l'hébergement"),
}
PLACES = ("Antenne SPIP", "Bureau 12", "Domicile", "Salle d'entretien 2")
APPOINTMENT_TIMES = tuple(time(h, mm) for h in range(9, 17) for mm in (0, 30) if h != 12)


@dataclass(frozen=True)
class RightsCounts:
    steps: int = 0
    updates: int = 0
    journal: int = 0


@dataclass(frozen=True)
class _Person:
    id: int
    referent_id: int | None
    closed_on: date | None


@dataclass
class _Ids:
    step: int
    update: int
    journal: int


@dataclass
class _Batch:
    steps: list[dict[str, Any]]
    updates: list[dict[str, Any]]
    journal: list[dict[str, Any]]


def _path(rnd: random.Random, days_open: int) -> list[StepStatus]:
    """A plausible sequence of statuses; recent steps are still under way."""
    path = [StepStatus.TO_START]
    if rnd.random() < 0.06:
        return [*path, rnd.choice((StepStatus.NOT_APPLICABLE, StepStatus.ABANDONED))]
    path.append(StepStatus.IN_PROGRESS)
    if days_open < 45 and rnd.random() < 0.6:
        return path[: rnd.randint(1, 2)]
    path.append(StepStatus.FILED)
    if rnd.random() < 0.3:
        path += [StepStatus.MISSING_DOCUMENTS, StepStatus.FILED]
    if days_open < 120 and rnd.random() < 0.6:
        return path
    outcome = rnd.random()
    if outcome < 0.72:
        return [*path, StepStatus.OBTAINED]
    if outcome < 0.86:
        path.append(StepStatus.REFUSED)
        if rnd.random() < 0.35:
            path += [StepStatus.APPEAL, rnd.choice((StepStatus.OBTAINED, StepStatus.REFUSED))]
        return path
    return [*path, StepStatus.ABANDONED]


class _Generator:
    def __init__(
        self,
        rnd: random.Random,
        today: date,
        partners: list[tuple[str, int]],
        ass_agents: Sequence[int],
        agent_names: dict[int, str],
    ) -> None:
        self.rnd = rnd
        self.today = today
        self.partners = partners
        self.ass_agents = list(ass_agents)
        self.agent_names = agent_names
        self.kinds = list(STEP_WEIGHTS)
        self.weights = list(STEP_WEIGHTS.values())
        self.stamp = utcnow()
        self._carriers: dict[StepKind, list[int]] = {}

    def _author(self, agent_id: int | None) -> tuple[str, str]:
        name = self.agent_names.get(agent_id or 0, "Secrétariat SPIP")
        return f"demo:{agent_id or 0}", name

    def _partner(self, kind: StepKind) -> int | None:
        """A partner whose name says it carries this kind of step (most steps have one)."""
        if self.rnd.random() < 0.15:
            return None
        ids = self._carriers.get(kind)
        if ids is None:
            words = KIND_PARTNERS[kind]
            ids = self._carriers[kind] = [
                pid for name, pid in self.partners if any(w in name for w in words)
            ]
        return self.rnd.choice(ids) if ids else None

    def step(
        self,
        person: _Person,
        ids: _Ids,
        batch: _Batch,
        *,
        kind: StepKind | None = None,
        opened_on: date | None = None,
        path: list[StepStatus] | None = None,
        follow_up_on: date | None = None,
        outcome_on: date | None = None,
        expires_on: date | None = None,
    ) -> None:
        rnd, today = self.rnd, self.today
        horizon = min(person.closed_on or today, today)
        if kind is None:
            kind = rnd.choices(self.kinds, self.weights)[0]
        if opened_on is None:
            # Openings spread over two years of follow-up, a few more in the last quarter
            # (recent files are the busiest): 15 % in 90 days, not 40 %, which put 1.8
            # status changes a person a month into the last months (bench/README.md).
            recent = rnd.random() < 0.15
            back = rnd.randint(0, 90) if recent else int(rnd.triangular(90, 720, 120))
            opened_on = horizon - timedelta(days=back)
        if kind is StepKind.FRANCE_TRAVAIL and opened_on < FRANCE_TRAVAIL_SINCE:
            kind = StepKind.POLE_EMPLOI
        item = catalogue_item(kind)
        if path is None:
            path = _path(rnd, (horizon - opened_on).days)
            if person.closed_on is not None and not path[-1].closed:
                path.append(StepStatus.ABANDONED)
        status = path[-1]
        partner_id = self._partner(kind)
        agent_id = person.referent_id
        if self.ass_agents and rnd.random() < 0.3:
            agent_id = rnd.choice(self.ass_agents)
        handled_by = Actor.PARTNER if partner_id is not None and rnd.random() < 0.25 else Actor.SPIP
        # The history: one row per status, days apart, never after today. A step that
        # ended took weeks to a few months (a CAF or CPAM file), not its whole age.
        span = max(0, (horizon - opened_on).days)
        if status.closed:
            span = min(span, rnd.randint(20, 150))
        gaps = sorted(rnd.randint(0, span) for _ in path[1:])
        days = [opened_on, *(opened_on + timedelta(days=g) for g in gaps)]
        step_id = ids.step
        ids.step += 1
        previous: StepStatus | None = None
        login, author = self._author(agent_id)
        written: datetime | None = None
        for day, state in zip(days, path, strict=True):
            at = datetime.combine(day, time(rnd.randint(8, 17), rnd.choice((0, 15, 30, 45))))
            if written is not None and at <= written:
                # two changes the same day: the later row is written later, as in the app
                at = written + timedelta(minutes=15)
            written = at
            batch.updates.append(
                {
                    "id": ids.update,
                    "step_id": step_id,
                    "at": at,
                    "status": state.value,
                    "previous": previous.value if previous else None,
                    "note": self._note(state, item.body),
                    "author_login": login,
                    "author": author,
                    "actor": Actor.SPIP.value if state is StepStatus.TO_START else handled_by.value,
                }
            )
            ids.update += 1
            previous = state
        last_at = batch.updates[-1]["at"]
        if status is StepStatus.OBTAINED and outcome_on is None:
            outcome_on = last_at.date()
        if status is StepStatus.OBTAINED and expires_on is None and item.validity_months:
            expires_on = add_months(outcome_on or last_at.date(), item.validity_months)
        if status is StepStatus.REFUSED and outcome_on is None:
            outcome_on = last_at.date()
        if not status.closed and follow_up_on is None:
            # Most follow-ups are ahead; some were missed (the to-do list shows them).
            follow_up_on = max(opened_on, last_at.date()) + timedelta(days=rnd.randint(7, 45))
            if follow_up_on < today and rnd.random() < 0.6:
                follow_up_on = today + timedelta(days=rnd.randint(1, 30))
        documents = [d for d in item.documents if rnd.random() < (0.9 if status.closed else 0.5)]
        batch.steps.append(
            {
                "id": step_id,
                "person_id": person.id,
                "kind": kind.value,
                "other_label": rnd.choice(OTHER_LABELS) if kind is StepKind.OTHER else "",
                "partner_id": partner_id,
                "handled_by": handled_by.value,
                "agent_id": agent_id,
                "partner_contact": "",
                "opened_on": opened_on,
                "follow_up_on": follow_up_on,
                "documents": "\n".join(documents),
                "outcome_on": outcome_on
                if status in (StepStatus.OBTAINED, StepStatus.REFUSED)
                else None,
                "expires_on": expires_on if status is StepStatus.OBTAINED else None,
                "notes": "",
                "status": status.value,
                "status_at": last_at,
                "closed": status.closed,
                "created_by": author,
                "version": 1,
                "created_at": datetime.combine(opened_on, time(9, 0)),
                "updated_at": last_at,
            }
        )

    def _note(self, status: StepStatus, body: str) -> str:
        return {
            StepStatus.TO_START: "Besoin repéré en entretien.",
            StepStatus.IN_PROGRESS: "Pièces demandées à la personne.",
            StepStatus.FILED: f"Dossier déposé ({body}).",
            StepStatus.MISSING_DOCUMENTS: "Le partenaire réclame une pièce manquante.",
            StepStatus.OBTAINED: "Droit ouvert : notification reçue.",
            StepStatus.REFUSED: "Refus notifié.",
            StepStatus.APPEAL: "Recours gracieux déposé.",
            StepStatus.ABANDONED: "La personne ne donne plus suite.",
            StepStatus.NOT_APPLICABLE: "Droit déjà ouvert par ailleurs.",
        }[status]

    def entry(
        self,
        person: _Person,
        ids: _Ids,
        batch: _Batch,
        *,
        kind: EntryKind | None = None,
        day: date | None = None,
        outcome: Outcome | str | None = "auto",
    ) -> None:
        rnd, today = self.rnd, self.today
        horizon = min(person.closed_on or today, today)
        if kind is None:
            kind = rnd.choices(
                (EntryKind.NOTE, EntryKind.INTERVIEW, EntryKind.SUMMONS, EntryKind.HOME_VISIT),
                (40, 42, 12, 6),
            )[0]
        if day is None:
            back = int(rnd.triangular(0, 540, 20))
            day = horizon - timedelta(days=back)
            if kind.is_appointment and person.closed_on is None and rnd.random() < 0.15:
                day = today + timedelta(days=rnd.randint(0, 30))  # planned
        at = rnd.choice(APPOINTMENT_TIMES) if kind.is_appointment else None
        if outcome == "auto":
            if not kind.is_appointment or day >= today:
                outcome = None
            elif rnd.random() < 0.03:
                outcome = None  # to record: the list shows it
            else:
                outcome = rnd.choices(
                    (Outcome.HONOURED, Outcome.MISSED, Outcome.EXCUSED), (80, 12, 8)
                )[0]
        assert outcome is None or isinstance(outcome, Outcome)
        _login, author = self._author(person.referent_id)
        batch.journal.append(
            {
                "id": ids.journal,
                "person_id": person.id,
                "kind": kind.value,
                "day": day,
                "at": at,
                "subject": rnd.choice(SUBJECTS[kind]) if kind.is_appointment else "",
                "text": rnd.choice(NOTES) if kind is EntryKind.NOTE or rnd.random() < 0.3 else "",
                "place": rnd.choice(PLACES) if kind.is_appointment else "",
                "agent_id": person.referent_id,
                "outcome": outcome.value if outcome else None,
                "author": author,
                "version": 1,
                "created_at": datetime.combine(min(day, today), time(18, 0)),
                "updated_at": datetime.combine(min(day, today), time(18, 0)),
            }
        )
        ids.journal += 1


def _people(connection: Connection, batch_size: int = 20_000) -> Iterator[list[_Person]]:
    last = 0
    while True:
        rows = connection.execute(
            select(m.PersonRow.id, m.PersonRow.referent_id, m.PersonRow.closed_on)
            .where(m.PersonRow.id > last)
            .order_by(m.PersonRow.id)
            .limit(batch_size)
        ).all()
        if not rows:
            return
        yield [_Person(*row) for row in rows]
        last = rows[-1][0]


def _flush(connection: Connection, batch: _Batch) -> None:
    insert_rows(connection, m.RightsStepRow, batch.steps)
    insert_rows(connection, m.RightsStepUpdateRow, batch.updates)
    insert_rows(connection, m.JournalEntryRow, batch.journal)
    batch.steps.clear()
    batch.updates.clear()
    batch.journal.clear()


def populate_rights(connection: Connection, seed: int, today: date) -> RightsCounts:
    """Generate steps and journal entries for every person, unless there are steps already."""
    if connection.scalar(select(func.count()).select_from(m.RightsStepRow)):
        return RightsCounts()
    rnd = random.Random(seed * 31 + 4)
    partners = [
        (name, partner_id)
        for partner_id, name in connection.execute(
            select(m.PartnerRow.id, m.PartnerRow.name)
            .where(m.PartnerRow.active.is_(True))
            .order_by(m.PartnerRow.id)
        )
    ]
    agents = connection.execute(
        select(m.AgentRow.id, m.AgentRow.given_name, m.AgentRow.surname, m.AgentRow.role)
    ).all()
    names = {a.id: f"{a.given_name} {a.surname.upper()}" for a in agents}
    ass = [a.id for a in agents if a.role is AgentRole.ASS]
    gen = _Generator(rnd, today, partners, ass, names)
    postgresql = connection.dialect.name == "postgresql"
    if postgresql:
        connection.exec_driver_sql(
            "LOCK TABLE rights_step, rights_step_update, journal_entry IN EXCLUSIVE MODE"
        )
    ids = _Ids(
        _next_id(connection, m.RightsStepRow.id),
        _next_id(connection, m.RightsStepUpdateRow.id),
        _next_id(connection, m.JournalEntryRow.id),
    )
    first = ids.step, ids.update, ids.journal
    batch = _Batch([], [], [])
    step_counts = (0, 1, 2, 3, 4, 6)
    step_weights = (15, 20, 20, 20, 15, 10)
    for people in _people(connection):
        for person in people:
            for _ in range(rnd.choices(step_counts, step_weights)[0]):
                gen.step(person, ids, batch)
            for _ in range(rnd.choices((2, 3, 5, 8), (30, 35, 25, 10))[0]):
                gen.entry(person, ids, batch)
        _flush(connection, batch)
    _every_alert(connection, gen, ids, batch, today)
    _flush(connection, batch)
    if postgresql:
        _catch_up_sequences(connection, ("rights_step", "rights_step_update", "journal_entry"))
    connection.exec_driver_sql("ANALYZE rights_step")
    connection.exec_driver_sql("ANALYZE rights_step_update")
    connection.exec_driver_sql("ANALYZE journal_entry")
    return RightsCounts(ids.step - first[0], ids.update - first[1], ids.journal - first[2])


def demo_cpip(connection: Connection) -> int | None:
    """The CPIP the demonstration account ``cpip.demo`` is tied to: the largest caseload."""
    caseload = (
        select(func.count()).where(m.PersonRow.referent_id == m.AgentRow.id).scalar_subquery()
    )
    return connection.scalar(
        select(m.AgentRow.id)
        .where(m.AgentRow.role == AgentRole.CPIP)
        .order_by(caseload.desc(), m.AgentRow.id)
        .limit(1)
    )


def _every_alert(
    connection: Connection, gen: _Generator, ids: _Ids, batch: _Batch, today: date
) -> None:
    """One case of each kind of alert in the caseload of the demo CPIP account."""
    cpip = demo_cpip(connection)
    if cpip is None:
        return
    caseload = [
        _Person(*row)
        for row in connection.execute(
            select(m.PersonRow.id, m.PersonRow.referent_id, m.PersonRow.closed_on)
            .where(m.PersonRow.referent_id == cpip, m.PersonRow.closed_on.is_(None))
            .order_by(m.PersonRow.sort_key)
            .limit(12)
        )
    ]
    if len(caseload) < 8:
        return
    windows = TodoWindows.on(today)
    a, b, c, d, e, f, g, h = caseload[:8]
    # Appointments today and tomorrow.
    gen.entry(a, ids, batch, kind=EntryKind.INTERVIEW, day=today, outcome=None)
    gen.entry(b, ids, batch, kind=EntryKind.SUMMONS, day=today, outcome=None)
    gen.entry(c, ids, batch, kind=EntryKind.INTERVIEW, day=windows.tomorrow, outcome=None)
    # Follow-ups due today and overdue.
    opened = today - timedelta(days=40)
    gen.step(
        a,
        ids,
        batch,
        kind=StepKind.C2S,
        opened_on=opened,
        path=[StepStatus.TO_START, StepStatus.IN_PROGRESS, StepStatus.FILED],
        follow_up_on=today,
    )
    gen.step(
        d,
        ids,
        batch,
        kind=StepKind.FRANCE_TRAVAIL,
        opened_on=opened,
        path=[StepStatus.TO_START, StepStatus.IN_PROGRESS],
        follow_up_on=today - timedelta(days=6),
    )
    # A right that lapses within 30 days.
    outcome = add_months(today, -12) + timedelta(days=12)
    gen.step(
        e,
        ids,
        batch,
        kind=StepKind.DOMICILIATION,
        opened_on=outcome - timedelta(days=30),
        path=[StepStatus.TO_START, StepStatus.IN_PROGRESS, StepStatus.FILED, StepStatus.OBTAINED],
        outcome_on=outcome,
        expires_on=today + timedelta(days=12),
    )
    # A stage to do within 6 months of the conviction becoming final: final 5 months ago.
    final = add_months(today, -6) + timedelta(days=18)
    connection.execute(
        update(m.MeasureRow)
        .where(m.MeasureRow.person_id == f.id)
        .values(
            measure_type=MeasureType.PEINE_DE_STAGE,
            final_date=final,
            decision_date=final - timedelta(days=10),
            referral_date=final + timedelta(days=15),
            probation_start=final,
            probation_end=add_months(final, 12),
            sentence_end=None,
            cancelled_on=None,
        )
    )
    connection.execute(
        update(m.PersonRow)
        .where(m.PersonRow.id == f.id)
        .values(
            main_measure_type=MeasureType.PEINE_DE_STAGE,
            main_measure_end=add_months(final, 12),
            sentence_end=None,
            regime=Regime.MILIEU_OUVERT,
            establishment_id=None,
            establishment_since=None,
        )
    )
    # A measure that ends within 30 days: a probation period (never a prison sentence's).
    ends = today + timedelta(days=17)
    connection.execute(
        update(m.MeasureRow)
        .where(m.MeasureRow.person_id == g.id)
        .values(
            measure_type=MeasureType.SURSIS_PROBATOIRE,
            probation_start=add_months(ends, -24),
            probation_end=ends,
            sentence_end=None,
            cancelled_on=None,
        )
    )
    connection.execute(
        update(m.PersonRow)
        .where(m.PersonRow.id == g.id)
        .values(
            main_measure_type=MeasureType.SURSIS_PROBATOIRE,
            main_measure_end=ends,
            sentence_end=None,
            regime=Regime.MILIEU_OUVERT,
            establishment_id=None,
            establishment_since=None,
        )
    )
    # A detainee who became SAS-eligible 5 days ago (a reliquat just under two years).
    sentence_end = add_years(today - timedelta(days=5), 2)
    establishment = connection.scalar(
        select(m.EstablishmentRow.id)
        .where(m.EstablishmentRow.kind != EstablishmentKind.SAS)
        .order_by(m.EstablishmentRow.id)
    )
    connection.execute(
        update(m.MeasureRow)
        .where(m.MeasureRow.person_id == h.id)
        .values(
            measure_type=MeasureType.EMPRISONNEMENT,
            sentence_end=sentence_end,
            probation_start=None,
            probation_end=None,
            cancelled_on=None,
        )
    )
    connection.execute(
        update(m.PersonRow)
        .where(m.PersonRow.id == h.id)
        .values(
            regime=Regime.MILIEU_FERME,
            establishment_id=establishment,
            establishment_since=today - timedelta(days=400),
            main_measure_type=MeasureType.EMPRISONNEMENT,
            main_measure_end=sentence_end,
            sentence_end=sentence_end,
        )
    )
    # A session held in the last 7 days whose attendance is still to record, for one of them.
    session = connection.execute(
        select(m.StageSessionRow.stage_id, m.StageSessionRow.day)
        .where(
            m.StageSessionRow.day >= windows.attendance_since,
            m.StageSessionRow.day < today,
        )
        .order_by(m.StageSessionRow.day.desc())
        .limit(1)
    ).first()
    taken: set[int] = set()
    if session is not None:
        taken = set(
            connection.scalars(
                select(m.EnrolmentRow.person_id).where(m.EnrolmentRow.stage_id == session.stage_id)
            )
        )
    newcomer = next((p for p in caseload if p.id not in taken), None)
    if session is not None and newcomer is not None:
        connection.execute(
            insert(m.EnrolmentRow).values(
                stage_id=session.stage_id,
                person_id=newcomer.id,
                cadre=Cadre.ACCOMPAGNEMENT,
                decision_reference="",
                final_date=None,
                enrolled_on=session.day - timedelta(days=10),
                enrolled_by=gen.agent_names.get(cpip, ""),
                capacity_override_reason="",
                end_reason="",
                version=1,
                created_at=gen.stamp,
                updated_at=gen.stamp,
            )
        )
    # A convention expiring within 90 days, with a partner the CPIP is the referent of: one
    # the directory already has, else the one that expires first is brought forward.
    expiring = connection.execute(
        select(m.ConventionRow.id, m.ConventionRow.partner_id)
        .where(
            m.ConventionRow.status == ConventionStatus.SIGNED,
            m.ConventionRow.expires_on >= today,
            m.ConventionRow.expires_on <= windows.convention_until,
        )
        .order_by(m.ConventionRow.expires_on)
    ).first()
    if expiring is None:
        expiring = connection.execute(
            select(m.ConventionRow.id, m.ConventionRow.partner_id)
            .where(
                m.ConventionRow.status == ConventionStatus.SIGNED,
                m.ConventionRow.expires_on > windows.convention_until,
            )
            .order_by(m.ConventionRow.expires_on)
        ).first()
        if expiring is not None:
            connection.execute(
                update(m.ConventionRow)
                .where(m.ConventionRow.id == expiring.id)
                .values(expires_on=today + timedelta(days=45))
            )
    if expiring is not None:
        connection.execute(
            update(m.PartnerRow)
            .where(m.PartnerRow.id == expiring.partner_id)
            .values(referent_id=cpip)
        )
