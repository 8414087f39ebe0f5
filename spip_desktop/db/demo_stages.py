"""Stages, sessions, enrolments and attendance for the demonstration database.

Called at the end of :func:`spip_desktop.db.demo.populate`, in its transaction, once the
people are written (the partner directory of :mod:`.demo_partners` too, for the organisers
and the venues lent by partners): about thirty stages of every catalogue type (the nine official
stages, the PPR and the three collective actions) over the last six months and the next
two, people of the base in *milieu ouvert* enrolled in them, and the attendance of the
sessions already held, with the life of a real service: late arrivals, excused and
unexcused absences, withdrawals, an exclusion or two, corrections that supersede an
earlier record, and the latest session of one or two stages still to be filled in.

Dates are relative to the generation's ``today`` (the demonstration looks alive whatever
the day it is generated on); a session counts as held when its day is before ``today``.
The same seed, reference date and people give the same rows.

No attestation is issued here: the register only holds what the service produced
(:meth:`StageService.issue_attestation`, which db/ may not call); the demonstration
user issues them live. No audit entry either, as for the generated people.
"""

from __future__ import annotations

import random
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any

from sqlalchemy import Connection, func, insert, select

from ..domain.dates import MONTHS, add_months
from ..domain.enums import AgentRole, Regime
from ..domain.security import DEMO_ACCOUNTS, Role
from ..domain.stages import (
    MAX_STAGE_MINUTES_PER_DAY,
    MAX_STAGE_PRICE_CENTS,
    OFFICIAL_CATALOGUE,
    ActionKind,
    AttendanceCode,
    Cadre,
    EndKind,
    OrganiserKind,
)
from . import models as m
from .demo_partners import VENUE_PARTNERS, demo_partners, partner_ids

#: Stages of a full demonstration base (a small one gets one of each type at least).
FULL_STAGES = 30
#: People in milieu ouvert per stage generated, below ``FULL_STAGES``.
PEOPLE_PER_STAGE = 6
#: How far back and ahead the stages start, in days.
PAST_DAYS = 182
AHEAD_DAYS = 60
#: Person ids looked at (a random sample of a large base; all of a small one).
SAMPLE_IDS = 1200
IN_CHUNK = 500

MORNING = (time(9), time(12))
AFTERNOON = (time(13, 30), time(16, 30))

# -- what stages look like, by catalogue position (see OFFICIAL_CATALOGUE) ------------------

_CITOYENNETE, _ROUTE, _STUPEFIANTS, _COUPLE, _ACHAT, _PARENTALE, _SEXISME, _ANIMAL, _NUMERIQUE = (
    range(9)
)
_PPR, _CULTURE, _SPORT, _DROITS = 9, 10, 11, 12

#: How often each type comes back beyond the first of each.
_EXTRA_WEIGHTS = (5, 5, 4, 4, 1, 2, 1, 1, 1, 2, 2, 2, 3)

#: (organiser, or "" for the SPIP itself; venue) by type.
_ORGANISERS: dict[int, tuple[tuple[str, str], ...]] = {
    _CITOYENNETE: (
        ("", "SPIP de la Gironde, antenne de Bordeaux, salle collective"),
        ("", "Maison de la justice et du droit de Lormont"),
        ("", "Mairie de Talence, salle du conseil"),
    ),
    _ROUTE: (
        ("Association Prévention Routière 33", "Mairie de Talence, salle du conseil"),
        ("Association Prévention Routière 33", "Maison des associations de Pessac"),
        ("Centre agréé Sécurité routière Aquitaine", "Centre agréé Sécurité routière, Mérignac"),
    ),
    _STUPEFIANTS: (
        ("CSAPA Bordeaux", "CSAPA Bordeaux, salle de groupe"),
        ("CSAPA du Libournais", "Antenne de Libourne, salle de réunion"),
    ),
    _COUPLE: (
        ("CIDFF de la Gironde", "Maison de la justice et du droit de Lormont"),
        ("Association Vict'Aide 33", "SPIP de la Gironde, antenne de Bordeaux, salle collective"),
    ),
    _ACHAT: (("Association Égalité Gironde", "Maison de la justice et du droit de Lormont"),),
    _PARENTALE: (
        ("", "Centre social et culturel de Mérignac, salle polyvalente"),
        ("École des parents de la Gironde", "Maison des associations de Pessac"),
    ),
    _SEXISME: (("CIDFF de la Gironde", "Mairie de Talence, salle du conseil"),),
    _ANIMAL: (("Refuge animalier du Médoc", "Refuge animalier du Médoc, salle pédagogique"),),
    _NUMERIQUE: (
        ("Association Net'Respect 33", "SPIP de la Gironde, antenne de Bordeaux, salle collective"),
    ),
    _PPR: (
        ("", "SPIP de la Gironde, antenne de Bordeaux, salle collective"),
        ("", "Antenne de Libourne, salle de réunion"),
        ("", "Antenne d'Arcachon, salle de réunion"),
    ),
}

#: The city a venue is in, for the stage's title.
_CITIES = (
    ("Talence", "Talence"),
    ("Lormont", "Lormont"),
    ("Pessac", "Pessac"),
    ("Mérignac", "Mérignac"),
    ("Libourne", "Libourne"),
    ("Arcachon", "Arcachon"),
    ("Médoc", "Lesparre-Médoc"),
    ("Blanquefort", "Blanquefort"),
    ("Bègles", "Bègles"),
)

