"""The service's settings: its identity (letterhead), who reads what, lock and retention.

The direction sets the service's identity and access rule; the administrator
sets the lock delay and the retention periods. Each sees the other's settings
read-only.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace

from PySide6.QtWidgets import (
    QCheckBox,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from ..domain.errors import InvalidInput, SpipError
from ..domain.security import LOCK_MINUTES_RANGE
from ..domain.service_settings import (
    AUDIT_RETENTION_YEARS_RANGE,
    RETENTION_YEARS_RANGE,
    ServiceSettings,
)
from .backend import SettingsActions
from .tasks import TaskRunner
from .widgets import ErrorLabel


def _spin(low: int, high: int, suffix: str) -> QSpinBox:
    spin = QSpinBox()
    spin.setRange(low, high)
    spin.setSuffix(suffix)
    spin.setMaximumWidth(120)
    return spin


class SettingsPage(QWidget):
    def __init__(
        self,
        settings: SettingsActions,
        runner: TaskRunner,
        service_editable: bool,
        security_editable: bool,
        on_saved: Callable[[ServiceSettings], None],
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.settings_actions = settings
        self.runner = runner
        self.on_saved = on_saved
        self.current = ServiceSettings()
        title = QLabel("Paramètres du service")
        title.setObjectName("pageTitle")
        self.name_edit = QLineEdit()
        self.code_edit = QLineEdit()
        self.address_edit = QLineEdit()
        self.city_edit = QLineEdit()
        self.wide_read_check = QCheckBox(
            "Les CPIP peuvent consulter l'identité et les dates clés des personnes suivies "
            "par leurs collègues (lecture seule)"
        )
        service = QGroupBox("Le service (en-tête des documents)")
        form = QFormLayout(service)
        form.addRow("Nom du service", self.name_edit)
        form.addRow("Code", self.code_edit)
        form.addRow("Adresse", self.address_edit)
        form.addRow("Commune", self.city_edit)
        form.addRow(self.wide_read_check)
        self.lock_spin = _spin(*LOCK_MINUTES_RANGE, " min")
        self.retention_spin = _spin(*RETENTION_YEARS_RANGE, " ans")
        self.audit_spin = _spin(*AUDIT_RETENTION_YEARS_RANGE, " ans")
        security = QGroupBox("Sécurité et conservation")
        security_form = QFormLayout(security)
        security_form.addRow("Verrouillage après inactivité", self.lock_spin)
        security_form.addRow(
            "Conservation des dossiers après la dernière mesure", self.retention_spin
        )
        security_form.addRow("Conservation du journal d'audit", self.audit_spin)
        for widget in (self.name_edit, self.code_edit, self.address_edit, self.city_edit):
            widget.setEnabled(service_editable)
        self.wide_read_check.setEnabled(service_editable)
        for spin in (self.lock_spin, self.retention_spin, self.audit_spin):
            spin.setEnabled(security_editable)
        self.error_label = ErrorLabel()
        self.status_label = QLabel()
        self.status_label.setObjectName("statusLabel")
        self.save_button = QPushButton("Enregistrer les paramètres")
        self.save_button.setObjectName("primaryButton")
        self.save_button.clicked.connect(self.save)
        row = QHBoxLayout()
        row.addWidget(self.save_button)
        row.addWidget(self.status_label, 1)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(24, 20, 24, 16)
        layout.addWidget(title)
        layout.addWidget(service)
        layout.addWidget(security)
        layout.addWidget(self.error_label)
        layout.addLayout(row)
        layout.addStretch(1)
        self.runner.run(self.settings_actions.load, self.show_settings, self._on_failed)

    def show_settings(self, settings: ServiceSettings) -> None:
        self.current = settings
        self.name_edit.setText(settings.service_name)
        self.code_edit.setText(settings.service_code)
        self.address_edit.setText(settings.address)
        self.city_edit.setText(settings.city)
        self.wide_read_check.setChecked(settings.cpip_service_wide_read)
        self.lock_spin.setValue(settings.lock_minutes)
        self.retention_spin.setValue(settings.retention_years)
        self.audit_spin.setValue(settings.audit_retention_years)

    def edited(self) -> ServiceSettings:
        return replace(
            self.current,
            service_name=self.name_edit.text().strip(),
            service_code=self.code_edit.text().strip(),
            address=self.address_edit.text().strip(),
            city=self.city_edit.text().strip(),
            cpip_service_wide_read=self.wide_read_check.isChecked(),
            lock_minutes=self.lock_spin.value(),
            retention_years=self.retention_spin.value(),
            audit_retention_years=self.audit_spin.value(),
        )

    def save(self) -> None:
        edited = self.edited()
        self.error_label.show_message(None)
        self.runner.run(lambda: self.settings_actions.save(edited), self._on_saved, self._on_failed)

    def _on_saved(self, settings: ServiceSettings) -> None:
        self.show_settings(settings)
        self.status_label.setText("Paramètres enregistrés.")
        self.on_saved(settings)

    def _on_failed(self, error: BaseException) -> None:
        if not isinstance(error, SpipError):
            raise error
        text = error.result.summary() if isinstance(error, InvalidInput) else error.message
        self.error_label.show_message(text)
