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
    theirs = replace(
        second.file,
        person=replace(second.file.person, draft=replace(second.file.person.draft, city="Pessac")),
    )
    conflict_dialog = ConflictDialog(
        conflict, second.file.person.draft, mine, theirs, window, window.reference
    )
    conflict_dialog.show()
    shot(conflict_dialog, "09-conflit")
    conflict_dialog.hide()

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
    services.close()
    app.quit()
    return 0


if __name__ == "__main__":
    sys.exit(main())
