"""Bulk generation of fictitious people for demonstrations and benchmarks.

Rows are written with Core ``INSERT`` statements in large batches (no ORM
objects; ``COPY`` on PostgreSQL), which keeps 250,000 people under a minute on
a 2-core machine.
The same seed and reference date always give the same data.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Iterator
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, replace
from datetime import date, timedelta
from multiprocessing import get_context
from typing import Any

from sqlalchemy import Connection, Engine, func, insert, select

from ..domain import rules
from ..domain.dates import add_months, add_years
from ..domain.enums import (
    AgentRole,
    EstablishmentKind,
    MeasureType,
    ObligationType,
    Regime,
    Sex,
)
from ..domain.model import MeasureDraft
from ..domain.security import DEMO_ACCOUNTS, Role, encode_roles
from ..domain.service_settings import ServiceSettings
from ..domain.text import given_names_sort_key, name_sort_key, search_document
from . import models as m
from .models import utcnow
from .search import bulk_load

BATCH = 10_000

# Names chosen to exercise search and sorting: accents, ligatures, hyphens,
# apostrophes and particles.
SPECIAL_SURNAMES = (
    "Cœur",
    "L'Hôpital",
    "de La Fontaine",
    "Lefèvre",
    "N'Diaye",
    "Le Bihan",
    "Œuvray",
    "Béranger",
    "Da Silva",
    "Saint-Just",
    "d'Arçon",
    "Lætitier",
    "Müller",
    "Nguyễn",
)
SPECIAL_FEMALE = ("Hélène", "Lætitia", "Anaïs", "Maëlle", "Zoé", "Gaëlle", "Noémie", "Chloé")
SPECIAL_MALE = ("François", "Jean-Noël", "Loïc", "Jérôme", "Benoît", "Joël", "Cédric", "Aurélien")

ANTENNES = (
    ("Antenne de Bordeaux", "BDX", "12 rue du Palais de l'Ombrière, 33000 Bordeaux"),
    ("Antenne de Libourne", "LIB", "5 place Abel Surchamp, 33500 Libourne"),
    ("Antenne d'Arcachon", "ARC", "18 avenue du Général de Gaulle, 33120 Arcachon"),
    ("Antenne de Gradignan (milieu fermé)", "GRA", "Rue de Loret, 33170 Gradignan"),
)
ESTABLISHMENTS = (
    (
        "Centre pénitentiaire de Bordeaux-Gradignan",
        EstablishmentKind.CENTRE_PENITENTIAIRE,
        "Gradignan",
    ),
    ("SAS de Gradignan", EstablishmentKind.SAS, "Gradignan"),
    ("Centre de détention de Mauzac", EstablishmentKind.CENTRE_DETENTION, "Mauzac"),
    ("Maison d'arrêt de Mont-de-Marsan", EstablishmentKind.MAISON_ARRET, "Mont-de-Marsan"),
    ("Centre de semi-liberté de Bordeaux", EstablishmentKind.CENTRE_SEMI_LIBERTE, "Bordeaux"),
    ("SAS de Marseille", EstablishmentKind.SAS, "Marseille"),
)
COURTS = (
    "Tribunal judiciaire de Bordeaux",
    "Tribunal judiciaire de Libourne",
    "Cour d'appel de Bordeaux",
    "Tribunal judiciaire de Périgueux",
)
JAPS = ("Mme Claire Besson", "M. Antoine Lagarde", "Mme Sophie Marchetti", "M. Julien Darrieux")
CITIES = (
    ("33000", "Bordeaux"),
    ("33500", "Libourne"),
    ("33120", "Arcachon"),
    ("33600", "Pessac"),
    ("33700", "Mérignac"),
    ("33400", "Talence"),
    ("33170", "Gradignan"),
    ("33300", "Bordeaux"),
)
STREETS = ("rue", "avenue", "cours", "allée", "impasse", "place", "chemin")
OPEN_MEASURES = (
    MeasureType.SURSIS_PROBATOIRE,
    MeasureType.SURSIS_PROBATOIRE,
    MeasureType.SURSIS_PROBATOIRE,
    MeasureType.SURSIS_PROBATOIRE_RENFORCE,
    MeasureType.TIG,
    MeasureType.TIG,
    MeasureType.DDSE,
    MeasureType.LIBERATION_CONDITIONNELLE,
    MeasureType.SEMI_LIBERTE,
    MeasureType.PLACEMENT_EXTERIEUR,
    MeasureType.LIBERATION_SOUS_CONTRAINTE,
    MeasureType.SUIVI_SOCIO_JUDICIAIRE,
    MeasureType.CONTROLE_JUDICIAIRE,
    MeasureType.PEINE_DE_STAGE,
    MeasureType.AJOURNEMENT_PROBATION,
    MeasureType.SME,
    MeasureType.CONTRAINTE_PENALE,
)
OBLIGATIONS = tuple(o for o in ObligationType if o is not ObligationType.AUTRE)
#: Share of the measures cancelled (a few weeks after their decision).
CANCELLED_SHARE = 0.01
#: How long ago a detainee arrived in the current establishment: a SAS, or another one.
SAS_ARRIVAL_MONTHS = 18
ARRIVAL_YEARS = 3


@dataclass(frozen=True)
class DemoSummary:
    persons: int
    measures: int
    obligations: int
    stages: int = 0
    enrolments: int = 0


def _name_pools() -> tuple[list[str], list[str], list[str]]:
    from faker.providers.person.fr_FR import Provider

    surnames = [str(n) for n in Provider.last_names]
    female = [str(n) for n in Provider.first_names_female]
    male = [str(n) for n in Provider.first_names_male]
    return surnames, female, male


class _Generator:
    def __init__(
        self,
        seed: int,
        today: date,
        agents: list[int],
        antennes: list[int],
        establishments: list[int],
        sas_ids: list[int],
    ) -> None:
        self.rnd = random.Random(seed)
        # The facts added by schema 0005 (cancellations, arrival dates) draw from their
        # own stream: the people and measures of a seed stay those of earlier versions.
        self.facts = random.Random(f"{seed}-0005")
        self.today = today
        self.agents = agents
        self.antennes = antennes
        self.establishments = establishments
        self.sas_ids = sas_ids
        self.surnames, self.female, self.male = _name_pools()

    def _pick_name(self, sex: Sex) -> tuple[str, str, str]:
        rnd = self.rnd
        surname = rnd.choice(SPECIAL_SURNAMES) if rnd.random() < 0.04 else rnd.choice(self.surnames)
        if sex is Sex.FEMALE:
            pool, special = self.female, SPECIAL_FEMALE
        else:
            pool, special = self.male, SPECIAL_MALE
        first = rnd.choice(special) if rnd.random() < 0.08 else rnd.choice(pool)
        given = first if rnd.random() < 0.6 else f"{first}, {rnd.choice(pool)}"
        usage = rnd.choice(self.surnames) if sex is Sex.FEMALE and rnd.random() < 0.12 else ""
        return surname, given, usage

    def _date_between(self, start: date, end: date, rnd: random.Random | None = None) -> date:
        span = max((end - start).days, 0)
        return start + timedelta(days=(rnd or self.rnd).randint(0, span))

    def _cancelled(self, measures: list[MeasureDraft]) -> list[MeasureDraft]:
        """About one measure in a hundred cancelled, two to eight weeks after its decision."""
        drafts = []
        for draft in measures:
            if self.facts.random() < CANCELLED_SHARE and draft.decision_date is not None:
                day = draft.decision_date + timedelta(days=self.facts.randint(14, 56))
                draft = replace(draft, cancelled_on=min(day, self.today))
            drafts.append(draft)
        return drafts

    def _arrival(self, measures: list[MeasureDraft], sas: bool, until: date) -> date:
        """When a detainee arrived in the establishment: within the last 18 months for a
        SAS, 3 years otherwise; not before the decision, nor after ``until``."""
        earliest = (
            add_months(until, -SAS_ARRIVAL_MONTHS) if sas else add_years(until, -ARRIVAL_YEARS)
        )
        decided = [m.decision_date for m in measures if m.decision_date is not None]
        if decided:
            earliest = max(earliest, min(min(decided), until))
        return self._date_between(earliest, until, self.facts)

    def person(self, index: int) -> tuple[dict[str, Any], list[MeasureDraft]]:
        rnd = self.rnd
        sex = Sex.FEMALE if rnd.random() < 0.1 else Sex.MALE
        surname, given, usage = self._pick_name(sex)
        birth = self._date_between(date(1950, 1, 1), add_years(self.today, -19))
        closed = rnd.random() < 0.12
        regime = Regime.MILIEU_FERME if rnd.random() < 0.29 else Regime.MILIEU_OUVERT
        generated = self._measures(regime, current=not closed)
        measures = self._cancelled(generated)
        ended = max((rules.measure_end(m) or self.today for m in measures), default=self.today)
        postal, city = rnd.choice(CITIES)
        file_number = f"{2015 + index % 12}-{index + 1:06d}"
        establishment_id = None
        if regime is Regime.MILIEU_FERME:
            # (the draw is made as before cancellations existed, to keep the seed's people)
            drawn = rules.is_sas_eligible(
                regime, rules.key_dates(generated).sentence_end, self.today
            )
            eligible = rules.is_sas_eligible(
                regime, rules.key_dates(measures).sentence_end, self.today
            )
            if drawn and self.sas_ids and rnd.random() < 0.25 and eligible:
                establishment_id = rnd.choice(self.sas_ids)
            else:
                establishment_id = rnd.choice(self.establishments)
        phone = (
            f"0{rnd.choice('67')} {rnd.randint(10, 99)} {rnd.randint(10, 99)} "
            f"{rnd.randint(10, 99)} {rnd.randint(10, 99)}"
        )
        row = {
            "file_number": file_number,
            "surname": surname,
            "usage_name": usage,
            "given_names": given,
            "birth_date": birth,
            "birth_place": rnd.choice(CITIES)[1],
            "sex": sex.value,
            "address": f"{rnd.randint(1, 120)} {rnd.choice(STREETS)} {rnd.choice(self.surnames)}",
            "postal_code": postal,
            "city": city,
            "phone": phone,
            "email": "",
            "appi_number": f"{rnd.randint(10**9, 10**10 - 1)}" if rnd.random() < 0.7 else "",
            "ecrou_number": f"{rnd.randint(10000, 99999)}" if regime is Regime.MILIEU_FERME else "",
            "regime": regime.value,
            "establishment_id": establishment_id,
            "referent_id": rnd.choice(self.agents) if self.agents else None,
            "antenne_id": rnd.choice(self.antennes) if self.antennes else None,
            "establishment_since": None,
            "closed_on": min(ended + timedelta(days=rnd.randint(0, 60)), self.today)
            if closed
            else None,
            "closure_reason": "fin_de_mesure" if closed else None,
            "closure_note": "",
            "sort_key": name_sort_key(surname, given),
            "given_sort_key": given_names_sort_key(surname, given),
            "search_text": search_document(surname, usage, given, file_number),
        }
        if establishment_id is not None:
            closed_on = row["closed_on"]
            until = closed_on if isinstance(closed_on, date) else self.today
            row["establishment_since"] = self._arrival(
                measures, establishment_id in self.sas_ids, until
            )
        key = rules.key_dates(measures)
        row["main_measure_type"] = key.main_measure_type.value if key.main_measure_type else None
        row["main_measure_end"] = key.end_date
        row["sentence_end"] = key.sentence_end
        return row, measures

    def _measures(self, regime: Regime, current: bool) -> list[MeasureDraft]:
        """One or two measures; an open file's main measure is still running today."""
        rnd = self.rnd
        today = self.today
        if regime is Regime.MILIEU_FERME:
            if current:
                sentence_end = self._date_between(add_months(today, 1), add_years(today, 6))
            else:
                sentence_end = self._date_between(add_years(today, -3), today - timedelta(days=1))
            decision = min(
                today - timedelta(days=30),
                sentence_end - timedelta(days=rnd.randint(120, 2500)),
            )
            final = decision + timedelta(days=rnd.choice((0, 10, 10, 30)))
            return [
                MeasureDraft(
                    measure_type=MeasureType.EMPRISONNEMENT,
                    court=rnd.choice(COURTS),
                    decision_date=decision,
                    final_date=final,
                    referral_date=min(final + timedelta(days=rnd.randint(3, 40)), today),
                    sentence_end=sentence_end,
                    jap_name=rnd.choice(JAPS),
                )
            ]
        drafts = []
        for position in range(1 if rnd.random() < 0.75 else 2):
            length = rnd.choice((12, 18, 24, 24, 36, 60))
            if current and position == 0:
                start = self._date_between(add_months(today, 1 - length), today)
            else:
                start = self._date_between(add_years(today, -7), add_months(today, -length))
            decision = start - timedelta(days=rnd.randint(20, 120))
            final = decision + timedelta(days=rnd.choice((0, 10, 10, 30)))
            obligations = tuple(
                _obligation(kind) for kind in rnd.sample(OBLIGATIONS, rnd.randint(1, 4))
            )
            drafts.append(
                MeasureDraft(
                    measure_type=rnd.choice(OPEN_MEASURES),
                    court=rnd.choice(COURTS),
                    decision_date=decision,
                    final_date=final,
                    referral_date=start,
                    probation_start=start,
                    probation_end=add_months(start, length),
                    jap_name=rnd.choice(JAPS),
                    obligations=obligations,
                )
            )
        return drafts


