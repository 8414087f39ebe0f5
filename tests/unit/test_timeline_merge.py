"""The chronology's order and filters (domain), and the lines each source gives (service)."""

from __future__ import annotations

import random
from datetime import date, datetime, time

from spip_desktop.db.timeline import (
    AttendanceFact,
    FileChangeFact,
    JournalFact,
    MeasureFact,
    RightsFact,
)
from spip_desktop.domain.enums import MeasureType
from spip_desktop.domain.journal import EntryKind, Outcome
from spip_desktop.domain.rights import Actor, StepKind, StepStatus
from spip_desktop.domain.security import Role, User
from spip_desktop.domain.stage_terms import AttendanceCode
from spip_desktop.domain.timeline import (
    FileTab,
    Timeline,
    TimelineEvent,
    TimelineKind,
    TimelineQuery,
    merge,
    validate_query,
)
from spip_desktop.services.timeline import (
    attendance_events,
    file_events,
    journal_events,
    kinds_for,
    kinds_label,
    measure_events,
    period_label,
    rights_events,
)

K = TimelineKind
NOW = datetime(2026, 3, 12, 12, 0)


def event(
    day: date,
    kind: TimelineKind = K.JOURNAL,
    title: str = "",
    at: time | None = None,
    seq: int = 0,
    ref: int = 1,
) -> TimelineEvent:
    moment = datetime.combine(day, at) if at is not None else None
    return TimelineEvent(day, kind, title or f"{kind.value} {day}", "", moment, ref, seq)


def test_merge_orders_every_source_oldest_or_newest_first() -> None:
    measures = [event(date(2026, 1, 10), K.MEASURE), event(date(2028, 1, 9), K.MEASURE)]
    journal = [event(date(2026, 3, 11), at=time(14, 30)), event(date(2026, 2, 1))]
    rights = [event(date(2026, 2, 20), K.RIGHTS, at=time(11))]
    oldest = merge([measures, journal, rights], TimelineQuery(newest_first=False))
    assert [e.day for e in oldest] == [
        date(2026, 1, 10),
        date(2026, 2, 1),
        date(2026, 2, 20),
        date(2026, 3, 11),
        date(2028, 1, 9),
    ]
    newest = merge([measures, journal, rights])  # newest first by default
    assert newest == list(reversed(oldest))


def test_same_day_the_day_itself_then_times_then_sequence() -> None:
    day = date(2026, 3, 2)
    afternoon = event(day, K.ATTENDANCE, "après-midi", at=time(13, 30))
    morning = event(day, K.ATTENDANCE, "matin", at=time(9))
    decision = event(day, K.MEASURE, "décision", seq=0)
    obligation = event(day, K.OBLIGATION, "obligation", seq=10)
    referral = event(day, K.MEASURE, "saisine", seq=40)
    sources = [[afternoon, referral], [morning], [obligation, decision]]
    ordered = merge(sources, TimelineQuery(newest_first=False))
    assert [e.title for e in ordered] == [
        "décision",
        "obligation",
        "saisine",
        "matin",
        "après-midi",
    ]
    assert [e.title for e in merge(sources)] == [
        "après-midi",
        "matin",
        "saisine",
        "obligation",
        "décision",
    ]


def test_the_order_never_depends_on_the_order_of_the_sources() -> None:
    day = date(2026, 3, 2)
    events = [
        event(day, kind, at=at, ref=ref)
        for kind in (K.JOURNAL, K.RIGHTS, K.FILE)
        for at in (None, time(9))
        for ref in (1, 2)
    ]
    expected = merge([events], TimelineQuery(newest_first=False))
    rng = random.Random(7)
    for _ in range(20):
        shuffled = events[:]
        rng.shuffle(shuffled)
        assert merge([shuffled[:5], shuffled[5:]], TimelineQuery(newest_first=False)) == expected


def test_filters_by_kind_and_period_both_ends_included() -> None:
    events = [
        event(date(2026, 2, 28), K.JOURNAL),
        event(date(2026, 3, 1), K.JOURNAL),
        event(date(2026, 3, 1), K.RIGHTS),
        event(date(2026, 3, 31), K.MEASURE),
        event(date(2026, 4, 1), K.JOURNAL),
    ]
    march = TimelineQuery(start=date(2026, 3, 1), end=date(2026, 3, 31), newest_first=False)
    assert [(e.day, e.kind) for e in merge([events], march)] == [
        (date(2026, 3, 1), K.RIGHTS),  # same instant: a stable order, by kind
        (date(2026, 3, 1), K.JOURNAL),
        (date(2026, 3, 31), K.MEASURE),
    ]
    journal = TimelineQuery(kinds=frozenset({K.JOURNAL}))
    assert [e.day for e in merge([events], journal)] == [
        date(2026, 4, 1),
        date(2026, 3, 1),
        date(2026, 2, 28),
    ]
    since = TimelineQuery(start=date(2026, 3, 31))
    assert len(merge([events], since)) == 2
    until = TimelineQuery(end=date(2026, 2, 28))
    assert len(merge([events], until)) == 1
    assert merge([], TimelineQuery()) == []


