"""The rules of stages and programmes: limits, deadline, completion, recipient, numbers."""

from __future__ import annotations

from datetime import date, datetime, time

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from spip_desktop.domain.documents import AttendedSessionLine, AttestationDocument
from spip_desktop.domain.stages import (
    ActionKind,
    AttendanceChange,
    AttendanceCode,
    AttendanceRecord,
    Cadre,
    EndKind,
    Enrolment,
    EnrolmentDraft,
    EnrolmentEnd,
    EnrolmentStatus,
    PersonSummary,
    Recipient,
    Session,
    SessionDraft,
    Stage,
    StageDraft,
    StageType,
    StageTypeDraft,
    attestation_kind,
    attestation_number,
    current_records,
    format_minutes,
    format_price,
    parse_price,
    progress,
    stage_deadline,
    validate_attendance,
    validate_enrolment,
    validate_stage,
)
from tests.unit.test_fuzz import hostile_text

NOW = datetime(2026, 3, 12, 12, 0)


def session(day: int, start: int, end: int, month: int = 3) -> SessionDraft:
    return SessionDraft(date(2026, month, day), time(start), time(end))


def draft(*sessions: SessionDraft, **changes: object) -> StageDraft:
    values: dict[str, object] = {"type_id": 1, "sessions": sessions}
    values.update(changes)
    return StageDraft(**values)  # type: ignore[arg-type]


def errors(result: object) -> str:
    return " ".join(result.errors.values())  # type: ignore[attr-defined]


# -- the law's limits for stages ----------------------------------------------------------


def test_six_hours_a_day_is_the_limit_for_a_stage_only() -> None:
    six = draft(session(2, 9, 12), session(2, 13, 16))
    assert validate_stage(six, ActionKind.STAGE).ok
    seven = draft(session(2, 9, 12), session(2, 13, 17))
    assert "6 heures par jour" in errors(validate_stage(seven, ActionKind.STAGE))
    assert validate_stage(seven, ActionKind.PPR).ok
    assert validate_stage(seven, ActionKind.COLLECTIVE).ok


def test_a_stage_lasts_less_than_a_month() -> None:
    within = draft(session(2, 9, 12, month=3), session(1, 9, 12, month=4))
    assert validate_stage(within, ActionKind.STAGE).ok
    beyond = draft(session(2, 9, 12, month=3), session(2, 9, 12, month=4))
    assert "un mois" in errors(validate_stage(beyond, ActionKind.STAGE))
    assert validate_stage(beyond, ActionKind.PPR).ok


def test_sessions_must_be_complete_ordered_and_apart() -> None:
    assert "au moins une séance" in errors(validate_stage(draft(), ActionKind.STAGE))
    inverted = draft(session(2, 14, 10))
    assert "doit suivre l'heure de début" in errors(validate_stage(inverted, ActionKind.PPR))
    blank = draft(SessionDraft(date(2026, 3, 2), time(9), None))
    assert "indiquez la date" in errors(validate_stage(blank, ActionKind.PPR))
    overlap = draft(session(2, 9, 12), session(2, 11, 13))
    assert "se chevauchent" in errors(validate_stage(overlap, ActionKind.PPR))
    touching = draft(session(2, 9, 12), session(2, 12, 14))
    assert validate_stage(touching, ActionKind.PPR).ok


def test_the_price_of_a_stage_is_capped_at_450_euros() -> None:
    assert validate_stage(draft(session(2, 9, 12), price_cents=450_00), ActionKind.STAGE).ok
    over = validate_stage(draft(session(2, 9, 12), price_cents=450_01), ActionKind.STAGE)
    assert "450" in errors(over)
    assert validate_stage(draft(session(2, 9, 12), price_cents=600_00), ActionKind.COLLECTIVE).ok


def test_required_hours_cannot_exceed_the_sessions() -> None:
    result = validate_stage(draft(session(2, 9, 12), required_minutes=4 * 60), ActionKind.STAGE)
    assert "personne ne pourrait valider" in errors(result)


def test_shrinking_below_the_people_enrolled_needs_a_reason() -> None:
    small = draft(session(2, 9, 12), capacity=5)
    assert "capacity_override_reason" in validate_stage(small, ActionKind.STAGE, enrolled=7).errors
    reasoned = draft(session(2, 9, 12), capacity=5, capacity_override_reason="Salle plus petite")
    result = validate_stage(reasoned, ActionKind.STAGE, enrolled=7)
    assert result.ok and result.warnings


# -- deadline and frame -------------------------------------------------------------------


