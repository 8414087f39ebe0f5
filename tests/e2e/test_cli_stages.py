"""``spip-desktop attestation`` and ``emargement``, run as a script would."""

from __future__ import annotations

import io
from datetime import date, time
from pathlib import Path

import pytest
from pypdf import PdfReader

from spip_desktop.bootstrap import open_services
from spip_desktop.domain.stages import (
    AttendanceChange,
    AttendanceCode,
    Cadre,
    EnrolmentDraft,
    SessionDraft,
    StageDraft,
)
from spip_desktop.settings import resolve
from tests.conftest import person_draft
from tests.e2e.test_cli import COMMAND, assert_clean_failure, run

pytestmark = pytest.mark.skipif(COMMAND is None, reason="the package is not installed")


def text_of(path: Path) -> str:
    pages = PdfReader(io.BytesIO(path.read_bytes())).pages
    return " ".join(" ".join(p.extract_text() for p in pages).replace("\u00a0", " ").split())


@pytest.fixture
def stage_base(tmp_path: Path) -> tuple[Path, int, int, list[int]]:
    """A base with a two-session stage in 2025: two people, one attended both sessions."""
    db = tmp_path / "stages.sqlite3"
    services = open_services(resolve(db, None, False))
    try:
        services.sign_in_command_line("test setup")
        citizenship = services.stages.catalogue()[0]
        stage = services.stages.save_stage(
            None,
            0,
            StageDraft(
                type_id=citizenship.id,
                venue="Maison de la justice et du droit",
                sessions=tuple(
                    SessionDraft(date(2025, 6, day), time(9), time(15)) for day in (2, 3)
                ),
            ),
        )
        enrolments = []
        for surname, number in (("Lefèvre", "2025-000001"), ("Œuvray", "2025-000002")):
            person = services.persons.create(
                person_draft(surname=surname, given_names="Hélène", file_number=number)
            ).person
            enrolments.append(
                services.stages.enrol(
                    EnrolmentDraft(stage.id, person.id, Cadre.COMPOSITION, "Parquet 25/77")
                ).id
            )
        services.stages.save_attendance(
            stage.id,
            [AttendanceChange(enrolments[0], s.id, AttendanceCode.PRESENT) for s in stage.sessions]
            + [AttendanceChange(enrolments[1], stage.sessions[0].id, AttendanceCode.LATE)],
        )
        return db, stage.id, stage.sessions[0].id, enrolments
    finally:
        services.close()


def test_one_attestation_then_its_duplicate(
    tmp_path: Path, stage_base: tuple[Path, int, int, list[int]]
) -> None:
    db, _stage, _session, enrolments = stage_base
    out = tmp_path / "attestation.pdf"
    first = run(
        tmp_path,
        "--db",
        str(db),
        "attestation",
        "--enrolment",
        str(enrolments[0]),
        "--out",
        str(out),
    )
    assert first.returncode == 0, first.stderr
    assert f"Attestation SPIP-{date.today().year}-00001 écrite" in first.stdout
    text = text_of(out)
    assert "LEFÈVRE" in text and "l'intégralité" in text and "procureur" in text
    again = run(
        tmp_path,
        "--db",
        str(db),
        "attestation",
        "--enrolment",
        str(enrolments[0]),
        "--out",
        str(out),
    )
    assert again.returncode == 0 and "Duplicata" in again.stdout
    assert "DUPLICATA" in text_of(out)


def test_a_whole_stage_into_a_folder_and_a_sign_in_sheet(
    tmp_path: Path, stage_base: tuple[Path, int, int, list[int]]
) -> None:
    db, stage_id, session_id, _enrolments = stage_base
    folder = tmp_path / "attestations"
    folder.mkdir()
    batch = run(
        tmp_path, "--db", str(db), "attestation", "--stage", str(stage_id), "--out", str(folder)
    )
    assert batch.returncode == 0, batch.stderr
    assert sorted(p.name.split("_")[-1] for p in folder.iterdir()) == ["LEFEVRE.pdf", "OEUVRAY.pdf"]
    sheet = tmp_path / "emargement.pdf"
    signed = run(
        tmp_path, "--db", str(db), "emargement", "--session", str(session_id), "--out", str(sheet)
    )
    assert signed.returncode == 0, signed.stderr
    text = text_of(sheet)
    assert "Feuille d'émargement" in text and "ŒUVRAY" in text


def test_bad_requests_fail_with_a_french_sentence(
    tmp_path: Path, stage_base: tuple[Path, int, int, list[int]]
) -> None:
    db, _stage, _session, _enrolments = stage_base
    unknown = run(
        tmp_path,
        "--db",
        str(db),
        "attestation",
        "--enrolment",
        "999",
        "--out",
        str(tmp_path / "x.pdf"),
    )
    assert_clean_failure(unknown)
    assert "n'existe plus" in unknown.stderr
    blocker = tmp_path / "fichier"
    blocker.write_text("")
    nowhere = run(
        tmp_path, "--db", str(db), "emargement", "--session", "1", "--out", str(blocker / "e.pdf")
    )
    assert_clean_failure(nowhere)
    assert "n'existe pas" in nowhere.stderr
    assert not (blocker / "e.pdf").exists()


def test_an_unwritable_output_registers_no_number(
    tmp_path: Path, stage_base: tuple[Path, int, int, list[int]]
) -> None:
    db, _stage, _session, enrolments = stage_base
    refused = run(
        tmp_path,
        *("--db", str(db), "attestation", "--enrolment", str(enrolments[0])),
        *("--out", str(tmp_path / "absent" / "a.pdf")),
    )
    assert_clean_failure(refused)
    assert "n'existe pas" in refused.stderr
    out = tmp_path / "a.pdf"
    first = run(
        tmp_path,
        "--db",
        str(db),
        "attestation",
        "--enrolment",
        str(enrolments[0]),
        "--out",
        str(out),
    )
    assert first.returncode == 0 and "Duplicata" not in first.stdout
    assert f"Attestation SPIP-{date.today().year}-00001 écrite" in first.stdout
