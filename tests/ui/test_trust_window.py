"""The real main window with accounts: first start, sign-in, roles, the lock, administration.

Real SQLite files, real services (with cheap password hashing), the immediate
task runner; a user would see and do exactly this.
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest
from PySide6.QtCore import QEvent, QPoint, Qt
from PySide6.QtGui import QCloseEvent, QMouseEvent
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication

from spip_desktop.bootstrap import Services
from spip_desktop.domain.dates import plural
from spip_desktop.domain.enums import MeasureType
from spip_desktop.domain.model import MeasureDraft, PersonQuery
from spip_desktop.domain.security import DEMO_ACCOUNTS, AccountDraft, Role
from spip_desktop.ui.accounts_page import AccountsPage
from spip_desktop.ui.audit_page import AuditPage
from spip_desktop.ui.backups_page import BackupsPage
from spip_desktop.ui.conflict_dialog import ConflictDialog
from spip_desktop.ui.main_window import MainWindow
from spip_desktop.ui.measure_dialog import MeasureDialog
from spip_desktop.ui.person_file_page import PersonFilePage
from spip_desktop.ui.sign_in import FirstAdminPage, SignInPage
from tests.conftest import Reference, fixed_today, open_test_services, person_draft
from tests.ui.conftest import FakePrompter, type_text

PASSWORD = "Bordeaux-Gironde-33!"


@pytest.fixture
def signed_out(services: Services) -> Services:
    services.session.user = None
    return services


def make_window(qtbot, services: Services, prompter, runner, demo: bool = False) -> MainWindow:
    window = MainWindow(prompter, runner, demo=demo, today=fixed_today)
    qtbot.addWidget(window)
    window.show()
    window.attach(services)
    return window


def sections(window: MainWindow) -> list[str]:
    return [window.nav_list.item(i).text() for i in range(window.nav_list.count())]


def sign_in(window: MainWindow, login: str, password: str) -> None:
    page = window.sign_in_page
    assert isinstance(page, SignInPage)
    page.login_edit.setText(login)
    page.password_edit.setText(password)
    QTest.keyClick(page.password_edit, Qt.Key.Key_Return)


@pytest.fixture
def admin_and_cpip(reference: Reference, signed_out: Services) -> Services:
    """A first administrator (also DPIP) and a CPIP account tied to reference.cpip."""
    accounts = signed_out.accounts
    accounts.create_first_admin(
        AccountDraft("direction", "Diane DIRECTRICE", frozenset({Role.DPIP})), PASSWORD, PASSWORD
    )
    accounts.create_account(
        AccountDraft("e.lefevre", "Élodie LEFÈVRE", frozenset({Role.CPIP}), reference.cpip.id),
        PASSWORD,
        PASSWORD,
    )
    accounts.login("e.lefevre", PASSWORD)  # a new account changes its provisional password
    accounts.change_password(PASSWORD, PASSWORD, PASSWORD)
    accounts.logout()
    return signed_out


def test_the_first_start_creates_the_administrator_then_opens_the_admin_pages(
    qtbot, signed_out: Services, prompter, runner
) -> None:
    window = make_window(qtbot, signed_out, prompter, runner)
    page = window.sign_in_page
    assert isinstance(page, FirstAdminPage)
    assert window.screens.currentWidget() is window.gate
    type_text(page.name_edit, "Marc Lefèvre")
    page.login_edit.setText("m.lefevre")
    page.password_edit.setText("court")
    page.confirmation_edit.setText("court")
    page.create_button.click()
    assert "12 caractères" in page.errors["password"].text()  # refused, still on the form
    assert window.screens.currentWidget() is window.gate
    page.password_edit.setText(PASSWORD)
    page.confirmation_edit.setText(PASSWORD)
    page.create_button.click()
    assert window.screens.currentWidget() is window.workspace
    assert window.user is not None and window.user.login == "m.lefevre"
    # an administrator only: no access to the files' content
    assert sections(window) == [
        "Référentiel du service",
        "Comptes",
        "Journal d'audit",
        "Sauvegardes",
        "Conservation des données",
        "Paramètres",
    ]
    assert window.persons_page is None
    assert window.new_file() is None


def test_a_wrong_password_says_so_and_the_right_one_opens_the_workspace(
    qtbot, admin_and_cpip: Services, prompter, runner
) -> None:
    window = make_window(qtbot, admin_and_cpip, prompter, runner)
    sign_in(window, "e.lefevre", "Mauvais-mot-2026!")
    page = window.sign_in_page
    assert isinstance(page, SignInPage)
    assert page.error_label.text() == "Identifiant ou mot de passe incorrect."
    assert page.password_edit.text() == ""  # never left in the field
    sign_in(window, "E.Lefevre", PASSWORD)
    assert window.screens.currentWidget() is window.workspace
    assert sections(window) == [
        "À traiter",  # a CPIP with a caseload opens the app on what is due
        "Personnes suivies",
        "Stages et programmes",
        "Accès aux droits",
        "Partenaires et conventions",
        "Référentiel du service",
    ]
    assert window.stack.currentWidget() is window.todo_page
    assert "Élodie LEFÈVRE" in window.user_label.text()


def test_repeated_failures_make_the_button_wait(
    qtbot, admin_and_cpip: Services, prompter, runner
) -> None:
    window = make_window(qtbot, admin_and_cpip, prompter, runner)
    for _ in range(3):
        sign_in(window, "e.lefevre", "Mauvais-mot-2026!")
    page = window.sign_in_page
    assert isinstance(page, SignInPage)
    assert "Patientez 1 seconde" in page.error_label.text()
    assert not page.sign_in_button.isEnabled()
    qtbot.waitUntil(page.sign_in_button.isEnabled, timeout=3000)


def test_the_demo_base_shows_one_account_per_role_and_signs_in_with_one_click(
    qtbot, signed_out: Services, prompter, runner
) -> None:
    signed_out.maintenance.generate_demo(80, 3)
    window = make_window(qtbot, signed_out, prompter, runner, demo=True)
    page = window.sign_in_page
    assert isinstance(page, SignInPage)
    assert set(page.demo_buttons) == {a.login for a in DEMO_ACCOUNTS}
    page.demo_buttons["cpip.demo"].click()
    assert window.user is not None and window.user.roles == {Role.CPIP}
    model = window.persons_model
    assert model is not None
    qtbot.waitUntil(lambda: model.rowCount() > 0)
    # the service allows CPIPs to read the whole service's identities by default
    expected = signed_out.persons.count(PersonQuery())
    assert window.persons_page is not None
    assert window.persons_page.count_label.text() == plural(expected, "personne")


def test_a_cpip_reads_another_caseload_read_only(
    qtbot, admin_and_cpip: Services, reference: Reference, prompter, runner
) -> None:
    admin_and_cpip.accounts.login("direction", PASSWORD)
    theirs = admin_and_cpip.persons.create(person_draft(referent_id=reference.cpip2.id))
    admin_and_cpip.accounts.logout()
    window = make_window(qtbot, admin_and_cpip, prompter, runner)
    sign_in(window, "e.lefevre", PASSWORD)
    page = window.open_file(theirs.person.id)
    assert isinstance(page, PersonFilePage)
    assert page.form.edits["surname"].isReadOnly()
    assert not page.save_button.isVisible() and not page.closure_button.isVisible()
    assert "Lecture seule" in page.status_label.text()
    assert page.file is not None and page.file.details_hidden
    assert "pas au détail des mesures" in page.measures.empty_label.text()


def test_inactivity_locks_every_window_and_unlocking_keeps_unsaved_work(
    qtbot, admin_and_cpip: Services, reference: Reference, prompter, runner
) -> None:
    admin_and_cpip.accounts.login("direction", PASSWORD)
    file = admin_and_cpip.persons.create(person_draft(referent_id=reference.cpip.id))
    admin_and_cpip.accounts.logout()
    window = make_window(qtbot, admin_and_cpip, prompter, runner)
    sign_in(window, "e.lefevre", PASSWORD)
    page = window.open_file(file.person.id)
    assert isinstance(page, PersonFilePage)
    page.form.edits["usage_name"].clear()
    type_text(page.form.edits["usage_name"], "Béranger")  # unsaved
    dialog = MeasureDialog(
        MeasureDraft(MeasureType.TIG), page._actions.check_measure, prompter, page
    )
    dialog.court_edit.setText("Tribunal judiciaire de Bordeaux")  # unsaved, in a modal dialog
    dialog.open()
    qtbot.waitUntil(lambda: QApplication.activeModalWidget() is dialog)

    window.watcher.set_minutes(1)
    window.watcher.timer.setInterval(60)  # the test does not wait minutes
    window.watcher.start()
    qtbot.waitUntil(lambda: window.screen_lock.locked, timeout=2000)

    covers = window.screen_lock.covers
    assert {cover.parentWidget() for cover in covers} >= {window, dialog}
    assert all(
        cover.isVisible() and cover.geometry() == cover.parentWidget().rect() for cover in covers
    )
    form = window.screen_lock.form
    assert form is not None and form.parentWidget() in covers
    assert form.parentWidget().parentWidget() is dialog  # the form sits on the topmost window
    assert dialog.isVisible()  # nothing was closed
    QTest.keyClick(window, Qt.Key.Key_N, Qt.KeyboardModifier.ControlModifier)
    assert len(window.file_pages()) == 1  # shortcuts are off while locked

    form.password_edit.setText("Mauvais-mot-2026!")
    form.unlock_button.click()
    assert window.screen_lock.locked
    assert "incorrect" in form.error_label.text()
    form.password_edit.setText(PASSWORD)
    form.unlock_button.click()
    assert not window.screen_lock.locked
    assert dialog.isVisible() and dialog.court_edit.text() == "Tribunal judiciaire de Bordeaux"
    assert page.form.edits["usage_name"].text() == "Béranger" and page.is_dirty()
    dialog.reject()


def test_input_restarts_the_inactivity_timer(qtbot, services: Services, prompter, runner) -> None:
    window = make_window(qtbot, services, prompter, runner)
    window.watcher.start()
    window.watcher.timer.setInterval(1_000)
    window.watcher.timer.start()
    qtbot.wait(700)  # most of the delay has gone
    assert window.watcher.timer.remainingTime() < 500
    QApplication.sendEvent(window, _mouse_move())
    assert window.watcher.timer.remainingTime() > 800  # started again by the mouse
    window.watcher.stop()


def test_the_inactivity_filter_steps_aside_after_an_input_and_comes_back(
    qtbot, services: Services, prompter, runner
) -> None:
    """Every event of the application would cross into Python through the watcher's
    filter (opening a file builds tens of thousands): after an input it steps aside for
    ``REARM_MS``, then watches again, so later input still restarts the timer."""
    window = make_window(qtbot, services, prompter, runner)
    watcher = window.watcher
    app = QApplication.instance()
    watcher._rearm.setInterval(200)
    watcher.timer.setTimerType(Qt.TimerType.PreciseTimer)  # remainingTime to the ms
    watcher.start()
    watcher.timer.setInterval(5_000)
    watcher.timer.start()
    assert watcher._filtering
    qtbot.wait(400)
    QTest.keyClick(window, Qt.Key.Key_Shift)
    assert watcher.timer.remainingTime() > 4_800  # the key restarted the delay
    assert not watcher._filtering  # and the filter stepped aside
    qtbot.wait(500)
    assert watcher.timer.remainingTime() < 4_600  # nothing restarted it meanwhile
    assert watcher._filtering  # watching again after the pause
    QApplication.sendEvent(window, _mouse_move())
    assert watcher.timer.remainingTime() > 4_800
    watcher.stop()
    assert not watcher._filtering and not watcher.timer.isActive()
    qtbot.wait(300)
    assert not watcher._filtering  # a pending re-arm does not come back once stopped
    assert app is not None


def _mouse_move() -> QMouseEvent:
    return QMouseEvent(
        QEvent.Type.MouseMove,
        QPoint(5, 5).toPointF(),
        QPoint(5, 5).toPointF(),
        Qt.MouseButton.NoButton,
        Qt.MouseButton.NoButton,
        Qt.KeyboardModifier.NoModifier,
    )


def test_changing_user_from_the_lock_screen_is_refused_while_work_is_unsaved(
    qtbot, admin_and_cpip: Services, reference: Reference, prompter, runner
) -> None:
    window = make_window(qtbot, admin_and_cpip, prompter, runner)
    sign_in(window, "direction", PASSWORD)
    page = window.new_file()
    assert page is not None
    type_text(page.form.edits["surname"], "Brouillon")
    window.lock()
    form = window.screen_lock.form
    assert form is not None
    form.sign_out_button.click()
    assert window.screen_lock.locked and "pas enregistrées" in form.error_label.text()
    assert page.form.edits["surname"].text() == "Brouillon"
    window.screen_lock.unlock()  # a locked window refuses to close, the test's teardown included


def test_a_concurrent_change_is_shown_field_by_field_and_nothing_is_lost(
    qtbot, services: Services, reference: Reference, prompter, runner, settings, monkeypatch
) -> None:
    file = services.persons.create(person_draft(given_names="Jean"))
    window = make_window(qtbot, services, prompter, runner)
    window.enter(services.session.user)
    page = window.open_file(file.person.id)
    assert isinstance(page, PersonFilePage)
    # another workstation saves the same file meanwhile
    other = open_test_services(settings)
    try:
        opened = other.persons.get_file(file.person.id)
        other.persons.update(
            file.person.id, opened.person.version, person_draft(given_names="Jean", city="Pessac")
        )
    finally:
        other.close()
    page.form.edits["phone"].setText("05 56 00 00 00")
    seen = {}

    def ask(cls, parent, conflict, opened_draft, mine, current, reference_data=None):
        dialog = cls(conflict, opened_draft, mine, current, parent, reference_data)
        seen["fields"] = set(dialog.choices)
        seen["by"] = conflict.changed_by
        return dialog.result_draft()  # the defaults: my phone, their city

    monkeypatch.setattr(ConflictDialog, "ask", classmethod(ask))
    assert page.save()
    assert seen == {"fields": {"phone", "city"}, "by": "Diane DIRECTRICE"}
    stored = services.persons.get_file(file.person.id).person.draft
    assert (stored.city, stored.phone) == ("Pessac", "05 56 00 00 00")


def test_the_administration_pages_work_on_the_real_base(
    qtbot, admin_and_cpip: Services, prompter: FakePrompter, runner, tmp_path: Path
) -> None:
    window = make_window(qtbot, admin_and_cpip, prompter, runner)
    sign_in(window, "direction", PASSWORD)
    admin_and_cpip.persons.create(person_draft())
    window.show_section(window.SECTION_ACCOUNTS)
    accounts = window.stack.currentWidget()
    assert isinstance(accounts, AccountsPage)
    assert accounts.model.rowCount() == 2
    dialog = accounts.edit(None)
    dialog.login_edit.setText("s.secretaire")
    dialog.name_edit.setText("Sophie SECRÉTAIRE")
    dialog.role_checks[Role.SECRETARIAT].setChecked(True)
    dialog.password_edit.setText(PASSWORD)
    dialog.confirmation_edit.setText("autre chose")
    dialog.save_button.click()
    assert "identiques" in dialog.errors["password_confirmation"].text()
    dialog.confirmation_edit.setText(PASSWORD)
    dialog.save_button.click()
    assert accounts.model.rowCount() == 3

    window.show_section(window.SECTION_AUDIT)
    audit = window.stack.currentWidget()
    assert isinstance(audit, AuditPage)
    audit.apply_filters()
    actions = {audit.model.index(r, 2).data() for r in range(audit.model.rowCount())}
    assert {"Création", "Connexion"} <= actions
    audit.verify()
    assert "intègre" in audit.verify_label.text()

    window.show_section(window.SECTION_BACKUPS)
    backups = window.stack.currentWidget()
    assert isinstance(backups, BackupsPage)
    backups.back_up_now()
    assert backups.model.rowCount() == 1
    backups.table.selectRow(0)
    prompter.answers.append(True)  # confirm the restore
    backups._on_restore_button_clicked()
    assert prompter.asked[-1][0] == "Restauration terminée"
    assert window.screens.currentWidget() is window.gate  # everyone signs in again


def test_retention_purges_reviewed_files_and_writes_the_certificate(
    qtbot, services: Services, prompter: FakePrompter, runner, tmp_path: Path
) -> None:
    from datetime import date

    from spip_desktop.ui.retention_page import RetentionPage

    old = services.persons.create(person_draft(file_number="2015-000001"))
    services.persons.add_measure(
        old.person.id,
        MeasureDraft(
            MeasureType.SURSIS_PROBATOIRE,
            decision_date=date(2016, 1, 4),
            probation_start=date(2016, 1, 4),
            probation_end=date(2018, 1, 4),
        ),
    )
    services.persons.create(person_draft(file_number="2026-000002", surname="Récent"))
    window = make_window(qtbot, services, prompter, runner)
    window.enter(services.session.user)
    window.show_section(window.SECTION_RETENTION)
    page = window.stack.currentWidget()
    assert isinstance(page, RetentionPage)
    assert [page.model.index(r, 0).data() for r in range(page.model.rowCount())] == ["2015-000001"]
    page.table.selectAll()
    prompter.answers += [True, tmp_path]  # confirm, then the certificate's folder
    page.purge_button.click()
    assert page.last_certificate is not None and page.last_certificate.parent == tmp_path
    assert page.last_certificate.read_bytes().startswith(b"%PDF")
    assert page.model.rowCount() == 0
    assert services.persons.count(PersonQuery()) == 1


def test_the_lock_delay_is_a_setting_applied_at_once(
    qtbot, services: Services, prompter, runner
) -> None:
    from spip_desktop.ui.settings_page import SettingsPage

    window = make_window(qtbot, services, prompter, runner)
    window.enter(services.session.user)
    window.show_section(window.SECTION_SETTINGS)
    page = window.stack.currentWidget()
    assert isinstance(page, SettingsPage)
    assert page.lock_spin.value() == 5 and page.lock_spin.maximum() == 15
    page.lock_spin.setValue(2)
    page.save_button.click()
    assert window.watcher.timer.interval() == 2 * 60_000
    assert services.service_settings.load().lock_minutes == 2
    page.name_edit.setText("")
    page.save_button.click()
    assert "nom du service" in page.error_label.text()


def test_the_right_of_access_writes_a_pdf_and_a_json(
    qtbot, services: Services, prompter: FakePrompter, runner, tmp_path: Path
) -> None:
    file = services.persons.create(person_draft())
    window = make_window(qtbot, services, prompter, runner)
    window.enter(services.session.user)
    page = window.open_file(file.person.id)
    assert isinstance(page, PersonFilePage)
    assert page.access_button.isVisible()
    prompter.answers.append(tmp_path)
    page.access_button.click()
    assert (tmp_path / "droit-acces-2026-000001.pdf").read_bytes().startswith(b"%PDF")
    assert '"file_number": "2026-000001"' in (tmp_path / "droit-acces-2026-000001.json").read_text()


@pytest.mark.parametrize(
    ("role", "form_editable", "measures_shown", "measure_buttons"),
    [
        (Role.SECRETARIAT, True, False, False),
        (Role.ASS, False, False, False),
        (Role.DPIP, True, True, True),
    ],
)
def test_each_role_sees_the_file_as_its_rights_allow(
    qtbot,
    services: Services,
    prompter,
    runner,
    role,
    form_editable,
    measures_shown,
    measure_buttons,
) -> None:
    from datetime import date

    from spip_desktop.domain.security import User

    file = services.persons.create(person_draft())
    services.persons.add_measure(
        file.person.id, MeasureDraft(MeasureType.TIG, decision_date=date(2025, 9, 1))
    )
    window = make_window(qtbot, services, prompter, runner)
    user = User(None, "x", "X", frozenset({role}))
    services.session.user = user
    window.enter(user)
    page = window.open_file(file.person.id)
    assert isinstance(page, PersonFilePage)
    assert page.form.edits["surname"].isReadOnly() is not form_editable
    assert page.measures.table.isVisibleTo(page.measures) is measures_shown
    assert page.measures.add_button.isVisibleTo(page.measures) is measure_buttons
    assert page.access_button.isVisibleTo(page) is (role is Role.DPIP)


def test_a_reset_password_must_be_changed_before_anything_else(
    qtbot, admin_and_cpip: Services, prompter, runner
) -> None:
    from spip_desktop.ui.sign_in import ChangePasswordDialog

    admin_and_cpip.accounts.login("direction", PASSWORD)
    cpip = next(a for a in admin_and_cpip.accounts.accounts() if a.draft.login == "e.lefevre")
    admin_and_cpip.accounts.reset_password(cpip.id, "Provisoire-2026-abc", "Provisoire-2026-abc")
    admin_and_cpip.accounts.logout()
    window = make_window(qtbot, admin_and_cpip, prompter, runner)
    sign_in(window, "e.lefevre", "Provisoire-2026-abc")
    dialog = window.password_dialog
    assert isinstance(dialog, ChangePasswordDialog) and dialog.isVisible() and dialog.required
    assert window.screens.currentWidget() is window.gate  # nothing of the service yet
    assert window.persons_page is None
    dialog.current_edit.setText("Provisoire-2026-abc")
    dialog.new_edit.setText("faible")
    dialog.confirmation_edit.setText("faible")
    dialog.save_button.click()
    assert "12 caractères" in dialog.errors["password"].text()
    dialog.new_edit.setText("Nouveau-Secret-2026")
    dialog.confirmation_edit.setText("Nouveau-Secret-2026")
    dialog.save_button.click()
    assert not dialog.isVisible()
    assert not admin_and_cpip.accounts.must_change_password()
    assert window.screens.currentWidget() is window.workspace and window.persons_page is not None


def test_the_workspace_is_built_without_collections_and_settled_until_sign_out(
    qtbot, admin_and_cpip: Services, prompter, runner
) -> None:
    """Full garbage collections fell in the middle of building the workspace (70-80 ms
    each at 250,000 people): none runs while it is built, what was built is then kept out
    of the collector's way, and signing out gives it back."""
    import gc

    gc.unfreeze()
    window = make_window(qtbot, admin_and_cpip, prompter, runner)
    collections: list[int] = []
    building = {"now": False}
    build = window._build_workspace

    def watched_build(user: object) -> None:
        building["now"] = True
        try:
            build(user)  # type: ignore[arg-type]
        finally:
            building["now"] = False

    window._build_workspace = watched_build  # type: ignore[method-assign]

    def seen(phase: str, info: dict[str, int]) -> None:
        if phase == "start" and building["now"]:
            collections.append(info["generation"])

    thresholds = gc.get_threshold()
    gc.callbacks.append(seen)
    try:
        gc.set_threshold(1, 1, 1)  # a collection at every allocation, were it enabled
        sign_in(window, "e.lefevre", PASSWORD)
    finally:
        gc.set_threshold(*thresholds)
        gc.callbacks.remove(seen)
    assert window.todo_page is not None
    assert collections == []
    assert gc.isenabled() and gc.get_freeze_count() > 0
    window.sign_out()
    assert window.user is None and gc.get_freeze_count() == 0
    qtbot.wait(50)  # the session's garbage is collected once its pages are gone