def test_the_deadline_is_six_months_after_the_conviction_became_final() -> None:
    assert stage_deadline(date(2026, 1, 10)) == date(2026, 7, 10)
    assert stage_deadline(date(2025, 8, 31)) == date(2026, 2, 28)  # end of a shorter month
    assert stage_deadline(None) is None


@pytest.mark.parametrize(
    ("cadre", "recipient"),
    [
        (Cadre.ALTERNATIVE, Recipient.PROCUREUR),
        (Cadre.COMPOSITION, Recipient.PROCUREUR),
        (Cadre.CRPC, Recipient.SPIP_JAP),
        (Cadre.PEINE, Recipient.SPIP_JAP),
        (Cadre.SURSIS_PROBATOIRE, Recipient.SPIP_JAP),
        (Cadre.ACCOMPAGNEMENT, Recipient.SPIP),
    ],
)
def test_the_frame_decides_who_receives_the_attestation(cadre: Cadre, recipient: Recipient) -> None:
    assert cadre.recipient is recipient


def stage_of(
    *sessions: SessionDraft, kind: ActionKind = ActionKind.STAGE, **changes: object
) -> Stage:
    stored = tuple(
        Session(i, 1, s.day, s.start, s.end)  # type: ignore[arg-type]
        for i, s in enumerate(sorted(sessions, key=lambda s: (s.day, s.start)), start=1)
    )
    return Stage(
        1,
        1,
        draft(*sessions, **changes),
        StageType(1, 1, StageTypeDraft("Stage de citoyenneté", kind, 360)),
        stored,
    )


def test_a_stage_ending_after_the_deadline_warns_and_a_full_one_needs_a_reason() -> None:
    late = stage_of(session(20, 9, 12, month=8))
    enrolment = EnrolmentDraft(1, 7, Cadre.PEINE, "", date(2026, 1, 31))
    result = validate_enrolment(enrolment, late, date(2026, 3, 12))
    assert result.ok and "31/07/2026" in result.warnings[0]
    # no conviction, no deadline
    prosecutor = EnrolmentDraft(1, 7, Cadre.ALTERNATIVE, "", date(2026, 1, 31))
    assert not validate_enrolment(prosecutor, late, date(2026, 3, 12)).warnings
    missing = EnrolmentDraft(1, 7, Cadre.SURSIS_PROBATOIRE)
    assert "final_date" in validate_enrolment(missing, late, date(2026, 3, 12)).errors
    full = Stage(**{**vars(late), "draft": StageDraft(type_id=1, capacity=1), "enrolled": 1})
    assert (
        "capacity_override_reason"
        in validate_enrolment(
            EnrolmentDraft(1, 7, Cadre.ALTERNATIVE), full, date(2026, 3, 12)
        ).errors
    )
    twice = validate_enrolment(
        EnrolmentDraft(1, 7, Cadre.ALTERNATIVE), late, date(2026, 3, 12), True
    )
    assert "déjà inscrite" in errors(twice)


# -- attendance and completion ------------------------------------------------------------


def person() -> PersonSummary:
    return PersonSummary(7, "Lefèvre", "Élodie")


def enrolment(end: EnrolmentEnd | None = None) -> Enrolment:
    return Enrolment(10, 1, 1, person(), Cadre.PEINE, "", date(2026, 1, 10), date(2026, 2, 1), end)


def record(
    record_id: int, session_id: int, code: AttendanceCode, supersedes: int | None = None
) -> AttendanceRecord:
    return AttendanceRecord(record_id, 10, session_id, code, "", "Agent", NOW, supersedes)


def test_attendance_is_refused_before_a_session_starts_and_outside_the_stage() -> None:
    stage = stage_of(session(2, 9, 12), session(20, 9, 12))
    past, future = stage.sessions
    change = AttendanceChange(10, future.id, AttendanceCode.PRESENT)
    assert "pas encore commencé" in (validate_attendance(change, future, enrolment(), NOW) or "")
    other = Enrolment(**{**vars(enrolment()), "stage_id": 99})
    assert "pas inscrite" in (validate_attendance(change, past, other, NOW) or "")
    excused = AttendanceChange(10, past.id, AttendanceCode.EXCUSED, " ")
    assert "motif" in (validate_attendance(excused, past, enrolment(), NOW) or "")
    gone = enrolment(EnrolmentEnd(EndKind.ABANDON, date(2026, 3, 1), "Déménagement"))
    assert "quitté le stage" in (
        validate_attendance(AttendanceChange(10, past.id, AttendanceCode.PRESENT), past, gone, NOW)
        or ""
    )
    assert (
        validate_attendance(
            AttendanceChange(10, past.id, AttendanceCode.LATE), past, enrolment(), NOW
        )
        is None
    )


