"""``spip-desktop timeline``, run as a script would: the installed command on a real file."""

from __future__ import annotations

import io
from datetime import date, time
from pathlib import Path

import pytest
from pypdf import PdfReader

from spip_desktop.bootstrap import open_services
from spip_desktop.domain.audit import AuditAction, AuditQuery
from spip_desktop.domain.enums import AgentRole, MeasureType, ObligationType
from spip_desktop.domain.journal import EntryKind, JournalDraft, Outcome
from spip_desktop.domain.model import Agent, MeasureDraft, ObligationDraft
from spip_desktop.settings import resolve
from tests.conftest import person_draft
from tests.e2e.test_cli import COMMAND, assert_clean_failure, run

pytestmark = pytest.mark.skipif(COMMAND is None, reason="the package is not installed")


def text_of(path: Path) -> str:
    pages = PdfReader(io.BytesIO(path.read_bytes())).pages
    text = " ".join(page.extract_text() for page in pages)
    return " ".join(text.replace("\u00a0", " ").replace("\u202f", " ").split())


@pytest.fixture
def base(tmp_path: Path) -> Path:
    """A base with one file: a measure with an obligation, a note and two interviews."""
    db = tmp_path / "chronologie.sqlite3"
    services = open_services(resolve(db, None, False))
    try:
        services.sign_in_command_line("test setup")
        person = services.persons.create(
            person_draft(surname="Œuvray", given_names="Hélène", file_number="2026-000042")
        ).person
        services.persons.add_measure(
            person.id,
            MeasureDraft(
                measure_type=MeasureType.SURSIS_PROBATOIRE,
                court="Tribunal judiciaire de Bordeaux",
                decision_date=date(2025, 11, 4),
                probation_start=date(2025, 11, 4),
                probation_end=date(2027, 11, 3),
                obligations=(ObligationDraft(ObligationType.SOINS),),
            ),
        )
        agent = services.reference.save_agent(Agent(None, "Lefèvre", "Élodie", AgentRole.CPIP))
        journal = services.journal
        journal.save_entry(
            person.id,
            None,
            0,
            JournalDraft(EntryKind.NOTE, date(2025, 12, 1), None, "Hébergement", "Appel du CHRS."),
        )
        for day, subject in (
            (date(2026, 1, 15), "Premier entretien"),
            (date(2026, 2, 16), "Suivi"),
        ):
            journal.save_entry(
                person.id,
                None,
                0,
                JournalDraft(
                    EntryKind.INTERVIEW,
                    day,
                    time(10),
                    subject,
                    agent_id=agent.id,
                    outcome=Outcome.HONOURED,
                ),
            )
    finally:
        services.close()
    return db


def test_the_whole_chronology_then_one_period(tmp_path: Path, base: Path) -> None:
    out = tmp_path / "chronologie.pdf"
    done = run(
        tmp_path, "--db", str(base), "timeline", "--person", "2026-000042", "--out", str(out)
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("Chronologie du dossier 2026-000042 (toute la période, ")
    assert done.stdout.rstrip().endswith(f"écrite : {out}")
    text = text_of(out)
    assert "Chronologie du suivi" in text and "RÉPUBLIQUE FRANÇAISE" in text
    assert "ŒUVRAY" in text and "Hélène" in text and "2026-000042" in text
    assert "du plus ancien au plus récent" in text
    order = [
        "Décision : Sursis probatoire",
        "Note : Hébergement",
        "Entretien : Premier entretien (honoré)",
        "Entretien : Suivi (honoré)",
        "Fin du délai d'épreuve : Sursis probatoire",
    ]
    assert [text.index(title) for title in order] == sorted(text.index(t) for t in order)
    assert "page 1 sur" in text

    january = tmp_path / "janvier.pdf"
    period = run(
        tmp_path,
        "--db",
        str(base),
        "timeline",
        "--person",
        "2026-000042",
        "--out",
        str(january),
        "--du",
        "01/01/2026",
        "--au",
        "31/01/2026",
    )
    assert period.returncode == 0, period.stderr
    assert "(du 01/01/2026 au 31/01/2026, 1 événement)" in period.stdout
    text = text_of(january)
    assert "Période : du 01/01/2026 au 31/01/2026" in text
    assert "Premier entretien" in text and "Hébergement" not in text

    services = open_services(resolve(base, None, False))
    try:
        services.sign_in_command_line("test check")
        printed = services.audit.browse(AuditQuery(object_type="timeline"))
        commands = services.audit.browse(AuditQuery(action=AuditAction.COMMAND))
    finally:
        services.close()
    assert [e.action for e in printed] == [AuditAction.PRINT, AuditAction.PRINT]
    assert all(e.actor_name.endswith("(ligne de commande)") for e in printed)
    assert any("timeline --person 2026-000042" in e.summary for e in commands)


def test_refusals_are_french_one_liners_and_leave_nothing(tmp_path: Path, base: Path) -> None:
    out = tmp_path / "x.pdf"

    def timeline(*args: str) -> None:
        result = run(tmp_path, "--db", str(base), "timeline", *args)
        assert_clean_failure(result)
        messages.append(result.stderr)

    messages: list[str] = []
    timeline("--person", "2099-999999", "--out", str(out))
    assert "Aucun dossier ne porte le numéro « 2099-999999 »" in messages[-1]
    timeline(
        "--person", "2026-000042", "--out", str(out), "--du", "31/03/2026", "--au", "01/03/2026"
    )
    assert "La période est vide : elle finit le 01/03/2026" in messages[-1]
    timeline("--person", "2026-000042", "--out", str(out), "--du", "32/01/2026")
    assert "option --du : Le 32/01/2026 n'existe pas dans le calendrier." in messages[-1]
    timeline("--person", "2026-000042", "--out", str(out), "--au", "demain")
    assert "« demain » n'est pas une date au format jj/mm/aaaa" in messages[-1]
    blocker = tmp_path / "fichier"
    blocker.write_text("")
    timeline("--person", "2026-000042", "--out", str(blocker / "c.pdf"))
    assert "n'existe pas" in messages[-1]
    folder = tmp_path / "un_dossier.pdf"
    folder.mkdir()
    timeline("--person", "2026-000042", "--out", str(folder))
    assert "un dossier porte déjà ce nom" in messages[-1]
    assert not out.exists()
    assert [p.name for p in tmp_path.rglob("*.pdf*")] == ["un_dossier.pdf"]  # no .part
    assert list(folder.iterdir()) == []


def test_help_is_french(tmp_path: Path) -> None:
    result = run(tmp_path, "timeline", "--help")
    assert result.returncode == 0
    assert "utilisation : spip-desktop timeline" in result.stdout
    assert "chronologie du suivi" in result.stdout.lower()
    assert "--du JJ/MM/AAAA" in result.stdout
    listed = run(tmp_path, "--help")
    assert "timeline" in listed.stdout
