"""Open or follow an access-to-rights step: the form, the status change and the history.

The form edits a :class:`StepDraft`, checked as the user types by
:func:`validate_step` (a field shows its sentence once touched, or after a save
attempt). The status area offers only the statuses the transition table allows
after the current one, with a note and who acts (SPIP or partner); the history lists
every dated update, newest first. *Enregistrer* saves through the task runner in one
call (the status change carries the form's changes); an error keeps the dialog open
with everything typed. A step saved meanwhile by someone else refreshes the status
and the history, and the form is rebased on that version: the fields the user did not
change take the saved values, those the user changed keep what was typed, and the
message names the fields the other person changed (those changed on both sides « à
vérifier »); a second *Enregistrer* then sends the user's changes only.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import replace
from datetime import date, timedelta

from PySide6.QtCore import QEvent, QObject, QSize, Qt
from PySide6.QtGui import QBrush, QFont, QKeyEvent, QShowEvent, QStandardItemModel
from PySide6.QtWidgets import (
    QButtonGroup,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QFrame,
    QGridLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPlainTextEdit,
    QPushButton,
    QRadioButton,
    QScrollArea,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from ..domain.dates import add_months, format_date, plural
from ..domain.errors import EditConflict, InvalidInput, SpipError
from ..domain.merge import RebasedConflict
from ..domain.model import Agent
from ..domain.partners import Partner
from ..domain.rights import (
    CATALOGUE,
    RIGHTS_MAX_LENGTHS,
    Actor,
    RightsDomain,
    Step,
    StepDraft,
    StepKind,
    StepStatus,
    StepUpdate,
    catalogue_item,
    suggested_expiry,
    validate_note,
    validate_step,
)
from ..domain.security import User
from ..domain.validation import ValidationResult
from .backend import RightsActions
from .prompter import Prompter
from .stage_dialog import DIALOG_STYLE, HEADING_TEXT, grow_to_fit, hint_label
from .status_pill import StatusPill, text_colour
from .tasks import TaskRunner
from .widgets import DateField, ErrorLabel, enum_data, field_with_error, show_validation

STEP_STYLE = (
    DIALOG_STYLE
    + """
#stepTitle { font-size: 14pt; font-weight: bold; color: #161616; }
#stepPerson { color: #3a3a3a; }
#stepMeta { color: #666666; font-size: 9pt; }
#historyLine { background: #ffffff; border: none; border-bottom: 1px solid #eeeeee; }
#historyLine QLabel { background: transparent; }
#historyWhen { color: #3a3a3a; font-weight: bold; }
#historyWho { color: #666666; font-size: 9pt; }
#historyNote { color: #161616; }
#historyEmpty { color: #666666; padding: 12px; }
#historyArea { background: #ffffff; border: 1px solid #dddddd; }
#saveMessage { background: #fff4f3; border-left: 4px solid #ce0500; color: #ce0500;
               padding: 8px 12px; }
#conflictMessage { background: #fef7da; border-left: 4px solid #b34000; color: #716043;
                   padding: 8px 12px; }
QToolButton#quickDate { border: 1px solid #cecece; border-radius: 2px; padding: 3px 6px;
                        color: #000091; background: #ffffff; }
QToolButton#quickDate:hover { background: #e3e3fd; }
QPushButton#keepStatus { padding: 4px 12px; border-radius: 12px; border: 1px solid #929292;
                         color: #3a3a3a; background: #ffffff; font-weight: bold; }
QPushButton#keepStatus:checked { border: 2px solid #000091; color: #000091; }
"""
)

#: Status buttons per row in the status area.
CHOICE_COLUMNS = 3
#: What the documents list holds for a line typed by the user (not from the catalogue).
OTHER_DOCUMENT = "autre"
CLOSED_NOTE = (
    "Démarche close : son statut ne change plus. Pour renouveler le droit, ouvrez une "
    "nouvelle démarche."
)
OUTCOME_LABELS = {
    StepStatus.OBTAINED: "Obtenu le",
    StepStatus.REFUSED: "Refusé le",
}
#: The form's fields as the conflict message names them, in the form's order.
FIELD_LABELS: dict[str, str] = {
    "kind": "Démarche",
    "other_label": "Intitulé",
    "opened_on": "Ouverte le",
    "follow_up_on": "Relance le",
    "notes": "Observations",
    "partner_id": "Partenaire",
    "handled_by": "Portée par",
    "agent_id": "Agent du SPIP",
    "partner_contact": "Interlocuteur",
    "documents": "Pièces reçues",
    "outcome_on": "Date de la décision",
    "expires_on": "Échéance du droit",
}


def choice_style(status: StepStatus) -> str:
    """A status button drawn as its pill; the chosen one framed in blue."""
    text = text_colour(status.colour).name()
    return (
        f"QPushButton {{ background: {status.colour}; color: {text}; border: 1px solid "
        f"{status.colour}; border-radius: 12px; padding: 4px 12px; font-weight: bold; }}"
        f"QPushButton:hover {{ border: 1px solid {text}; }}"
        f"QPushButton:checked {{ border: 2px solid #000091; }}"
        f"QPushButton:focus {{ border: 2px solid #0a76f6; }}"
    )


def agent_choices(agents: Sequence[Agent], current: int | None) -> list[Agent]:
    """The agents a step may be given to: those in office, and the one it has."""
    return [a for a in agents if a.id is not None and (a.active or a.id == current)]


def partner_choices(partners: Sequence[Partner], current: int | None) -> list[Partner]:
    """Partners in activity, and the archived one a step already has."""
    kept = [p for p in partners if p.active or p.id == current]
    return sorted(kept, key=lambda p: p.name.casefold())


def history_actor(update: StepUpdate) -> str:
    """``Diane MARTIN · action du SPIP`` (or *du partenaire*): who wrote it, who acted."""
    side = "action du SPIP" if update.actor is Actor.SPIP else "action du partenaire"
    return f"{update.author} · {side}"


class HistoryLine(QFrame):
    """One update: when, the status it left the step in, who, and the note."""

    def __init__(self, update: StepUpdate, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("historyLine")
        self.update_record = update
        self.when_label = QLabel(f"{format_date(update.at.date())} {update.at:%H:%M}")
        self.when_label.setObjectName("historyWhen")
        self.pill = StatusPill(update.status)
        if update.previous is None:
            change = "ouverture"
        elif update.is_status_change:
            change = f"depuis « {update.previous.label} »"
        else:
            change = "note"
        self.who_label = QLabel(f"{history_actor(update)} · {change}")
        self.who_label.setObjectName("historyWho")
        self.who_label.setWordWrap(True)
        top = QHBoxLayout()
        top.setSpacing(8)
        top.addWidget(self.when_label)
        top.addWidget(self.pill)
        top.addStretch(1)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(10, 8, 10, 8)
        layout.setSpacing(3)
        layout.addLayout(top)
        self.note_label = QLabel(update.note)
        self.note_label.setObjectName("historyNote")
        self.note_label.setWordWrap(True)
        self.note_label.setTextFormat(Qt.TextFormat.PlainText)
        self.note_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.note_label.setVisible(bool(update.note))
        layout.addWidget(self.note_label)
        layout.addWidget(self.who_label)

    def text(self) -> str:
        """The line as read aloud (tests, accessibility)."""
        parts = [self.when_label.text(), self.pill.text(), self.who_label.text()]
        if self.update_record.note:
            parts.append(self.update_record.note)
        return " — ".join(parts)


class HistoryView(QScrollArea):
    """The dated list of a step's updates, newest first."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("historyArea")
        self.setWidgetResizable(True)
        self.setMinimumHeight(180)
        self.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.setAccessibleName("Historique de la démarche")
        self.lines: list[HistoryLine] = []
        self._set_content([])

    def sizeHint(self) -> QSize:
        """Room for three or four lines: the rest scrolls (the dialog keeps its height)."""
        return QSize(420, 260)

    def set_history(self, history: Sequence[StepUpdate]) -> None:
        self._set_content(list(reversed(history)))

    def _set_content(self, updates: list[StepUpdate]) -> None:
        content = QWidget()
        content.setObjectName("historyContent")
        content.setStyleSheet("#historyContent { background: #ffffff; }")
        layout = QVBoxLayout(content)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(0)
        self.lines = [HistoryLine(update) for update in updates]
        for line in self.lines:
            layout.addWidget(line)
        if not self.lines:
            empty = QLabel("L'historique commencera à l'enregistrement de la démarche.")
            empty.setObjectName("historyEmpty")
            empty.setWordWrap(True)
            layout.addWidget(empty)
        layout.addStretch(1)
        self.setWidget(content)