def test_a_correction_supersedes_and_only_current_records_count() -> None:
    records = [record(1, 1, AttendanceCode.UNEXCUSED), record(2, 1, AttendanceCode.PRESENT, 1)]
    current = current_records(records)
    assert [r.id for r in current.values()] == [2]


def test_completion_follows_the_hours_attended() -> None:
    stage = stage_of(session(2, 9, 12), session(3, 9, 12))  # 6 h, both over
    assert progress(enrolment(), stage, [], datetime(2026, 3, 1)).status is EnrolmentStatus.INSCRIT
    assert progress(enrolment(), stage, [], NOW).status is EnrolmentStatus.EN_COURS
    one = [record(1, 1, AttendanceCode.PRESENT)]
    assert progress(enrolment(), stage, one, NOW).status is EnrolmentStatus.EN_COURS
    both = [*one, record(2, 2, AttendanceCode.LATE)]
    done = progress(enrolment(), stage, both, NOW)
    assert (done.status, done.attended_minutes, done.required_minutes) == (
        EnrolmentStatus.VALIDE,
        360,
        360,
    )
    missed = [*one, record(2, 2, AttendanceCode.EXCUSED)]
    assert progress(enrolment(), stage, missed, NOW).status is EnrolmentStatus.NON_VALIDE
    lenient = stage_of(session(2, 9, 12), session(3, 9, 12), required_minutes=180)
    assert progress(enrolment(), lenient, missed, NOW).status is EnrolmentStatus.VALIDE
    excluded = enrolment(EnrolmentEnd(EndKind.EXCLU, date(2026, 3, 2), "Violence"))
    assert progress(excluded, stage, one, NOW).status is EnrolmentStatus.EXCLU
    assert attestation_kind(EnrolmentStatus.VALIDE).label == "Attestation de suivi"
    assert attestation_kind(EnrolmentStatus.NON_VALIDE).label == "Attestation de présence"


# -- numbers, money, hours ------------------------------------------------------------------


def test_attestation_numbers() -> None:
    assert attestation_number("33", 2026, 42) == "SPIP-33-2026-00042"
    assert attestation_number(" 2a ", 2026, 1) == "SPIP-2A-2026-00001"
    assert attestation_number("", 2027, 7) == "SPIP-2027-00007"


def test_french_durations_and_prices() -> None:
    nbsp = "\u00a0"
    assert format_minutes(360) == f"6{nbsp}h"
    assert format_minutes(210) == f"3{nbsp}h{nbsp}30"
    assert format_minutes(45) == f"45{nbsp}min"
    assert format_minutes(0) == f"0{nbsp}h"
    assert format_price(450_00) == f"450,00{nbsp}€"
    assert format_price(0) == "Gratuit"
    assert format_price(1_250_50) == f"1\u202f250,50{nbsp}€"
    assert parse_price("250,5 €") == 250_50
    assert parse_price("gratuit") == 0
    assert parse_price("") is None
    with pytest.raises(ValueError, match="montant"):
        parse_price("12,345")


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=40))
def test_parse_price_reads_or_explains_anything(text: str) -> None:
    try:
        cents = parse_price(text)
    except ValueError as error:
        assert "montant" in str(error)
    else:
        assert cents is None or cents >= 0


@settings(max_examples=300, deadline=None)
@given(hostile_text(), hostile_text(), hostile_text())
def test_stage_validation_never_breaks_on_hostile_text(title: str, venue: str, name: str) -> None:
    result = validate_stage(
        draft(session(2, 9, 12), title=title, venue=venue, organiser_name=name),
        ActionKind.STAGE,
    )
    assert isinstance(result.ok, bool)


def test_an_attestation_survives_its_register_round_trip() -> None:
    document = AttestationDocument(
        number="SPIP-33-2026-00001",
        validated=True,
        surname="Lefèvre",
        given_names="Élodie",
        birth_date=date(1990, 3, 12),
        birth_place="Lyon",
        action_noun="stage",
        action_name="Stage de citoyenneté",
        cadre=Cadre.PEINE.label,
        decision_reference="TJ 26/1",
        recipient=Cadre.PEINE.recipient.label,
        organiser="SPIP",
        venue="Mairie",
        first_day=date(2026, 3, 2),
        last_day=date(2026, 3, 3),
        sessions=(AttendedSessionLine(date(2026, 3, 2), time(9), time(12), "Présent", 180),),
        attended_minutes=180,
        required_minutes=180,
        place="Bordeaux",
        signatory_name="Anne MARTIN",
        signatory_role="La directrice",
        issued_on=date(2026, 3, 12),
    )
    assert AttestationDocument.from_json(document.to_json()) == document
