"""A person's file: header with key dates, identity form, measures and obligations.

The page keeps its unsaved form content for as long as it is open: switching
to the list or another file never loses it; closing the tab asks first.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

from PySide6.QtCore import QItemSelection, Qt, Signal
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QPushButton,
    QScrollArea,
    QTableView,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)
from shiboken6 import Shiboken

from ..domain import rules
from ..domain.dates import age_on, format_date
from ..domain.enums import ObligationType, Regime
from ..domain.errors import DuplicateValue, EditConflict, InvalidInput, SpipError
from ..domain.model import Measure, MeasureDraft, PersonDraft, PersonFile, ReferenceData
from ..domain.security import Permission, User
from ..domain.timeline import FileTab
from ..domain.validation import ValidationResult, validate_person
from .audit_view import HistoryPanel
from .backend import PersonActions
from .closure_dialog import ClosureDialog
from .conflict_dialog import ConflictDialog
from .measure_dialog import MeasureDialog
from .measure_model import measure_model
from .person_form import PersonForm
from .prompter import Choice, Prompter
from .record_model import configure_table
from .widgets import Badge, Card

if TYPE_CHECKING:
    from .person_stages_panel import PersonStagesPanel


class FilePanel(Protocol):
    """A tab of the file added by a feature (stages, rights, journal, timeline)."""

    def set_file(self, file: PersonFile | None) -> None: ...
    def reload(self) -> None: ...


@dataclass(frozen=True)
class AttachedPanel:
    #: The tab's page: the panel moves into it when the tab is first shown.
    widget: QWidget
    panel: FilePanel
    #: The tab shows when the user has one of these on the file.
    permissions: tuple[Permission, ...]
    show_record: Callable[[int], None] | None = None

    def mount(self) -> None:
        """Put the panel in its tab (once). Until then it stays out of the page, unstyled:
        the style sheet is applied to a widget's whole subtree when it enters the page,
        and four panels nobody looks at made opening a file twice as slow. The page
        deletes the panels it never showed when it goes (:func:`_delete_unmounted`)."""
        panel = self.panel
        assert isinstance(panel, QWidget)
        if panel.parentWidget() is not self.widget:
            layout = self.widget.layout()
            assert layout is not None
            layout.addWidget(panel)


def _delete_unmounted(panels: list[QWidget], *_: object) -> None:
    """On a page's destruction: its panels never shown have no parent to go with."""
    for panel in panels:
        if Shiboken.isValid(panel) and panel.parent() is None:
            panel.deleteLater()


def _bind(
    save: Callable[[MeasureDraft], PersonFile], draft: MeasureDraft
) -> Callable[[], PersonFile]:
    return lambda: save(draft)


def _bind_resave(
    resave: Callable[[Measure, MeasureDraft], PersonFile], current: Measure
) -> Callable[[MeasureDraft], PersonFile]:
    """Save over the version the user has now seen."""
    return lambda draft: resave(current, draft)


class KeyDateItem(QWidget):
    def __init__(self, title: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.title_label = QLabel(title)
        self.title_label.setObjectName("keyDateTitle")
        self.value_label = QLabel("—")
        self.value_label.setObjectName("keyDateValue")
        self.value_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 18, 0)
        layout.setSpacing(2)
        layout.addWidget(self.title_label)
        layout.addWidget(self.value_label)

    def set_value(self, text: str) -> None:
        self.value_label.setText(text or "—")