#: Who runs the sessions, by type (names come from Faker's French pools): (he, she).
_CPIP = ("CPIP", "CPIP")
_PSY = ("psychologue", "psychologue")
_JURISTE = ("juriste", "juriste")
_SOCIAL = ("intervenant social", "intervenante sociale")
_FACILITATOR_ROLES: dict[int, tuple[tuple[str, str], ...]] = {
    _CITOYENNETE: (_CPIP, ("délégué du procureur", "déléguée du procureur"), _JURISTE),
    _ROUTE: (("formateur BAFM", "formatrice BAFM"), _PSY),
    _STUPEFIANTS: (
        ("infirmier en addictologie", "infirmière en addictologie"),
        _PSY,
        ("éducateur spécialisé", "éducatrice spécialisée"),
    ),
    _COUPLE: (_SOCIAL, _PSY, _JURISTE),
    _ACHAT: (_SOCIAL, _JURISTE),
    _PARENTALE: (
        _CPIP,
        _PSY,
        ("conseiller conjugal et familial", "conseillère conjugale et familiale"),
    ),
    _SEXISME: (("juriste du CIDFF", "juriste du CIDFF"), _SOCIAL),
    _ANIMAL: (("vétérinaire", "vétérinaire"), ("soigneur animalier", "soigneuse animalière")),
    _NUMERIQUE: (("animateur numérique", "animatrice numérique"), _JURISTE),
    _PPR: (_CPIP, _PSY),
    _CULTURE: (("médiateur culturel", "médiatrice culturelle"), ("comédien", "comédienne"), _CPIP),
    _SPORT: (("éducateur sportif", "éducatrice sportive"), _CPIP),
    _DROITS: (("assistant social", "assistante sociale"), _JURISTE, _CPIP),
}

#: Themes of the sessions, in order (a session past the list has none).
_THEMES: dict[int, tuple[str, ...]] = {
    _CITOYENNETE: (
        "Accueil, présentation du stage et du groupe",
        "Les valeurs de la République",
        "Droits et devoirs du citoyen",
        "La loi, la justice et la sanction",
    ),
    _ROUTE: (
        "Les accidents de la route et leurs causes",
        "Vitesse, alcool et stupéfiants au volant",
        "Le permis à points et les sanctions",
        "Témoignage et bilan",
    ),
    _STUPEFIANTS: (
        "Les produits et leurs effets",
        "Usage, abus et dépendance",
        "La loi et les risques pénaux",
        "Se faire aider : les ressources de soin",
    ),
    _COUPLE: (
        "Les mécanismes des violences au sein du couple",
        "La loi et les conséquences pour les victimes",
        "Reconnaître et gérer sa colère",
        "Des relations respectueuses et égalitaires",
    ),
    _ACHAT: (
        "Le système prostitutionnel et la loi du 13 avril 2016",
        "Les conséquences pour les personnes prostituées",
    ),
    _PARENTALE: (
        "Les droits et devoirs des parents",
        "Les besoins de l'enfant selon son âge",
        "Autorité, dialogue et limites",
        "Les lieux d'aide à la parentalité",
    ),
    _SEXISME: ("Stéréotypes et discriminations", "L'égalité entre les femmes et les hommes"),
    _ANIMAL: ("Le statut juridique de l'animal", "Les besoins des animaux, la maltraitance"),
    _NUMERIQUE: ("Le cyberharcèlement et ses conséquences", "Les règles de la vie en ligne"),
    _PPR: (
        "Présentation du programme et du groupe",
        "Le parcours et le passage à l'acte",
        "Les émotions et leur gestion",
        "Les relations aux autres",
        "Les conduites à risque",
        "Les victimes et les conséquences des actes",
        "La loi, la sanction et le sens de la peine",
        "Ressources et projets",
        "Séance bilan",
    ),
}

#: The collective actions: (title, organiser or "" for the SPIP itself, venue).
_ACTIVITIES: dict[int, tuple[tuple[str, str, str], ...]] = {
    _CULTURE: (
        (
            "Visite du musée d'Aquitaine",
            "Musée d'Aquitaine, service des publics",
            "Musée d'Aquitaine, Bordeaux",
        ),
        (
            "Atelier théâtre forum",
            "Compagnie Les Tréteaux de l'Estuaire",
            "Centre social et culturel de Mérignac",
        ),
        ("Atelier d'écriture", "", "SPIP de la Gironde, antenne de Bordeaux, salle collective"),
        ("Découverte de la bibliothèque Mériadeck", "", "Bibliothèque Mériadeck, Bordeaux"),
    ),
    _SPORT: (
        (
            "Course d'orientation",
            "Comité départemental UFOLEP de la Gironde",
            "Parc de Majolan, Blanquefort",
        ),
        ("Initiation à l'aviron", "Aviron club de Bègles", "Base nautique de Bègles"),
        (
            "Tournoi de football à cinq",
            "Comité départemental UFOLEP de la Gironde",
            "Complexe sportif de Lormont",
        ),
        ("Randonnée sur le sentier du littoral", "", "Départ : jetée Thiers, Arcachon"),
    ),
    _DROITS: (
        (
            "Ouvrir ses droits : CAF, CPAM, complémentaire santé",
            "",
            "Maison de la justice et du droit de Lormont",
        ),
        (
            "Se loger : démarches et aides",
            "",
            "SPIP de la Gironde, antenne de Bordeaux, salle collective",
        ),
        (
            "Emploi et formation : France Travail, mission locale",
            "",
            "Antenne de Libourne, salle de réunion",
        ),
        (
            "Gérer son budget et ses dettes",
            "",
            "SPIP de la Gironde, antenne de Bordeaux, salle collective",
        ),
    ),
}