def test_an_empty_period_is_refused_in_french() -> None:
    result = validate_query(TimelineQuery(start=date(2026, 3, 31), end=date(2026, 3, 1)))
    assert not result.ok
    assert result.errors == {
        "end": "La période est vide : elle finit le 01/03/2026, avant de commencer le 31/03/2026."
    }
    one_day = TimelineQuery(start=date(2026, 3, 1), end=date(2026, 3, 1))
    assert validate_query(one_day).ok
    assert validate_query(TimelineQuery(start=date(2026, 3, 1))).ok
    assert validate_query(TimelineQuery()).ok


def test_each_kind_opens_its_tab() -> None:
    assert {kind: kind.tab for kind in K} == {
        K.MEASURE: FileTab.MEASURES,
        K.OBLIGATION: FileTab.MEASURES,
        K.STAGE: FileTab.STAGES,
        K.ATTENDANCE: FileTab.STAGES,
        K.ATTESTATION: FileTab.STAGES,
        K.RIGHTS: FileTab.RIGHTS,
        K.JOURNAL: FileTab.JOURNAL,
        K.FILE: FileTab.HISTORY,
    }
    assert event(date(2026, 3, 2), at=time(9, 5)).when == "02/03/2026 09:05"
    assert event(date(2026, 3, 2)).when == "02/03/2026"
    timeline = Timeline(1, "X", "1", TimelineQuery(), (event(date(2026, 1, 1)),) * 3)
    assert timeline.count_by_kind() == {K.JOURNAL: 3}


# -- the lines of each source (services.timeline) ----------------------------------------------


def test_a_measure_gives_its_decision_start_and_end() -> None:
    fact = MeasureFact(
        7,
        MeasureType.TIG,
        "Tribunal judiciaire de Bordeaux",
        "",
        date(2026, 1, 10),
        None,
        date(2026, 1, 20),
        None,
        None,
        date(2027, 7, 9),
        datetime(2026, 1, 21, 9, 0),
    )
    lines = list(measure_events([fact]))
    assert [(e.day, e.title) for e in lines] == [
        (date(2026, 1, 10), "Décision : Travail d'intérêt général (TIG)"),
        (date(2026, 1, 20), "Saisine du SPIP : Travail d'intérêt général (TIG)"),
        (date(2027, 7, 9), "Fin de peine : Travail d'intérêt général (TIG)"),
    ]
    assert lines[0].detail == "Tribunal judiciaire de Bordeaux"
    assert {e.ref_id for e in lines} == {7}
    undated = fact._replace(decision_date=None, referral_date=None, sentence_end=None)
    (only,) = measure_events([undated])
    assert only.title == "Mesure enregistrée : Travail d'intérêt général (TIG)"


def test_a_corrected_attendance_says_so() -> None:
    fact = AttendanceFact(
        3,
        9,
        "Stage de citoyenneté",
        "",
        date(2026, 3, 2),
        time(9),
        time(12),
        AttendanceCode.EXCUSED,
        "Certificat médical",
        datetime(2026, 3, 4, 10, 15),
        "Élodie LEFÈVRE",
        AttendanceCode.UNEXCUSED,
    )
    (line,) = attendance_events([fact])
    assert line.title == "Absent excusé (correction) : Stage de citoyenneté"
    assert line.detail == (
        "Séance de 09:00 à 12:00 — Certificat médical — corrige « Absent non excusé », "
        "par Élodie LEFÈVRE le 04/03/2026 à 10:15"
    )
    assert (line.at, line.ref_id, line.tab) == (datetime(2026, 3, 2, 9), 9, FileTab.STAGES)
    (first,) = attendance_events([fact._replace(previous_code=None, reason="")])
    assert first.title == "Absent excusé : Stage de citoyenneté"
    assert first.detail == "Séance de 09:00 à 12:00"


def test_a_rights_update_names_the_partner_and_the_change() -> None:
    fact = RightsFact(
        1,
        4,
        datetime(2026, 2, 20, 11),
        StepStatus.FILED,
        StepStatus.IN_PROGRESS,
        "",
        "Élodie LEFÈVRE",
        Actor.PARTNER,
        StepKind.RSA,
        "",
        "CAF",
    )
    (line,) = rights_events([fact])
    assert line.title == "CAF — Revenu de solidarité active (RSA) : En cours → Dossier déposé"
    assert line.detail == "Élodie LEFÈVRE (Partenaire)"
    other = fact._replace(kind=StepKind.OTHER, other_label="Carte de transport", partner_name=None)
    (line,) = rights_events([other])
    assert line.title == "Carte de transport : En cours → Dossier déposé"


