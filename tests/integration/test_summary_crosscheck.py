"""The monthly summary's service against an independent computation of the same figures.

``bench/summary_reference.py`` computes every figure a second time with hand-written SQL,
straight from the definitions printed in the summary's annex (it shares no code with the
service but the domain's vocabularies). On a demonstration base, for several months and
scopes, both must give the same value on every line, on SQLite and on PostgreSQL.
"""

from __future__ import annotations

from datetime import date, datetime
from datetime import time as clock
from decimal import Decimal

from sqlalchemy import Connection, Table, insert, text

from bench.summary_reference import Value, reference_figures
from spip_desktop.bootstrap import Services
from spip_desktop.db import models as m
from spip_desktop.domain.summary import (
    Indicator,
    Month,
    Summary,
    SummaryScope,
    Unit,
    indicator_of,
)
from tests.conftest import TODAY

PERSONS = 400
SEED = 2026

#: The current month (partial: up to TODAY), the one usually sent, a year-end, a year back.
MONTHS = (
    Month.of(TODAY),
    Month.of(TODAY).previous,
    Month(TODAY.year - 1, 12),
    Month(TODAY.year - 1, TODAY.month),
)

_ABSENT = object()


def differences(
    service: dict[str, Value], reference: dict[str, Value]
) -> list[tuple[str, object, object]]:
    """``(code, service, reference)`` for every line whose values differ.

    A breakdown line of a count that one side leaves out counts 0 (the service may list
    only the stage types or agents that have something); a total, a rate or a median
    must be there on both sides.
    """
    found = []
    for code in sorted(set(service) | set(reference)):
        got, expected = service.get(code, _ABSENT), reference.get(code, _ABSENT)
        countable = "/" in code and indicator_of(code.split("/")[0]).unit is Unit.COUNT
        if countable:
            got = 0 if got is _ABSENT else got
            expected = 0 if expected is _ABSENT else expected
        if got != expected:
            found.append((code, got, expected))
    return found


def figures(summary: Summary) -> dict[str, Value]:
    return {f.code: f.value for f in summary.figures}


def busiest(services: Services, column: str) -> int:
    """The antenne or referent with the most people (the smallest id among equals)."""
    with services.engine.connect() as connection:
        found = connection.execute(
            text(
                f"SELECT {column} FROM person WHERE {column} IS NOT NULL "
                f"GROUP BY {column} ORDER BY COUNT(*) DESC, {column} LIMIT 1"
            )
        ).scalar_one()
    return int(found)


def test_the_service_gives_the_reference_figures_on_every_line(services: Services) -> None:
    services.maintenance.generate_demo(PERSONS, SEED)
    scopes = (
        SummaryScope.service(),
        SummaryScope.antenne(busiest(services, "antenne_id")),
        SummaryScope.referent(busiest(services, "referent_id")),
    )
    report: list[str] = []
    exercised: set[str] = set()
    for month in MONTHS:
        for scope in scopes:
            current, previous = services.summary.summary(month, scope)
            assert (current.month, previous.month) == (month, month.previous)
            for shown in (current, previous):
                with services.engine.connect() as connection:
                    expected = reference_figures(connection, shown.month, scope, TODAY)
                found = differences(figures(shown), expected)
                exercised |= {code.split("/")[0] for code, value in expected.items() if value}
                report += [
                    f"{shown.month} {scope.key} {code}: service {got!r}, reference {want!r}"
                    for code, got, want in found
                ]
    assert not report, f"{len(report)} lines differ:\n" + "\n".join(report)
    # The comparison means something only where the demo gives something to count (it
    # issues no attestation: the base built by hand below has some).
    idle = {i.value for i in Indicator} - {Indicator.ATTESTATIONS.value} - exercised
    assert not idle, f"indicators the demo never exercises: {sorted(idle)}"