def _obligation(kind: ObligationType) -> Any:
    from ..domain.model import ObligationDraft

    details = {
        ObligationType.INTERDICTION_PARAITRE: "Commune de résidence de la victime",
        ObligationType.CONTACT: "La victime",
        ObligationType.RESIDENCE: "Domicile déclaré",
    }.get(kind, "")
    return ObligationDraft(kind, details)


#: People per CPIP when the demo is large: caseloads of 70–80 are the field's reality
#: (domain.md), 60 the target; 24 CPIPs at least.
CASELOAD = 90


def seed_reference_data(connection: Connection, rnd: random.Random, persons: int = 0) -> None:
    """Antennes, establishments and agents of a fictitious Gironde SPIP (with one CPIP per
    :data:`CASELOAD` people, for a base generated at national scale)."""
    now = utcnow()
    stamp = {"version": 1, "created_at": now, "updated_at": now}
    connection.execute(
        insert(m.AntenneRow),
        [
            {"name": n, "code": c, "address": a, "phone": "05 56 00 00 00", "active": True, **stamp}
            for n, c, a in ANTENNES
        ],
    )
    connection.execute(
        insert(m.EstablishmentRow),
        [
            {"name": n, "kind": k.value, "city": c, "active": True, **stamp}
            for n, k, c in ESTABLISHMENTS
        ],
    )
    antenne_ids = list(connection.scalars(select(m.AntenneRow.id)))
    surnames, female, male = _name_pools()
    agents = []
    roles = (
        [AgentRole.CPIP] * max(24, -(-persons // CASELOAD))
        + [AgentRole.DPIP] * 3
        + [AgentRole.ASS] * 3
        + [AgentRole.SECRETARIAT] * 3
    )
    for role in roles:
        surname = rnd.choice(surnames)
        given = rnd.choice(female if rnd.random() < 0.7 else male)
        agents.append(
            {
                "surname": surname,
                "given_name": given,
                "role": role.value,
                "antenne_id": rnd.choice(antenne_ids),
                "email": f"{_ascii(given)}.{_ascii(surname)}@spip-demo.example",
                "phone": "",
                "active": True,
                "sort_key": name_sort_key(surname, given),
                **stamp,
            }
        )
    connection.execute(insert(m.AgentRow), agents)


def _ascii(text: str) -> str:
    from ..domain.text import fold

    return fold(text).replace(" ", "-")


@dataclass(frozen=True)
class _Context:
    """What a batch worker needs to generate people (picklable)."""

    seed: int
    today: date
    agents: list[int]
    antennes: list[int]
    establishments: list[int]
    sas_ids: list[int]


Batch = tuple[list[dict[str, Any]], list[dict[str, Any]], list[dict[str, Any]]]


def _build_batch(context: _Context, indexes: range) -> Batch:
    """Rows of one batch; measure ids are local (0..n) and obligations point at them.

    Each batch has its own random stream, so the data do not depend on how the
    batches are spread over processes.
    """
    gen = _Generator(
        context.seed * 1_000_003 + indexes.start,
        context.today,
        context.agents,
        context.antennes,
        context.establishments,
        context.sas_ids,
    )
    persons: list[dict[str, Any]] = []
    measures: list[dict[str, Any]] = []
    obligations: list[dict[str, Any]] = []
    for index in indexes:
        row, drafts = gen.person(index)
        persons.append(row)
        for draft in drafts:
            local = len(measures)
            measures.append(
                {
                    "person_index": len(persons) - 1,
                    "measure_type": draft.measure_type.value if draft.measure_type else None,
                    "court": draft.court,
                    "decision_date": draft.decision_date,
                    "final_date": draft.final_date,
                    "referral_date": draft.referral_date,
                    "probation_start": draft.probation_start,
                    "probation_end": draft.probation_end,
                    "sentence_end": draft.sentence_end,
                    "cancelled_on": draft.cancelled_on,
                    "jap_name": draft.jap_name,
                    "notes": "",
                }
            )
            obligations.extend(
                {"measure_index": local, "kind": o.kind.value, "details": o.details, "position": i}
                for i, o in enumerate(draft.obligations)
            )
    return persons, measures, obligations


def _batches(total: int) -> Iterator[range]:
    for start in range(0, total, BATCH):
        yield range(start, min(start + BATCH, total))


def _generated(context: _Context, total: int) -> Iterator[Batch]:
    """Batches in order, generated one step ahead in a second process when it pays.

    The worker is spawned, not forked: a forked child would inherit the open
    database connection (SQLite forbids it; a PostgreSQL one would be shared).
    """
    batches = list(_batches(total))
    if len(batches) < 3:
        yield from (_build_batch(context, b) for b in batches)
        return
    with ProcessPoolExecutor(max_workers=1, mp_context=get_context("spawn")) as pool:
        yield from pool.map(_build_batch, [context] * len(batches), batches)


def _next_id(connection: Connection, column: Any) -> int:
    return int(connection.scalar(select(func.coalesce(func.max(column), 0))) or 0) + 1


def populate(
    engine: Engine,
    persons: int,
    seed: int,
    today: date,
    progress: Callable[[int, int], None] | None = None,
) -> DemoSummary:
    """Add ``persons`` fictitious people (and the reference data if missing), in one transaction."""
    rnd = random.Random(seed)
    n_measures = n_obligations = done = 0
    with engine.begin() as connection:
        if connection.scalar(select(func.count()).select_from(m.AntenneRow)) == 0:
            seed_reference_data(connection, rnd, persons)
        context = _Context(
            seed,
            today,
            list(
                connection.scalars(select(m.AgentRow.id).where(m.AgentRow.role == AgentRole.CPIP))
            ),
            list(connection.scalars(select(m.AntenneRow.id))),
            list(
                connection.scalars(
                    select(m.EstablishmentRow.id).where(
                        m.EstablishmentRow.kind != EstablishmentKind.SAS
                    )
                )
            ),
            list(
                connection.scalars(
                    select(m.EstablishmentRow.id).where(
                        m.EstablishmentRow.kind == EstablishmentKind.SAS
                    )
                )
            ),
        )
        postgresql = connection.dialect.name == "postgresql"
        if postgresql:
            # The ids are chosen here, not by the sequences: no other writer may take
            # one meanwhile (readers are not blocked).
            connection.exec_driver_sql("LOCK TABLE person, measure IN EXCLUSIVE MODE")
        person_id = _next_id(connection, m.PersonRow.id)
        measure_id = _next_id(connection, m.MeasureRow.id)
        now = utcnow()
        stamp = {"version": 1, "created_at": now, "updated_at": now}
        with bulk_load(connection):
            for person_rows, measure_rows, obligation_rows in _generated(context, persons):
                for i, row in enumerate(person_rows):
                    row.update(id=person_id + i, **stamp)
                for i, row in enumerate(measure_rows):
                    row.update(
                        id=measure_id + i, person_id=person_id + row.pop("person_index"), **stamp
                    )
                for row in obligation_rows:
                    row.update(measure_id=measure_id + row.pop("measure_index"), **stamp)
                insert_rows(connection, m.PersonRow, person_rows)
                insert_rows(connection, m.MeasureRow, measure_rows)
                insert_rows(connection, m.ObligationRow, obligation_rows)
                person_id += len(person_rows)
                measure_id += len(measure_rows)
                n_measures += len(measure_rows)
                n_obligations += len(obligation_rows)
                done += len(person_rows)
                if progress:
                    progress(done, persons)
        if postgresql:
            _catch_up_sequences(connection, ("person", "measure"))
        from . import demo_stages  # the stage modules load only when a demo is made

        stages = demo_stages.populate_stages(connection, seed, today)
        from . import demo_rights

        demo_rights.populate_rights(connection, seed, today)
        from . import demo_audit

        demo_audit.populate_audit(connection, seed, today)
    return DemoSummary(persons, n_measures, n_obligations, stages.stages, stages.enrolments)


def insert_rows(connection: Connection, model: type[m.Base], rows: list[dict[str, Any]]) -> None:
    """Insert ``rows`` (dictionaries with the same keys) through the driver, each value
    converted by its column type's own bind processor (as SQLAlchemy would): ``COPY`` on
    PostgreSQL, several times quicker than batched ``INSERT``; on SQLite one ``executemany``
    of plain tuples, which spares SQLAlchemy's per-row parameter handling (two thirds of
    the time of a large demo)."""
    if not rows:
        return
    table = model.__table__
    columns = list(rows[0])
    dialect = connection.dialect
    # The dialect's own implementation of each type: SQLite's stores dates and times as
    # the text SQLAlchemy reads back (the driver's default adapters would differ).
    processors = [
        table.c[name].type.dialect_impl(dialect).bind_processor(dialect) for name in columns
    ]
    preparer = connection.dialect.identifier_preparer
    names = ", ".join(preparer.quote(name) for name in columns)

    def values(row: dict[str, Any]) -> list[Any]:
        return [
            value if process is None or value is None else process(value)
            for process, value in zip(processors, (row[n] for n in columns), strict=True)
        ]

    driver = connection.connection.driver_connection  # the driver's, in this transaction
    assert driver is not None
    if connection.dialect.name == "sqlite":
        marks = ", ".join("?" for _ in columns)
        sql = f"INSERT INTO {preparer.format_table(table)} ({names}) VALUES ({marks})"
        driver.executemany(sql, [values(row) for row in rows])
        return
    if connection.dialect.name != "postgresql":
        connection.execute(insert(model), rows)
        return
    sql = f"COPY {preparer.format_table(table)} ({names}) FROM STDIN"
    with driver.cursor() as cursor, cursor.copy(sql) as copy:
        for row in rows:
            copy.write_row(values(row))


def _catch_up_sequences(connection: Connection, tables: tuple[str, ...]) -> None:
    """Move PostgreSQL's id sequences past the ids :func:`populate` chose itself."""
    for table in tables:
        connection.exec_driver_sql(
            f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), max(id)) FROM {table} "
            "HAVING max(id) IS NOT NULL"
        )


