"""The monthly summary on a service built by hand, where every figure has a known value.

February 2026 (the tests' today is 12 March 2026) with its edges: a measure ending on
the first day, one starting on the last day, a person with two measures, a cancelled
measure, a file closed in the month, a superseded attendance record, a step obtained on
the last day (and one refused then appealed after the month), a convention expiring on
the last day. Each expected value is worked out in the comments, from the definitions.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import date, datetime, time
from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy import text, update

from spip_desktop.bootstrap import Services
from spip_desktop.db import models as m
from spip_desktop.domain.audit import AuditQuery
from spip_desktop.domain.enums import MeasureType, Regime
from spip_desktop.domain.errors import PermissionDenied, SpipError
from spip_desktop.domain.followup_terms import (
    Actor,
    ConventionLevel,
    ConventionStatus,
    EntryKind,
    Milieu,
    Outcome,
    PartnerKind,
    StepKind,
    StepStatus,
)
from spip_desktop.domain.model import Antenne, MeasureDraft
from spip_desktop.domain.security import Role
from spip_desktop.domain.stage_terms import (
    ActionKind,
    AttendanceCode,
    Cadre,
    EndKind,
    OrganiserKind,
)
from spip_desktop.domain.summary import (
    ExportCancelled,
    ExportFormat,
    Indicator,
    Month,
    SummaryScope,
)

from ..conftest import Reference, person_draft, sign_in_as

I = Indicator  # noqa: E741
FEB = Month(2026, 2)


@dataclass
class Built:
    ref: Reference
    other_antenne: int
    people: dict[str, int]


def _person(
    services: Services, key: str, regime: Regime = Regime.MILIEU_OUVERT, **draft: object
) -> int:
    created = services.persons.create(
        person_draft(file_number=f"2026-{key}", surname=f"Nom{key}", regime=regime, **draft)
    )
    return created.person.id


def _measure(services: Services, person_id: int, kind: MeasureType, **dates: date) -> None:
    services.persons.add_measure(
        person_id, MeasureDraft(measure_type=kind, decision_date=date(2023, 1, 2), **dates)
    )


def build(services: Services, reference: Reference) -> Built:
    ref = reference
    other = services.reference.save_antenne(Antenne(None, "Antenne de Libourne", "LIB")).id
    assert other is not None
    a, cpip, cpip2 = ref.antenne.id, ref.cpip.id, ref.cpip2.id
    p: dict[str, int] = {}
    # P1: active all month (sursis probatoire)
    p["1"] = _person(services, "000001", referent_id=cpip, antenne_id=a)
    _measure(
        services,
        p["1"],
        MeasureType.SURSIS_PROBATOIRE,
        referral_date=date(2025, 6, 1),
        probation_end=date(2027, 6, 1),
    )
    # P2: a TIG ending on the first day: active on the first day, ended in the month
    p["2"] = _person(services, "000002", referent_id=cpip2, antenne_id=a)
    _measure(
        services,
        p["2"],
        MeasureType.TIG,
        referral_date=date(2025, 10, 1),
        probation_end=date(2026, 2, 1),
    )
    # P3: a DDSE starting on the last day: active on the last day, started in the month
    p["3"] = _person(services, "000003", referent_id=cpip, antenne_id=a)
    _measure(
        services,
        p["3"],
        MeasureType.DDSE,
        referral_date=date(2026, 2, 28),
        sentence_end=date(2026, 8, 1),
    )
    # P4: milieu fermé, two measures (a prison sentence and a sursis probatoire), SAS-eligible
    p["4"] = _person(
        services,
        "000004",
        Regime.MILIEU_FERME,
        referent_id=cpip,
        antenne_id=a,
        establishment_id=ref.prison.id,
    )
    _measure(
        services,
        p["4"],
        MeasureType.EMPRISONNEMENT,
        referral_date=date(2024, 1, 1),
        sentence_end=date(2027, 6, 30),
    )
    _measure(
        services,
        p["4"],
        MeasureType.SURSIS_PROBATOIRE,
        referral_date=date(2025, 1, 1),
        probation_end=date(2028, 1, 1),
    )
    # P5: milieu fermé, no referent, placed in the SAS on 10 February, SAS-eligible
    p["5"] = _person(
        services,
        "000005",
        Regime.MILIEU_FERME,
        antenne_id=a,
        establishment_id=ref.sas.id,
        establishment_since=date(2026, 2, 10),
    )
    _measure(
        services,
        p["5"],
        MeasureType.LIBERATION_SOUS_CONTRAINTE,
        referral_date=date(2025, 12, 1),
        sentence_end=date(2026, 9, 30),
    )
    # P6: a cancelled measure, in the other antenne: counts nowhere
    p["6"] = _person(services, "000006", referent_id=cpip, antenne_id=other)
    _measure(
        services,
        p["6"],
        MeasureType.SURSIS_PROBATOIRE,
        referral_date=date(2025, 12, 1),
        cancelled_on=date(2026, 1, 15),
    )
    # P7: referred in March: nothing in February
    p["7"] = _person(services, "000007", referent_id=cpip2, antenne_id=a)
    _measure(
        services,
        p["7"],
        MeasureType.SURSIS_PROBATOIRE,
        referral_date=date(2026, 3, 5),
        probation_end=date(2028, 3, 5),
    )
    # P8: file closed on 10 February: active on the first day, its measure ended in the month
    p["8"] = _person(services, "000008", referent_id=cpip2, antenne_id=a)
    _measure(
        services,
        p["8"],
        MeasureType.SURSIS_PROBATOIRE,
        referral_date=date(2025, 1, 1),
        probation_end=date(2027, 1, 1),
    )
    with services.factory() as uow:
        s = uow.session
        s.execute(
            update(m.PersonRow).where(m.PersonRow.id == p["8"]).values(closed_on=date(2026, 2, 10))
        )
        _stages(s, p)
        _steps(s, p)
        _journal(s, p)
        _conventions(s, a, other, cpip)
        uow.commit()
    return Built(ref, other, p)


def _stages(s: object, p: dict[str, int]) -> None:
    from sqlalchemy.orm import Session

    assert isinstance(s, Session)
    kind = m.StageTypeRow(
        name="Stage de citoyenneté (essai)", kind=ActionKind.STAGE, default_minutes=360
    )
    s.add(kind)
    s.flush()
    stage = m.StageRow(
        type_id=kind.id,
        organiser_kind=OrganiserKind.SPIP,
        title="Citoyenneté février",
        required_minutes=360,
        first_day=date(2026, 2, 10),
        last_day=date(2026, 2, 11),
    )
    january = m.StageRow(
        type_id=kind.id,
        organiser_kind=OrganiserKind.SPIP,
        title="Citoyenneté janvier",
        first_day=date(2026, 1, 30),
        last_day=date(2026, 1, 30),
    )
    s.add_all([stage, january])
    s.flush()
    s1 = m.StageSessionRow(
        stage_id=stage.id, day=date(2026, 2, 10), start_time=time(9), end_time=time(12)
    )
    s2 = m.StageSessionRow(
        stage_id=stage.id, day=date(2026, 2, 11), start_time=time(9), end_time=time(12)
    )
    s0 = m.StageSessionRow(
        stage_id=january.id, day=date(2026, 1, 30), start_time=time(9), end_time=time(12)
    )
    s.add_all([s1, s2, s0])
    s.flush()

    def enrol(person: str, **end: object) -> m.EnrolmentRow:
        row = m.EnrolmentRow(
            stage_id=stage.id,
            person_id=p[person],
            cadre=Cadre.ALTERNATIVE,
            enrolled_on=date(2026, 1, 20),
            **end,
        )
        s.add(row)
        s.flush()
        return row

    e1, e3 = enrol("1"), enrol("3")
    e2 = enrol("2", end_kind=EndKind.ABANDON, end_day=date(2026, 2, 10))

    def record(
        enrolment: m.EnrolmentRow,
        session: m.StageSessionRow,
        code: AttendanceCode,
        supersedes: int | None = None,
    ) -> m.AttendanceRow:
        row = m.AttendanceRow(
            enrolment_id=enrolment.id,
            session_id=session.id,
            code=code,
            recorded_at=datetime(2026, 2, 12, 9),
            recorded_by_login="t",
            recorded_by="T",
            supersedes_id=supersedes,
        )
        s.add(row)
        s.flush()
        return row

    wrong = record(e1, s1, AttendanceCode.EXCUSED)
    record(e1, s1, AttendanceCode.PRESENT, supersedes=wrong.id)  # the correction counts
    record(e1, s2, AttendanceCode.PRESENT)
    record(e3, s1, AttendanceCode.LATE)
    record(e3, s2, AttendanceCode.UNEXCUSED)
    record(e2, s1, AttendanceCode.UNEXCUSED)

    def attestation(number: str, at: datetime) -> m.AttestationRow:
        row = m.AttestationRow(
            number=number,
            year=at.year,
            sequence=int(number[-1]),
            enrolment_id=e1.id,
            validated=True,
            issued_at=at,
            issued_by_login="t",
            issued_by="T",
            document="{}",
        )
        s.add(row)
        s.flush()
        return row

    first = attestation("2026-0001", datetime(2026, 2, 20, 10))
    attestation("2026-0002", datetime(2026, 3, 1, 0, 10))  # March
    s.add(
        m.AttestationCopyRow(
            attestation_id=first.id,
            printed_at=datetime(2026, 2, 28, 23, 30),
            printed_by_login="t",
            printed_by="T",
        )
    )


def _steps(s: object, p: dict[str, int]) -> None:
    from sqlalchemy.orm import Session

    assert isinstance(s, Session)

    def step(
        person: str,
        kind: StepKind,
        opened: date,
        history: list[tuple[datetime, StepStatus]],
        follow_up: date | None = None,
    ) -> None:
        last = history[-1][1]
        # the projection: the time of the last change of status (a note changes none)
        last_at = next(
            at
            for i, (at, status) in reversed(list(enumerate(history)))
            if i == 0 or history[i - 1][1] is not status
        )
        row = m.RightsStepRow(
            person_id=p[person],
            kind=kind,
            handled_by=Actor.SPIP,
            opened_on=opened,
            follow_up_on=follow_up,
            status=last,
            status_at=last_at,
            closed=last.closed,
        )
        s.add(row)
        s.flush()
        previous = None
        for at, status in history:
            s.add(
                m.RightsStepUpdateRow(
                    step_id=row.id,
                    at=at,
                    status=status,
                    previous=previous,
                    author_login="t",
                    author="T",
                    actor=Actor.SPIP,
                )
            )
            previous = status
        s.flush()

    st = StepStatus
    # obtained on the last day, 25 days after opening
    step(
        "1",
        StepKind.RSA,
        date(2026, 2, 3),
        [
            (datetime(2026, 2, 3, 9), st.TO_START),
            (datetime(2026, 2, 5, 9), st.IN_PROGRESS),
            (datetime(2026, 2, 10, 9), st.FILED),
            (datetime(2026, 2, 28, 17), st.OBTAINED),
        ],
    )
    # a health step (counted under « Autres démarches »), open, follow-up past
    step(
        "3",
        StepKind.AME,
        date(2026, 2, 15),
        [(datetime(2026, 2, 15, 9), st.IN_PROGRESS)],
        follow_up=date(2026, 2, 20),
    )
    # refused in February, appealed in March: closed at the end of February
    step(
        "4",
        StepKind.FRANCE_TRAVAIL,
        date(2026, 1, 10),
        [
            (datetime(2026, 1, 10, 9), st.FILED),
            (datetime(2026, 2, 12, 9), st.REFUSED),
            (datetime(2026, 3, 2, 9), st.APPEAL),
        ],
    )
    # open since December, follow-up ahead
    step(
        "1",
        StepKind.CNI,
        date(2025, 12, 1),
        [(datetime(2025, 12, 1, 9), st.IN_PROGRESS)],
        follow_up=date(2026, 3, 20),
    )
    # abandoned at the first instant of February
    step(
        "2",
        StepKind.APL,
        date(2026, 1, 5),
        [(datetime(2026, 1, 5, 9), st.TO_START), (datetime(2026, 2, 1, 0, 0), st.ABANDONED)],
    )
    # obtained in December; a note added in February (a row repeating the status) is no
    # new outcome
    step(
        "1",
        StepKind.BANK_ACCOUNT,
        date(2025, 11, 1),
        [
            (datetime(2025, 11, 1, 9), st.FILED),
            (datetime(2025, 12, 10, 9), st.OBTAINED),
            (datetime(2026, 2, 15, 9), st.OBTAINED),
        ],
    )
    # opened on 20 February but recorded on 3 March: open at the end of February
    step("3", StepKind.SHELTER, date(2026, 2, 20), [(datetime(2026, 3, 3, 9), st.TO_START)])


def _journal(s: object, p: dict[str, int]) -> None:
    from sqlalchemy.orm import Session

    assert isinstance(s, Session)
    for person, kind, day, outcome in (
        ("1", EntryKind.INTERVIEW, date(2026, 2, 5), Outcome.HONOURED),
        ("3", EntryKind.SUMMONS, date(2026, 2, 28), Outcome.MISSED),
        ("4", EntryKind.HOME_VISIT, date(2026, 2, 14), None),
        ("1", EntryKind.NOTE, date(2026, 2, 6), None),
        ("2", EntryKind.INTERVIEW, date(2026, 3, 1), Outcome.HONOURED),
    ):
        s.add(m.JournalEntryRow(person_id=p[person], kind=kind, day=day, outcome=outcome))


def _conventions(s: object, antenne: int, other: int, cpip: int) -> None:
    from sqlalchemy.orm import Session

    assert isinstance(s, Session)
    x = m.PartnerRow(name="Mission locale", kind=PartnerKind.ASSOCIATION, sort_key="mission locale")
    y = m.PartnerRow(name="CAF", kind=PartnerKind.INSTITUTION, sort_key="caf")
    z = m.PartnerRow(name="CSAPA", kind=PartnerKind.HEALTH, sort_key="csapa", referent_id=cpip)
    s.add_all([x, y, z])
    s.flush()
    s.add_all(
        [
            m.PartnerAntenneRow(partner_id=x.id, antenne_id=antenne),
            m.PartnerAntenneRow(partner_id=z.id, antenne_id=other),
        ]
    )

    def convention(
        partner: m.PartnerRow, status: ConventionStatus, signed: date, expires: date
    ) -> None:
        s.add(
            m.ConventionRow(
                partner_id=partner.id,
                level=ConventionLevel.LOCAL,
                title=f"Convention {partner.name} {expires}",
                milieu=Milieu.BOTH,
                signed_on=signed,
                expires_on=expires,
                status=status,
            )
        )

    convention(
        x, ConventionStatus.SIGNED, date(2025, 1, 1), date(2026, 2, 28)
    )  # expires on the last day
    convention(
        y, ConventionStatus.SIGNED, date(2026, 1, 1), date(2026, 5, 31)
    )  # expires within 3 months
    convention(
        z, ConventionStatus.SIGNED, date(2025, 6, 1), date(2026, 6, 1)
    )  # just after the window
    convention(x, ConventionStatus.DRAFT, date(2026, 1, 1), date(2027, 1, 1))  # a draft
    convention(y, ConventionStatus.SIGNED, date(2025, 1, 1), date(2026, 1, 31))  # expired


@pytest.fixture
def built(services: Services, reference: Reference) -> Built:
    return build(services, reference)


def _values(services: Services, scope: SummaryScope, month: Month = FEB) -> dict[str, object]:
    summary = services.summary.month_summary(month, scope)
    return {f.code: f.value for f in summary.figures}


def test_every_figure_of_the_service(services: Services, built: Built) -> None:
    v = _values(services, SummaryScope.service())
    cpip, none = built.ref.cpip.id, ""
    expected = {
        # people: first day P1 P2 P4 P5 P8, last day P1 P3 P4 P5 (P6 cancelled, P7 March)
        "suivis_debut": 5,
        "suivis_debut/regime:ouvert": 3,
        "suivis_debut/regime:ferme": 2,
        "suivis_debut/type:sursis_probatoire": 3,  # P1, P4, P8
        "suivis_debut/type:tig": 1,  # ends on the first day: still active that day
        "suivis_debut/type:emprisonnement": 1,
        "suivis_debut/type:lsc": 1,
        "suivis_debut/type:ddse": 0,
        "suivis_fin": 4,  # P4 counts once with two measure types
        "suivis_fin/regime:ouvert": 2,
        "suivis_fin/regime:ferme": 2,
        "suivis_fin/type:sursis_probatoire": 2,
        "suivis_fin/type:ddse": 1,  # starts on the last day
        "suivis_fin/type:tig": 0,
        "mesures_debutees": 1,
        "mesures_debutees/type:ddse": 1,
        "mesures_terminees": 2,  # the TIG, and P8's measure at the file's closing
        "mesures_terminees/type:tig": 1,
        "mesures_terminees/type:sursis_probatoire": 1,
        f"charge_cpip/agent:{cpip}": 3,  # P1, P3, P4
        f"charge_cpip/agent:{none}": 1,  # P5 has no referent
        "eligibles_sas": 2,
        "placements_sas": 1,
        # stages: two February sessions; the corrected record counts once, as présent
        "seances": 2,
        "emargements": 5,
        "emargements/code:present": 2,
        "emargements/code:late": 1,
        "emargements/code:excused": 0,
        "emargements/code:unexcused": 2,
        "taux_presence": Decimal("60.0"),
        "participants": 2,
        "fins_inscription": 2,
        "fins_inscription/end:valide": 1,
        "fins_inscription/end:abandon": 1,
        "fins_inscription/end:exclu": 0,
        "attestations": 2,
        "attestations/kind:original": 1,
        "attestations/kind:duplicata": 1,
        # rights
        "demarches_ouvertes": 3,
        "demarches_ouvertes/domain:caf": 1,
        "demarches_ouvertes/domain:logement": 1,  # recorded in March, opened in February
        "demarches_ouvertes/domain:autre": 1,  # the AME step, not shown as health
        "demarches_issues": 3,
        "demarches_issues/status:obtenu": 1,
        "demarches_issues/status:refuse": 1,
        "demarches_issues/status:abandonne": 1,
        "demarches_en_cours": 3,  # the AME, the CNI and the SIAO steps
        "demarches_relance": 1,
        "delai_obtention": Decimal("25.0"),
        # appointments
        "entretiens": 3,
        "entretiens/outcome:honore": 1,
        "entretiens/outcome:non_honore": 1,
        "entretiens/outcome:excuse": 0,
        "entretiens/outcome:": 1,
        # partnerships
        "conventions_vigueur": 3,
        "conventions_echeance": 1,
    }
    wrong = {code: (v.get(code), value) for code, value in expected.items() if v.get(code) != value}
    assert not wrong, f"(computed, expected): {wrong}"
    assert f"charge_cpip/agent:{built.ref.cpip2.id}" not in v  # nobody left on the last day
    assert "demarches_ouvertes/domain:sante" not in v  # R113-51


def test_an_antenne_and_a_referent(services: Services, built: Built) -> None:
    antenne = _values(services, SummaryScope.antenne(built.ref.antenne.id))
    assert antenne["suivis_fin"] == 4
    assert antenne["conventions_vigueur"] == 2  # its partner's and the one serving everyone
    other = _values(services, SummaryScope.antenne(built.other_antenne))
    assert other["suivis_debut"] == 0  # P6's measure is cancelled
    assert other["conventions_vigueur"] == 2  # the CSAPA's and the CAF's (serves all)
    mine = _values(services, SummaryScope.referent(built.ref.cpip.id))
    assert mine["suivis_fin"] == 3
    assert mine["seances"] == 2  # P1 and P3 are enrolled
    assert mine["emargements"] == 4
    assert mine["demarches_ouvertes"] == 3
    assert mine["entretiens"] == 3
    assert mine["conventions_vigueur"] == 1
    assert mine["conventions_echeance"] == 0


def test_every_number_opens_on_as_many_items(services: Services, built: Built) -> None:
    for scope in (SummaryScope.service(), SummaryScope.referent(built.ref.cpip.id)):
        summary = services.summary.month_summary(FEB, scope)
        for fig in summary.figures:
            if fig.indicator.drill is None:
                continue
            found = services.summary.drill(FEB, scope, fig.indicator, fig.key)
            assert found.total == fig.value == len(found.rows), fig.code


def test_drill_rows_open_the_right_record(services: Services, built: Built) -> None:
    found = services.summary.drill(FEB, SummaryScope.service(), I.MEASURES_STARTED, "type:ddse")
    (row,) = found.rows
    assert row.person_id == built.people["3"]
    assert row.cells[0] == "2026-000003"
    assert "28/02/2026" in row.cells
    steps = services.summary.drill(FEB, SummaryScope.service(), I.STEPS_OVERDUE)
    assert [r.person_id for r in steps.rows] == [built.people["3"]]


def test_the_current_month_counts_up_to_today(services: Services, built: Built) -> None:
    march = services.summary.month_summary(Month(2026, 3), SummaryScope.service())
    assert march.partial
    # P7 (5 March) started; P3's DDSE and others are followed on the 12th
    assert march.value(I.MEASURES_STARTED) == 1
    assert march.value(I.ATTESTATIONS, "kind:original") == 1
    assert march.value(I.APPOINTMENTS) == 1


def test_a_month_with_no_data_is_a_summary_of_zeros(services: Services, built: Built) -> None:
    old = services.summary.month_summary(Month(2019, 5), SummaryScope.service())
    assert old.is_empty
    assert old.value(I.ATTENDANCE_RATE) is None
    assert old.value(I.OBTAINED_DAYS) is None


@pytest.mark.parametrize("text", ["2026-13", "2026-00", "mars", "2026/3/1", ""])
def test_a_malformed_month_is_refused_in_french(text: str) -> None:
    with pytest.raises(SpipError, match="mois"):
        Month.parse(text)


def test_a_future_month_is_refused(services: Services, built: Built) -> None:
    with pytest.raises(SpipError, match="avril 2026 n'a pas encore commencé"):
        services.summary.summary(Month(2026, 4), SummaryScope.service())


def test_an_unknown_scope_is_refused(services: Services, built: Built) -> None:
    with pytest.raises(SpipError, match="Aucune antenne"):
        services.summary.month_summary(FEB, SummaryScope.antenne(9999))
    with pytest.raises(SpipError, match="Aucun agent"):
        services.summary.month_summary(FEB, SummaryScope.referent(9999))
    with pytest.raises(SpipError, match="Choisissez l'antenne"):
        SummaryScope(SummaryScope.antenne(1).kind, None)


def test_only_the_direction_reads_the_summary(services: Services, built: Built) -> None:
    sign_in_as(services, Role.CPIP, agent_id=built.ref.cpip.id)
    with pytest.raises(PermissionDenied):
        services.summary.month_summary(FEB, SummaryScope.service())


def test_an_export_is_registered_with_its_values_and_digest(
    services: Services, built: Built, tmp_path: Path
) -> None:
    out = tmp_path / "synthese.csv"
    sent = services.summary.export(FEB, SummaryScope.service(), ExportFormat.CSV, out)
    data = out.read_bytes()
    assert sent.sha256 == hashlib.sha256(data).hexdigest()
    assert sent.size == len(data)
    (entry,) = services.summary.register()
    assert entry.id == sent.id and entry.month == FEB and entry.format is ExportFormat.CSV
    recorded = {f.code: f.value for f in entry.figures}
    assert recorded == _values(services, SummaryScope.service())
    (entry,) = services.audit.browse(AuditQuery(object_type="summary_export"))
    assert entry.object_id == sent.id
    assert "février 2026" in entry.summary


def test_a_late_entry_shows_as_a_difference(
    services: Services, built: Built, tmp_path: Path
) -> None:
    sent = services.summary.export(
        FEB, SummaryScope.service(), ExportFormat.CSV, tmp_path / "s.csv"
    )
    assert services.summary.check(sent.id).unchanged
    with services.factory() as uow:
        uow.session.add(
            m.JournalEntryRow(
                person_id=built.people["1"],
                kind=EntryKind.INTERVIEW,
                day=date(2026, 2, 27),
                outcome=Outcome.EXCUSED,
            )
        )
        uow.commit()
    check = services.summary.check(sent.id)
    changed = {d.code: (d.recorded, d.today) for d in check.differences}
    assert changed == {"entretiens": (3, 4), "entretiens/outcome:excuse": (0, 1)}


@pytest.mark.parametrize("fmt", list(ExportFormat))
def test_a_sent_file_is_produced_again_identically(
    services: Services, built: Built, tmp_path: Path, fmt: ExportFormat
) -> None:
    first = tmp_path / f"first{fmt.suffix}"
    sent = services.summary.export(FEB, SummaryScope.antenne(built.ref.antenne.id), fmt, first)
    with services.factory() as uow:  # a late entry changes today's figures, not the file
        uow.session.add(
            m.JournalEntryRow(
                person_id=built.people["1"], kind=EntryKind.INTERVIEW, day=date(2026, 2, 27)
            )
        )
        uow.commit()
    again = tmp_path / f"again{fmt.suffix}"
    services.summary.reproduce(sent.id, again)
    assert again.read_bytes() == first.read_bytes()
    assert len(services.summary.register()) == 1


def test_an_unwritable_destination_is_refused(
    services: Services, built: Built, tmp_path: Path
) -> None:
    out = tmp_path / "out"
    out.mkdir()
    with pytest.raises(SpipError, match="n'existe pas"):
        services.summary.export(
            FEB, SummaryScope.service(), ExportFormat.PDF, tmp_path / "absent" / "s.pdf"
        )
    with pytest.raises(SpipError, match="est un dossier"):
        services.summary.export(FEB, SummaryScope.service(), ExportFormat.PDF, tmp_path)
    # the system refuses the file itself (even for root): said in French, nothing left
    with pytest.raises(SpipError, match="trop long"):
        services.summary.export(FEB, SummaryScope.service(), ExportFormat.PDF, out / ("x" * 300))
    assert services.summary.register() == ()


def test_an_interrupted_export_leaves_no_file_and_no_entry(
    services: Services, built: Built, tmp_path: Path
) -> None:
    folder = tmp_path / "out"
    folder.mkdir()
    out = folder / "s.xlsx"
    seen: list[int] = []

    def stop_late(percent: int) -> bool:
        seen.append(percent)
        return percent < 90

    with pytest.raises(ExportCancelled):
        services.summary.export(FEB, SummaryScope.service(), ExportFormat.XLSX, out, stop_late)
    assert seen[-1] == 90
    assert list(folder.iterdir()) == []
    assert services.summary.register() == ()


def test_a_failed_register_write_removes_the_file(
    services: Services, built: Built, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from spip_desktop.db.summary import SummaryRepository

    def broken(self: object, **values: object) -> int:
        raise SpipError("base inaccessible")

    monkeypatch.setattr(SummaryRepository, "record", broken)
    folder = tmp_path / "out"
    folder.mkdir()
    with pytest.raises(SpipError, match="base inaccessible"):
        services.summary.export(FEB, SummaryScope.service(), ExportFormat.PDF, folder / "s.pdf")
    assert list(folder.iterdir()) == []


def test_the_three_formats_agree_with_each_other_and_the_service(
    services: Services, built: Built, tmp_path: Path
) -> None:
    import csv
    import io

    from openpyxl import load_workbook
    from pypdf import PdfReader

    from spip_desktop.domain.summary import Section, compare, csv_number, format_value
    from spip_desktop.reports.monthly import HEADER_ROW

    scope = SummaryScope.service()
    summary, previous = services.summary.summary(FEB, scope)
    # the lines as printed: this month's, and those only January had (cpip2's caseload)
    lines = [c.figure for c in compare(summary, previous)]
    assert f"charge_cpip/agent:{built.ref.cpip2.id}" in {f.code for f in lines}
    paths = {}
    for fmt in ExportFormat:
        paths[fmt] = tmp_path / f"synthese{fmt.suffix}"
        services.summary.export(FEB, scope, fmt, paths[fmt])

    book = load_workbook(paths[ExportFormat.XLSX])
    for section in Section:
        sheet = book[section.label]
        mine = [f for f in lines if f.section is section]
        cells = [sheet.cell(HEADER_ROW + 1 + i, 3).value for i in range(len(mine))]
        expected = [
            None if f.value is None else float(f.value) if isinstance(f.value, Decimal) else f.value
            for f in mine
        ]
        assert cells == expected, section

    text = paths[ExportFormat.CSV].read_bytes().decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(text), delimiter=";"))[1:]
    assert [r[3] for r in rows] == [csv_number(f.value) for f in lines]
    assert [r[1] for r in rows] == [f.indicator.label for f in lines]
    assert [r[2] for r in rows] == [f.breakdown for f in lines]

    reader = PdfReader(io.BytesIO(paths[ExportFormat.PDF].read_bytes()))
    pdf = " ".join(p.extract_text() for p in reader.pages).replace("\u202f", " ")
    pdf = " ".join(pdf.replace("\u00a0", " ").split())
    for fig in summary.figures:
        if not fig.key:
            assert fig.indicator.label in pdf, fig.code
    assert "Taux de présence" in pdf and format_value(Decimal("60.0")) in pdf


def test_a_failed_commit_takes_the_new_file_away_and_puts_back_the_old_one(
    services: Services, built: Built, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from spip_desktop.db.unit_of_work import UnitOfWork
    from spip_desktop.domain.errors import DatabaseUnavailable

    folder = tmp_path / "out"
    folder.mkdir()
    out = folder / "synthese.csv"
    out.write_bytes(b"the file sent last month")

    def locked(self: UnitOfWork) -> None:
        raise DatabaseUnavailable("locked", "La base est verrouillée.")

    monkeypatch.setattr(UnitOfWork, "commit", locked)
    with pytest.raises(SpipError, match="verrouillée"):
        services.summary.export(FEB, SummaryScope.service(), ExportFormat.CSV, out)
    monkeypatch.undo()
    assert out.read_bytes() == b"the file sent last month"
    assert [p.name for p in folder.iterdir()] == ["synthese.csv"]
    assert services.summary.register() == ()


def test_a_stop_asked_once_the_file_is_written_is_too_late_to_undo_it(
    services: Services, built: Built, tmp_path: Path
) -> None:
    out = tmp_path / "s.csv"
    sent = services.summary.export(
        FEB, SummaryScope.service(), ExportFormat.CSV, out, lambda percent: percent < 100
    )
    assert out.exists()
    assert [s.id for s in services.summary.register()] == [sent.id]


def test_a_month_sent_before_its_end_is_compared_up_to_that_day(
    services: Services, built: Built, tmp_path: Path
) -> None:
    # March, sent on the 12th (the tests' today), checked on the 31st: the days after the
    # 12th are not late entries
    march = Month(2026, 3)
    with services.factory() as uow:  # an interview planned for the 20th
        uow.session.add(
            m.JournalEntryRow(
                person_id=built.people["1"], kind=EntryKind.INTERVIEW, day=date(2026, 3, 20)
            )
        )
        uow.commit()
    sent = services.summary.export(
        march, SummaryScope.service(), ExportFormat.CSV, tmp_path / "m.csv"
    )
    assert sent.partial and sent.computed_on == date(2026, 3, 12)
    later = services.summary
    later._today = lambda: date(2026, 3, 31)  # type: ignore[method-assign]
    try:
        assert later.check(sent.id).unchanged
        # the month itself, read on the 31st, now counts the 20th
        assert later.month_summary(march, SummaryScope.service()).value(I.APPOINTMENTS) == 2
    finally:
        later._today = services.today  # type: ignore[method-assign]


def test_a_file_laid_out_differently_today_is_still_given_back_identically(
    services: Services, built: Built, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import spip_desktop.services.summary as summary_service

    first = tmp_path / "sent.pdf"
    sent = services.summary.export(FEB, SummaryScope.service(), ExportFormat.PDF, first)
    # a newer ReportLab would lay the same document out otherwise
    monkeypatch.setattr(summary_service, "render", lambda doc, fmt: b"%PDF-1.7 another layout")
    again = tmp_path / "again.pdf"
    services.summary.reproduce(sent.id, again)
    assert again.read_bytes() == first.read_bytes()


def test_a_register_copy_that_no_longer_matches_is_refused(
    services: Services, built: Built, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import zlib

    import spip_desktop.services.summary as summary_service

    sent = services.summary.export(
        FEB, SummaryScope.service(), ExportFormat.CSV, tmp_path / "s.csv"
    )
    with services.engine.begin() as connection:  # the register refuses UPDATE: a new copy
        row = (
            connection.execute(text("SELECT * FROM summary_export WHERE id = :id"), {"id": sent.id})
            .mappings()
            .one()
        )
        connection.execute(text("DELETE FROM summary_export WHERE id = :id"), {"id": sent.id})
        connection.execute(
            text(
                "INSERT INTO summary_export ("
                + ", ".join(row.keys())
                + ") VALUES ("
                + ", ".join(f":{k}" for k in row)
                + ")"
            ),
            {**row, "content": zlib.compress(b"tampered")},
        )
    monkeypatch.setattr(summary_service, "render", lambda doc, fmt: b"another layout")
    out = tmp_path / "again.csv"
    with pytest.raises(SpipError, match="ne peut pas être reproduit"):
        services.summary.reproduce(sent.id, out)
    assert not out.exists()


def test_a_list_is_titled_with_its_line_as_printed(services: Services, built: Built) -> None:
    service = SummaryScope.service()
    cpip = built.ref.cpip
    caseload = services.summary.drill(FEB, service, I.CASELOAD, f"agent:{cpip.id}")
    assert caseload.title == (
        f"Personnes suivies par CPIP le dernier jour — {cpip.given_name} {cpip.surname.upper()}"
    )
    nobody = services.summary.drill(FEB, service, I.CASELOAD, "agent:")
    assert nobody.title.endswith("— Sans référent")
    unknown = services.summary.drill(FEB, service, I.APPOINTMENTS, "outcome:")
    assert unknown.title == "Entretiens du mois — Issue non renseignée"
    with pytest.raises(SpipError, match="aucune ligne"):
        services.summary.drill(FEB, service, I.APPOINTMENTS, "outcome:perdu")


def test_a_health_step_is_never_named_in_a_summary_list(services: Services, built: Built) -> None:
    service = SummaryScope.service()
    for indicator, key in (
        (I.STEPS_OPENED, "domain:autre"),
        (I.STEPS_OPEN, ""),
        (I.STEPS_OVERDUE, ""),
    ):
        rows = services.summary.drill(FEB, service, indicator, key).rows
        shown = [r.cells[2] for r in rows]
        assert "Autre démarche (domaine non détaillé)" in shown, indicator
        assert not any("médicale" in cell or "AME" in cell for cell in shown), indicator