#: Hours of one session of a collective action, by type.
_ACTION_HOURS: dict[int, tuple[tuple[time, time], ...]] = {
    _CULTURE: ((time(14), time(17)), (time(14), time(16, 30))),
    _SPORT: ((time(9, 30), time(12)), (time(9), time(12))),
    _DROITS: ((time(14), time(16)), (time(9, 30), time(11, 30))),
}

_NOTES = (
    "Convocations envoyées par courrier et par SMS.",
    "Salle accessible aux personnes à mobilité réduite.",
    "Se munir d'une pièce d'identité pour l'émargement.",
    "Repas libre entre les deux séances.",
)

#: Legal frames of enrolment, with their weights.
_STAGE_CADRES = (
    (Cadre.SURSIS_PROBATOIRE, 35),
    (Cadre.PEINE, 22),
    (Cadre.COMPOSITION, 18),
    (Cadre.ALTERNATIVE, 15),
    (Cadre.CRPC, 10),
)
_PROGRAMME_CADRES = ((Cadre.ACCOMPAGNEMENT, 60), (Cadre.SURSIS_PROBATOIRE, 40))
_COURTS = (("TJ Bordeaux", 60), ("TJ Libourne", 25), ("CA Bordeaux", 15))

_LATE_REASONS = ("", "", "", "Retard du tram", "Arrivé avec 20 minutes de retard")
_EXCUSED_REASONS = (
    "Certificat médical",
    "Convocation France Travail",
    "Garde d'enfant",
    "Rendez-vous médical justifié",
    "Entretien d'embauche (justificatif fourni)",
)
_CORRECTION_REASONS = (
    "Certificat médical transmis après la séance",
    "Justificatif d'hospitalisation reçu",
    "Convocation France Travail produite après coup",
)
_ABANDON_REASONS = (
    "A déclaré ne plus vouloir suivre le stage",
    "Déménagement hors du département",
    "Reprise d'un emploi à temps plein, horaires incompatibles",
    "Ne se présente plus malgré deux relances",
)
_EXCLUSION_REASONS = (
    "Propos menaçants envers un intervenant",
    "Présentation en état d'ébriété",
    "Perturbations répétées du groupe malgré un avertissement",
)

#: (code, weight) for a reliable participant and for a fragile one.
_STEADY = (
    (AttendanceCode.PRESENT, 86),
    (AttendanceCode.LATE, 6),
    (AttendanceCode.EXCUSED, 4),
    (AttendanceCode.UNEXCUSED, 4),
)
_FRAGILE = (
    (AttendanceCode.PRESENT, 60),
    (AttendanceCode.LATE, 12),
    (AttendanceCode.EXCUSED, 12),
    (AttendanceCode.UNEXCUSED, 16),
)


# -- inputs -------------------------------------------------------------------------------


@dataclass(frozen=True)
class CatalogueEntry:
    id: int
    name: str
    kind: ActionKind
    default_minutes: int
    default_price_cents: int


@dataclass(frozen=True)
class Candidate:
    """A person who may be enrolled, and who enrols them (their referent, by name)."""

    person_id: int
    referent_id: int | None
    referent: str


@dataclass(frozen=True)
class Officer:
    """A demonstration account: what attendance records show."""

    login: str
    name: str


@dataclass(frozen=True)
class StageInputs:
    """What the plan depends on, read from the base."""

    #: The built-in catalogue, in its order.
    types: tuple[CatalogueEntry, ...]
    #: People in milieu ouvert with an open file, in a seeded random order.
    people: tuple[Candidate, ...]
    #: The demonstration CPIP's own people among them (so that their list shows stages).
    caseload: tuple[Candidate, ...]
    #: How many such people the base holds (estimated from the sample in a large base).
    eligible: int
    #: The demonstration accounts that record attendance: CPIP, secretariat, DPIP.
    cpip: Officer
    secretariat: Officer
    dpip: Officer


@dataclass
class StagePlan:
    """Rows to insert; references between them are positions in the lists (``*_index``)."""

    stages: list[dict[str, Any]] = field(default_factory=list)
    sessions: list[dict[str, Any]] = field(default_factory=list)
    enrolments: list[dict[str, Any]] = field(default_factory=list)
    #: First records of a cell (``supersedes_id`` empty).
    attendance: list[dict[str, Any]] = field(default_factory=list)
    #: Corrections: ``supersedes_index`` is the position of the record they supersede.
    corrections: list[dict[str, Any]] = field(default_factory=list)


@dataclass(frozen=True)
class StageCounts:
    stages: int = 0
    sessions: int = 0
    enrolments: int = 0
    attendance: int = 0


# -- reading the base ---------------------------------------------------------------------


def _agent_name(given: str, surname: str) -> str:
    """As :func:`demo.add_demo_accounts` names an account: ``Élodie LEFÈVRE``."""
    return f"{given} {surname.upper()}"


