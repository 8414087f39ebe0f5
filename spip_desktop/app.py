"""Composition root of the window: Qt application, database, services, main window.

The window is painted first; the database opens (and migrates, after a
backup) on a worker thread, so a slow disk never shows a frozen window.
"""

from __future__ import annotations

import gc
import json
import logging
import os
import sys
import time
import traceback
from collections.abc import Callable
from pathlib import Path
from types import TracebackType
from typing import TYPE_CHECKING

from PySide6.QtCore import QEvent, QLibraryInfo, QLocale, QObject, QTimer, QTranslator
from PySide6.QtGui import QColor, QIcon, QPalette
from PySide6.QtWidgets import QApplication

from . import resources
from .domain.audit import ChainReport
from .domain.backup_policy import BackupReason
from .domain.errors import DatabaseUnavailable, SpipError
from .settings import Settings

if TYPE_CHECKING:
    from .bootstrap import Services
    from .ui.main_window import MainWindow as MainWindowType
    from .ui.prompter import Prompter

#: Hours between two automatic backups while the window is open.
PERIODIC_HOURS = 4

log = logging.getLogger(__name__)

#: The body text of every screen (the French State's design system: grey 900 on light).
BODY_POINT_SIZE = 10.0
BODY_TEXT = QColor("#161616")


def make_application(argv: list[str] | None = None) -> QApplication:
    app = QApplication.instance() or QApplication(argv if argv is not None else sys.argv)
    assert isinstance(app, QApplication)
    app.setApplicationName("spip-desktop")
    app.setApplicationDisplayName("SPIP Desktop")
    app.setOrganizationName("SPIP")
    QLocale.setDefault(QLocale(QLocale.Language.French, QLocale.Country.France))
    translator = QTranslator(app)
    if translator.load(
        QLocale(QLocale.Language.French),
        "qtbase",
        "_",
        QLibraryInfo.path(QLibraryInfo.LibraryPath.TranslationsPath),
    ):
        app.installTranslator(translator)
    app.setStyle("Fusion")
    # The body text's size and colour are the application's font and palette, not a
    # style sheet rule on every QWidget: such a rule is applied again to each widget of a
    # subtree whenever one is added, and made building a person's file or the workspace
    # two to three times slower (bench/README.md, [6/6]).
    font = app.font()
    font.setPointSizeF(BODY_POINT_SIZE)
    app.setFont(font)
    palette = app.palette()
    for role in (
        QPalette.ColorRole.WindowText,
        QPalette.ColorRole.Text,
        QPalette.ColorRole.ButtonText,
    ):
        palette.setColor(role, BODY_TEXT)
    app.setPalette(palette)
    app.setStyleSheet(resources.stylesheet())
    app.setWindowIcon(QIcon(str(resources.icon_path("logo"))))
    return app


def install_exception_hook(settings: Settings, show: Callable[[str, str], None]) -> None:
    """Unexpected errors: full detail to the log file, a short sentence to the user."""

    def hook(kind: type[BaseException], error: BaseException, tb: TracebackType | None) -> None:
        if isinstance(error, SpipError):
            show("Opération impossible", error.message)
            return
        log.error("unexpected error\n%s", "".join(traceback.format_exception(kind, error, tb)))
        show(
            "Erreur inattendue",
            "Une erreur inattendue s'est produite ; vos saisies en cours sont conservées. "
            f"Le détail est enregistré dans le journal « {settings.log_file} ».",
        )

    sys.excepthook = hook


class _FirstPaint(QObject):
    """Calls back once, right after the first paint of any widget."""

    def __init__(self, callback: Callable[[], None]) -> None:
        super().__init__()
        self._callback: Callable[[], None] | None = callback

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() == QEvent.Type.Paint and self._callback is not None:
            callback, self._callback = self._callback, None
            QTimer.singleShot(0, callback)
        return False


def _resident_kib() -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    return 0


def _startup_probe(app: QApplication, window: MainWindowType, output: Path) -> Callable[[], None]:
    """``SPIP_STARTUP_PROBE=FILE``: write when the window painted and the list was ready, quit.

    Used by ``bench/`` to measure start-up from outside the process; returns what
    to call at the first paint.
    """
    marks: dict[str, float] = {}

    def painted() -> None:
        marks.setdefault("painted", time.time())

    def ready() -> None:
        marks["ready"] = time.time()
        marks["rss_kib"] = _resident_kib()
        output.write_text(json.dumps(marks))
        QTimer.singleShot(0, app.quit)

    window.ready.connect(ready)
    return painted


def settle_long_lived_objects() -> None:
    """Move what start-up built (Qt wrappers, mappers, caches) out of the collector's way.

    Those objects live as long as the process; without this, every full garbage
    collection walks them again and shows up as a pause in search as you type
    (bench/README.md: p95 16 ms -> 13 ms at the service layer).
    """
    gc.freeze()  # no collection first: it would pause the GUI thread at start-up