#: The agent role a demonstration account is tied to (its caseload, for a CPIP).
_DEMO_AGENT_ROLES = {
    Role.CPIP: AgentRole.CPIP,
    Role.DPIP: AgentRole.DPIP,
    Role.ASS: AgentRole.ASS,
    Role.SECRETARIAT: AgentRole.SECRETARIAT,
}


def add_demo_accounts(connection: Connection, hash_password: Callable[[str], str]) -> int:
    """One account per role (see :data:`DEMO_ACCOUNTS`), tied to the first agent of that role.

    The CPIP account gets the agent with the largest caseload, so that its list is full.
    """
    now = utcnow()
    added = 0
    for demo_account in DEMO_ACCOUNTS:
        agent_id = None
        agent_role = _DEMO_AGENT_ROLES.get(demo_account.role)
        if agent_role is not None:
            stmt = select(m.AgentRow.id, m.AgentRow.given_name, m.AgentRow.surname).where(
                m.AgentRow.role == agent_role
            )
            if agent_role is AgentRole.CPIP:
                caseload = (
                    select(func.count())
                    .where(m.PersonRow.referent_id == m.AgentRow.id)
                    .scalar_subquery()
                )
                stmt = stmt.order_by(caseload.desc(), m.AgentRow.id)
            else:
                stmt = stmt.order_by(m.AgentRow.id)
            agent = connection.execute(stmt.limit(1)).first()
        else:
            agent = None
        if agent is not None:
            agent_id = agent.id
            name = f"{agent.given_name} {agent.surname.upper()}"
        else:
            name = "Administrateur de démonstration"
        connection.execute(
            insert(m.AccountRow).values(
                login=demo_account.login,
                display_name=name,
                roles=encode_roles({demo_account.role}),
                agent_id=agent_id,
                password_hash=hash_password(demo_account.password),
                active=True,
                locked=False,
                failed_attempts=0,
                must_change_password=False,
                password_changed_at=now,
                version=1,
                created_at=now,
                updated_at=now,
            )
        )
        added += 1
    return added


def add_demo_settings(connection: Connection) -> None:
    """A fictitious service identity, so that documents print a plausible letterhead
    (signed by the director the demonstration's DPIP account stands for)."""
    director = connection.execute(
        select(m.AgentRow.given_name, m.AgentRow.surname)
        .where(m.AgentRow.role == AgentRole.DPIP)
        .order_by(m.AgentRow.id)
        .limit(1)
    ).first()
    signatory = f"{director.given_name} {director.surname.upper()}" if director else ""
    settings = ServiceSettings(
        service_name="SPIP de la Gironde (démonstration)",
        service_code="33",
        address="12 rue de l'Exemple\n33000 Bordeaux",
        city="Bordeaux",
        signatory_name=signatory,
        signatory_role="La directrice fonctionnelle du service",
    )
    connection.execute(
        insert(m.SettingRow), [{"key": k, "value": v} for k, v in settings.to_strings().items()]
    )