def test_a_difference_is_reported_by_its_code() -> None:
    """The comparison itself: a missing breakdown count is 0, a missing rate is not None."""
    reference: dict[str, Value] = {
        "seances": 3,
        "seances/stage_type:2": 3,
        "seances/stage_type:5": 0,
        "taux_presence": None,
        "suivis_fin": 10,
    }
    service: dict[str, Value] = {"seances": 3, "seances/stage_type:2": 3, "suivis_fin": 11}
    assert differences(service, reference) == [
        ("suivis_fin", 11, 10),
        ("taux_presence", _ABSENT, None),
    ]
    assert differences(reference, reference) == []


# -- a base built by hand: the reference against figures worked out on paper ---------------


class Base:
    """Rows inserted one by one (ids from the database), returning their id."""

    def __init__(self, connection: Connection) -> None:
        self.connection = connection

    def add(self, model: type[m.Base], **values: object) -> int:
        table = model.__table__
        assert isinstance(table, Table)
        key = self.connection.execute(insert(table).values(**values)).inserted_primary_key
        assert key is not None
        return int(key[0])

    def person(
        self,
        name: str,
        regime: str,
        antenne: int,
        referent: int | None,
        main: tuple[str, str] | None = None,
        sentence_end: str | None = None,
        **more: object,
    ) -> int:
        """A file; ``main`` and ``sentence_end`` are the projections of its measures that
        the services keep (main measure type and end, latest end of sentence)."""
        return self.add(
            m.PersonRow,
            file_number=f"T-{name}",
            surname=name,
            given_names="Test",
            regime=regime,
            antenne_id=antenne,
            referent_id=referent,
            sort_key=name.lower(),
            given_sort_key=name.lower(),
            main_measure_type=None if main is None else main[0],
            main_measure_end=None if main is None else d(main[1]),
            sentence_end=None if sentence_end is None else d(sentence_end),
            **more,
        )

    def stage(self, type_id: int, first: str, last: str) -> int:
        """A stage, with the projection of its sessions' first and last days."""
        return self.add(
            m.StageRow, type_id=type_id, organiser_kind="spip", first_day=d(first), last_day=d(last)
        )

    def measure(self, person: int, kind: str, **dates: object) -> int:
        return self.add(m.MeasureRow, person_id=person, measure_type=kind, **dates)

    def step(
        self, person: int, kind: str, opened: date, *history: tuple[datetime, str], **more: object
    ) -> int:
        """A step and its history; a row repeating the status before it is a note (the
        step's ``status_at`` projects the last change of status)."""
        status = history[-1][1]
        at = max(
            when for n, (when, this) in enumerate(history) if n == 0 or this != history[n - 1][1]
        )
        step = self.add(
            m.RightsStepRow,
            person_id=person,
            kind=kind,
            handled_by="spip",
            opened_on=opened,
            status=status,
            status_at=at,
            closed=status in ("obtenu", "refuse", "abandonne", "sans_objet"),
            **more,
        )
        previous = None
        for at, status in history:
            self.add(
                m.RightsStepUpdateRow,
                step_id=step,
                at=at,
                status=status,
                previous=previous,
                author_login="t",
                author="T",
                actor="spip",
            )
            previous = status
        return step


def at(day: str, hour: int = 10, minute: int = 0) -> datetime:
    return datetime.combine(date.fromisoformat(day), clock(hour, minute))


def d(day: str) -> date:
    return date.fromisoformat(day)