def _officers(connection: Connection) -> tuple[Officer, Officer, Officer, int | None]:
    """The CPIP, secretariat and DPIP demonstration accounts as add_demo_accounts will
    create them (same agents, same names), and the demonstration CPIP's agent id."""
    logins = {a.role: a.login for a in DEMO_ACCOUNTS}
    caseload = (
        select(func.count()).where(m.PersonRow.referent_id == m.AgentRow.id).scalar_subquery()
    )
    cpip = connection.execute(
        select(m.AgentRow.id, m.AgentRow.given_name, m.AgentRow.surname)
        .where(m.AgentRow.role == AgentRole.CPIP)
        .order_by(caseload.desc(), m.AgentRow.id)
        .limit(1)
    ).first()
    officers = []
    for role, agent_role in (
        (Role.SECRETARIAT, AgentRole.SECRETARIAT),
        (Role.DPIP, AgentRole.DPIP),
    ):
        agent = connection.execute(
            select(m.AgentRow.given_name, m.AgentRow.surname)
            .where(m.AgentRow.role == agent_role)
            .order_by(m.AgentRow.id)
            .limit(1)
        ).first()
        name = _agent_name(agent.given_name, agent.surname) if agent else "Agent de démonstration"
        officers.append(Officer(logins.get(role, role.value), name))
    cpip_officer = Officer(
        logins.get(Role.CPIP, "cpip"),
        _agent_name(cpip.given_name, cpip.surname) if cpip else "Agent de démonstration",
    )
    return cpip_officer, officers[0], officers[1], cpip.id if cpip else None


def _eligible(*conditions: Any) -> Any:
    return select(m.PersonRow.id, m.PersonRow.referent_id).where(
        m.PersonRow.regime == Regime.MILIEU_OUVERT, m.PersonRow.closed_on.is_(None), *conditions
    )


def read_inputs(connection: Connection, seed: int) -> StageInputs:
    """The catalogue, a seeded sample of the people in milieu ouvert and the demo accounts.

    A large base is sampled (a few hundred people are enough), so that the time this
    takes does not grow with the base.
    """
    rnd = random.Random(seed * 7_919 + 1)
    types = tuple(
        CatalogueEntry(r.id, r.name, r.kind, r.default_minutes, r.default_price_cents)
        for r in connection.execute(
            select(
                m.StageTypeRow.id,
                m.StageTypeRow.name,
                m.StageTypeRow.kind,
                m.StageTypeRow.default_minutes,
                m.StageTypeRow.default_price_cents,
            )
            .where(m.StageTypeRow.official.is_(True), m.StageTypeRow.active.is_(True))
            .order_by(m.StageTypeRow.position, m.StageTypeRow.id)
        )
    )
    names = {
        r.id: _agent_name(r.given_name, r.surname)
        for r in connection.execute(
            select(m.AgentRow.id, m.AgentRow.given_name, m.AgentRow.surname).where(
                m.AgentRow.role == AgentRole.CPIP
            )
        )
    }
    cpip, secretariat, dpip, cpip_agent = _officers(connection)

    def candidate(person_id: int, referent_id: int | None) -> Candidate:
        return Candidate(person_id, referent_id, names.get(referent_id or 0, secretariat.name))

    low, high = connection.execute(select(func.min(m.PersonRow.id), func.max(m.PersonRow.id))).one()
    people: list[Candidate] = []
    eligible = 0
    if low is not None:
        span = high - low + 1
        if span <= SAMPLE_IDS:
            rows = connection.execute(_eligible().order_by(m.PersonRow.id)).all()
            people = [candidate(r.id, r.referent_id) for r in rows]
            rnd.shuffle(people)
            eligible = len(people)
        else:
            ids = rnd.sample(range(low, high + 1), SAMPLE_IDS)
            found: dict[int, int | None] = {}
            for chunk in _chunks(ids, IN_CHUNK):
                found.update(
                    (r.id, r.referent_id)
                    for r in connection.execute(_eligible(m.PersonRow.id.in_(chunk)))
                )
            people = [candidate(i, found[i]) for i in ids if i in found]
            eligible = round(len(people) * span / SAMPLE_IDS)
    # A 24th of the sample or so: a few dozen people, enough for the stages.
    caseload = [p for p in people if cpip_agent is not None and p.referent_id == cpip_agent]
    return StageInputs(types, tuple(people), tuple(caseload), eligible, cpip, secretariat, dpip)


def _chunks(values: Sequence[int], size: int) -> Iterator[list[int]]:
    for start in range(0, len(values), size):
        yield list(values[start : start + size])


# -- the plan -----------------------------------------------------------------------------


