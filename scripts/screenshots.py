"""Render the main screens offscreen on demonstration data into docs/screenshots/.

Usage: ``make screenshots`` (or ``python scripts/screenshots.py [--out DIR]``).
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
from dataclasses import replace
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--out", type=Path, default=Path("docs/screenshots"))
    args = parser.parse_args()
    os.environ["SPIP_DATA_DIR"] = tempfile.mkdtemp(prefix="spip-screens-")

    from PySide6.QtWidgets import QApplication, QWidget

    from spip_desktop.app import make_application
    from spip_desktop.bootstrap import open_services
    from spip_desktop.domain.enums import Regime
    from spip_desktop.domain.model import PersonQuery
    from spip_desktop.settings import resolve
    from spip_desktop.ui.conflict_dialog import ConflictDialog
    from spip_desktop.ui.main_window import MainWindow
    from spip_desktop.ui.measure_dialog import MeasureDialog
    from spip_desktop.ui.prompter import Prompter
    from spip_desktop.ui.tasks import ImmediateTaskRunner

    app = make_application([])
    services = open_services(resolve(demo=True))
    prompter = Prompter()
    window = MainWindow(prompter, ImmediateTaskRunner(on_error=print), demo=True)
    window.resize(1440, 880)
    window.show()
    window.attach(services)
    args.out.mkdir(parents=True, exist_ok=True)

    def shot(widget: QWidget, name: str) -> None:
        for _ in range(3):
            QApplication.processEvents()
        widget.grab().save(str(args.out / f"{name}.png"))
        print(args.out / f"{name}.png")

    shot(window, "00-connexion")
    window.enter(services.accounts.login("dpip.demo", "Dpip-Demo-2026!"))
    window.show_section(window.SECTION_PERSONS)
    shot(window, "01-liste")
    page = window.persons_page
    assert page is not None
    page.search_edit.setText("helene")
    shot(window, "02-recherche-sans-accent")
    page.reset_filters()

    eligible = services.persons.list_page(
        PersonQuery(regime=Regime.MILIEU_FERME, sas_eligible_only=True)
    ).rows
    with_measures = services.persons.list_page(PersonQuery(text="jean noel")).rows
    file_page = window.open_file(eligible[0].id)
    assert file_page is not None
    shot(window, "03-dossier-identite")
    second = window.open_file(with_measures[0].id)
    assert second is not None
    second.tabs.setCurrentWidget(second.measures)
    shot(window, "04-dossier-mesures")

    measure = second.measures.model.record_at(0)
    assert measure is not None
    dialog = MeasureDialog(measure.draft, services.persons.check_measure, prompter, window)
    dialog.show()
    shot(dialog, "05-mesure-et-obligations")
    dialog.hide()

    new_page = window.new_file()
    assert new_page is not None
    new_page.form.edits["given_names"].setText("Noël")
    new_page.form.birth_date_field.line_edit.setText("31/02/2090")
    new_page.save()
    shot(window, "06-saisie-erreurs")

    window.show_section(window.SECTION_REFERENCE)
    assert window.reference_page is not None
    window.reference_page.tabs.setCurrentIndex(1)
    shot(window, "07-referentiel")

    window.show_section(window.SECTION_PERSONS)
    second.tabs.setCurrentWidget(second.history)
    window.file_tabs.setCurrentWidget(second)
    shot(window, "08-dossier-historique")

    conflict = services.persons.conflict_details(second.file.person.id)  # type: ignore[union-attr]
    assert second.file is not None
    mine = replace(second.file.person.draft, phone="06 12 34 56 78", city="Talence")
    theirs = replace(second.file.person.draft, city="Pessac")
    conflict_dialog = ConflictDialog(
        conflict, second.file.person.draft, mine, theirs, window, window.reference
    )
    conflict_dialog.show()
    shot(conflict_dialog, "09-conflit")
    conflict_dialog.hide()

    stage_screens(window, services, prompter, shot, args.out)

    new_page.form.edits["surname"].setText("Brouillon")
    window.file_tabs.setCurrentWidget(new_page)
    window.lock()
    shot(window, "10-verrouillage")
    window.screen_lock.unlock()
    for file in window.file_pages():  # leave the drafts without a question
        window.file_tabs.removeTab(window.file_tabs.indexOf(file))
    window.sign_out()
    window.enter(services.accounts.login("admin.demo", "Admin-Demo-2026!"))
    for section, name in (
        (window.SECTION_ACCOUNTS, "11-comptes"),
        (window.SECTION_AUDIT, "12-journal-audit"),
        (window.SECTION_BACKUPS, "13-sauvegardes"),
        (window.SECTION_RETENTION, "14-conservation"),
        (window.SECTION_SETTINGS, "15-parametres"),
    ):
        window.show_section(section)
        page = window.stack.currentWidget()
        if section == window.SECTION_AUDIT:
            page.verify()  # type: ignore[attr-defined]
        if section == window.SECTION_BACKUPS:
            page.back_up_now()  # type: ignore[attr-defined]
        shot(window, name)
    window.sign_out()
    followup_screens(window, services, prompter, shot, args.out)
    summary_screens(window, services, shot, args.out)
    services.close()
    app.quit()
    return 0


def pdf_page(pdf: bytes, name: str, out: Path, page: int = 1) -> None:
    """Page ``page`` of ``pdf`` as ``out/name.png`` (pdftoppm, 80 dpi)."""
    import subprocess

    source = out / f"{name}.pdf"
    source.write_bytes(pdf)
    subprocess.run(
        [
            "pdftoppm",
            "-r",
            "80",
            "-png",
            "-singlefile",
            "-f",
            str(page),
            "-l",
            str(page),
            str(source),
            str(out / name),
        ],
        check=True,
    )
    source.unlink()
    print(out / f"{name}.png")


def followup_screens(window, services, prompter, shot, out: Path) -> None:  # type: ignore[no-untyped-def]
    """[4/6]: À traiter, access to rights, partners and conventions, journal, chronology."""
    from spip_desktop.domain.rights import StepQuery, StepSort, StepStatus
    from spip_desktop.domain.timeline import FileTab, TimelineQuery
    from spip_desktop.ui.step_dialog import StepDialog

    user = services.accounts.login("cpip.demo", "Cpip-Demo-2026!")
    window.enter(user)
    shot(window, "25-a-traiter")
    window.show_section(window.SECTION_RIGHTS)
    shot(window, "26-acces-aux-droits")

    lines = services.rights.list_steps(
        StepQuery(
            status=StepStatus.OBTAINED, open_only=False, sort=StepSort.UPDATED, descending=True
        )
    )
    line = max(lines[:50], key=lambda x: len(services.rights.get_step(x.step.id).history))
    step = services.rights.get_step(line.step.id)
    person_id = step.person_id
    page = window.open_file(person_id, FileTab.RIGHTS)
    shot(window, "27-dossier-demarches")
    partners = services.partners.partners()
    dialog = StepDialog(
        services.rights,
        window.runner,
        prompter,
        person_id,
        f"{line.person_name} · dossier n° {line.file_number}",
        step,
        partners,
        window.reference.agents,
        user,
        services.today(),
        False,
        window,
    )
    dialog.show()
    shot(dialog, "28-demarche-historique")
    dialog.hide()

    page.show_tab(FileTab.JOURNAL)
    shot(window, "29-dossier-journal")
    page.show_tab(FileTab.TIMELINE)
    shot(window, "30-dossier-chronologie")
    pdf, _name = services.timeline.timeline_pdf(person_id, TimelineQuery(newest_first=False))
    pdf_page(pdf, "31-chronologie-pdf", out)
    window.file_tabs.removeTab(window.file_tabs.indexOf(page))

    window.sign_out()
    window.enter(services.accounts.login("dpip.demo", "Dpip-Demo-2026!"))
    partners_page = window.partners_page
    window.show_section(window.SECTION_PARTNERS)
    with_convention = next(
        c.draft.partner_id for c in services.partners.conventions() if c.draft.partner_id
    )
    partners_page.show_partner(with_convention)
    shot(window, "32-partenaires")
    partners_page.show_conventions_expiring()
    shot(window, "33-conventions")
    window.sign_out()


def summary_screens(window, services, shot, out: Path) -> None:  # type: ignore[no-untyped-def]
    """[5/6]: the monthly summary, a drill-down, the PDF export and the register."""
    import io

    from pypdf import PdfReader

    from spip_desktop.domain.summary import ExportFormat, Indicator, Section

    window.enter(services.accounts.login("dpip.demo", "Dpip-Demo-2026!"))
    window.show_section(window.SECTION_SUMMARY)
    page = window.summary_page
    month, scope = page.selected_month(), page.selected_scope()
    shot(window, "34-synthese-mensuelle")
    bar = page.scroll_area.verticalScrollBar()
    bar.setValue(page.cards[Section.STAGES].y())
    shot(window, "35-synthese-stages")
    bar.setValue(0)
    persons = page.cards[Section.PERSONS].model
    lines = [persons.line_at(row) for row in range(persons.rowCount())]
    line = next(x for x in lines if x is not None and x.indicator is Indicator.SAS_ELIGIBLE)
    page.open_line(line)
    shot(page.drill_dialog, "36-synthese-detail")
    page.drill_dialog.close()
    folder = Path(tempfile.mkdtemp(prefix="spip-summary-"))
    services.summary.export(month, scope, ExportFormat.CSV, folder / "synthese.csv")
    sent = services.summary.export(month, scope, ExportFormat.PDF, folder / "synthese.pdf")
    pdf = (folder / sent.file_name).read_bytes()
    pdf_page(pdf, "37-synthese-pdf", out)
    pdf_page(pdf, "38-synthese-pdf-annexe", out, page=len(PdfReader(io.BytesIO(pdf)).pages))
    # an interview of the month recorded after the summary was sent: the register says so
    from datetime import time

    from spip_desktop.domain.journal import EntryKind, JournalDraft, Outcome

    someone = services.summary.drill(month, scope, Indicator.ACTIVE_LAST).rows[0].person_id
    referent = services.persons.get_file(someone).person.draft.referent_id
    late = JournalDraft(
        EntryKind.INTERVIEW,
        month.last_day,
        time(10),
        "Entretien de suivi",
        "Saisi après l'envoi de la synthèse.",
        agent_id=referent,
        outcome=Outcome.HONOURED,
    )
    services.journal.save_entry(someone, None, 0, late)
    page.reload_register()
    page.tabs.setCurrentIndex(1)
    page.register_table.selectRow(0)
    shot(window, "39-synthese-registre")
    page.check_selected()
    shot(page.check_dialog, "40-synthese-comparaison")
    page.check_dialog.reject()
    window.sign_out()


def stage_screens(window, services, prompter, shot, out: Path) -> None:  # type: ignore[no-untyped-def]
    """Stages and programmes: grid, planning, enrolment, people, file tab, documents."""
    from spip_desktop.domain.stages import AttendanceCode, EnrolmentStatus, StagePhase
    from spip_desktop.ui.catalogue_dialog import CatalogueDialog
    from spip_desktop.ui.enrol_dialog import EnrolDialog
    from spip_desktop.ui.pdf_preview import PdfPreviewDialog
    from spip_desktop.ui.stage_dialog import StageDialog

    page = window.stages_page
    now = services.stages.now()
    stages = services.stages.list_stages()
    running = next(s for s in stages if s.phase(now) is StagePhase.RUNNING)
    window.show_section(window.SECTION_STAGES)
    page.select_stage(running.id)
    grid = page.grid
    model = grid.model
    sheet = page.detail.sheet
    empty_column = next(
        column
        for column, session in enumerate(sheet.stage.sessions, start=1)
        if session.has_started(now)
        and not any(sheet.record(e.id, session.id) for e in sheet.enrolments)
    )
    codes = [AttendanceCode.PRESENT, AttendanceCode.PRESENT, AttendanceCode.LATE]
    for row, code in enumerate(codes):
        model.set_code(row, empty_column, code)
    grid.set_current_cell(len(codes), empty_column)
    shot(window, "16-stage-presences")
    model.discard_changes()

    dialog = StageDialog(running.draft, page.types, running.enrolled, prompter, window)
    dialog.show()
    shot(dialog, "17-stage-planification")
    dialog.hide()

    upcoming = next(s for s in stages if s.phase(now) is StagePhase.UPCOMING)
    enrol = EnrolDialog.for_stage(upcoming, page.search_people, now.date(), set(), prompter, window)
    enrol.show()
    assert enrol.search_edit is not None
    enrol.search_edit.setText("mar")
    shot(enrol, "18-inscription")
    enrol.hide()

    validated = None
    for stage in stages:
        if stage.phase(now) is not StagePhase.DONE:
            continue
        lines = services.stages.stage_enrolments(stage.id)
        validated = next((x for x in lines if x.progress.status is EnrolmentStatus.VALIDE), None)
        if validated is not None:
            break
    assert validated is not None
    page.select_stage(validated.stage.id)
    issued = services.stages.issue_attestation(validated.enrolment.id)
    page.load_detail(validated.stage.id)
    page.detail_tabs.setCurrentIndex(1)
    shot(window, "19-stage-inscrits")

    file_page = window.open_file(validated.enrolment.person.id)
    assert file_page is not None and file_page.stages_panel is not None
    file_page.tabs.setCurrentWidget(file_page.stages_panel)
    shot(window, "20-dossier-stages")

    preview = PdfPreviewDialog(
        issued.pdf, f"Attestation {issued.number}", issued.file_name, prompter, window
    )
    preview.resize(900, 1000)
    preview.show()
    shot(preview, "21-apercu-attestation")
    preview.hide()

    sheet_pdf = services.stages.sign_in_sheet(validated.stage.sessions[0].id).pdf
    for name, pdf in (("22-attestation", issued.pdf), ("23-emargement", sheet_pdf)):
        pdf_page(pdf, name, out)

    catalogue = CatalogueDialog(services.stages, prompter, window)
    catalogue.show()
    shot(catalogue, "24-catalogue")
    catalogue.hide()
    window.file_tabs.removeTab(window.file_tabs.indexOf(file_page))
    window.show_section(window.SECTION_PERSONS)


if __name__ == "__main__":
    sys.exit(main())