def build_by_hand(base: Base) -> dict[str, int]:
    """Seven people, three stages, six steps, six journal entries, six conventions; the
    comments say where each counts in February 2026 (and March up to TODAY, 12 March)."""
    ids: dict[str, int] = {}
    north = ids["north"] = base.add(m.AntenneRow, name="Antenne Nord")
    south = base.add(m.AntenneRow, name="Antenne Sud")
    r1 = ids["r1"] = base.add(
        m.AgentRow, surname="Un", given_name="Cpip", role="cpip", antenne_id=north, sort_key="un"
    )
    r2 = ids["r2"] = base.add(
        m.AgentRow, surname="Deux", given_name="Cpip", role="cpip", antenne_id=south, sort_key="d"
    )
    sas = base.add(m.EstablishmentRow, name="SAS", kind="sas")
    prison = base.add(m.EstablishmentRow, name="CP", kind="centre_penitentiaire")

    # A: a measure referred on 10 Feb (started; active on the 28th), one cancelled.
    a = ids["a"] = base.person("A", "ouvert", north, r1, ("sursis_probatoire", "2028-02-10"))
    base.measure(
        a, "sursis_probatoire", referral_date=d("2026-02-10"), probation_end=d("2028-02-10")
    )
    base.measure(a, "tig", referral_date=d("2026-02-05"), cancelled_on=d("2026-02-20"))
    # B: started at its decision date only; sentence ends within 2 years: SAS eligible,
    # and arrived in a SAS on 3 Feb. No referent.
    b = base.person(
        "B",
        "ferme",
        north,
        None,
        ("emprisonnement", "2027-01-15"),
        "2027-01-15",
        establishment_id=sas,
        establishment_since=d("2026-02-03"),
    )
    base.measure(b, "emprisonnement", decision_date=d("2025-06-01"), sentence_end=d("2027-01-15"))
    # C: file closed on 14 Feb: the measure ends then (active on the 1st only).
    c = base.person(
        "C", "ouvert", north, r1, ("lc", "2026-12-31"), "2026-12-31", closed_on=d("2026-02-14")
    )
    base.measure(c, "lc", referral_date=d("2025-01-01"), sentence_end=d("2026-12-31"))
    # D: a measure with no start (never counted), one ending on 1 Feb (active that day).
    dd = base.person("D", "ouvert", south, r2, ("ddse", "2026-02-15"), "2026-02-15")
    base.measure(dd, "ddse", sentence_end=d("2026-02-15"))
    base.measure(dd, "ssj", referral_date=d("2024-05-01"), sentence_end=d("2026-02-01"))
    # F: in a prison since 10 Feb (not a SAS), reliquat over 2 years.
    f = base.person(
        "F",
        "ferme",
        south,
        r2,
        ("emprisonnement", "2029-01-01"),
        "2029-01-01",
        establishment_id=prison,
        establishment_since=d("2026-02-10"),
    )
    base.measure(f, "emprisonnement", referral_date=d("2025-03-01"), sentence_end=d("2029-01-01"))
    g = base.person("G", "ouvert", north, r1)
    h = base.person("H", "ouvert", north, r2)

    # Stage 1 (type 1): 20 and 21 Feb, 3 h each, 6 h required (its sessions').
    t1 = ids["t1"] = base.add(m.StageTypeRow, name="Type 1", kind="stage", default_minutes=360)
    t2 = ids["t2"] = base.add(m.StageTypeRow, name="Type 2", kind="collective", default_minutes=120)
    s1 = base.stage(t1, "2026-02-20", "2026-02-21")
    day1 = base.add(
        m.StageSessionRow, stage_id=s1, day=d("2026-02-20"), start_time=clock(9), end_time=clock(12)
    )
    day2 = base.add(
        m.StageSessionRow, stage_id=s1, day=d("2026-02-21"), start_time=clock(9), end_time=clock(12)
    )
    # Stage 2 (type 2): one session of 2 h on 25 Feb, only D (antenne Sud) enrolled.
    s2 = base.stage(t2, "2026-02-25", "2026-02-25")
    day3 = base.add(
        m.StageSessionRow,
        stage_id=s2,
        day=d("2026-02-25"),
        start_time=clock(14),
        end_time=clock(16),
    )
    # Stage 3 (type 2): 5 March (held) and 20 March (after TODAY), A enrolled.
    s3 = base.stage(t2, "2026-03-05", "2026-03-20")
    day4 = base.add(
        m.StageSessionRow,
        stage_id=s3,
        day=d("2026-03-05"),
        start_time=clock(9),
        end_time=clock(11, 30),
    )
    base.add(
        m.StageSessionRow, stage_id=s3, day=d("2026-03-20"), start_time=clock(9), end_time=clock(11)
    )

    def enrol(stage: int, person: int, **end: object) -> int:
        return base.add(
            m.EnrolmentRow,
            stage_id=stage,
            person_id=person,
            cadre="peine",
            enrolled_on=d("2026-01-10"),
            **end,
        )

    def record(enrolment: int, session: int, code: str, supersedes: int | None = None) -> int:
        return base.add(
            m.AttendanceRow,
            enrolment_id=enrolment,
            session_id=session,
            code=code,
            recorded_at=at("2026-02-21", 12),
            recorded_by_login="t",
            recorded_by="T",
            supersedes_id=supersedes,
        )

    ea = enrol(s1, a)  # present twice: validated
    record(ea, day1, "present")
    record(ea, day2, "present")
    eg = enrol(s1, g)  # excused corrected to late: validated (a late arrival's hours count)
    record(eg, day1, "present")
    record(eg, day2, "late", supersedes=record(eg, day2, "excused"))
    eb = enrol(s1, b)  # absent, then present: 3 h of 6, not validated, not ended: nowhere
    record(eb, day1, "unexcused")
    record(eb, day2, "present")
    ef = enrol(s1, f, end_kind="abandon", end_day=d("2026-02-20"), end_reason="x")
    record(ef, day1, "present")  # left after 3 h: an abandon
    eh = enrol(s1, h, end_kind="exclu", end_day=d("2026-02-22"), end_reason="x")
    record(eh, day1, "present")  # excluded after having done the 6 h: validated
    record(eh, day2, "present")
    ed = enrol(s2, dd)
    record(ed, day3, "present")
    ea3 = enrol(s3, a)
    record(ea3, day4, "present")

    def attestation(enrolment: int, n: int, issued: datetime) -> int:
        return base.add(
            m.AttestationRow,
            number=f"SPIP-2026-{n:05d}",
            year=2026,
            sequence=n,
            enrolment_id=enrolment,
            validated=True,
            issued_at=issued,
            issued_by_login="t",
            issued_by="T",
            document="{}",
        )

    first = attestation(ea, 1, at("2026-02-25"))
    attestation(eg, 2, at("2026-02-28", 23, 59))
    attestation(ed, 3, at("2026-03-01", 0))  # March
    base.add(
        m.AttestationCopyRow,
        attestation_id=first,
        printed_at=at("2026-03-02"),
        printed_by_login="t",
        printed_by="T",
    )

    # Steps. February: opened st1 (identité), st5 (health: « autre »), st6 (emploi);
    # obtained st1 (18 days) and st2 (46 days: median 32.0); st2 refused then obtained on
    # appeal; st6 abandoned at 23:30 on the 28th. Open at the end of the 28th: st3 (due
    # 10 Feb: overdue) and st5 (due the 28th: not before it; sans objet at midnight after).
    base.step(
        a,
        "cni",
        d("2026-02-02"),
        (at("2026-02-02", 9), "a_engager"),
        (at("2026-02-05"), "en_cours"),
        (at("2026-02-10"), "depose"),
        (at("2026-02-20", 11), "obtenu"),
        (at("2026-03-02"), "obtenu"),  # a note: not obtained again in March
    )
    base.step(
        c,
        "aah",
        d("2026-01-10"),
        (at("2026-01-10"), "a_engager"),
        (at("2026-01-12"), "en_cours"),
        (at("2026-01-20"), "depose"),
        (at("2026-02-03"), "refuse"),
        (at("2026-02-10"), "recours"),
        (at("2026-02-25"), "obtenu"),
    )
    base.step(
        b,
        "rsa",
        d("2026-01-15"),
        (at("2026-01-15"), "a_engager"),
        (at("2026-01-20"), "en_cours"),
        (at("2026-03-01"), "refuse"),
        follow_up_on=d("2026-02-10"),
    )
    base.step(g, "logement", d("2026-03-05"), (at("2026-03-05"), "a_engager"))
    base.step(
        f,
        "carte_vitale",
        d("2026-02-27"),
        (at("2026-02-27"), "a_engager"),
        (at("2026-03-01", 0), "sans_objet"),
        follow_up_on=d("2026-02-28"),
    )
    base.step(
        dd,
        "france_travail",
        d("2026-02-15"),
        (at("2026-02-15"), "a_engager"),
        (at("2026-02-28", 23, 30), "abandonne"),
    )

    def entry(person: int, kind: str, day: str, outcome: str | None = None) -> None:
        base.add(m.JournalEntryRow, person_id=person, kind=kind, day=d(day), outcome=outcome)

    entry(a, "entretien", "2026-02-03", "honore")
    entry(a, "convocation", "2026-02-15")
    entry(a, "note", "2026-02-04")
    entry(dd, "entretien", "2026-02-28", "non_honore")
    entry(b, "visite", "2026-03-01", "excuse")
    entry(g, "convocation", "2026-03-20")  # after TODAY

    def partner(name: str, referent: int | None, *antennes: int) -> int:
        found = base.add(
            m.PartnerRow, name=name, kind="association", referent_id=referent, sort_key=name
        )
        for antenne in antennes:
            base.add(m.PartnerAntenneRow, partner_id=found, antenne_id=antenne)
        return found

    def convention(partner_id: int, status: str, signed: str | None, expires: str | None) -> None:
        base.add(
            m.ConventionRow,
            partner_id=partner_id,
            level="local",
            title="C",
            milieu="les_deux",
            status=status,
            signed_on=None if signed is None else d(signed),
            expires_on=None if expires is None else d(expires),
        )

    p1 = partner("P1", r2, north)
    p2 = partner("P2", r1)  # the whole service
    p3 = partner("P3", None, south)
    convention(p1, "signee", "2025-01-01", "2026-04-30")  # in force; expires within 3 months
    convention(p2, "signee", None, None)  # in force
    convention(p3, "projet", "2025-01-01", None)
    convention(p3, "signee", "2026-03-01", "2027-03-01")  # signed in March
    convention(p1, "denoncee", "2024-01-01", "2026-03-15")
    convention(p3, "signee", "2024-01-01", "2026-02-28")  # in force on its last day
    return ids


