"""Dialogs to enrol a person in a stage and to end an enrolment (pure views over drafts).

:class:`EnrolDialog` opens from a person's file (choose the stage) or from a stage
(search the person); both check the draft live with :func:`validate_enrolment`.
:class:`EndEnrolmentDialog` records a withdrawal (*abandon*) or an exclusion.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence, Set
from dataclasses import dataclass
from datetime import date
from html import escape

from PySide6.QtCore import QEvent, QObject, Qt
from PySide6.QtGui import QBrush, QKeyEvent, QShowEvent
from PySide6.QtWidgets import (
    QAbstractItemView,
    QButtonGroup,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPlainTextEdit,
    QRadioButton,
    QVBoxLayout,
    QWidget,
)

from ..domain.dates import format_date, format_date_long, plural
from ..domain.stages import (
    STAGE_MAX_LENGTHS,
    ActionKind,
    Cadre,
    EndKind,
    EnrolmentDraft,
    Stage,
    StageDraft,
    StageType,
    StageTypeDraft,
    format_minutes,
    stage_deadline,
    validate_end,
    validate_enrolment,
)
from ..domain.validation import ValidationResult
from .prompter import Prompter
from .stage_dialog import DIALOG_STYLE, UNAVAILABLE_TEXT, grow_to_fit, hint_label
from .tasks import TaskRunner
from .widgets import (
    DateField,
    ErrorLabel,
    enum_data,
    field_with_error,
    fill_enum_combo,
    set_invalid,
    show_validation,
)

#: Characters typed before the person search runs.
MIN_SEARCH_LENGTH = 2
ALREADY_ENROLLED = "(déjà inscrit)"

#: Stands for "no stage chosen yet", so that the other fields are still checked.
_NO_STAGE = Stage(
    id=0,
    version=0,
    draft=StageDraft(capacity=None),
    stage_type=StageType(0, 0, StageTypeDraft(kind=ActionKind.COLLECTIVE)),
    sessions=(),
)


@dataclass(frozen=True)
class PersonChoice:
    """One person the search found: ``DUPONT Jean — n° 2026-000123 — né le 12/03/1990``."""

    id: int
    label: str


PersonSearch = Callable[[str], Sequence[PersonChoice]]


def places_text(stage: Stage) -> str:
    """``3 places``, ``1 place``, ``complet``, ``places non limitées``."""
    left = stage.places_left
    if left is None:
        return "places non limitées"
    if left <= 0:
        return "complet"
    return plural(left, "place")


def dates_text(stage: Stage, today: date | None = None) -> str:
    """``du 02/03/2026 au 03/03/2026``, ``le 02/03/2026``, ``dates à fixer``."""
    first, last = stage.first_day, stage.last_day
    if first is None or last is None:
        return "dates à fixer"
    text = (
        f"le {format_date(first)}"
        if first == last
        else (f"du {format_date(first)} au {format_date(last)}")
    )
    if today is not None and first <= today <= last:
        text += " (en cours)"
    return text


def _form(parent: QWidget) -> QFormLayout:
    form = QFormLayout(parent)
    form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
    form.setLabelAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
    form.setHorizontalSpacing(12)
    form.setVerticalSpacing(8)
    return form


def _stack(*widgets: QWidget) -> QWidget:
    box = QWidget()
    layout = QVBoxLayout(box)
    layout.setContentsMargins(0, 0, 0, 0)
    layout.setSpacing(2)
    for widget in widgets:
        layout.addWidget(widget)
    return box


def _chosen_id(view: QListWidget) -> int | None:
    """The id of the current item, if it may be chosen."""
    item = view.currentItem()
    if item is None or not item.flags() & Qt.ItemFlag.ItemIsEnabled:
        return None
    value = item.data(Qt.ItemDataRole.UserRole)
    return value if isinstance(value, int) else None


def _disable(item: QListWidgetItem) -> None:
    item.setFlags(item.flags() & ~(Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable))
    item.setForeground(QBrush(UNAVAILABLE_TEXT))


class EnrolDialog(QDialog):
    """Enrol one person in one stage: the stage (or the person), the *cadre*, the dates.

    Build it with :meth:`for_person` (from a person's file: the user picks the stage)
    or :meth:`for_stage` (from a stage: the user searches the person).
    """

    def __init__(
        self,
        today: date,
        prompter: Prompter,
        parent: QWidget | None = None,
        *,
        person: PersonChoice | None = None,
        stages: Sequence[Stage] = (),
        enrolled_stage_ids: Set[int] = frozenset(),
        stage: Stage | None = None,
        search: PersonSearch | None = None,
        enrolled_person_ids: Set[int] = frozenset(),
        runner: TaskRunner | None = None,
    ) -> None:
        super().__init__(parent)
        if (person is None) == (stage is None):
            raise ValueError("EnrolDialog needs a person or a stage, not both")
        self._today = today
        self._prompter = prompter
        self._person = person
        self._stage = stage
        self._search = search
        #: Runs the search off the GUI thread (without one, the search is called directly).
        self._runner = runner
        self._enrolled_stage_ids = set(enrolled_stage_ids)
        self._enrolled_person_ids = set(enrolled_person_ids)
        self._stages = {s.id: s for s in stages}
        self._attempted = False
        self._touched: set[str] = set()
        self.errors: dict[str, ErrorLabel] = {}
        self.setWindowTitle("Inscrire à un stage")
        self.setMinimumWidth(760)
        self.setStyleSheet(DIALOG_STYLE)
        layout = QVBoxLayout(self)

        self.stage_list: QListWidget | None = None
        self.search_edit: QLineEdit | None = None
        self.result_list: QListWidget | None = None
        self.search_hint: QLabel | None = None
        if person is not None:
            layout.addWidget(self._person_heading(person))
            layout.addWidget(self._stage_picker())
        else:
            assert stage is not None
            layout.addWidget(self._stage_heading(stage))
            layout.addWidget(self._person_picker())

        # -- the legal frame ---------------------------------------------------------
        self.cadre_combo = QComboBox()
        self.cadre_combo.setAccessibleName("Cadre")
        fill_enum_combo(self.cadre_combo, list(Cadre.choices()), "Choisir…")
        self.recipient_label = hint_label()
        self.reference_edit = QLineEdit()
        self.reference_edit.setAccessibleName("Référence de la décision")
        self.reference_edit.setPlaceholderText(
            "ex. parquet n° 26/045/123 ou jugement du 12/01/2026"
        )
        self.reference_edit.setMaxLength(STAGE_MAX_LENGTHS["decision_reference"] + 20)
        self.final_date_field = DateField()
        self.final_date_field.setAccessibleName("Condamnation définitive le")
        self.deadline_label = QLabel()
        self.deadline_label.setObjectName("deadlineLabel")
        self.deadline_label.setWordWrap(True)
        self.override_edit = QLineEdit()
        self.override_edit.setAccessibleName("Motif d'inscription en surnombre")
        self.override_edit.setPlaceholderText("Pourquoi inscrire une personne de plus")
        self.override_edit.setMaxLength(STAGE_MAX_LENGTHS["reason"] + 20)

        frame = QGroupBox("Cadre de l'inscription")
        self._frame_form = _form(frame)
        box, self.errors["cadre"] = field_with_error(self.cadre_combo)
        self._frame_form.addRow("Cadre *", _stack(box, self.recipient_label))
        box, self.errors["decision_reference"] = field_with_error(self.reference_edit)
        self._frame_form.addRow("Référence de la décision", box)
        date_row = QWidget()
        date_layout = QHBoxLayout(date_row)
        date_layout.setContentsMargins(0, 0, 0, 0)
        date_layout.addWidget(self.final_date_field)
        date_layout.addStretch(1)
        box, self.errors["final_date"] = field_with_error(date_row)
        final_box = _stack(box, self.deadline_label)
        self._frame_form.addRow("Condamnation définitive le", final_box)
        self.final_date_label = self._frame_form.labelForField(final_box)
        self.override_box, self.errors["capacity_override_reason"] = field_with_error(
            self.override_edit
        )
        self._frame_form.addRow("Motif d'inscription en surnombre *", self.override_box)
        layout.addWidget(frame)

        self.warning_label = QLabel()
        self.warning_label.setObjectName("warningBanner")
        self.warning_label.setWordWrap(True)
        self.warning_label.hide()
        layout.addWidget(self.warning_label)
        layout.addStretch(1)

        self.buttons = QDialogButtonBox()
        self.save_button = self.buttons.addButton(
            "Inscrire", QDialogButtonBox.ButtonRole.AcceptRole
        )
        self.save_button.setObjectName("primaryButton")
        self.save_button.setDefault(True)
        self.buttons.addButton("Annuler", QDialogButtonBox.ButtonRole.RejectRole)
        self.buttons.accepted.connect(self._on_buttons_accepted)
        self.buttons.rejected.connect(self.reject)
        layout.addWidget(self.buttons)

        self.cadre_combo.currentIndexChanged.connect(lambda: self._touch("cadre"))
        self.reference_edit.textChanged.connect(lambda: self._touch("decision_reference"))
        self.final_date_field.changed.connect(lambda: self._touch("final_date"))
        self.override_edit.textChanged.connect(lambda: self._touch("capacity_override_reason"))
        self._initial = self.draft()
        self._validate()

    # -- the two entry points --------------------------------------------------------
    @classmethod
    def for_person(
        cls,
        person_label: str,
        person_id: int,
        stages: Sequence[Stage],
        today: date,
        enrolled_stage_ids: Set[int],
        prompter: Prompter,
        parent: QWidget | None = None,
    ) -> EnrolDialog:
        return cls(
            today,
            prompter,
            parent,
            person=PersonChoice(person_id, person_label),
            stages=stages,
            enrolled_stage_ids=enrolled_stage_ids,
        )

    @classmethod
    def for_stage(
        cls,
        stage: Stage,
        search: PersonSearch,
        today: date,
        enrolled_person_ids: Set[int],
        prompter: Prompter,
        parent: QWidget | None = None,
        runner: TaskRunner | None = None,
    ) -> EnrolDialog:
        return cls(
            today,
            prompter,
            parent,
            stage=stage,
            search=search,
            enrolled_person_ids=enrolled_person_ids,
            runner=runner,
        )

    # -- person mode: the stage is chosen -------------------------------------------
    def _person_heading(self, person: PersonChoice) -> QWidget:
        label = QLabel(f"Personne : <b>{escape(person.label)}</b>")
        label.setWordWrap(True)
        return label

    def _stage_picker(self) -> QWidget:
        group = QGroupBox("Stage ou action")
        self.stage_list = QListWidget()
        self.stage_list.setAccessibleName("Stage ou action")
        self.stage_list.setAlternatingRowColors(True)
        self.stage_list.setMinimumHeight(170)
        self.stage_list.setSpacing(1)
        self.stage_list.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        listed = [
            s for s in self._stages.values() if s.last_day is None or s.last_day >= self._today
        ]
        listed.sort(key=lambda s: (s.first_day is None, s.first_day or date.max, s.display_title))
        for stage in listed:
            title = stage.display_title
            enrolled = stage.id in self._enrolled_stage_ids
            if enrolled:
                title = f"{title} {ALREADY_ENROLLED}"
            item = QListWidgetItem(
                f"{title}\n{dates_text(stage, self._today)} · {places_text(stage)}"
            )
            item.setData(Qt.ItemDataRole.UserRole, stage.id)
            item.setToolTip(stage.display_title)
            if enrolled:
                _disable(item)
            self.stage_list.addItem(item)
        self.stage_hint = hint_label(
            "Aucun stage à venir ou en cours." if not listed else "Stages à venir ou en cours."
        )
        box, self.errors["stage_id"] = field_with_error(self.stage_list)
        layout = QVBoxLayout(group)
        layout.addWidget(box)
        layout.addWidget(self.stage_hint)
        self.stage_list.currentItemChanged.connect(lambda *_: self._touch("stage_id"))
        return group

    # -- stage mode: the person is searched ------------------------------------------
    def _stage_heading(self, stage: Stage) -> QWidget:
        group = QGroupBox("Stage")
        title = QLabel(f"<b>{escape(stage.display_title)}</b>")
        title.setWordWrap(True)
        details = [dates_text(stage, self._today)]
        if stage.total_minutes:
            details.append(format_minutes(stage.total_minutes))
        capacity = stage.draft.capacity
        details.append(
            places_text(stage) if capacity is None else f"{places_text(stage)} sur {capacity}"
        )
        layout = QVBoxLayout(group)
        layout.addWidget(title)
        layout.addWidget(hint_label(" · ".join(details)))
        return group

    def _person_picker(self) -> QWidget:
        group = QGroupBox("Personne à inscrire")
        self.search_edit = QLineEdit()
        self.search_edit.setObjectName("searchEdit")
        self.search_edit.setAccessibleName("Rechercher une personne")
        self.search_edit.setPlaceholderText("Nom, prénom ou numéro de dossier")
        self.search_edit.setClearButtonEnabled(True)
        self.search_edit.installEventFilter(self)
        self.result_list = QListWidget()
        self.result_list.setAccessibleName("Personnes trouvées")
        self.result_list.setAlternatingRowColors(True)
        self.result_list.setMinimumHeight(120)
        self.result_list.setSpacing(2)
        self.search_hint = hint_label()
        box, self.errors["person_id"] = field_with_error(self.result_list)
        layout = QVBoxLayout(group)
        layout.addWidget(self.search_edit)
        layout.addWidget(box)
        layout.addWidget(self.search_hint)
        self.search_edit.textChanged.connect(self._on_search_text_changed)
        self.result_list.currentItemChanged.connect(lambda *_: self._touch("person_id"))
        self._show_results("", ())
        return group

    def _on_search_text_changed(self, text: str) -> None:
        wanted = text.strip()
        search = self._search
        if len(wanted) < MIN_SEARCH_LENGTH or search is None:
            self._on_found(wanted, ())
        elif self._runner is None:
            self._on_found(wanted, search(wanted))
        else:
            self._runner.run(lambda: search(wanted), lambda found: self._on_found(wanted, found))

    def _on_found(self, wanted: str, found: Sequence[PersonChoice]) -> None:
        """Show what the search found, unless the user has typed on since."""
        if self.search_edit is not None and self.search_edit.text().strip() != wanted:
            return
        self._show_results(wanted, found)
        self._validate()

    def _show_results(self, wanted: str, found: Sequence[PersonChoice]) -> None:
        assert self.result_list is not None and self.search_hint is not None
        chosen = _chosen_id(self.result_list)
        self.result_list.blockSignals(True)
        self.result_list.clear()
        for choice in found:
            enrolled = choice.id in self._enrolled_person_ids
            text = f"{choice.label} {ALREADY_ENROLLED}" if enrolled else choice.label
            item = QListWidgetItem(text)
            item.setData(Qt.ItemDataRole.UserRole, choice.id)
            if enrolled:
                _disable(item)
                item.setToolTip("Cette personne est déjà inscrite à ce stage.")
            self.result_list.addItem(item)
            if choice.id == chosen and not enrolled:
                self.result_list.setCurrentItem(item)
        self.result_list.blockSignals(False)
        if len(wanted) < MIN_SEARCH_LENGTH:
            hint = f"Tapez au moins {MIN_SEARCH_LENGTH} caractères du nom ou du numéro de dossier."
        elif not found:
            hint = f"Aucune personne ne correspond à « {wanted} »."
        else:
            hint = f"{plural(len(found), 'personne trouvée', 'personnes trouvées')} ; "
            hint += "↓ pour parcourir la liste."
        self.search_hint.setText(hint)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        """↓ in the search field moves to the first person that may be chosen."""
        if (
            watched is self.search_edit
            and event.type() == QEvent.Type.KeyPress
            and isinstance(event, QKeyEvent)
            and event.key() == Qt.Key.Key_Down
            and self.result_list is not None
        ):
            for row in range(self.result_list.count()):
                item = self.result_list.item(row)
                if item.flags() & Qt.ItemFlag.ItemIsEnabled:
                    self.result_list.setCurrentItem(item)
                    self.result_list.setFocus()
                    return True
        return super().eventFilter(watched, event)

    # -- draft -------------------------------------------------------------------------
    def selected_stage(self) -> Stage | None:
        if self._stage is not None:
            return self._stage
        assert self.stage_list is not None
        stage_id = _chosen_id(self.stage_list)
        return self._stages.get(stage_id) if stage_id is not None else None

    def selected_person_id(self) -> int | None:
        if self._person is not None:
            return self._person.id
        assert self.result_list is not None
        return _chosen_id(self.result_list)

    def select_stage(self, stage_id: int) -> None:
        """Make ``stage_id`` current (ignored when it may not be chosen)."""
        assert self.stage_list is not None
        for row in range(self.stage_list.count()):
            item = self.stage_list.item(row)
            if item.data(Qt.ItemDataRole.UserRole) == stage_id:
                if item.flags() & Qt.ItemFlag.ItemIsEnabled:
                    self.stage_list.setCurrentItem(item)
                return

    def _full(self, stage: Stage | None) -> bool:
        left = stage.places_left if stage is not None else None
        return left is not None and left <= 0

    def draft(self) -> EnrolmentDraft:
        """What the form holds now (an unreadable date counts as empty)."""
        stage = self.selected_stage()
        return EnrolmentDraft(
            stage_id=stage.id if stage is not None else None,
            person_id=self.selected_person_id(),
            cadre=enum_data(self.cadre_combo, Cadre),
            decision_reference=self.reference_edit.text(),
            final_date=self.final_date_field.safe_value(),
            capacity_override_reason=self.override_edit.text() if self._full(stage) else "",
        )

    def is_modified(self) -> bool:
        return self.draft() != self._initial

    # -- validation ------------------------------------------------------------------
    def validation(self) -> ValidationResult:
        """The domain's verdict plus what the widgets could not read."""
        draft = self.draft()
        stage = self.selected_stage()
        if stage is None:
            result = validate_enrolment(draft, _NO_STAGE, self._today)
            result.errors = {"stage_id": "Choisissez le stage ou l'action.", **result.errors}
        else:
            if self._person is not None:
                already = stage.id in self._enrolled_stage_ids
            else:
                already = draft.person_id in self._enrolled_person_ids
            result = validate_enrolment(draft, stage, self._today, already)
        if "reason" in result.errors:  # the length check of the overbooking reason
            result.errors.setdefault("capacity_override_reason", result.errors.pop("reason"))
        date_error = self.final_date_field.error()
        if date_error:
            result.errors["final_date"] = date_error
        return result

    def deadline_text(self) -> str:
        """``Date limite pour accomplir le stage : 12 septembre 2026 (6 mois après …)``."""
        cadre = enum_data(self.cadre_combo, Cadre)
        stage = self.selected_stage()
        deadline = stage_deadline(self.final_date_field.safe_value())
        if (
            deadline is None
            or (cadre is not None and not cadre.follows_conviction)
            or (stage is not None and stage.kind is not ActionKind.STAGE)
        ):
            return ""
        return (
            f"Date limite pour accomplir le stage : {format_date_long(deadline)} "
            "(6 mois après la condamnation définitive)"
        )

    def _touch(self, name: str) -> None:
        self._touched.add(name)
        self._validate()

    def _validate(self, *_args: object) -> ValidationResult:
        result = self.validation()
        cadre = enum_data(self.cadre_combo, Cadre)
        self.recipient_label.setText(
            f"Attestation adressée à : {cadre.recipient.label}" if cadre else ""
        )
        self.recipient_label.setVisible(cadre is not None)
        required = cadre is not None and cadre.follows_conviction
        if isinstance(self.final_date_label, QLabel):
            self.final_date_label.setText(
                "Condamnation définitive le *" if required else "Condamnation définitive le"
            )
        deadline = "" if "final_date" in result.errors else self.deadline_text()
        self.deadline_label.setText(deadline)
        self.deadline_label.setVisible(bool(deadline))
        self._frame_form.setRowVisible(self.override_box, self._full(self.selected_stage()))
        shown = set(self.errors) if self._attempted else self._touched
        show_validation(result, self.errors, self._error_widgets(), shown, self.warning_label)
        grow_to_fit(self)
        return result

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        grow_to_fit(self)

    def _error_widgets(self) -> dict[str, QWidget]:
        widgets: dict[str, QWidget] = {}
        if self.stage_list is not None:
            widgets["stage_id"] = self.stage_list
        if self.result_list is not None and self.search_edit is not None:
            widgets["person_id"] = self.search_edit
        widgets.update(
            cadre=self.cadre_combo,
            decision_reference=self.reference_edit,
            final_date=self.final_date_field,
            capacity_override_reason=self.override_edit,
        )
        return widgets

    def _on_buttons_accepted(self) -> None:
        self._attempted = True
        result = self._validate()
        if not result.ok:
            for name, widget in self._error_widgets().items():
                if name in result.errors:
                    widget.setFocus()
                    break
            return
        if result.warnings and not self._prompter.confirm(
            "Inscrire malgré l'avertissement ?",
            "\n".join(result.warnings),
            yes="Inscrire",
            no="Revenir à la saisie",
        ):
            return
        self.accept()

    def reject(self) -> None:
        """Escape or *Annuler*: ask before dropping what was typed."""
        if self.is_modified() and not self._prompter.confirm(
            "Abandonner l'inscription ?",
            "Les informations saisies pour cette inscription seront perdues.",
            yes="Abandonner la saisie",
            no="Continuer la saisie",
        ):
            return
        super().reject()

    # -- the seams tests patch ---------------------------------------------------------
    def _run(self) -> EnrolmentDraft | None:
        try:
            if self.exec() == QDialog.DialogCode.Accepted:
                return self.draft()
            return None
        finally:
            self.deleteLater()

    @classmethod
    def ask_for_person(
        cls,
        person_label: str,
        person_id: int,
        stages: Sequence[Stage],
        today: date,
        enrolled_stage_ids: Set[int],
        prompter: Prompter,
        parent: QWidget | None = None,
    ) -> EnrolmentDraft | None:
        """From a person's file: the enrolment draft, or ``None`` when cancelled."""
        dialog = cls.for_person(
            person_label, person_id, stages, today, enrolled_stage_ids, prompter, parent
        )
        return dialog._run()

    @classmethod
    def ask_for_stage(
        cls,
        stage: Stage,
        search: PersonSearch,
        today: date,
        enrolled_person_ids: Set[int],
        prompter: Prompter,
        parent: QWidget | None = None,
        runner: TaskRunner | None = None,
    ) -> EnrolmentDraft | None:
        """From a stage: the enrolment draft, or ``None`` when cancelled."""
        dialog = cls.for_stage(stage, search, today, enrolled_person_ids, prompter, parent, runner)
        return dialog._run()


class EndEnrolmentDialog(QDialog):
    """End an enrolment before the stage is over: *abandon* or *exclusion*, day, reason."""

    def __init__(
        self,
        person_label: str,
        stage_label: str,
        today: date,
        prompter: Prompter,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self._person_label = person_label
        self._stage_label = stage_label
        self._today = today
        self._prompter = prompter
        self._attempted = False
        self.errors: dict[str, ErrorLabel] = {}
        self.setWindowTitle("Mettre fin à l'inscription")
        self.setMinimumWidth(620)
        self.setStyleSheet(DIALOG_STYLE)
        intro = QLabel(
            f"Inscription de <b>{escape(person_label)}</b> à "
            f"<b>{escape(stage_label)}</b>.<br>"
            "Aucune présence ne pourra être saisie après la date de fin."
        )
        intro.setWordWrap(True)
        self.abandon_radio = QRadioButton(EndKind.ABANDON.label)
        self.exclusion_radio = QRadioButton(EndKind.EXCLU.label)
        self.kind_group = QButtonGroup(self)
        self.kind_group.addButton(self.abandon_radio)
        self.kind_group.addButton(self.exclusion_radio)
        kind_row = QWidget()
        kind_layout = QHBoxLayout(kind_row)
        kind_layout.setContentsMargins(0, 0, 0, 0)
        kind_layout.addWidget(self.abandon_radio)
        kind_layout.addSpacing(16)
        kind_layout.addWidget(self.exclusion_radio)
        kind_layout.addStretch(1)
        self.date_field = DateField()
        self.date_field.setAccessibleName("Date de fin")
        self.date_field.set_value(today)
        date_row = QWidget()
        date_layout = QHBoxLayout(date_row)
        date_layout.setContentsMargins(0, 0, 0, 0)
        date_layout.addWidget(self.date_field)
        date_layout.addStretch(1)
        self.reason_edit = QPlainTextEdit()
        self.reason_edit.setAccessibleName("Motif")
        self.reason_edit.setPlaceholderText(
            "ex. absences répétées sans justificatif, comportement lors de la séance du…"
        )
        self.reason_edit.setFixedHeight(96)
        self.reason_edit.setTabChangesFocus(True)

        details = QGroupBox("Fin de l'inscription")
        form = _form(details)
        box, self.errors["kind"] = field_with_error(kind_row)
        form.addRow("Nature *", box)
        box, self.errors["day"] = field_with_error(date_row)
        form.addRow("Date *", box)
        box, self.errors["reason"] = field_with_error(self.reason_edit)
        form.addRow("Motif *", box)

        self.buttons = QDialogButtonBox()
        self.save_button = self.buttons.addButton(
            "Enregistrer", QDialogButtonBox.ButtonRole.AcceptRole
        )
        self.save_button.setObjectName("primaryButton")
        self.save_button.setDefault(True)
        self.buttons.addButton("Annuler", QDialogButtonBox.ButtonRole.RejectRole)
        self.buttons.accepted.connect(self._on_buttons_accepted)
        self.buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        layout.addWidget(details)
        layout.addWidget(self.buttons)

        self.kind_group.buttonToggled.connect(self._validate)
        self.date_field.changed.connect(self._validate)
        self.reason_edit.textChanged.connect(self._validate)

    def kind(self) -> EndKind | None:
        if self.abandon_radio.isChecked():
            return EndKind.ABANDON
        if self.exclusion_radio.isChecked():
            return EndKind.EXCLU
        return None

    def values(self) -> tuple[EndKind | None, date | None, str]:
        return self.kind(), self.date_field.safe_value(), self.reason_edit.toPlainText()

    def is_modified(self) -> bool:
        return self.values() != (None, self._today, "")

    def validation(self) -> ValidationResult:
        result = validate_end(*self.values(), self._today)
        date_error = self.date_field.error()
        if date_error:
            result.errors["day"] = date_error
        return result

    def _validate(self, *_args: object) -> ValidationResult:
        result = self.validation()
        if self._attempted:
            for name, label in self.errors.items():
                label.show_message(result.errors.get(name))
            set_invalid(self.date_field, "day" in result.errors)
        return result

    def _on_buttons_accepted(self) -> None:
        self._attempted = True
        result = self._validate()
        kind, day, _ = self.values()
        if not result.ok or kind is None or day is None:
            if "kind" in result.errors:
                self.abandon_radio.setFocus()
            elif "day" in result.errors:
                self.date_field.setFocus()
            else:
                self.reason_edit.setFocus()
            return
        noun = "l'exclusion" if kind is EndKind.EXCLU else "l'abandon"
        if not self._prompter.confirm(
            f"Confirmer {noun} de {self._person_label} ?",
            f"L'inscription à « {self._stage_label} » prendra fin le {format_date(day)} "
            f"({kind.label.lower()}). Aucune présence ne pourra être saisie après cette date.",
            yes=f"Confirmer {noun}",
            no="Revenir à la saisie",
        ):
            return
        self.accept()

    def reject(self) -> None:
        """Escape or *Annuler*: ask before dropping what was typed."""
        if self.is_modified() and not self._prompter.confirm(
            "Abandonner la saisie ?",
            "La fin d'inscription ne sera pas enregistrée.",
            yes="Abandonner la saisie",
            no="Continuer la saisie",
        ):
            return
        super().reject()

    def outcome(self) -> tuple[EndKind, date, str] | None:
        """The kind, the day and the reason (trimmed), or ``None`` while incomplete."""
        kind, day, reason = self.values()
        if kind is None or day is None:
            return None
        return kind, day, reason.strip()

    @classmethod
    def ask(
        cls,
        person_label: str,
        stage_label: str,
        today: date,
        prompter: Prompter,
        parent: QWidget | None = None,
    ) -> tuple[EndKind, date, str] | None:
        """Show the dialog; ``(kind, day, reason)``, or ``None`` when cancelled."""
        dialog = cls(person_label, stage_label, today, prompter, parent)
        try:
            if dialog.exec() == QDialog.DialogCode.Accepted:
                return dialog.outcome()
            return None
        finally:
            dialog.deleteLater()