def run(settings: Settings) -> int:
    """Open the window on the chosen database; returns the process exit code.

    The window is painted before anything touches the database: the engine,
    the migrations and their imports run on a worker thread, started once the
    first frame is on screen so that they do not compete with it.
    """
    app = make_application()
    from .ui.main_window import MainWindow
    from .ui.prompter import Prompter
    from .ui.tasks import TaskRunner

    prompter = Prompter()
    install_exception_hook(settings, prompter.error)
    runner = TaskRunner(on_error=lambda e: sys.excepthook(type(e), e, e.__traceback__))
    window = MainWindow(prompter, runner, demo=settings.demo)
    probe_path = os.environ.get("SPIP_STARTUP_PROBE")
    on_painted = _startup_probe(app, window, Path(probe_path)) if probe_path else None
    exit_code = [0]

    opened_services: list[Services] = []

    def opened(services: Services) -> None:
        opened_services.append(services)
        window.set_database_checked(False)  # the form shows now; signing in waits for the check
        window.attach(services)
        runner.run(services.maintenance.quick_check, lambda _: checked(services), damaged)
        settle_long_lived_objects()
        runner.run(services.audit.verify, audit_checked, lambda e: log.error("audit verify: %s", e))
        if not periodic.isActive():
            periodic.start()

    def periodic_backup() -> None:
        if opened_services:
            backups = opened_services[-1].backups
            runner.run(
                lambda: backups.create_automatic(BackupReason.PERIODIC),
                lambda info: log.info("periodic backup %s", info and info.path),
                lambda error: log.error("periodic backup failed: %s", error),
            )

    def checked(services: Services) -> None:
        window.set_database_checked(True)

    def damaged(error: BaseException) -> None:
        """quick_check failed after the form appeared: nobody got in; close and offer a backup."""
        for services in opened_services:
            services.close()
        opened_services.clear()
        failed(error)

    def audit_checked(report: ChainReport) -> None:
        if report.ok:
            log.info("audit chain verified: %s entries", report.checked)
            return
        log.error("audit chain broken at entry %s: %s", report.broken_id, report.reason)
        prompter.error(
            "Journal d'audit altéré",
            report.message() + "\nPrévenez l'administrateur du service : l'application "
            "reste utilisable, mais la traçabilité doit être examinée.",
        )

    def offer_restore(error: DatabaseUnavailable) -> bool:
        backup = restore_choice(settings, prompter, error)
        if backup is None:
            return False
        from .bootstrap import restore_database

        runner.run(lambda: restore_database(settings, backup)[0], opened, failed)
        return True

    def failed(error: BaseException) -> None:
        if (
            isinstance(error, DatabaseUnavailable)
            and error.reason == "corrupt"
            and offer_restore(error)
        ):
            return
        if isinstance(error, SpipError):
            message = error.message
        else:
            log.error("cannot open the database", exc_info=error)
            message = (
                "La base de données n'a pas pu être ouverte. "
                f"Le détail est enregistré dans le journal « {settings.log_file} »."
            )
        prompter.error("Ouverture de la base impossible", message)
        exit_code[0] = 1
        window.close()

    def open_database() -> object:
        from .bootstrap import open_services

        # quick_check runs beside the sign-in form (see opened); an upgrade still checks
        # the backup it makes first.
        return open_services(settings, check_first=False)

    def start() -> None:
        if on_painted is not None:
            on_painted()
        if settings.missing_file and not prompter.confirm(
            "Base introuvable",
            f"Le fichier « {settings.explicit_file} » n'existe pas. Créer une nouvelle base "
            "vide à cet emplacement ?",
            yes="Créer la base",
            no="Quitter",
        ):
            exit_code[0] = 1
            window.close()
            return
        runner.run(open_database, opened, failed)

    periodic = QTimer()
    periodic.setInterval(PERIODIC_HOURS * 3600 * 1000)
    periodic.timeout.connect(periodic_backup)
    first_paint = _FirstPaint(start)
    app.installEventFilter(first_paint)
    window.show()
    code = app.exec()
    app.removeEventFilter(first_paint)
    periodic.stop()
    runner.shutdown()
    for services in opened_services:
        if probe_path:  # a measurement, not a working session: nothing to back up
            services.close()
        else:
            back_up_at_exit(services)
    return exit_code[0] or code


def restore_choice(
    settings: Settings, prompter: Prompter, error: DatabaseUnavailable
) -> Path | None:
    """A damaged base: offer the newest sound backup; the one to restore, or ``None``."""
    from .db.backups import latest_good_backup

    backup = latest_good_backup(settings.backup_dir)
    if backup is None or settings.demo:
        return None
    when = backup.created_at.astimezone().strftime("%d/%m/%Y à %H:%M")
    if not prompter.confirm(
        "Base de données endommagée",
        f"{error.message}\n\nLa dernière sauvegarde valable date du {when} "
        f"({backup.person_count} personnes). La restaurer maintenant ? La base "
        "endommagée est conservée à part, rien n'est effacé.",
        yes="Restaurer cette sauvegarde",
        no="Quitter",
    ):
        return None
    return backup.path


def back_up_at_exit(services: Services) -> None:
    """The backup at exit: the window is gone, so nobody waits on it."""
    try:
        info = services.backups.create_automatic(BackupReason.EXIT)
        if info is not None:
            log.info("backup at exit: %s", info.path)
    except SpipError as error:
        log.error("backup at exit failed: %s", error.message)
    finally:
        if services.session.user is not None and not services.session.user.system:
            try:
                services.accounts.logout()
            except SpipError as error:
                log.warning("sign-out at exit not recorded: %s", error.message)
        services.close()