FEBRUARY = Month(2026, 2)
MARCH = Month(2026, 3)


def expected_by_hand(ids: dict[str, int]) -> dict[tuple[Month, str], dict[str, Value]]:
    r1, r2 = ids["r1"], ids["r2"]
    t1, t2 = ids["t1"], ids["t2"]
    return {
        (FEBRUARY, "service"): {
            "suivis_debut": 4,  # B, C, D (ends that day), F
            "suivis_debut/regime:ouvert": 2,
            "suivis_debut/regime:ferme": 2,
            "suivis_debut/type:emprisonnement": 2,
            "suivis_debut/type:lc": 1,
            "suivis_debut/type:ssj": 1,
            "suivis_debut/type:tig": 0,
            "suivis_fin": 3,  # A, B, F
            "suivis_fin/regime:ouvert": 1,
            "suivis_fin/type:sursis_probatoire": 1,
            "suivis_fin/type:lc": 0,
            "mesures_debutees": 1,
            "mesures_debutees/type:sursis_probatoire": 1,
            "mesures_debutees/type:tig": 0,  # cancelled
            "mesures_terminees": 2,
            "mesures_terminees/type:lc": 1,  # at the file's closure
            "mesures_terminees/type:ssj": 1,
            "mesures_terminees/type:ddse": 0,  # never started
            f"charge_cpip/agent:{r1}": 1,
            f"charge_cpip/agent:{r2}": 1,
            "charge_cpip/agent:": 1,
            "eligibles_sas": 1,
            "placements_sas": 1,
            "seances": 3,
            f"seances/stage_type:{t1}": 2,
            f"seances/stage_type:{t2}": 1,
            "emargements": 10,
            "emargements/code:present": 8,
            "emargements/code:late": 1,
            "emargements/code:excused": 0,  # corrected
            "emargements/code:unexcused": 1,
            "taux_presence": Decimal("90.0"),  # 9 / 10
            "participants": 6,  # A, G, B, F, H, D
            "fins_inscription": 5,
            "fins_inscription/end:valide": 4,  # A, G, H (excluded after 6 h), D
            "fins_inscription/end:abandon": 1,  # F
            "fins_inscription/end:exclu": 0,
            "attestations": 2,
            "attestations/kind:original": 2,
            "attestations/kind:duplicata": 0,
            "demarches_ouvertes": 3,
            "demarches_ouvertes/domain:identite": 1,
            "demarches_ouvertes/domain:emploi": 1,
            "demarches_ouvertes/domain:autre": 1,
            "demarches_issues": 3,  # st1, st2 (refused, then obtained on appeal: once), st6
            "demarches_issues/status:obtenu": 2,
            "demarches_issues/status:refuse": 1,
            "demarches_issues/status:abandonne": 1,
            "demarches_en_cours": 2,
            "demarches_relance": 1,
            "delai_obtention": Decimal("32.0"),
            "entretiens": 3,
            "entretiens/outcome:honore": 1,
            "entretiens/outcome:non_honore": 1,
            "entretiens/outcome:": 1,
            "conventions_vigueur": 3,
            "conventions_echeance": 1,
        },
        (FEBRUARY, "antenne"): {
            "suivis_debut": 2,  # B, C
            "suivis_fin": 2,  # A, B
            "seances": 2,  # stage 1 only (nobody of the antenne in stage 2)
            "emargements": 8,  # A, G, B, H
            "taux_presence": Decimal("87.5"),
            "participants": 4,
            "fins_inscription/end:valide": 3,
            "fins_inscription/end:abandon": 0,
            "placements_sas": 1,
            "conventions_vigueur": 2,  # P1 (serves it), P2 (the whole service)
            "conventions_echeance": 1,
        },
        (FEBRUARY, "referent"): {
            "suivis_debut": 1,  # C
            "suivis_fin": 1,  # A
            "seances": 2,
            "emargements": 4,  # A, G
            "taux_presence": Decimal("100.0"),
            "fins_inscription/end:valide": 2,
            "demarches_ouvertes": 1,
            "delai_obtention": Decimal("32.0"),
            "entretiens": 2,
            "conventions_vigueur": 1,  # P2
            "conventions_echeance": 0,
        },
        (MARCH, "service"): {
            "suivis_debut": 3,
            "suivis_fin": 3,
            "seances": 1,  # 5 March; the 20th is after TODAY
            "emargements": 1,
            "attestations/kind:original": 1,
            "attestations/kind:duplicata": 1,
            "demarches_ouvertes": 1,
            "demarches_issues/status:refuse": 1,
            "demarches_issues/status:obtenu": 0,  # st1's note of 2 March
            "demarches_en_cours": 1,
            "delai_obtention": None,
            "entretiens": 1,  # the visit; the summons of the 20th is after TODAY
            "entretiens/outcome:excuse": 1,
            "conventions_vigueur": 3,  # P1's, P2's, P3's signed on 1 March
            "conventions_echeance": 1,  # P1's, 30 April
        },
    }


def test_the_reference_and_the_service_give_the_figures_worked_out_by_hand(
    services: Services,
) -> None:
    with services.engine.begin() as connection:
        ids = build_by_hand(Base(connection))
    scopes = {
        "service": SummaryScope.service(),
        "antenne": SummaryScope.antenne(ids["north"]),
        "referent": SummaryScope.referent(ids["r1"]),
    }
    report: list[str] = []
    for (month, name), expected in expected_by_hand(ids).items():
        with services.engine.connect() as connection:
            reference = reference_figures(connection, month, scopes[name], TODAY)
        report += [
            f"{month} {name} {code}: reference {reference.get(code)!r}, by hand {value!r}"
            for code, value in expected.items()
            if reference.get(code, _ABSENT) != value
        ]
        shown = services.summary.month_summary(month, scopes[name])
        report += [
            f"{month} {name} {code}: service {got!r}, reference {want!r}"
            for code, got, want in differences(figures(shown), reference)
        ]
    assert not report, f"{len(report)} lines differ:\n" + "\n".join(report)