class FileHeader(Card):
    """Name, identity line, badges and the key dates computed from the measures."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("fileHeader")
        self.name_label = QLabel("Nouveau dossier")
        self.name_label.setObjectName("fileName")
        self.name_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.subtitle_label = QLabel()
        self.subtitle_label.setObjectName("fileSubtitle")
        self.subtitle_label.setWordWrap(True)
        self.badges = QHBoxLayout()
        self.badges.setSpacing(6)
        title_row = QHBoxLayout()
        title_row.addWidget(self.name_label)
        title_row.addLayout(self.badges)
        title_row.addStretch(1)
        self.measure_item = KeyDateItem("Mesure principale")
        self.referral_item = KeyDateItem("Saisine du SPIP")
        self.probation_item = KeyDateItem("Délai d'épreuve")
        self.sentence_item = KeyDateItem("Fin de peine")
        self.reliquat_item = KeyDateItem("Reliquat")
        self.key_date_items = (
            self.measure_item,
            self.referral_item,
            self.probation_item,
            self.sentence_item,
            self.reliquat_item,
        )
        dates_row = QHBoxLayout()
        for item in self.key_date_items:
            dates_row.addWidget(item)
        dates_row.addStretch(1)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(20, 14, 20, 14)
        layout.addLayout(title_row)
        layout.addWidget(self.subtitle_label)
        layout.addLayout(dates_row)

    def _set_badges(self, badges: list[tuple[str, str]]) -> None:
        while self.badges.count():
            item = self.badges.takeAt(0)
            widget = item.widget() if item else None
            if widget is not None:
                widget.deleteLater()
        for text, kind in badges:
            self.badges.addWidget(Badge(text, kind))

    def show_new(self) -> None:
        self.name_label.setText("Nouveau dossier")
        self.subtitle_label.setText(
            "Renseignez l'identité puis enregistrez (Ctrl+S) ; les mesures s'ajoutent ensuite."
        )
        self._set_badges([])
        for item in self.key_date_items:
            item.set_value("")

    def show_file(self, file: PersonFile, today: date) -> None:
        person, d, key = file.person, file.person.draft, file.key_dates
        self.name_label.setText(person.display_name)
        parts = [f"Dossier n° {d.file_number}"]
        if d.birth_date:
            born = "Née" if d.sex and d.sex.value == "F" else "Né"
            parts.append(
                f"{born} le {format_date(d.birth_date)} ({age_on(d.birth_date, today)} ans)"
                + (f" à {d.birth_place}" if d.birth_place else "")
            )
        regime = d.regime.label
        if file.establishment is not None and d.regime is Regime.MILIEU_FERME:
            regime += f" — {file.establishment.name}"
        parts.append(regime)
        if file.referent is not None:
            parts.append(f"Référent : {file.referent.display_name}")
        if file.antenne is not None:
            parts.append(file.antenne.name)
        self.subtitle_label.setText("  ·  ".join(parts))
        badges: list[tuple[str, str]] = []
        if person.is_closed:
            reason = person.closure_reason.label.lower() if person.closure_reason else ""
            badges.append((f"Clôturé le {format_date(person.closed_on)} ({reason})", "closed"))
        if file.establishment is not None and file.establishment.is_sas:
            badges.append(("Placé en SAS", "info"))
        elif rules.is_sas_eligible(d.regime, key.sentence_end, today):
            badges.append(("Éligible SAS", "success"))
        self._set_badges(badges)
        self.measure_item.set_value(key.main_measure_type.label if key.main_measure_type else "")
        self.referral_item.set_value(format_date(key.referral_date))
        if key.probation_start or key.probation_end:
            self.probation_item.set_value(
                f"du {format_date(key.probation_start, '?')} "
                f"au {format_date(key.probation_end, '?')}"
            )
        else:
            self.probation_item.set_value("")
        self.sentence_item.set_value(format_date(key.sentence_end))
        remaining = rules.reliquat(key.end_date, today)
        if remaining is not None:
            self.reliquat_item.set_value(f"{remaining} (au {format_date(today)})")
        elif key.end_date is not None:
            self.reliquat_item.set_value(f"échu le {format_date(key.end_date)}")
        else:
            self.reliquat_item.set_value("")


class MeasuresPanel(QWidget):
    """The measures table, the selected measure's obligations, and the actions.

    Signals:
        add_requested(), edit_requested(), delete_requested()
    """

    add_requested = Signal()
    edit_requested = Signal()
    delete_requested = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.model = measure_model()
        self.model.setParent(self)
        self.table = QTableView()
        self.table.setModel(self.model)
        self.table.setObjectName("measuresTable")
        configure_table(self.table)
        self.editable = True
        self.table.doubleClicked.connect(self._on_table_double_clicked)
        self.table.selectionModel().selectionChanged.connect(self._on_selection_changed)
        self.add_button = QPushButton("Ajouter une mesure")
        self.add_button.setObjectName("primaryButton")
        self.add_button.clicked.connect(self.add_requested)
        self.edit_button = QPushButton("Modifier")
        self.edit_button.clicked.connect(self.edit_requested)
        self.delete_button = QPushButton("Supprimer")
        self.delete_button.setObjectName("dangerButton")
        self.delete_button.clicked.connect(self.delete_requested)
        buttons = QHBoxLayout()
        buttons.addWidget(self.add_button)
        buttons.addWidget(self.edit_button)
        buttons.addWidget(self.delete_button)
        buttons.addStretch(1)
        self.obligations_title = QLabel("Obligations")
        self.obligations_title.setObjectName("sectionTitle")
        self.obligations_label = QLabel()
        self.obligations_label.setObjectName("obligationsText")
        self.obligations_label.setWordWrap(True)
        self.obligations_label.setAlignment(Qt.AlignmentFlag.AlignTop | Qt.AlignmentFlag.AlignLeft)
        self.obligations_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.empty_label = QLabel()
        self.empty_label.setObjectName("emptyLabel")
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(buttons)
        layout.addWidget(self.empty_label)
        layout.addWidget(self.table, 2)
        layout.addWidget(self.obligations_title)
        layout.addWidget(self.obligations_label, 1)
        self._update_buttons()

    def set_measures(self, file: PersonFile | None, editable: bool = True) -> None:
        self.model.set_records(file.measures if file else ())
        self.editable = editable
        for button in (self.add_button, self.edit_button, self.delete_button):
            button.setVisible(editable and not (file is not None and file.details_hidden))
        self.add_button.setEnabled(file is not None)
        if file is None:
            self.empty_label.setText("Enregistrez d'abord l'identité pour ajouter des mesures.")
        elif file.details_hidden:
            self.empty_label.setText(
                "Votre rôle donne accès à l'identité et aux dates clés de ce dossier, "
                "pas au détail des mesures et des obligations."
            )
        elif not file.measures:
            self.empty_label.setText("Aucune mesure enregistrée pour cette personne.")
        self.table.setVisible(file is not None and not file.details_hidden)
        self.empty_label.setVisible(file is None or not file.measures)
        if self.model.rowCount() > 0:
            self.table.selectRow(0)
        self._update_buttons()

    def _on_table_double_clicked(self) -> None:
        if self.editable:
            self.edit_requested.emit()

    def select_measure(self, measure_id: int) -> None:
        for row in range(self.model.rowCount()):
            measure = self.model.record_at(row)
            if measure is not None and measure.id == measure_id:
                self.table.selectRow(row)
                return

    def current_measure_row(self) -> int:
        rows = self.table.selectionModel().selectedRows()
        return rows[0].row() if rows else -1

    def _on_selection_changed(self, _selected: QItemSelection, _deselected: QItemSelection) -> None:
        self._update_buttons()

    def _update_buttons(self) -> None:
        measure = self.model.record_at(self.current_measure_row())
        self.edit_button.setEnabled(measure is not None)
        self.delete_button.setEnabled(measure is not None)
        if measure is None:
            self.obligations_label.setText("")
            self.obligations_title.setVisible(False)
            return
        self.obligations_title.setVisible(True)
        lines = []
        for obligation in measure.draft.obligations:
            label = (
                obligation.details
                if obligation.kind is ObligationType.AUTRE
                else obligation.kind.label
                + (f" : {obligation.details}" if obligation.details else "")
            )
            lines.append(f"•  {label}")
        self.obligations_label.setText("\n".join(lines) or "Aucune obligation particulière.")


class PersonFilePage(QWidget):
    """One open file (or a new one, until its first save).

    Signals:
        saved(object): the :class:`PersonFile` after any successful change.
        title_changed(str): the tab title (with a dot while unsaved).
    """

    saved = Signal(object)
    title_changed = Signal(str)

    def __init__(
        self,
        actions: PersonActions,
        prompter: Prompter,
        reference: ReferenceData,
        today: Callable[[], date] = date.today,
        user: User | None = None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self._user = user
        self._actions = actions
        self._prompter = prompter
        self._today = today
        self._file: PersonFile | None = None
        self._baseline = PersonDraft()
        # Errors only the database can find (a file number already used), kept on
        # screen while the field still holds the value they were found for.
        self._remote_errors: dict[str, tuple[object, str]] = {}
        self.setObjectName("personFilePage")

        self.header = FileHeader()
        self.save_button = QPushButton("Enregistrer")
        self.save_button.setObjectName("primaryButton")
        self.save_button.setToolTip("Enregistrer l'identité (Ctrl+S)")
        self.save_button.clicked.connect(self.save)
        self.revert_button = QPushButton("Annuler les modifications")
        self.revert_button.clicked.connect(self._on_revert_button_clicked)
        self.closure_button = QPushButton("Clôturer le dossier…")
        self.closure_button.clicked.connect(self._on_closure_button_clicked)
        self.access_button = QPushButton("Droit d'accès…")
        self.access_button.setToolTip(
            "Éditer tout ce que le service détient sur cette personne (PDF et JSON)"
        )
        self.access_button.clicked.connect(self._on_access_button_clicked)
        self.export_access: Callable[[int], tuple[bytes, str]] | None = None
        self.documents_dir = Path.home()
        self.status_label = QLabel()
        self.status_label.setObjectName("statusLabel")
        actions_row = QHBoxLayout()
        actions_row.addWidget(self.save_button)
        actions_row.addWidget(self.revert_button)
        actions_row.addWidget(self.status_label, 1)
        actions_row.addWidget(self.access_button)
        actions_row.addWidget(self.closure_button)

        self.form = PersonForm()
        self.form.changed.connect(self._on_form_changed)
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QScrollArea.Shape.NoFrame)
        scroll.setWidget(self.form)
        self.measures = MeasuresPanel()
        self.measures.add_requested.connect(self.add_measure)
        self.measures.edit_requested.connect(self.edit_measure)
        self.measures.delete_requested.connect(self.delete_measure)
        self.tabs = QTabWidget()
        self.tabs.setObjectName("fileTabs")
        self.identity_scroll = scroll
        self.tabs.addTab(scroll, "Identité")
        self.tabs.addTab(self.measures, "Mesures et obligations")
        self.history = HistoryPanel()
        self.tabs.addTab(self.history, "Historique")
        self.stages_panel: PersonStagesPanel | None = None
        self.panels: dict[FileTab, AttachedPanel] = {}
        # Panels not yet in their tab, deleted with the page (not a method of the page:
        # it is being destroyed when this runs).
        self._unmounted: list[QWidget] = []
        self.destroyed.connect(partial(_delete_unmounted, self._unmounted))
        self.tabs.currentChanged.connect(self._on_tabs_current_changed)
        self.set_reference(reference)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(24, 16, 24, 16)
        layout.setSpacing(12)
        layout.addWidget(self.header)
        layout.addLayout(actions_row)
        layout.addWidget(self.tabs, 1)

        QShortcut(QKeySequence.StandardKey.Save, self, self.save)
        self._show(None)

    # -- state -------------------------------------------------------------------------
    @property
    def person_id(self) -> int | None:
        return self._file.person.id if self._file else None

    @property
    def file(self) -> PersonFile | None:
        return self._file

    def is_dirty(self) -> bool:
        return self.form.draft() != self._baseline or self.form.date_error() is not None

    def title(self) -> str:
        if self._file is None:
            base = "Nouveau dossier"
        else:
            d = self._file.person.draft
            base = f"{d.surname.upper()} {d.given_names.split(',')[0]}"
        return f"● {base}" if self.is_dirty() else base

    def start_new(self, file_number: str) -> None:
        self._file = None
        self._baseline = PersonDraft(file_number=file_number)
        self.form.set_draft(self._baseline)
        self._show(None)

    def load(self, person_id: int) -> None:
        self.set_file(self._actions.get_file(person_id))

    def set_file(self, file: PersonFile) -> None:
        self._file = file
        self._baseline = file.person.draft
        self.form.set_draft(file.person.draft)
        self._show(file)

    def set_reference(self, reference: ReferenceData) -> None:
        self.form.set_reference(reference)
        self.history.reference = reference

    def may(self, permission: Permission) -> bool:
        """May the user do ``permission`` on this file (a new file: on anyone)?"""
        if self._user is None:
            return True
        if self._file is None:
            return self._user.may(permission, any_person=True)
        return self._user.may(permission, self._file.person.draft.referent_id)

    def _show(self, file: PersonFile | None) -> None:
        if file is None:
            self.header.show_new()
        else:
            self.header.show_file(file, self._today())
        self.measures.set_measures(file, self.may(Permission.MEASURE_EDIT))
        editable = self.may(Permission.PERSON_CREATE if file is None else Permission.PERSON_EDIT)
        self.form.set_read_only(not editable)
        self.save_button.setVisible(editable)
        self.revert_button.setVisible(editable)
        closed = file is not None and file.person.is_closed
        self.closure_button.setVisible(file is not None and self.may(Permission.FILE_CLOSE))
        self.access_button.setVisible(file is not None and self.may(Permission.SUBJECT_ACCESS))
        self.closure_button.setText("Rouvrir le dossier" if closed else "Clôturer le dossier…")
        history_index = self.tabs.indexOf(self.history)
        self.tabs.setTabVisible(
            history_index, file is not None and self.may(Permission.FILE_HISTORY)
        )
        self.history.clear()
        if self.tabs.currentIndex() == history_index:
            self._load_history()
        self._show_panels(file)
        if not editable:
            self.status_label.setText(
                "Lecture seule : votre rôle ne permet pas de modifier ce dossier."
            )
        self._on_form_changed()

    def attach_stages(self, panel: PersonStagesPanel) -> None:
        """Add the *Stages et programmes* tab (before the history)."""
        self.stages_panel = panel
        self.attach_panel(
            FileTab.STAGES,
            panel,
            "Stages et programmes",
            (Permission.PERSON_DETAILS, Permission.ENROL, Permission.PRINT),
        )

    def attach_panel(
        self,
        tab: FileTab,
        panel: FilePanel,
        label: str,
        permissions: tuple[Permission, ...],
        show_record: Callable[[int], None] | None = None,
    ) -> None:
        """Add a tab (before the history) shown when the user has one of ``permissions``
        on this file. The panel reloads each time its tab is shown; ``show_record(id)``
        selects one of its records (a step, a journal entry) when a link asks for it."""
        assert isinstance(panel, QWidget)
        holder = QWidget()
        QVBoxLayout(holder).setContentsMargins(0, 0, 0, 0)
        self._unmounted.append(panel)
        self.panels[tab] = AttachedPanel(holder, panel, permissions, show_record)
        self.tabs.insertTab(self.tabs.indexOf(self.history), holder, label)
        changed = getattr(panel, "changed", None)
        if changed is not None:
            changed.connect(self._on_panel_changed)
        self._show_panel(tab, self._file)

    def _show_panels(self, file: PersonFile | None) -> None:
        for tab in self.panels:
            self._show_panel(tab, file)

    def _show_panel(self, tab: FileTab, file: PersonFile | None) -> None:
        attached = self.panels[tab]
        panel, widget = attached.panel, attached.widget
        visible = file is not None and any(self.may(p) for p in attached.permissions)
        self.tabs.setTabVisible(self.tabs.indexOf(widget), visible)
        panel.set_file(file if visible else None)
        if visible and self.tabs.currentWidget() is widget:
            attached.mount()
            panel.reload()

    def _on_panel_changed(self) -> None:
        if self.tabs.currentWidget() is self.history:
            self._load_history()

    def _on_tabs_current_changed(self, index: int) -> None:
        widget = self.tabs.widget(index)
        if widget is self.history:
            self._load_history()
            return
        for attached in self.panels.values():
            if attached.widget is widget:
                attached.mount()
                attached.panel.reload()

    def tab_widget(self, tab: FileTab) -> QWidget | None:
        """The widget of ``tab``, when the file has it and the user may see it."""
        widgets: dict[FileTab, QWidget] = {
            FileTab.IDENTITY: self.identity_scroll,
            FileTab.MEASURES: self.measures,
            FileTab.HISTORY: self.history,
        }
        attached = self.panels.get(tab)
        widget = widgets.get(tab) if attached is None else attached.widget
        if widget is None:
            return None
        index = self.tabs.indexOf(widget)
        return widget if index >= 0 and self.tabs.isTabVisible(index) else None

    def show_tab(self, tab: FileTab, ref_id: int | None = None) -> bool:
        """Show ``tab`` (and, given ``ref_id``, the record it names); ``False`` when the
        user may not see that tab (the file stays on its current one)."""
        widget = self.tab_widget(tab)
        if widget is None:
            return False
        self.tabs.setCurrentWidget(widget)
        if ref_id:
            if tab is FileTab.MEASURES:
                self.measures.select_measure(ref_id)
            elif tab is FileTab.HISTORY:
                self.history.select_entry(ref_id)  # loaded as the tab was shown
            else:
                attached = self.panels.get(tab)
                if attached is not None and attached.show_record is not None:
                    attached.show_record(ref_id)
        return True

    def _load_history(self) -> None:
        if self._file is None:
            return
        try:
            self.history.set_entries(self._actions.history(self._file.person.id))
        except SpipError as error:
            self.history.show_message(error.message)

    def _on_form_changed(self) -> None:
        dirty = self.is_dirty()
        self.save_button.setEnabled(dirty)
        self.revert_button.setEnabled(dirty and self._file is not None)
        draft = self.form.draft()
        result = validate_person(draft, self._today())
        for name, (value, message) in list(self._remote_errors.items()):
            if getattr(draft, name, None) == value:
                result.error(name, message)
            else:
                del self._remote_errors[name]
        self.form.show_result(result)
        if dirty:
            self.status_label.setText("Modifications non enregistrées")
        self.title_changed.emit(self.title())

    # -- saving --------------------------------------------------------------------------
    def save(self) -> bool:
        """Validate and save the identity form; ``False`` leaves every keystroke in place."""
        if not self.is_dirty() and self._file is not None:
            return True
        self.form.show_all_errors()
        draft = self.form.draft()
        try:
            result = self._actions.check(draft, self.person_id)
        except SpipError as error:
            self._prompter.error("Enregistrement impossible", error.message)
            return False
        self._remember_remote_errors(draft, result)
        self.form.show_result(result)
        if not result.ok:
            widget = self.form.first_error_widget(result)
            self.tabs.setCurrentIndex(0)
            if widget is not None:
                widget.setFocus()
            self.status_label.setText("Corrigez les champs signalés en rouge.")
            return False
        if result.warnings and not self._prompter.confirm(
            "Enregistrer malgré l'avertissement ?",
            "\n".join(result.warnings),
            yes="Enregistrer quand même",
            no="Revenir au formulaire",
        ):
            return False
        try:
            if self._file is None:
                file = self._actions.create(draft)
            else:
                file = self._actions.update(self._file.person.id, self._file.person.version, draft)
        except InvalidInput as error:
            self.form.show_result(error.result)
            self.status_label.setText("Corrigez les champs signalés en rouge.")
            return False
        except DuplicateValue as error:
            failed = ValidationResult()
            failed.error(error.field or "file_number", error.message)
            self._remember_remote_errors(draft, failed)
            self.form.show_result(failed)
            self.status_label.setText(error.message)
            return False
        except EditConflict as error:
            return self._resolve_conflict(draft, error)
        except SpipError as error:
            self._prompter.error(
                "Enregistrement impossible",
                f"{error.message}\nVos saisies sont conservées : réessayez.",
            )
            return False
        self.set_file(file)
        self.status_label.setText("Enregistré.")
        self.saved.emit(file)
        return True

    def _resolve_conflict(self, mine: PersonDraft, conflict: EditConflict) -> bool:
        """Someone saved the file meanwhile: show both versions field by field, let the user
        choose, and save the choice over the current version. Nothing is overwritten unseen."""
        current = conflict.current
        if not isinstance(current, PersonFile) or self._file is None:
            self._prompter.error("Modification concurrente", conflict.message)
            return False
        choice = ConflictDialog.ask(
            self,
            conflict,
            self._file.person.draft,
            mine,
            current.person.draft,
            self.history.reference,
        )
        self._file = current
        self._baseline = current.person.draft
        self._show(current)
        if choice is None:
            self.form.set_draft(mine)  # keep every keystroke; the next save compares again
            self.status_label.setText("Version enregistrée rechargée ; vos saisies sont gardées.")
            self._on_form_changed()
            return False
        self.form.set_draft(choice)
        self._on_form_changed()
        return self.save() if self.is_dirty() else True

    def _remember_remote_errors(self, draft: PersonDraft, result: ValidationResult) -> None:
        local = validate_person(draft, self._today()).errors
        self._remote_errors = {
            name: (getattr(draft, name), message)
            for name, message in result.errors.items()
            if name not in local and hasattr(draft, name)
        }

    def _apply(
        self, work: Callable[[], PersonFile], failure_title: str, conflicts: bool = False
    ) -> bool:
        """Run a change that returns the new file; keep the form's unsaved edits.

        With ``conflicts``, an :class:`EditConflict` goes to the caller, to be compared.
        """
        unsaved = self.form.draft() if self.is_dirty() else None
        try:
            file = work()
        except SpipError as error:
            if conflicts and isinstance(error, EditConflict):
                raise
            self._prompter.error(failure_title, error.message)
            return False
        self._file = file
        self._baseline = file.person.draft
        if unsaved is not None:
            self.form.set_draft(unsaved)  # a measure saved must not drop identity edits
        self._show(file)
        self.saved.emit(file)
        return True

    def confirm_leave(self) -> bool:
        """Before the tab closes: save, discard or stay."""
        if not self.is_dirty():
            return True
        self.tabs.setCurrentIndex(0)
        choice = self._prompter.save_discard_cancel(
            "Modifications non enregistrées",
            f"Le dossier « {self.title().lstrip('● ')} » a des modifications non enregistrées. "
            "Voulez-vous les enregistrer ?",
        )
        if choice is Choice.SAVE:
            return self.save()
        return choice is Choice.DISCARD

    # -- right of access ---------------------------------------------------------------------
    def _on_access_button_clicked(self) -> None:
        """Write the statement of everything held (PDF) and its machine-readable copy (JSON)."""
        file, export = self._file, self.export_access
        if file is None or export is None:
            return
        folder = self._prompter.choose_directory(
            "Enregistrer le relevé du droit d'accès", self.documents_dir
        )
        if folder is None:
            return
        try:
            pdf, data = export(file.person.id)
        except SpipError as error:
            self._prompter.error("Relevé impossible", error.message)
            return
        stem = f"droit-acces-{file.person.draft.file_number}".replace("/", "-")
        try:
            (folder / f"{stem}.pdf").write_bytes(pdf)
            (folder / f"{stem}.json").write_text(data, encoding="utf-8")
        except OSError as error:
            self._prompter.error(
                "Relevé non enregistré",
                f"Le relevé n'a pas pu être écrit dans « {folder} » ({error.strerror}).",
            )
            return
        self._prompter.inform(
            "Relevé du droit d'accès",
            f"Relevé enregistré dans « {folder} » : {stem}.pdf et {stem}.json.",
        )

    # -- closure -----------------------------------------------------------------------------
    def _on_revert_button_clicked(self) -> None:
        if self._prompter.confirm(
            "Annuler les modifications ?",
            "Les modifications non enregistrées de l'identité seront perdues.",
            yes="Annuler les modifications",
            no="Garder mes modifications",
        ):
            self.form.set_draft(self._baseline)
            self.status_label.setText("")
            self._on_form_changed()

    def _on_closure_button_clicked(self) -> None:
        file = self._file
        if file is None:
            return
        if file.person.is_closed:
            if self._prompter.confirm(
                "Rouvrir le dossier ?",
                "Le dossier reviendra dans la liste des dossiers actifs.",
                yes="Rouvrir le dossier",
            ):
                self._apply(
                    lambda: self._actions.reopen(file.person.id, file.person.version),
                    "Réouverture impossible",
                )
            return
        closure = ClosureDialog.ask(self, file.person.display_name, self._today())
        if closure is not None:
            self._apply(
                lambda: self._actions.close(
                    file.person.id,
                    file.person.version,
                    closure.closed_on,
                    closure.reason,
                    closure.note,
                ),
                "Clôture impossible",
            )

    # -- measures ------------------------------------------------------------------------------
    def _measure_loop(
        self,
        draft: MeasureDraft,
        save: Callable[[MeasureDraft], PersonFile],
        resave: Callable[[Measure, MeasureDraft], PersonFile] | None = None,
    ) -> None:
        """Ask, save; on failure show why and ask again with what was typed.

        A measure saved by someone else meanwhile (``resave`` given) is compared field by
        field: the user's choice is saved over the current version, or kept to edit again.
        """
        opened = draft
        while True:
            edited = MeasureDialog.ask(self, draft, self._actions.check_measure, self._prompter)
            if edited is None:
                return
            try:
                done = self._apply(
                    _bind(save, edited), "Enregistrement de la mesure impossible", conflicts=True
                )
            except EditConflict as conflict:
                current = conflict.current
                if resave is None or not isinstance(current, Measure):
                    self._prompter.error("Modification concurrente", conflict.message)
                    return
                choice = ConflictDialog.ask(
                    self, conflict, opened, edited, current.draft, self.history.reference
                )
                if choice is None:
                    draft, opened = edited, current.draft
                    save = _bind_resave(resave, current)
                    continue
                done = self._apply(
                    _bind(_bind_resave(resave, current), choice),
                    "Enregistrement de la mesure impossible",
                )
            if done:
                self.tabs.setCurrentWidget(self.measures)
                return
            draft = edited

    def add_measure(self) -> None:
        file = self._file
        if file is None:
            return
        self._measure_loop(MeasureDraft(), lambda d: self._actions.add_measure(file.person.id, d))

    def edit_measure(self) -> None:
        measure = self.measures.model.record_at(self.measures.current_measure_row())
        if measure is None:
            return
        self._measure_loop(
            measure.draft,
            lambda d: self._actions.update_measure(measure.id, measure.version, d),
            lambda current, d: self._actions.update_measure(current.id, current.version, d),
        )

    def delete_measure(self) -> None:
        measure = self.measures.model.record_at(self.measures.current_measure_row())
        if measure is None:
            return
        if self._prompter.confirm(
            "Supprimer la mesure ?",
            f"La mesure « {measure.measure_type.label} » et ses obligations seront supprimées. "
            "Utilisez cette action pour une mesure saisie par erreur.",
            yes="Supprimer la mesure",
        ):
            self._apply(
                lambda: self._actions.delete_measure(measure.id, measure.version),
                "Suppression impossible",
            )