def test_refusing_to_change_a_reset_password_signs_out(
    qtbot, admin_and_cpip: Services, prompter, runner
) -> None:
    admin_and_cpip.accounts.login("direction", PASSWORD)
    cpip = next(a for a in admin_and_cpip.accounts.accounts() if a.draft.login == "e.lefevre")
    admin_and_cpip.accounts.reset_password(cpip.id, "Provisoire-2026-abc", "Provisoire-2026-abc")
    admin_and_cpip.accounts.logout()
    window = make_window(qtbot, admin_and_cpip, prompter, runner)
    sign_in(window, "e.lefevre", "Provisoire-2026-abc")
    window.password_dialog.reject()
    assert window.screens.currentWidget() is window.gate and window.user is None


def test_a_sign_in_typed_during_the_start_up_check_goes_through_once_it_passes(
    qtbot, admin_and_cpip: Services, prompter, runner
) -> None:
    window = MainWindow(prompter, runner, today=fixed_today)
    qtbot.addWidget(window)
    window.show()
    window.set_database_checked(False)
    window.attach(admin_and_cpip)
    page = window.sign_in_page
    assert isinstance(page, SignInPage)
    assert not page.sign_in_button.isEnabled()
    assert page.sign_in_button.text() == "Vérification de la base…"
    sign_in(window, "e.lefevre", PASSWORD)
    assert window.user is None  # nobody gets in before the check
    window.set_database_checked(True)
    assert window.user is not None and window.user.login == "e.lefevre"