class StepDialog(QDialog):
    """A step of one person: open it, or follow it (form, status change, history)."""

    def __init__(
        self,
        rights: RightsActions,
        runner: TaskRunner,
        prompter: Prompter,
        person_id: int,
        person_name: str,
        step: Step | None,
        partners: Sequence[Partner],
        agents: Sequence[Agent],
        user: User,
        today: date,
        read_only: bool = False,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.rights = rights
        self.runner = runner
        self.prompter = prompter
        self.person_id = person_id
        self.step = step
        self.today = today
        self.read_only = read_only
        #: The step as saved by this dialog (``None`` until a save succeeds).
        self.saved: Step | None = None
        self._partners = {p.id: p for p in partners}
        self._agents = list(agents)
        self._touched: set[str] = set()
        self._attempted = False
        self._loading = False
        self._busy = False
        #: The expiry the dialog proposed itself (replaced when the outcome moves).
        self._auto_expiry: date | None = None
        self.errors: dict[str, ErrorLabel] = {}
        initial = step.draft if step is not None else self._new_draft(user)
        self._initial = initial
        self.setModal(True)
        self.setObjectName("stepDialog")
        self.setWindowTitle(
            "Nouvelle démarche d'accès aux droits"
            if step is None
            else "Démarche d'accès aux droits"
        )
        self.setStyleSheet(STEP_STYLE)
        self.setMinimumWidth(1080)

        self.title_label = QLabel()
        self.title_label.setObjectName("stepTitle")
        self.title_label.setWordWrap(True)
        self.person_label = QLabel(person_name)
        self.person_label.setObjectName("stepPerson")
        self.pill = StatusPill(step.status if step else StepStatus.TO_START)
        self.meta_label = QLabel()
        self.meta_label.setObjectName("stepMeta")
        heading_row = QHBoxLayout()
        heading_row.addWidget(self.title_label, 1)
        heading_row.addWidget(self.pill, 0, Qt.AlignmentFlag.AlignTop)
        heading = QVBoxLayout()
        heading.setSpacing(2)
        heading.addLayout(heading_row)
        heading.addWidget(self.person_label)
        heading.addWidget(self.meta_label)

        self.warning_label = QLabel()
        self.warning_label.setObjectName("warningBanner")
        self.warning_label.setWordWrap(True)
        self.warning_label.hide()
        self.message_label = QLabel()
        self.message_label.setObjectName("saveMessage")
        self.message_label.setWordWrap(True)
        self.message_label.hide()
        self.buttons = QDialogButtonBox()
        self.save_button = self.buttons.addButton(
            "Enregistrer", QDialogButtonBox.ButtonRole.AcceptRole
        )
        self.save_button.setObjectName("primaryButton")
        self.save_button.setAutoDefault(False)
        self.save_button.setDefault(True)
        self.cancel_button = self.buttons.addButton(
            "Fermer" if read_only else "Annuler", QDialogButtonBox.ButtonRole.RejectRole
        )
        self.cancel_button.setAutoDefault(False)
        self.buttons.accepted.connect(self.save)
        self.buttons.rejected.connect(self.reject)

        left = QVBoxLayout()
        left.addWidget(self._build_step_group(initial))
        left.addWidget(self._build_who_group(initial))
        documents = self._build_documents_group()
        right = QVBoxLayout()
        right.addWidget(self._build_status_group())
        self.outcome_group = self._build_outcome_group()
        self.history_group = self._build_history_group()
        if step is None:
            # Nothing to decide nor to read yet: the documents fill the right-hand side.
            for unused in (self.outcome_group, self.history_group):
                unused.setParent(self)
                unused.hide()
            right.addWidget(documents)
            right.addStretch(1)
        else:
            left.addWidget(documents)
            right.addWidget(self.outcome_group)
            right.addWidget(self.history_group, 1)
        left.addStretch(1)
        grid = QGridLayout()
        grid.setHorizontalSpacing(14)
        grid.addLayout(left, 0, 0)
        grid.addLayout(right, 0, 1)
        grid.setColumnStretch(0, 11)
        grid.setColumnStretch(1, 10)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(18, 14, 18, 12)
        layout.addLayout(heading)
        layout.addLayout(grid, 1)
        layout.addWidget(self.message_label)
        layout.addWidget(self.warning_label)
        layout.addWidget(self.buttons)

        self.set_draft(initial)
        self._show_step(step)
        if read_only:
            self._make_read_only()
        elif step is not None:
            # Following a step is mostly moving it on: the keyboard starts there.
            first = next(iter(self.status_buttons.values()), None)
            (first or self.note_edit).setFocus()

    # -- building the form -----------------------------------------------------------------------
    def _build_step_group(self, initial: StepDraft) -> QGroupBox:
        """What is asked for, since when, until when to follow it up, and observations."""
        self.kind_combo = QComboBox()
        self.kind_combo.setAccessibleName("Démarche")
        self.kind_combo.setSizeAdjustPolicy(
            QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon
        )
        self.kind_combo.setMinimumContentsLength(30)
        self._fill_kinds(initial.kind)
        self.kind_hint = hint_label()
        self.other_edit = QLineEdit()
        self.other_edit.setAccessibleName("Intitulé de la démarche")
        self.other_edit.setPlaceholderText("ex. Échange du permis de conduire")
        self.other_edit.setMaxLength(RIGHTS_MAX_LENGTHS["other_label"] + 20)
        self.opened_edit = DateField()
        self.opened_edit.setAccessibleName("Ouverte le")
        self.follow_up_edit = DateField()
        self.follow_up_edit.setAccessibleName("Relance le")
        self.quick_buttons: list[QToolButton] = []
        follow_row = QWidget()
        follow_layout = QHBoxLayout(follow_row)
        follow_layout.setContentsMargins(0, 0, 0, 0)
        follow_layout.setSpacing(4)
        follow_layout.addWidget(self.follow_up_edit)
        for text, days in (("+ 1 sem.", 7), ("+ 2 sem.", 14), ("+ 1 mois", None)):
            button = QToolButton()
            button.setObjectName("quickDate")
            button.setText(text)
            button.setToolTip(
                "Relancer " + ("dans un mois" if days is None else f"dans {days} jours")
            )
            button.setFocusPolicy(Qt.FocusPolicy.NoFocus)
            button.clicked.connect(lambda _=False, d=days: self._set_follow_up(d))
            self.quick_buttons.append(button)
            follow_layout.addWidget(button)
        follow_layout.addStretch(1)
        self.notes_edit = QPlainTextEdit()
        self.notes_edit.setAccessibleName("Observations")
        self.notes_edit.setPlaceholderText("Observations sur la démarche (facultatif)")
        self.notes_edit.setTabChangesFocus(True)
        self.notes_edit.setFixedHeight(52)

        group = QGroupBox("Démarche")
        form = self._form(group)
        kind_box = QWidget()
        kind_layout = QVBoxLayout(kind_box)
        kind_layout.setContentsMargins(0, 0, 0, 0)
        kind_layout.setSpacing(2)
        inner, self.errors["kind"] = field_with_error(self.kind_combo)
        kind_layout.addWidget(inner)
        kind_layout.addWidget(self.kind_hint)
        form.addRow("Démarche *", kind_box)
        self.other_box = self._add_row(form, "other_label", "Intitulé *", self.other_edit)
        self._step_form = form
        self._add_row(form, "opened_on", "Ouverte le *", self.opened_edit)
        self._add_row(form, "follow_up_on", "Relance le", follow_row)
        self._add_row(form, "notes", "Observations", self.notes_edit)
        self.kind_combo.currentIndexChanged.connect(self._on_kind_changed)
        self.other_edit.textChanged.connect(lambda: self._touch("other_label"))
        self.opened_edit.changed.connect(lambda: self._touch("opened_on", "follow_up_on"))
        self.follow_up_edit.changed.connect(lambda: self._touch("follow_up_on"))
        self.notes_edit.textChanged.connect(lambda: self._touch("notes"))
        return group

    def _build_who_group(self, initial: StepDraft) -> QGroupBox:
        """The partner, who carries the step, the SPIP's agent and whom to call there."""
        self.partner_combo = QComboBox()
        self.partner_combo.setAccessibleName("Partenaire")
        self.partner_combo.setSizeAdjustPolicy(
            QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon
        )
        self.partner_combo.setMinimumContentsLength(26)
        self.partner_combo.addItem("Aucun partenaire", None)
        for partner in partner_choices(list(self._partners.values()), initial.partner_id):
            label = partner.name if partner.active else f"{partner.name} (archivé)"
            self.partner_combo.addItem(label, partner.id)
        self.spip_radio = QRadioButton("Le SPIP")
        self.partner_radio = QRadioButton("Le partenaire")
        self.handled_group = QButtonGroup(self)
        self.handled_group.addButton(self.spip_radio)
        self.handled_group.addButton(self.partner_radio)
        handled_row = QWidget()
        handled_layout = QHBoxLayout(handled_row)
        handled_layout.setContentsMargins(0, 0, 0, 0)
        handled_layout.addWidget(self.spip_radio)
        handled_layout.addSpacing(12)
        handled_layout.addWidget(self.partner_radio)
        handled_layout.addStretch(1)
        self.agent_combo = QComboBox()
        self.agent_combo.setAccessibleName("Agent du SPIP")
        self.agent_combo.addItem("Non désigné", None)
        for agent in agent_choices(self._agents, initial.agent_id):
            label = agent.display_name if agent.active else f"{agent.display_name} (parti)"
            self.agent_combo.addItem(label, agent.id)
        self.contact_combo = QComboBox()
        self.contact_combo.setEditable(True)
        self.contact_combo.setAccessibleName("Interlocuteur chez le partenaire")
        self.contact_combo.setInsertPolicy(QComboBox.InsertPolicy.NoInsert)
        line = self.contact_combo.lineEdit()
        assert line is not None
        line.setPlaceholderText("Personne à joindre chez le partenaire")
        line.setMaxLength(RIGHTS_MAX_LENGTHS["partner_contact"] + 20)
        group = QGroupBox("Qui s'en occupe")
        form = self._form(group)
        self._add_row(form, "partner_id", "Partenaire", self.partner_combo)
        form.addRow("Portée par", handled_row)
        self._add_row(form, "agent_id", "Agent du SPIP", self.agent_combo)
        self._add_row(form, "partner_contact", "Interlocuteur", self.contact_combo)
        self.partner_combo.currentIndexChanged.connect(self._on_partner_changed)
        self.handled_group.buttonToggled.connect(self._on_handled_toggled)
        self.agent_combo.currentIndexChanged.connect(lambda: self._touch("agent_id"))
        self.contact_combo.editTextChanged.connect(lambda: self._touch("partner_contact"))
        return group

    def _build_documents_group(self) -> QGroupBox:
        """The kind's usual documents as check boxes, and a line for any other one."""
        self.documents_list = QListWidget()
        self.documents_list.setAccessibleName("Pièces reçues")
        self.documents_list.setWordWrap(True)
        self.documents_list.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.documents_hint = hint_label()
        self.other_document_edit = QLineEdit()
        self.other_document_edit.setAccessibleName("Autre pièce reçue")
        self.other_document_edit.setPlaceholderText(
            "Autre pièce reçue (ex. attestation d'hébergement)"
        )
        self.add_document_button = QPushButton("Ajouter")
        self.add_document_button.setAutoDefault(False)
        add_row = QHBoxLayout()
        add_row.addWidget(self.other_document_edit, 1)
        add_row.addWidget(self.add_document_button)
        group = QGroupBox("Pièces reçues")
        layout = QVBoxLayout(group)
        layout.addWidget(self.documents_hint)
        layout.addWidget(self.documents_list, 1)
        layout.addLayout(add_row)
        self.errors["documents"] = ErrorLabel()
        layout.addWidget(self.errors["documents"])
        self.documents_list.itemChanged.connect(lambda: self._touch("documents"))
        self.add_document_button.clicked.connect(self.add_other_document)
        # Enter there adds the line: it must not reach the dialog, which would save.
        self.other_document_edit.installEventFilter(self)
        return group

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if (
            watched is self.other_document_edit
            and event.type() == QEvent.Type.KeyPress
            and isinstance(event, QKeyEvent)
            and event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter)
        ):
            self.add_other_document()
            return True
        return super().eventFilter(watched, event)

    def _build_status_group(self) -> QGroupBox:
        """The statuses allowed next, the note for the history and who acts."""
        self.status_group = QButtonGroup(self)
        self.status_group.setExclusive(True)
        self.keep_button = QPushButton()
        self.keep_button.setObjectName("keepStatus")
        self.keep_button.setCheckable(True)
        self.keep_button.setAutoDefault(False)
        self.status_group.addButton(self.keep_button)
        self.status_buttons: dict[StepStatus, QPushButton] = {}
        self.choices_box = QWidget()
        self.choices_layout = QGridLayout(self.choices_box)
        self.choices_layout.setContentsMargins(0, 0, 0, 0)
        self.choices_layout.setHorizontalSpacing(6)
        self.choices_layout.setVerticalSpacing(6)
        for column in range(CHOICE_COLUMNS):
            self.choices_layout.setColumnStretch(column, 1)
        self.status_hint = hint_label()
        self.errors["status"] = ErrorLabel()
        self.note_edit = QPlainTextEdit()
        self.note_edit.setAccessibleName("Note")
        self.note_edit.setTabChangesFocus(True)
        self.note_edit.setFixedHeight(60)
        self.note_label = QLabel()
        self.errors["update_note"] = ErrorLabel()
        self.actor_label = QLabel("Qui agit :")
        self.actor_spip_radio = QRadioButton("SPIP")
        self.actor_partner_radio = QRadioButton("Partenaire")
        self.actor_group = QButtonGroup(self)
        self.actor_group.addButton(self.actor_spip_radio)
        self.actor_group.addButton(self.actor_partner_radio)
        actor_row = QHBoxLayout()
        actor_row.addWidget(self.actor_label)
        actor_row.addWidget(self.actor_spip_radio)
        actor_row.addWidget(self.actor_partner_radio)
        actor_row.addStretch(1)
        group = QGroupBox("Suivi")
        layout = QVBoxLayout(group)
        self.change_label = QLabel("Nouveau statut :")
        layout.addWidget(self.change_label)
        layout.addWidget(self.choices_box)
        layout.addWidget(self.status_hint)
        layout.addWidget(self.errors["status"])
        layout.addWidget(self.note_label)
        layout.addWidget(self.note_edit)
        layout.addWidget(self.errors["update_note"])
        layout.addLayout(actor_row)
        self.status_group.buttonToggled.connect(self._on_status_toggled)
        self.note_edit.textChanged.connect(lambda: self._touch("update_note"))
        return group

    def _build_outcome_group(self) -> QGroupBox:
        """The decision's date and, for a right obtained, when it lapses."""
        self.outcome_edit = DateField()
        self.outcome_edit.setAccessibleName("Date de la décision")
        self.expiry_edit = DateField()
        self.expiry_edit.setAccessibleName("Échéance du droit")
        self.expiry_hint = hint_label()
        self.outcome_hint = hint_label()
        group = QGroupBox("Décision")
        form = self._form(group)
        self.outcome_box = self._add_row(
            form, "outcome_on", "Date de la décision", self.outcome_edit
        )
        self._outcome_form = form
        expiry_box = QWidget()
        expiry_layout = QVBoxLayout(expiry_box)
        expiry_layout.setContentsMargins(0, 0, 0, 0)
        expiry_layout.setSpacing(2)
        inner, self.errors["expires_on"] = field_with_error(self.expiry_edit)
        expiry_layout.addWidget(inner)
        expiry_layout.addWidget(self.expiry_hint)
        form.addRow("Échéance du droit", expiry_box)
        form.addRow(self.outcome_hint)
        self.outcome_edit.changed.connect(self._on_outcome_changed)
        self.expiry_edit.changed.connect(self._on_expiry_changed)
        return group

    def _build_history_group(self) -> QGroupBox:
        self.history_view = HistoryView()
        group = QGroupBox("Historique")
        layout = QVBoxLayout(group)
        layout.addWidget(self.history_view)
        return group

    # -- construction helpers ------------------------------------------------------------------
    @staticmethod
    def _new_draft(user: User) -> StepDraft:
        return StepDraft(kind=StepKind.FRANCE_TRAVAIL, agent_id=user.agent_id, opened_on=None)

    @staticmethod
    def _form(group: QGroupBox) -> QFormLayout:
        form = QFormLayout(group)
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        form.setLabelAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        form.setHorizontalSpacing(12)
        form.setVerticalSpacing(8)
        return form

    def _add_row(self, form: QFormLayout, name: str, label: str, field: QWidget) -> QWidget:
        box, self.errors[name] = field_with_error(field)
        form.addRow(label, box)
        return box

    def _fill_kinds(self, current: StepKind) -> None:
        """The catalogue by domain; *Pôle emploi* only for a step recorded under that name."""
        combo = self.kind_combo
        bold = QFont()
        bold.setBold(True)
        model = combo.model()
        offered = set(StepKind.choices()) | {current}
        for domain in RightsDomain:
            items = [i for i in CATALOGUE if i.domain is domain and i.kind in offered]
            if not items:
                continue
            combo.addItem(domain.label.upper(), None)
            heading = combo.count() - 1
            combo.setItemData(heading, bold, Qt.ItemDataRole.FontRole)
            combo.setItemData(heading, QBrush(HEADING_TEXT), Qt.ItemDataRole.ForegroundRole)
            if isinstance(model, QStandardItemModel) and (item := model.item(heading)):
                item.setEnabled(False)  # a heading, not a choice
            for catalogue in items:
                combo.addItem(catalogue.kind.label, catalogue.kind.value)
                combo.setItemData(
                    combo.count() - 1,
                    f"{catalogue.kind.label} — {catalogue.body}",
                    Qt.ItemDataRole.ToolTipRole,
                )

    # -- draft <-> widgets ---------------------------------------------------------------------
    def set_draft(self, draft: StepDraft) -> None:
        self._loading = True
        try:
            self.kind_combo.setCurrentIndex(max(self.kind_combo.findData(draft.kind.value), 0))
            self.other_edit.setText(draft.other_label)
            self.opened_edit.set_value(draft.opened_on or self.today)
            self.follow_up_edit.set_value(draft.follow_up_on)
            self.partner_combo.setCurrentIndex(
                max(self.partner_combo.findData(draft.partner_id), 0)
            )
            (
                self.partner_radio if draft.handled_by is Actor.PARTNER else self.spip_radio
            ).setChecked(True)
            self.agent_combo.setCurrentIndex(max(self.agent_combo.findData(draft.agent_id), 0))
            self._fill_contacts()
            self.contact_combo.setEditText(draft.partner_contact)
            self._fill_documents(draft.kind, draft.documents)
            self.outcome_edit.set_value(draft.outcome_on)
            self.expiry_edit.set_value(draft.expires_on)
            self.notes_edit.setPlainText(draft.notes)
        finally:
            self._loading = False
        self._touched = set() if self.step is None else set(self.errors)
        self._update_kind()
        self._validate()

    def draft(self) -> StepDraft:
        """What the form holds now (an unreadable date counts as empty)."""
        kind = self.selected_kind()
        status = self.resulting_status()
        outcome = self.outcome_edit.safe_value() if status in OUTCOME_LABELS else None
        expiry = self.expiry_edit.safe_value() if status is StepStatus.OBTAINED else None
        return StepDraft(
            kind=kind,
            other_label=self.other_edit.text() if kind is StepKind.OTHER else "",
            partner_id=self.partner_combo.currentData(),
            handled_by=Actor.PARTNER if self.partner_radio.isChecked() else Actor.SPIP,
            agent_id=self.agent_combo.currentData(),
            partner_contact=self.contact_combo.currentText(),
            opened_on=self.opened_edit.safe_value(),
            follow_up_on=self.follow_up_edit.safe_value(),
            documents=self.documents(),
            outcome_on=outcome,
            expires_on=expiry,
            notes=self.notes_edit.toPlainText(),
        )

    def selected_kind(self) -> StepKind:
        return enum_data(self.kind_combo, StepKind) or self._initial.kind

    def documents(self) -> tuple[str, ...]:
        """The documents ticked, catalogue ones first, in the list's order."""
        checked = []
        for row in range(self.documents_list.count()):
            item = self.documents_list.item(row)
            if item is not None and item.checkState() == Qt.CheckState.Checked:
                checked.append(item.text().strip())
        return tuple(d for d in checked if d)

    def chosen_status(self) -> StepStatus | None:
        """The new status picked in the status area (``None``: it stays)."""
        for status, button in self.status_buttons.items():
            if button.isChecked():
                return status
        return None

    def resulting_status(self) -> StepStatus:
        """The status the step will have once saved."""
        chosen = self.chosen_status()
        if chosen is not None:
            return chosen
        return self.step.status if self.step is not None else StepStatus.TO_START

    def note(self) -> str:
        return self.note_edit.toPlainText()

    def actor(self) -> Actor:
        return Actor.PARTNER if self.actor_partner_radio.isChecked() else Actor.SPIP

    def is_modified(self) -> bool:
        return (
            self._differs(self._initial)
            or bool(self.note().strip())
            or self.chosen_status() is not None
        )

    def _differs(self, saved: StepDraft) -> bool:
        """Does the form hold something else than ``saved``? (the documents' order aside,
        and the decision dates of a status that has none)."""
        if saved.opened_on is None:
            saved = replace(saved, opened_on=self.today)
        if self.resulting_status() not in OUTCOME_LABELS:
            saved = replace(saved, outcome_on=None, expires_on=None)
        draft = self.draft()
        if sorted(draft.documents) == sorted(saved.documents):
            draft = replace(draft, documents=saved.documents)
        return draft != saved

    # -- the step's state (status area, heading, history) --------------------------------------
    def _show_step(self, step: Step | None) -> None:
        """Heading, status choices and history of ``step`` as saved (the form is left alone)."""
        self.step = step
        status = step.status if step is not None else StepStatus.TO_START
        self.pill.set_status(status)
        if step is None:
            self.meta_label.setText("La démarche s'ouvre « à engager ».")
        else:
            since = f"{format_date(step.status_at.date())}"
            self.meta_label.setText(
                f"Ouverte par {step.created_by or '—'} · « {status.label} » depuis le {since} · "
                f"{plural(len(step.history), 'mise à jour', 'mises à jour')}"
            )
        self._fill_choices(step)
        self._update_outcome()
        self.history_view.set_history(step.history if step is not None else ())
        if step is None:
            self.note_label.setText("Note d'ouverture (facultative) :")
            self.note_edit.setPlaceholderText("ex. Demande faite en entretien, pas de couverture")
        else:
            self.note_label.setText("Note pour l'historique (facultative) :")
            self.note_edit.setPlaceholderText(
                "ex. Appel à la CPAM : dossier en cours d'instruction"
            )
        handled = (step.draft if step is not None else self._initial).handled_by
        (
            self.actor_partner_radio if handled is Actor.PARTNER else self.actor_spip_radio
        ).setChecked(True)
        self._update_title()
        self._validate()

    def _fill_choices(self, step: Step | None) -> None:
        chosen = self.chosen_status()
        for button in self.status_buttons.values():
            self.status_group.removeButton(button)
            self.choices_layout.removeWidget(button)
            button.deleteLater()
        self.status_buttons = {}
        current = step.status if step is not None else StepStatus.TO_START
        allowed = current.allowed if step is not None else ()
        self.keep_button.setAccessibleName(f"Garder le statut « {current.label} »")
        self.keep_button.setToolTip(f"La démarche reste « {current.label} »")
        self.keep_button.setChecked(True)
        self.choices_layout.addWidget(self.keep_button, 0, 0)
        for index, status in enumerate(allowed, start=1):
            button = QPushButton(status.label)
            button.setObjectName("statusChoice")
            button.setProperty("status", status.value)
            button.setCheckable(True)
            button.setAutoDefault(False)
            button.setStyleSheet(choice_style(status))
            button.setAccessibleName(f"Passer à « {status.label} »")
            self.status_group.addButton(button)
            row, column = divmod(index, CHOICE_COLUMNS)
            self.choices_layout.addWidget(button, row, column)
            self.status_buttons[status] = button
        if chosen in self.status_buttons:
            self.status_buttons[chosen].setChecked(True)
        self._mark_choice()
        self.change_label.setVisible(bool(allowed))
        self.choices_box.setVisible(bool(allowed))
        if step is None:
            self.status_hint.setText(
                "Une nouvelle démarche est « à engager » ; son statut avancera ensuite "
                "selon l'avancement du dossier."
            )
        elif not allowed:
            self.status_hint.setText(CLOSED_NOTE)
        elif current is StepStatus.REFUSED:
            self.status_hint.setText("La démarche est refusée : un recours reste possible.")
        else:
            self.status_hint.setText("")
        self.status_hint.setVisible(bool(self.status_hint.text()))

    def _mark_choice(self) -> None:
        """A tick on the chosen button: the choice reads without relying on colour."""
        self.keep_button.setText(("✓ " if self.keep_button.isChecked() else "") + "Sans changement")
        for status, button in self.status_buttons.items():
            button.setText(("✓ " if button.isChecked() else "") + status.label)

    def _update_title(self) -> None:
        self.title_label.setText(
            self.draft().title if self.step is not None else "Nouvelle démarche"
        )

    # -- reactions -----------------------------------------------------------------------------
    def _on_kind_changed(self, *_args: object) -> None:
        if self._loading:
            return
        self._fill_documents(self.selected_kind(), self.documents())
        self._update_kind()
        self._propose_expiry()
        self._touch("kind", "other_label")
        if self.selected_kind() is StepKind.OTHER:
            self.other_edit.setFocus()

    def _update_kind(self) -> None:
        kind = self.selected_kind()
        item = catalogue_item(kind)
        parts = [f"Organisme habituel : {item.body}"]
        if item.validity_months:
            parts.append(f"droit valable {item.validity_months} mois en général")
        self.kind_hint.setText(" · ".join(parts))
        self._step_form.setRowVisible(self.other_box, kind is StepKind.OTHER)
        self._update_outcome()

    def _fill_documents(self, kind: StepKind, ticked: Sequence[str]) -> None:
        """The kind's usual documents as check boxes, then the other ones received."""
        loading, self._loading = self._loading, True
        try:
            self.documents_list.clear()
            usual = catalogue_item(kind).documents
            chosen = {d.strip() for d in ticked}
            for document in usual:
                self._add_document_item(document, document in chosen, usual=True)
            for document in ticked:
                if document.strip() and document.strip() not in usual:
                    self._add_document_item(document.strip(), True, usual=False)
        finally:
            self._loading = loading
        self._update_documents_hint()

    def _update_documents_hint(self) -> None:
        if self.read_only:
            self.documents_hint.setText("")
        elif self.documents_list.count():
            self.documents_hint.setText(
                "Cochez les pièces au fur et à mesure qu'elles arrivent (Espace)."
            )
        else:
            self.documents_hint.setText(
                "Pas de pièce habituelle pour cette démarche : ajoutez celles reçues."
            )
        self.documents_hint.setVisible(bool(self.documents_hint.text()))
        count = self.documents_list.count()
        self.documents_list.setVisible(count > 0)
        rows = min(max(count, 3), 7)
        row_height = max(self.documents_list.sizeHintForRow(0), 20) if count else 20
        self.documents_list.setFixedHeight(rows * row_height + 8)

    def _add_document_item(self, text: str, checked: bool, usual: bool) -> QListWidgetItem:
        item = QListWidgetItem(text)
        item.setFlags(
            Qt.ItemFlag.ItemIsEnabled
            | Qt.ItemFlag.ItemIsSelectable
            | Qt.ItemFlag.ItemIsUserCheckable
        )
        item.setCheckState(Qt.CheckState.Checked if checked else Qt.CheckState.Unchecked)
        item.setData(Qt.ItemDataRole.UserRole, "catalogue" if usual else OTHER_DOCUMENT)
        if not usual:
            item.setToolTip("Autre pièce, ajoutée à la main")
        self.documents_list.addItem(item)
        return item

    def add_other_document(self) -> None:
        """The typed line joins the list, ticked (a blank or repeated line is ignored)."""
        text = " ".join(self.other_document_edit.text().split())
        if not text:
            return
        existing = {
            item.text().casefold(): item
            for row in range(self.documents_list.count())
            if (item := self.documents_list.item(row)) is not None
        }
        found = existing.get(text.casefold())
        if found is None:
            found = self._add_document_item(text, True, usual=False)
        else:
            found.setCheckState(Qt.CheckState.Checked)
        self.documents_list.scrollToItem(found)
        self.other_document_edit.clear()
        self._update_documents_hint()
        self._touch("documents")

    def _set_follow_up(self, days: int | None) -> None:
        self.follow_up_edit.set_value(
            add_months(self.today, 1) if days is None else self.today + timedelta(days=days)
        )

    def _on_partner_changed(self, *_args: object) -> None:
        if self._loading:
            return
        text = self.contact_combo.currentText()
        self._fill_contacts()
        self.contact_combo.setEditText(text)
        self._touch("partner_id")

    def _fill_contacts(self) -> None:
        loading, self._loading = self._loading, True
        try:
            text = self.contact_combo.currentText()
            self.contact_combo.clear()
            partner = self._partners.get(self.partner_combo.currentData())
            for contact in partner.draft.contacts if partner else ():
                label = contact.name
                if contact.role:
                    label += f" ({contact.role})"
                if contact.phone:
                    label += f" — {contact.phone}"
                self.contact_combo.addItem(label)
            self.contact_combo.setEditText(text)
        finally:
            self._loading = loading

    def _on_handled_toggled(self, *_args: object) -> None:
        if self._loading:
            return
        if self.step is None:
            # A new step: who carries it is who acts first.
            partner = self.partner_radio.isChecked()
            (self.actor_partner_radio if partner else self.actor_spip_radio).setChecked(True)
        self._touch("partner_id", "agent_id")

    def _on_status_toggled(self, *_args: object) -> None:
        self._mark_choice()
        if self._loading:
            return
        self._update_outcome()
        self._propose_expiry()
        self._touch("status", "outcome_on", "expires_on")
        chosen = self.chosen_status()
        if chosen in OUTCOME_LABELS and self.outcome_edit.safe_value() is None:
            self.outcome_edit.setFocus()

    def _update_outcome(self) -> None:
        """The decision fields apply to a step obtained or refused (or becoming so)."""
        status = self.resulting_status()
        applies = status in OUTCOME_LABELS
        label = self._outcome_form.labelForField(self.outcome_box)
        if isinstance(label, QLabel):
            label.setText(
                OUTCOME_LABELS.get(status, "Date de la décision") + (" *" if applies else "")
            )
        for field in (self.outcome_edit, self.expiry_edit):
            field.setEnabled(applies and not self.read_only)
        self.expiry_edit.setEnabled(status is StepStatus.OBTAINED and not self.read_only)
        months = catalogue_item(self.selected_kind()).validity_months
        if status is StepStatus.OBTAINED and months:
            self.expiry_hint.setText(f"Validité habituelle : {months} mois après l'obtention.")
        elif status is StepStatus.OBTAINED:
            self.expiry_hint.setText("À remplir si le droit doit être renouvelé.")
        else:
            self.expiry_hint.setText("")
        self.expiry_hint.setVisible(bool(self.expiry_hint.text()))
        self.outcome_hint.setText(
            "" if applies else "Se remplit quand la démarche aboutit (« Obtenu » ou « Refusé »)."
        )
        self.outcome_hint.setVisible(not applies and not self.read_only)

    def _on_outcome_changed(self) -> None:
        if self._loading:
            return
        self._propose_expiry()
        self._touch("outcome_on", "expires_on")

    def _on_expiry_changed(self) -> None:
        if self._loading:
            return
        if self.expiry_edit.safe_value() != self._auto_expiry:
            self._auto_expiry = None  # the user's own date: never replaced
        self._touch("expires_on")

    def _propose_expiry(self) -> None:
        """The catalogue's usual validity from the outcome date, unless the user typed one."""
        if self.resulting_status() is not StepStatus.OBTAINED:
            return
        current = self.expiry_edit.safe_value()
        if self.expiry_edit.text().strip() and current != self._auto_expiry:
            return
        proposed = suggested_expiry(self.selected_kind(), self.outcome_edit.safe_value())
        loading, self._loading = self._loading, True
        try:
            self.expiry_edit.set_value(proposed)
        finally:
            self._loading = loading
        self._auto_expiry = proposed

    # -- validation ----------------------------------------------------------------------------
    def _touch(self, *names: str) -> None:
        if self._loading:
            return
        self._touched.update(names)
        self._update_title()
        self._validate()

    def validation(self) -> ValidationResult:
        """The domain's verdict, plus the dates the fields could not read."""
        result = validate_step(self.draft(), self.today, self.resulting_status())
        for name, field in (
            ("opened_on", self.opened_edit),
            ("follow_up_on", self.follow_up_edit),
            ("outcome_on", self.outcome_edit),
            ("expires_on", self.expiry_edit),
        ):
            problem = field.error()
            if problem and field.isEnabled():
                result.errors[name] = problem
        note = validate_note(self.note())
        result.errors.update(note.errors)
        return result

    def _validate(self) -> ValidationResult:
        if self._loading:
            return ValidationResult()
        result = self.validation()
        shown = self._touched | set(self.errors) if self._attempted else self._touched
        show_validation(result, self.errors, self._error_widgets(), shown, self.warning_label)
        grow_to_fit(self)
        return result

    def _error_widgets(self) -> dict[str, QWidget]:
        """The widget to flag and focus for each field, in the form's order."""
        return {
            "kind": self.kind_combo,
            "other_label": self.other_edit,
            "opened_on": self.opened_edit,
            "follow_up_on": self.follow_up_edit,
            "partner_id": self.partner_combo,
            "agent_id": self.agent_combo,
            "partner_contact": self.contact_combo,
            "outcome_on": self.outcome_edit,
            "expires_on": self.expiry_edit,
            "notes": self.notes_edit,
            "status": self.keep_button,
            "update_note": self.note_edit,
            "documents": self.documents_list,
        }

    def _focus_first_error(self, result: ValidationResult) -> None:
        for name, widget in self._error_widgets().items():
            if name in result.errors:
                widget.setFocus()
                return

    # -- saving --------------------------------------------------------------------------------
    def save(self) -> None:
        """Check, then save through the runner; the dialog closes once saved."""
        if self.read_only or self._busy:
            return
        self._attempted = True
        result = self._validate()
        if not result.ok:
            self._focus_first_error(result)
            return
        work = self._work()
        if work is None:
            super().accept()  # nothing changed: nothing to save
            return
        self._set_busy(True)
        self.message_label.hide()
        self.runner.run(work, self._on_saved, self._on_save_failed)

    def _work(self) -> Callable[[], Step] | None:
        """The one service call that records what the dialog holds."""
        rights, draft, note, actor = self.rights, self.draft(), self.note(), self.actor()
        step = self.step
        if step is None:
            person_id = self.person_id
            return lambda: rights.open_step(person_id, draft, note)
        changed = self._differs(step.draft)
        chosen = self.chosen_status()
        step_id, version = step.id, step.version
        if chosen is not None or note.strip():
            status = chosen or step.status
            return lambda: rights.change_status(
                step_id, version, status, note, actor, draft if changed else None
            )
        if changed:
            return lambda: rights.update_step(step_id, version, draft)
        return None

    def _set_busy(self, busy: bool) -> None:
        self._busy = busy
        self.save_button.setEnabled(not busy)
        self.save_button.setText("Enregistrement…" if busy else "Enregistrer")

    def _on_saved(self, step: Step) -> None:
        self._set_busy(False)
        self.saved = step
        super().accept()

    def _on_save_failed(self, error: BaseException) -> None:
        self._set_busy(False)
        if not isinstance(error, SpipError):
            raise error
        if isinstance(error, InvalidInput):
            self._attempted = True
            result = self.validation()
            result.errors.update(error.result.errors)
            shown = set(self.errors) | set(error.result.errors)
            show_validation(result, self.errors, self._error_widgets(), shown, self.warning_label)
            unplaced = [m for f, m in error.result.errors.items() if f not in self.errors]
            self._show_message("\n".join(unplaced) if unplaced else "", "saveMessage")
            self._focus_first_error(error.result)
            return
        if isinstance(error, EditConflict) and self.step is not None:
            if isinstance(error.current, Step) and error.current.id == self.step.id:
                self._rebase(error.current, error)
                return
            # The conflict does not carry the step: read it as saved now.
            rights, step_id = self.rights, self.step.id
            self._set_busy(True)
            self.runner.run(
                lambda: rights.get_step(step_id),
                lambda current: self._on_reread(current, error),
                self._on_reread_failed,
            )
            return
        self._show_message(error.message, "saveMessage")

    def _on_reread(self, current: Step, conflict: EditConflict) -> None:
        self._set_busy(False)
        self._rebase(current, conflict)

    def _on_reread_failed(self, error: BaseException) -> None:
        self._set_busy(False)
        if not isinstance(error, SpipError):
            raise error
        self._show_message(error.message, "saveMessage")

    def _same(self, name: str, a: object, b: object) -> bool:
        """Whether two values of a field are the same for the form (the documents'
        order aside, no opening date meaning today)."""
        if name == "documents" and isinstance(a, tuple) and isinstance(b, tuple):
            return sorted(a) == sorted(b)
        if name == "opened_on":
            return (a or self.today) == (b or self.today)
        return a == b

    def _rebase(self, current: Step, conflict: EditConflict) -> None:
        """The step was saved meanwhile: show it as saved now, with the user's changes
        (from the version the dialog was opened with) on top; the fields the user left
        alone take the saved values. The saved version becomes the baseline, so that the
        next save sends the user's changes only."""
        before = self.step
        mine, actor = self.draft(), self.actor()
        extra = []
        if before is not None and current.status is not before.status:
            extra.append("Statut")
        elif before is not None and len(current.history) != len(before.history):
            extra.append("Historique")
        merged, refusal = RebasedConflict.of(
            conflict, self._initial, mine, current.draft, FIELD_LABELS, self._same, extra
        )
        self._show_step(current)
        self._initial = current.draft
        self.set_draft(merged)
        if before is not None and actor is not before.draft.handled_by:
            # Who acts was chosen by the user: kept (else it follows the step as saved).
            chosen = self.actor_partner_radio if actor is Actor.PARTNER else self.actor_spip_radio
            chosen.setChecked(True)
        self._show_message(refusal.message, "conflictMessage")

    def _show_message(self, text: str, kind: str) -> None:
        self.message_label.setObjectName(kind)
        self.message_label.style().unpolish(self.message_label)
        self.message_label.style().polish(self.message_label)
        self.message_label.setText(text)
        self.message_label.setVisible(bool(text))
        grow_to_fit(self)

    def accept(self) -> None:
        """Enter anywhere saves (the dialog closes once the service answered)."""
        self.save()

    def reject(self) -> None:
        """Escape or *Annuler*: ask before dropping what was typed."""
        if (
            not self.read_only
            and not self._busy
            and self.is_modified()
            and not self.prompter.confirm(
                "Abandonner la saisie ?",
                "Les informations saisies pour cette démarche seront perdues.",
                yes="Abandonner la saisie",
                no="Continuer la saisie",
            )
        ):
            return
        super().reject()

    def _make_read_only(self) -> None:
        for widget in (
            self.kind_combo,
            self.other_edit,
            self.opened_edit,
            self.follow_up_edit,
            self.partner_combo,
            self.spip_radio,
            self.partner_radio,
            self.agent_combo,
            self.contact_combo,
            self.outcome_edit,
            self.expiry_edit,
            self.documents_list,
        ):
            widget.setEnabled(False)
        self.notes_edit.setReadOnly(True)
        self.notes_edit.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        hidden: tuple[QWidget, ...] = (
            self.choices_box,
            self.change_label,
            self.note_label,
            self.note_edit,
            self.actor_label,
            self.actor_spip_radio,
            self.actor_partner_radio,
            self.other_document_edit,
            self.add_document_button,
            self.outcome_hint,
            *self.quick_buttons,
        )
        for shown in hidden:
            shown.hide()
        self._update_documents_hint()
        self.status_hint.setText(
            "Lecture seule : votre rôle ne vous permet pas de suivre cette démarche."
        )
        self.status_hint.show()
        self.save_button.hide()
        self.cancel_button.setFocus()

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        grow_to_fit(self)

    # -- the seam tests patch ------------------------------------------------------------------
    @classmethod
    def ask(
        cls,
        rights: RightsActions,
        runner: TaskRunner,
        prompter: Prompter,
        person_id: int,
        person_name: str,
        step: Step | None,
        partners: Sequence[Partner],
        agents: Sequence[Agent],
        user: User,
        today: date,
        read_only: bool = False,
        parent: QWidget | None = None,
    ) -> Step | None:
        """Show the dialog; the step as saved, or ``None`` when nothing was saved."""
        dialog = cls(
            rights,
            runner,
            prompter,
            person_id,
            person_name,
            step,
            partners,
            agents,
            user,
            today,
            read_only,
            parent,
        )
        try:
            dialog.exec()
            return dialog.saved
        finally:
            dialog.deleteLater()