def stage_count(eligible: int) -> int:
    """About 30 stages; fewer in a small base, never fewer than one of each type."""
    return min(FULL_STAGES, max(len(OFFICIAL_CATALOGUE), eligible // PEOPLE_PER_STAGE))


def _weighted(rnd: random.Random, choices: Sequence[tuple[Any, int]]) -> Any:
    return rnd.choices([c for c, _ in choices], [w for _, w in choices])[0]


def _easter(year: int) -> date:
    """Easter Sunday (anonymous Gregorian algorithm)."""
    a, b, c = year % 19, year // 100, year % 100
    d, e = divmod(b, 4)
    g = (8 * b + 13) // 25
    h = (19 * a + b - d - g + 15) % 30
    i, k = divmod(c, 4)
    l_ = (32 + 2 * e + 2 * i - h - k) % 7
    m_ = (a + 11 * h + 22 * l_) // 451
    month, day = divmod(h + l_ - 7 * m_ + 114, 31)
    return date(year, month, day + 1)


_FIXED_HOLIDAYS = {(1, 1), (5, 1), (5, 8), (7, 14), (8, 15), (11, 1), (11, 11), (12, 25)}


def _open(day: date) -> bool:
    """A working day: not a weekend, a public holiday or the Christmas week."""
    if day.weekday() >= 5 or (day.month, day.day) in _FIXED_HOLIDAYS:
        return False
    if (day.month == 12 and day.day >= 24) or (day.month == 1 and day.day == 2):
        return False
    easter = _easter(day.year)
    return day not in {easter + timedelta(days=n) for n in (1, 39, 50)}


def _next_open(day: date, weekdays: Sequence[int] = range(5), length: int = 1) -> date:
    """The first working day from ``day`` on, among ``weekdays``, that starts ``length``
    working days in a row."""
    while day.weekday() not in weekdays or not all(
        _open(day + timedelta(days=n)) for n in range(length)
    ):
        day += timedelta(days=1)
    return day


def _stage_days(entry: CatalogueEntry) -> int:
    """Days of a stage: 6 hours a day, the most the law allows (12 hours: two days)."""
    return max(1, min(4, round(entry.default_minutes / MAX_STAGE_MINUTES_PER_DAY)))


def _position(entry: CatalogueEntry) -> int:
    """The entry's position in the built-in catalogue (-1 for an entry not in it)."""
    return next((i for i, d in enumerate(OFFICIAL_CATALOGUE) if d.name == entry.name), -1)


@dataclass
class _Session:
    index: int
    day: date
    start: time
    end: time


@dataclass
class _Enrolment:
    index: int
    end: EndKind | None = None
    fragile: bool = False


class _Planner:
    def __init__(self, seed: int, today: date, inputs: StageInputs) -> None:
        # Its own stream: the people generated before do not change.
        self.rnd = random.Random(seed * 7_919 + 2)
        self.today = today
        self.inputs = inputs
        self.plan = StagePlan()
        from faker.providers.person.fr_FR import Provider

        self.surnames = [str(n) for n in Provider.last_names]
        self.male = [str(n) for n in Provider.first_names_male]
        self.female = [str(n) for n in Provider.first_names_female]
        self.people = _Cycle(list(inputs.people))
        self.caseload = _Cycle(list(inputs.caseload))
        #: Per stage: its sessions already held and its enrolments.
        self.held: list[tuple[int, list[_Session], list[_Enrolment]]] = []
        #: The programme under way today.
        self.running: int | None = None

    # -- stages and sessions -----------------------------------------------------------
    def sessions_of(
        self, entry: CatalogueEntry, position: int, first: date
    ) -> list[tuple[date, time, time, str]]:
        """Days and hours: 9 h-12 h and 13 h 30-16 h 30 (6 hours) on each day of a stage,
        weekly for a programme or an action."""
        rnd = self.rnd
        themes = _THEMES.get(position, ())
        slots: list[tuple[date, time, time]] = []
        if entry.kind is ActionKind.STAGE:
            for n in range(_stage_days(entry)):
                day = first + timedelta(days=n)
                slots.extend((day, start, end) for start, end in (MORNING, AFTERNOON))
        elif entry.kind is ActionKind.PPR:
            # 8 weekly group sessions of 2 hours, and the review a week later.
            for week in range(9):
                slots.append((_next_open(first + timedelta(weeks=week)), time(14), time(16)))
        else:
            hours = _ACTION_HOURS.get(position, ((time(14), time(16, 30)),))
            start, end = rnd.choice(hours)
            count = 1 if position == _DROITS and rnd.random() < 0.6 else rnd.randint(1, 3)
            slots.extend((_next_open(first + timedelta(weeks=w)), start, end) for w in range(count))
        return [
            (day, start, end, themes[i] if i < len(themes) else "")
            for i, (day, start, end) in enumerate(slots)
        ]

    def first_day(self, entry: CatalogueEntry, around: date) -> date:
        if entry.kind is ActionKind.PPR:
            return _next_open(around, (1, 3))  # Tuesdays or Thursdays
        if entry.kind is ActionKind.STAGE:
            return _next_open(around, length=_stage_days(entry))  # days in a row
        return _next_open(around)

    def facilitators(self, position: int) -> str:
        rnd = self.rnd
        roles = _FACILITATOR_ROLES.get(position, (_CPIP,))
        people = []
        for he, she in rnd.sample(roles, min(len(roles), rnd.randint(1, 2))):
            female = rnd.random() < 0.6
            given = rnd.choice(self.female if female else self.male)
            people.append(f"{given} {rnd.choice(self.surnames).upper()} ({she if female else he})")
        return ", ".join(people)

    def add_stage(self, entry: CatalogueEntry, first: date) -> None:
        rnd = self.rnd
        position = _position(entry)
        sessions = self.sessions_of(entry, position, first)
        if position in _ACTIVITIES:
            title, organiser, venue = rnd.choice(_ACTIVITIES[position])
        else:
            organiser, venue = rnd.choice(
                _ORGANISERS.get(position, (("", "SPIP de la Gironde, salle collective"),))
            )
            city = next((c for key, c in _CITIES if key in venue), "Bordeaux")
            title = f"{MONTHS[first.month - 1]} {first.year} ({city})"
        if entry.kind is ActionKind.STAGE:
            price = min(entry.default_price_cents, MAX_STAGE_PRICE_CENTS)
            capacity = rnd.randint(8, 15)
        else:
            price = entry.default_price_cents
            capacity = rnd.randint(8, 12)
        stage_index = len(self.plan.stages)
        created = datetime.combine(first - timedelta(days=rnd.randint(50, 80)), time(10, 30))
        created = min(created, datetime.combine(self.today, time(8)))
        self.plan.stages.append(
            {
                "type_id": entry.id,
                "title": title,
                "organiser_kind": OrganiserKind.PARTNER if organiser else OrganiserKind.SPIP,
                "organiser_name": organiser,
                "organiser_partner_id": None,
                "venue": venue,
                "capacity": capacity,
                "price_cents": price,
                # A programme validates with one session missed; the others need them all.
                "required_minutes": 16 * 60 if entry.kind is ActionKind.PPR else None,
                "facilitators": self.facilitators(position),
                "notes": rnd.choice(_NOTES) if rnd.random() < 0.3 else "",
                "capacity_override_reason": "",
                "first_day": sessions[0][0],
                "last_day": sessions[-1][0],
                "version": 1,
                "created_at": created,
                "updated_at": created,
            }
        )
        held: list[_Session] = []
        for day, start, end, label in sessions:
            index = len(self.plan.sessions)
            self.plan.sessions.append(
                {
                    "stage_index": stage_index,
                    "day": day,
                    "start_time": start,
                    "end_time": end,
                    "label": label,
                    "version": 1,
                    "created_at": created,
                    "updated_at": created,
                }
            )
            if day < self.today:
                held.append(_Session(index, day, start, end))
        enrolments = self.enrol(stage_index, entry.kind, first, capacity)
        self.held.append((stage_index, held, enrolments))

    # -- enrolments --------------------------------------------------------------------
    def enrol(
        self, stage_index: int, kind: ActionKind, first: date, capacity: int
    ) -> list[_Enrolment]:
        rnd = self.rnd
        wanted = min(rnd.randint(5, 12), capacity)
        chosen: dict[int, Candidate] = {}
        if self.caseload and rnd.random() < 0.5:
            own = self.caseload.next()
            chosen[own.person_id] = own
        for _ in range(len(self.people)):
            if len(chosen) >= wanted:
                break
            person = self.people.next()
            chosen.setdefault(person.person_id, person)
        enrolments = []
        for person in chosen.values():
            cadre: Cadre = _weighted(
                rnd, _STAGE_CADRES if kind is ActionKind.STAGE else _PROGRAMME_CADRES
            )
            enrolled_on = min(
                first - timedelta(days=rnd.randint(10, 45)),
                self.today - timedelta(days=rnd.randint(0, 6)),
            )
            final_date, reference = self.decision(cadre, first, enrolled_on)
            by = person.referent if rnd.random() < 0.75 else self.inputs.secretariat.name
            index = len(self.plan.enrolments)
            stamp = datetime.combine(enrolled_on, time(rnd.randint(9, 17), rnd.randint(0, 59)))
            self.plan.enrolments.append(
                {
                    "stage_index": stage_index,
                    "person_id": person.person_id,
                    "cadre": cadre,
                    "decision_reference": reference,
                    "final_date": final_date,
                    "enrolled_on": enrolled_on,
                    "enrolled_by": by,
                    "capacity_override_reason": "",
                    "end_kind": None,
                    "end_day": None,
                    "end_reason": "",
                    "version": 1,
                    "created_at": stamp,
                    "updated_at": stamp,
                }
            )
            enrolments.append(_Enrolment(index, fragile=rnd.random() < 0.15))
        return enrolments

    def decision(self, cadre: Cadre, first: date, enrolled_on: date) -> tuple[date | None, str]:
        """The conviction's final date (1 to 5 months before the stage, sometimes more:
        the 6-month deadline is then missed) and the decision's reference."""
        rnd = self.rnd
        number = rnd.randint(100, 9_999)
        if cadre.follows_conviction:
            months = rnd.randint(1, 5) if rnd.random() < 0.9 else rnd.randint(6, 7)
            final = add_months(first, -months) - timedelta(days=rnd.randint(0, 20))
            final = min(final, enrolled_on - timedelta(days=rnd.randint(3, 15)))
            court = "TJ Bordeaux" if cadre is Cadre.CRPC else _weighted(rnd, _COURTS)
            return final, f"{court} — {final.year % 100:02d}/{number:05d}"
        if cadre is Cadre.COMPOSITION:
            return None, f"Parquet de Bordeaux — CP {enrolled_on.year % 100:02d}/{number:05d}"
        if cadre is Cadre.ALTERNATIVE:
            return None, f"Parquet de Bordeaux — {enrolled_on.year % 100:02d}/{number:05d}"
        return None, ""

    # -- attendance --------------------------------------------------------------------
    def record_all(self) -> None:
        """Attendance of the sessions held, except the latest one of one or two stages."""
        rnd = self.rnd
        blank: set[int] = set()
        with_past = [(s, h, e) for s, h, e in self.held if h and e]
        if self.running is not None:
            held = next((h for s, h, _ in with_past if s == self.running), [])
            if held:
                blank.add(held[-1].index)
        latest = max(
            (x for x in with_past if x[0] != self.running and x[1][-1].index not in blank),
            key=lambda x: (x[1][-1].day, x[1][-1].end),
            default=None,
        )
        if latest is not None and latest[1][-1].day >= self.today - timedelta(days=21):
            blank.add(latest[1][-1].index)
        # Who leaves: one or two exclusions, a few withdrawals (at least one).
        recorded = [(s, [x for x in h if x.index not in blank], e) for s, h, e in with_past]
        long_enough = [x for x in recorded if len(x[1]) >= 2]
        for _s, _h, enrolments in rnd.sample(long_enough, min(len(long_enough), rnd.randint(1, 2))):
            rnd.choice(enrolments).end = EndKind.EXCLU
        for _s, _h, enrolments in long_enough:
            for enrolment in enrolments:
                if enrolment.end is None and rnd.random() < 0.035:
                    enrolment.end = EndKind.ABANDON
        if long_enough and not any(
            e.end is EndKind.ABANDON for _s, _h, es in long_enough for e in es
        ):
            free = [e for _s, _h, es in long_enough for e in es if e.end is None]
            if free:
                rnd.choice(free).end = EndKind.ABANDON
        unexcused: list[int] = []
        for stage_index, sessions, enrolments in recorded:
            if not sessions:
                continue
            # One grid saved per session: same officer and time for all its cells.
            officers = {s.index: self.officer_of(stage_index) for s in sessions}
            times = {s.index: self.recorded_at(s) for s in sessions}
            all_sessions = self.sessions_by_stage(stage_index)
            for enrolment in enrolments:
                kept = sessions
                if enrolment.end is not None and len(sessions) >= 2:
                    cut = rnd.randint(1, max(1, min(len(sessions) - 1, len(sessions) // 2 + 1)))
                    kept = sessions[:cut]
                    self.end(enrolment, kept[-1], all_sessions)
                for number, session in enumerate(kept, start=1):
                    last = number == len(kept)
                    if enrolment.end is EndKind.EXCLU and last:
                        code = AttendanceCode.PRESENT  # excluded during this session
                    elif enrolment.end is EndKind.ABANDON and last and rnd.random() < 0.5:
                        code = AttendanceCode.UNEXCUSED
                    else:
                        code = _weighted(rnd, _FRAGILE if enrolment.fragile else _STEADY)
                    reason = ""
                    if code is AttendanceCode.LATE:
                        reason = rnd.choice(_LATE_REASONS)
                    elif code is AttendanceCode.EXCUSED:
                        reason = rnd.choice(_EXCUSED_REASONS)
                    at, officer = times[session.index], officers[session.index]
                    if code is AttendanceCode.UNEXCUSED and self.next_working_day(at) < self.today:
                        unexcused.append(len(self.plan.attendance))
                    self.plan.attendance.append(
                        {
                            "enrolment_index": enrolment.index,
                            "session_index": session.index,
                            "code": code,
                            "reason": reason,
                            "recorded_at": at,
                            "recorded_by_login": officer.login,
                            "recorded_by": officer.name,
                        }
                    )
        self.correct(unexcused)

    def correct(self, unexcused: list[int]) -> None:
        """Some unexcused absences become excused a day later, entered by someone else."""
        rnd = self.rnd
        chosen = [i for i in unexcused if rnd.random() < 0.3]
        if not chosen and unexcused:
            chosen = [rnd.choice(unexcused)]
        officers = (self.inputs.cpip, self.inputs.secretariat, self.inputs.dpip)
        for index in chosen:
            first = self.plan.attendance[index]
            other = rnd.choice([o for o in officers if o.login != first["recorded_by_login"]])
            at = datetime.combine(
                self.next_working_day(first["recorded_at"]),
                time(rnd.randint(9, 16), rnd.randint(0, 59)),
            )
            self.plan.corrections.append(
                {
                    "enrolment_index": first["enrolment_index"],
                    "session_index": first["session_index"],
                    "code": AttendanceCode.EXCUSED,
                    "reason": rnd.choice(_CORRECTION_REASONS),
                    "recorded_at": at,
                    "recorded_by_login": other.login,
                    "recorded_by": other.name,
                    "supersedes_index": index,
                }
            )

    @staticmethod
    def next_working_day(at: datetime) -> date:
        return _next_open(at.date() + timedelta(days=1))

    def end(self, enrolment: _Enrolment, last: _Session, sessions: list[_Session]) -> None:
        """Withdrawal or exclusion after ``last``: nothing recorded after it."""
        rnd = self.rnd
        row = self.plan.enrolments[enrolment.index]
        assert enrolment.end is not None
        if enrolment.end is EndKind.EXCLU:
            day = last.day
            reason = rnd.choice(_EXCLUSION_REASONS)
        else:
            following = [s.day for s in sessions if s.day > last.day]
            limit = min([*following, self.today]) - timedelta(days=1)
            day = max(last.day, min(last.day + timedelta(days=rnd.randint(0, 3)), limit))
            reason = rnd.choice(_ABANDON_REASONS)
        stamp = datetime.combine(day, time(rnd.randint(9, 17), rnd.randint(0, 59)))
        row.update(
            end_kind=enrolment.end, end_day=day, end_reason=reason, version=2, updated_at=stamp
        )

    def sessions_by_stage(self, stage_index: int) -> list[_Session]:
        return [
            _Session(i, s["day"], s["start_time"], s["end_time"])
            for i, s in enumerate(self.plan.sessions)
            if s["stage_index"] == stage_index
        ]

    def officer_of(self, stage_index: int) -> Officer:
        """Who enters a stage's attendance: its CPIP, or the secretariat for a partner's."""
        inputs = self.inputs
        choices: tuple[tuple[Officer, int], ...]
        if self.plan.stages[stage_index]["organiser_kind"] is OrganiserKind.PARTNER:
            choices = ((inputs.secretariat, 3), (inputs.cpip, 1))
        else:
            choices = ((inputs.cpip, 3), (inputs.secretariat, 1), (inputs.dpip, 1))
        officer: Officer = _weighted(self.rnd, choices)
        return officer

    def recorded_at(self, session: _Session) -> datetime:
        """Shortly after the session, or the next morning when that day is over too."""
        rnd = self.rnd
        ended = datetime.combine(session.day, session.end)
        morning = _next_open(session.day + timedelta(days=1))
        if rnd.random() < 0.2 and morning < self.today:
            return datetime.combine(morning, time(9, rnd.randint(0, 59)))
        return ended + timedelta(minutes=rnd.randint(5, 50))

    # -- all of it ---------------------------------------------------------------------
    def run(self) -> StagePlan:
        rnd = self.rnd
        types = list(self.inputs.types)
        if not types:
            return self.plan
        count = max(stage_count(self.inputs.eligible), len(types))
        chosen = types + rnd.choices(
            types,
            [_EXTRA_WEIGHTS[p] if (p := _position(t)) >= 0 else 1 for t in types],
            k=count - len(types),
        )
        rnd.shuffle(chosen)
        # A programme under way today, its latest session still to fill in.
        ppr = next((t for t in chosen if t.kind is ActionKind.PPR), None)
        if ppr is not None:
            chosen.remove(ppr)
            self.running = 0
            start = self.today - timedelta(weeks=rnd.randint(3, 5))
            self.add_stage(ppr, self.first_day(ppr, start))
        span = PAST_DAYS + AHEAD_DAYS
        for i, entry in enumerate(chosen):
            offset = int(span * (i + rnd.uniform(0.15, 0.85)) / len(chosen))
            around = self.today - timedelta(days=PAST_DAYS - offset)
            self.add_stage(entry, self.first_day(entry, around))
        self.record_all()
        return self.plan


class _Cycle:
    """People in turn, starting again when everyone had a stage."""

    def __init__(self, items: list[Candidate]) -> None:
        self.items = items
        self.position = 0

    def __len__(self) -> int:
        return len(self.items)

    def __bool__(self) -> bool:
        return bool(self.items)

    def next(self) -> Candidate:
        item = self.items[self.position % len(self.items)]
        self.position += 1
        return item


def plan_stages(seed: int, today: date, inputs: StageInputs) -> StagePlan:
    """The rows to write: a pure function of its arguments."""
    return _Planner(seed, today, inputs).run()


# -- writing ------------------------------------------------------------------------------


def _insert(connection: Connection, model: Any, rows: list[dict[str, Any]]) -> list[int]:
    """Insert ``rows`` in one batched statement; their new ids, in the rows' order."""
    if not rows:
        return []
    statement = insert(model).returning(model.id, sort_by_parameter_order=True)
    return [row[0] for row in connection.execute(statement, rows)]


def write_plan(connection: Connection, plan: StagePlan) -> StageCounts:
    """Insert a plan's rows, turning its positions into the new ids (and the organisers'
    and venues' names into the directory's partners)."""

    def resolved(rows: list[dict[str, Any]], **ids: list[int]) -> list[dict[str, Any]]:
        out = []
        for row in rows:
            row = dict(row)
            for name, values in ids.items():
                row[f"{name}_id"] = values[row.pop(f"{name}_index")]
            out.append(row)
        return out

    partners = partner_ids(connection)
    stage_rows = [
        {
            **row,
            "organiser_partner_id": partners.get(row["organiser_name"])
            if row["organiser_kind"] is OrganiserKind.PARTNER
            else None,
            "venue_partner_id": partners.get(VENUE_PARTNERS.get(row["venue"], "")),
        }
        for row in plan.stages
    ]
    stage_ids = _insert(connection, m.StageRow, stage_rows)
    session_ids = _insert(connection, m.StageSessionRow, resolved(plan.sessions, stage=stage_ids))
    enrolment_ids = _insert(connection, m.EnrolmentRow, resolved(plan.enrolments, stage=stage_ids))
    first_ids = _insert(
        connection,
        m.AttendanceRow,
        resolved(plan.attendance, enrolment=enrolment_ids, session=session_ids),
    )
    _insert(
        connection,
        m.AttendanceRow,
        resolved(
            plan.corrections, enrolment=enrolment_ids, session=session_ids, supersedes=first_ids
        ),
    )
    return StageCounts(
        len(stage_ids),
        len(session_ids),
        len(enrolment_ids),
        len(first_ids) + len(plan.corrections),
    )


def populate_stages(connection: Connection, seed: int, today: date) -> StageCounts:
    """Generate the demonstration stages, unless the base has stages already."""
    if connection.scalar(select(func.count()).select_from(m.StageRow)):
        return StageCounts()
    # The organisers and venues are partners of the directory (made here if missing).
    demo_partners(connection, random.Random(seed * 7_919 + 3), today)
    inputs = read_inputs(connection, seed)
    return write_plan(connection, plan_stages(seed, today, inputs))