def test_signing_in_prepares_the_workspace_with_the_check_and_never_fails_for_it(
    qtbot, admin_and_cpip: Services, prompter, runner
) -> None:
    """The workspace's modules and services are prepared in the sign-in's task (on the
    worker thread in the application), after the password passed; a failure there only
    costs time: the officer still gets in."""
    window = make_window(qtbot, admin_and_cpip, prompter, runner)
    page = window.sign_in_page
    assert isinstance(page, SignInPage)
    assert page.prepare == window.prepare_workspace
    order: list[str] = []

    def prepare() -> None:
        order.append("prepare")
        raise RuntimeError("an import went wrong")

    page.prepare = prepare
    window.ready.connect(lambda: order.append("ready"))
    sign_in(window, "e.lefevre", "Mauvais-mot-2026!")
    assert order == [] and window.user is None  # refused: nothing prepared
    sign_in(window, "e.lefevre", PASSWORD)
    assert window.user is not None and window.user.login == "e.lefevre"
    assert order[0] == "prepare" and window.todo_page is not None
    window.prepare_workspace()  # the real one runs whole on an open base


def test_nothing_under_the_lock_takes_keys_and_closing_waits_for_the_password(
    qtbot, admin_and_cpip: Services, reference: Reference, prompter: FakePrompter, runner
) -> None:
    from PySide6.QtGui import QKeyEvent, QShortcut

    window = make_window(qtbot, admin_and_cpip, prompter, runner)
    sign_in(window, "direction", PASSWORD)
    page = window.new_file()
    assert page is not None
    type_text(page.form.edits["surname"], "Brouillon")
    window.lock()
    lock = window.screen_lock
    form = lock.form
    assert form is not None

    def key(kind: QEvent.Type, k: Qt.Key, mods=Qt.KeyboardModifier.NoModifier) -> QKeyEvent:
        return QKeyEvent(kind, k, mods, "")

    # what Tab, typing, Ctrl+C or a window shortcut would deliver under the cover: swallowed
    field = page.form.edits["surname"]
    assert lock.eventFilter(field, key(QEvent.Type.KeyPress, Qt.Key.Key_X))
    copy = key(QEvent.Type.ShortcutOverride, Qt.Key.Key_C, Qt.KeyboardModifier.ControlModifier)
    assert lock.eventFilter(field, copy) and copy.isAccepted()  # no shortcut fires either
    save = next(s for s in page.findChildren(QShortcut))
    assert lock.eventFilter(save, QEvent(QEvent.Type.Shortcut))
    # the unlock form takes its keys
    assert not lock.eventFilter(form.password_edit, key(QEvent.Type.KeyPress, Qt.Key.Key_A))
    type_text(form.password_edit, "abc")
    assert form.password_edit.text() == "abc"
    assert field.text() == "Brouillon" and page.person_id is None

    asked = len(prompter.asked)
    closing = QCloseEvent()
    window.closeEvent(closing)  # closing would name the unsaved file over the lock
    assert not closing.isAccepted()
    assert len(prompter.asked) == asked and "Déverrouillez" in form.error_label.text()
    form.password_edit.setText(PASSWORD)
    form.unlock_button.click()
    assert not lock.locked and field.text() == "Brouillon"
    assert not lock.eventFilter(field, key(QEvent.Type.KeyPress, Qt.Key.Key_X))  # keys again
    window.file_tabs.removeTab(window.file_tabs.indexOf(page))  # leave without a question