def test_an_appointment_shows_its_outcome_or_that_one_is_due() -> None:
    def appointment(day: date, outcome: Outcome | None) -> JournalFact:
        return JournalFact(
            5,
            EntryKind.HOME_VISIT,
            day,
            time(10),
            "",
            "",
            "Domicile",
            outcome,
            "Diane DIRECTRICE",
            "Élodie",
            "Lefèvre",
        )

    lines = list(
        journal_events(
            [
                appointment(date(2026, 3, 1), Outcome.MISSED),
                appointment(date(2026, 3, 2), None),
                appointment(date(2026, 3, 12), None),  # 10:00 today: past at noon
                appointment(date(2026, 3, 20), None),
            ],
            NOW,
        )
    )
    assert [e.title for e in lines] == [
        "Visite à domicile (non honoré)",
        "Visite à domicile (suite à renseigner)",
        "Visite à domicile (suite à renseigner)",
        "Visite à domicile (à venir)",
    ]
    assert lines[0].detail == "avec Élodie LEFÈVRE — Domicile"
    assert lines[0].at == datetime(2026, 3, 1, 10)
    assert {(e.kind, e.tab, e.ref_id) for e in lines} == {(K.JOURNAL, FileTab.JOURNAL, 5)}


def test_a_long_note_is_cut_on_one_line() -> None:
    text = "Première ligne.\n\n" + "mot " * 300
    note = JournalFact(
        6, EntryKind.NOTE, date(2026, 3, 1), None, "", text, "", None, "A", None, None
    )
    (line,) = journal_events([note], NOW)
    assert line.title == "Note"
    assert line.at is None
    assert line.detail.startswith("Première ligne. mot mot")
    assert "\n" not in line.detail
    assert line.detail.endswith("… — par A")
    assert len(line.detail) < 420


def test_changes_to_the_file_in_local_time() -> None:
    closure = FileChangeFact(
        11,
        datetime(2026, 3, 12, 9, 30),
        "Diane DIRECTRICE",
        "update",
        "person",
        1,
        "n° 2026-000001",
        '[["closed_on",null,"2026-03-12"],["closure_reason",null,"deces"]]',
    )
    measure = FileChangeFact(
        12,
        datetime(2026, 3, 12, 9, 31),
        "Diane DIRECTRICE",
        "update",
        "measure",
        4,
        "Sursis probatoire — dossier 2026-000001",
        '[["court","","TJ Bordeaux"],["jap_name","","M. X"]]',
    )
    lines = list(file_events([closure, measure]))
    assert [(e.title, e.detail) for e in lines] == [
        ("Clôture du dossier", "Décès — par Diane DIRECTRICE"),
        (
            "Mesure modifiée : Sursis probatoire",
            "Champs modifiés : Juridiction, JAP — par Diane DIRECTRICE",
        ),
    ]
    assert [e.ref_id for e in lines] == [11, 12]


def test_the_kinds_each_role_sees() -> None:
    def kinds(*roles: Role, agent: int | None = None, referent: int | None = 5) -> set[K]:
        return set(kinds_for(User(None, "x", "X", frozenset(roles), agent), referent))

    assert kinds(Role.DPIP) == set(K)
    assert kinds(Role.CPIP, agent=5) == set(K)
    assert kinds(Role.CPIP, agent=6) == set()  # outside the caseload: identity only
    assert kinds(Role.SECRETARIAT) == {K.STAGE, K.ATTENDANCE, K.ATTESTATION}
    assert kinds(Role.ASS) == {K.RIGHTS, K.STAGE, K.ATTENDANCE, K.ATTESTATION}
    assert kinds(Role.ADMIN) == set()


def test_labels_of_the_period_and_the_kinds() -> None:
    assert period_label(TimelineQuery()) == "toute la période"
    assert period_label(TimelineQuery(start=date(2026, 1, 1))) == "depuis le 01/01/2026"
    assert period_label(TimelineQuery(end=date(2026, 1, 1))) == "jusqu'au 01/01/2026"
    both = TimelineQuery(start=date(2026, 1, 1), end=date(2026, 3, 31))
    assert period_label(both) == "du 01/01/2026 au 31/03/2026"
    assert kinds_label(TimelineQuery()) == "toutes"
    chosen = TimelineQuery(kinds=frozenset({K.JOURNAL, K.MEASURE}))
    assert kinds_label(chosen) == "Mesures, Journal"
