"""How audit entries read in French: field names, values, and the entry table model.

Shared by a file's *Historique* tab and the administrator's audit browser.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime
from typing import Any

from PySide6.QtWidgets import QLabel, QTableView, QVBoxLayout, QWidget

from ..domain.audit import AuditEntry, FieldChange
from ..domain.dates import format_date
from ..domain.enums import (
    AgentRole,
    ClosureReason,
    EstablishmentKind,
    LabelledEnum,
    MeasureType,
    Regime,
    Sex,
)
from ..domain.labels import FIELD_NAMES
from ..domain.model import ReferenceData
from ..domain.security import Role
from .record_model import Column, RecordTableModel, configure_table

_ENUMS: dict[str, type[LabelledEnum]] = {
    "sex": Sex,
    "regime": Regime,
    "closure_reason": ClosureReason,
    "measure_type": MeasureType,
    "kind": EstablishmentKind,
    "role": AgentRole,
}


def field_name(field: str) -> str:
    return FIELD_NAMES.get(field, field.replace("_", " ").capitalize())


def value_text(field: str, value: Any, reference: ReferenceData | None = None) -> str:
    """A stored value as the officer would have typed or chosen it."""
    if value is None or value == "" or value == []:
        return "—"
    if isinstance(value, bool):
        return "Oui" if value else "Non"
    if field in _ENUMS:
        member = _ENUMS[field]._value2member_map_.get(str(value))
        return member.label if isinstance(member, LabelledEnum) else str(value)
    if field == "roles" and isinstance(value, list):
        labels = {role.value: role.label for role in Role}
        return ", ".join(labels.get(str(v), str(v)) for v in value)
    if isinstance(value, list):
        return " ; ".join(str(v) for v in value)
    if isinstance(value, str) and len(value) == 10 and value[4] == "-" and value[7] == "-":
        try:
            return format_date(date.fromisoformat(value))
        except ValueError:
            return value
    if reference is not None and isinstance(value, int):
        named = _referenced_name(field, value, reference)
        if named:
            return named
    return str(value)


def _referenced_name(field: str, value: int, reference: ReferenceData) -> str:
    if field in ("referent_id", "agent_id"):
        agent = reference.agent(value)
        return agent.display_name if agent else ""
    if field == "antenne_id":
        antenne = reference.antenne(value)
        return antenne.name if antenne else ""
    if field == "establishment_id":
        establishment = reference.establishment(value)
        return establishment.name if establishment else ""
    return ""


def change_text(change: FieldChange, reference: ReferenceData | None = None) -> str:
    old = value_text(change.field, change.old, reference)
    new = value_text(change.field, change.new, reference)
    return f"{field_name(change.field)} : {old} → {new}"


def local_time(at: datetime) -> str:
    """A stored UTC time, shown in the workstation's time zone."""
    return at.replace(tzinfo=UTC).astimezone().strftime("%d/%m/%Y %H:%M")


def entry_columns(
    reference: Callable[[], ReferenceData | None], with_values: bool = True
) -> list[Column[AuditEntry]]:
    """Columns of an audit table; ``with_values=False`` lists changed fields only."""

    def changes(entry: AuditEntry) -> str:
        if not with_values:
            return ", ".join(field_name(c.field) for c in entry.changes)
        ref = reference()
        return "\n".join(change_text(c, ref) for c in entry.changes)

    return [
        Column("Date et heure", lambda e: local_time(e.at)),
        Column("Agent", lambda e: e.actor_name),
        Column("Action", lambda e: e.action.label),
        Column("Objet", lambda e: e.object_label),
        Column("Détail", lambda e: e.summary),
        Column("Modifications", changes),
    ]


class HistoryPanel(QWidget):
    """A file's own history: who opened or changed it, when, and what changed."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.reference: ReferenceData | None = None
        self.model: RecordTableModel[AuditEntry] = RecordTableModel(
            entry_columns(lambda: self.reference), self
        )
        self.table = QTableView()
        self.table.setObjectName("historyTable")
        self.table.setModel(self.model)
        configure_table(self.table)
        self.table.setWordWrap(True)
        self.message_label = QLabel()
        self.message_label.setObjectName("emptyLabel")
        self.message_label.setWordWrap(True)
        intro = QLabel(
            "Chaque consultation et chaque modification de ce dossier, avec son auteur "
            "(journal d'audit infalsifiable)."
        )
        intro.setObjectName("pageIntro")
        intro.setWordWrap(True)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 8, 0, 0)
        layout.addWidget(intro)
        layout.addWidget(self.message_label)
        layout.addWidget(self.table, 1)
        self.message_label.hide()

    def clear(self) -> None:
        self.model.set_records(())

    def set_entries(self, entries: list[AuditEntry]) -> None:
        self.model.set_records(entries)
        self.table.resizeRowsToContents()
        self.message_label.setVisible(not entries)
        self.message_label.setText("Aucune entrée pour ce dossier.")

    def show_message(self, message: str) -> None:
        self.clear()
        self.message_label.setText(message)
        self.message_label.show()

    def select_entry(self, entry_id: int) -> bool:
        """Select (and scroll to) the entry with this id, when it is listed."""
        for row in range(self.model.rowCount()):
            entry = self.model.record_at(row)
            if entry is not None and entry.id == entry_id:
                self.table.selectRow(row)
                self.table.scrollTo(self.model.index(row, 0))
                return True
        return False