def test_a_measure_changed_meanwhile_is_compared_field_by_field_in_the_window(
    qtbot, services: Services, prompter, runner, settings, monkeypatch
) -> None:
    from datetime import date

    file = services.persons.create(person_draft())
    file = services.persons.add_measure(
        file.person.id, MeasureDraft(MeasureType.TIG, decision_date=date(2026, 1, 5))
    )
    measure = file.measures[0]
    window = make_window(qtbot, services, prompter, runner)
    window.enter(services.session.user)
    page = window.open_file(file.person.id)
    assert isinstance(page, PersonFilePage)
    other = open_test_services(settings)
    try:
        other.persons.update_measure(
            measure.id, measure.version, replace(measure.draft, jap_name="M. Juge")
        )
    finally:
        other.close()
    monkeypatch.setattr(
        MeasureDialog, "ask", classmethod(lambda cls, *a: replace(measure.draft, notes="Suivi TIG"))
    )
    compared = {}

    def ask(cls, parent, conflict, opened, mine, theirs, reference=None):
        dialog = cls(conflict, opened, mine, theirs, parent, reference)
        compared["fields"] = set(dialog.choices)
        return dialog.result_draft()  # defaults: my notes, their judge

    monkeypatch.setattr(ConflictDialog, "ask", classmethod(ask))
    page.measures.table.selectRow(0)
    page.edit_measure()
    assert compared["fields"] == {"notes", "jap_name"}
    saved = services.persons.get_file(file.person.id).measures[0].draft
    assert (saved.notes, saved.jap_name) == ("Suivi TIG", "M. Juge")
