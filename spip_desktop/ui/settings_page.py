"""The service's settings: its identity (letterhead), who reads what, lock and retention.

The direction sets the service's identity, the signature printed on attestations, the
logo and the access rule; the administrator sets the lock delay and the retention
periods. Each sees the other's settings read-only.
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

from PySide6.QtCore import QBuffer, QByteArray, QIODevice, QStandardPaths, Qt
from PySide6.QtGui import QImage, QImageReader, QPixmap
from PySide6.QtWidgets import (
    QCheckBox,
    QFormLayout,
    QFrame,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QScrollArea,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from ..domain.errors import InvalidInput, SpipError
from ..domain.security import LOCK_MINUTES_RANGE
from ..domain.service_settings import (
    AUDIT_RETENTION_YEARS_RANGE,
    LOGO_MAX_BASE64,
    RETENTION_YEARS_RANGE,
    ServiceSettings,
    missing_document_settings,
)
from .backend import SettingsActions
from .prompter import Prompter
from .tasks import TaskRunner
from .widgets import ErrorLabel

#: The largest logo kept, in pixels: a letterhead prints it a few centimetres wide.
LOGO_MAX_SIZE = (600, 300)
#: The preview box on the page, in pixels.
LOGO_PREVIEW_SIZE = (160, 90)
LOGO_PATTERN = "Images PNG ou JPEG (*.png *.jpg *.jpeg)"

NOT_AN_IMAGE = "Ce fichier n'est pas une image PNG ou JPEG lisible."
LOGO_TOO_HEAVY = (
    "Le logo est trop lourd, même réduit à 600 × 300 pixels : choisissez une image plus "
    "simple (moins de 500 Ko une fois enregistrée), par exemple un PNG aux couleurs unies."
)
NO_LOGO = "Aucun logo : l'en-tête est imprimé sans image"
CODE_HINT = "Utilisé dans les numéros d'attestation : SPIP-<code>-<année>-<numéro>"
MISSING_NOTICE = (
    "Les attestations utiliseront des valeurs par défaut tant que ces informations manquent : "
)

#: Local styles for what the application stylesheet has no rule for.
PAGE_STYLE = """
#fieldHint { color: #666666; font-size: 9pt; }
#subsectionTitle { color: #000091; font-weight: bold; font-size: 10.5pt; padding-top: 4px; }
#subsectionRule { color: #dddddd; }
#logoPreview { background: #ffffff; border: 1px solid #cecece; border-radius: 2px;
               color: #666666; font-size: 9pt; padding: 4px; }
#logoPreview[empty="true"] { background: #f6f6f6; border: 1px dashed #929292; }
#documentNotice { background: #fef7da; border-left: 4px solid #b34000; color: #716043;
                  padding: 8px 12px; }
QPlainTextEdit:disabled { background: #eeeeee; color: #929292; border-bottom-color: #cecece; }
QSpinBox:disabled { color: #929292; }
"""


def _spin(low: int, high: int, suffix: str) -> QSpinBox:
    spin = QSpinBox()
    spin.setRange(low, high)
    spin.setSuffix(suffix)
    spin.setMaximumWidth(120)
    spin.setMinimumHeight(30)
    return spin


def _hint(text: str) -> QLabel:
    """A small grey sentence under a field."""
    label = QLabel(text)
    label.setTextFormat(Qt.TextFormat.PlainText)
    label.setObjectName("fieldHint")
    label.setWordWrap(True)
    return label


def _subsection(text: str) -> QWidget:
    """A blue sub-heading with a thin rule, inside a group."""
    box = QWidget()
    layout = QHBoxLayout(box)
    layout.setContentsMargins(0, 6, 0, 2)
    layout.setSpacing(10)
    title = QLabel(text)
    title.setObjectName("subsectionTitle")
    title.setIndent(0)
    rule = QFrame()
    rule.setObjectName("subsectionRule")
    rule.setFrameShape(QFrame.Shape.HLine)
    rule.setFrameShadow(QFrame.Shadow.Plain)
    layout.addWidget(title)
    layout.addWidget(rule, 1)
    return box


def _line(max_length: int, placeholder: str = "") -> QLineEdit:
    edit = QLineEdit()
    edit.setMaxLength(max_length)
    edit.setPlaceholderText(placeholder)
    return edit


def _with_hint(field: QWidget, hint: QLabel) -> QWidget:
    box = QWidget()
    layout = QVBoxLayout(box)
    layout.setContentsMargins(0, 0, 0, 0)
    layout.setSpacing(3)
    layout.addWidget(field)
    layout.addWidget(hint)
    return box


class LogoRefused(Exception):
    """The chosen file cannot be the logo; the message is a French sentence."""


def logo_from_file(path: Path) -> str:
    """The image at ``path`` as the stored logo: a PNG, at most 600 × 300, base64-encoded.

    Raises :class:`LogoRefused` with a French sentence when the file is no readable PNG or
    JPEG image, or when the logo stays too heavy once reduced.
    """
    reader = QImageReader(str(path))
    reader.setDecideFormatFromContent(True)
    if bytes(reader.format().data()).lower() not in (b"png", b"jpeg", b"jpg"):
        raise LogoRefused(NOT_AN_IMAGE)
    image = reader.read()
    if image.isNull():
        raise LogoRefused(NOT_AN_IMAGE)
    width, height = LOGO_MAX_SIZE
    if image.width() > width or image.height() > height:
        image = image.scaled(
            width,
            height,
            Qt.AspectRatioMode.KeepAspectRatio,
            Qt.TransformationMode.SmoothTransformation,
        )
    if not image.hasAlphaChannel():
        image = image.convertToFormat(QImage.Format.Format_RGB888)  # 3 bytes a pixel, not 4
    data = QByteArray()
    buffer = QBuffer(data)
    buffer.open(QIODevice.OpenModeFlag.WriteOnly)
    # Quality 0: the strongest (lossless) compression. PySide wants a str here, not bytes.
    saved = image.save(buffer, "PNG", 0)  # type: ignore[call-overload]
    buffer.close()
    if not saved:
        raise LogoRefused(NOT_AN_IMAGE)
    encoded = base64.b64encode(bytes(data.data())).decode("ascii")
    if len(encoded) > LOGO_MAX_BASE64:
        raise LogoRefused(LOGO_TOO_HEAVY)
    return encoded


def logo_pixmap(logo_png: str) -> QPixmap | None:
    """The stored logo as a pixmap, or ``None`` when there is none or it does not decode."""
    if not logo_png:
        return None
    try:
        data = base64.b64decode(logo_png, validate=True)
    except (binascii.Error, ValueError):
        return None
    pixmap = QPixmap()
    return pixmap if pixmap.loadFromData(data, "PNG") else None


def _labels_on_first_line(form: QFormLayout) -> None:
    """Align each label with its field's first line (fields with hints are taller)."""
    for row in range(form.rowCount()):
        item = form.itemAt(row, QFormLayout.ItemRole.LabelRole)
        label = item.widget() if item is not None else None
        if isinstance(label, QLabel):
            label.setAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignTop)
            label.setContentsMargins(0, 6, 0, 0)


class SettingsPage(QWidget):
    def __init__(
        self,
        settings: SettingsActions,
        runner: TaskRunner,
        service_editable: bool,
        security_editable: bool,
        on_saved: Callable[[ServiceSettings], None],
        parent: QWidget | None = None,
        prompter: Prompter | None = None,
    ) -> None:
        super().__init__(parent)
        self.settings_actions = settings
        self.runner = runner
        self.on_saved = on_saved
        self.prompter = prompter or Prompter(self)
        self.service_editable = service_editable
        self.current = ServiceSettings()
        #: The logo being edited (base64 of a PNG; empty: none).
        self.logo_png = ""
        self.setStyleSheet(PAGE_STYLE)
        title = QLabel("Paramètres du service")
        title.setObjectName("pageTitle")

        # -- the service: identity, signature, logo ------------------------------------
        self.name_edit = _line(150)
        self.code_edit = _line(20, "ex. 33")
        self.code_edit.setMaximumWidth(160)
        self.code_hint = _hint(CODE_HINT)
        self.address_edit = QPlainTextEdit()
        self.address_edit.setAccessibleName("Adresse")
        self.address_edit.setPlaceholderText("Une ligne par ligne d'adresse")
        self.address_edit.setTabChangesFocus(True)
        self.address_edit.setLineWrapMode(QPlainTextEdit.LineWrapMode.NoWrap)
        # Three lines: the text, the document's margins, the stylesheet's padding and borders.
        margin = round(2 * self.address_edit.document().documentMargin())
        lines = 3 * self.address_edit.fontMetrics().lineSpacing()
        self.address_edit.setFixedHeight(lines + margin + 8 + 3 + 12)
        self.city_edit = _line(120)
        self.signatory_name_edit = _line(150, "Prénom NOM")
        self.signatory_role_edit = _line(150, "La directrice fonctionnelle du SPIP")
        self.signature_place_edit = _line(120, "la commune du service")

        identity = QFormLayout()
        identity.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        identity.setHorizontalSpacing(16)
        identity.setVerticalSpacing(8)
        identity.addRow(_subsection("Identité du service"))
        identity.addRow("Nom du service", self.name_edit)
        identity.addRow("Code du service", _with_hint(self.code_edit, self.code_hint))
        identity.addRow("Adresse", self.address_edit)
        identity.addRow("Commune", self.city_edit)
        identity.addRow(_subsection("Signature des attestations"))
        identity.addRow("Nom du signataire", self.signatory_name_edit)
        identity.addRow("Qualité du signataire", self.signatory_role_edit)
        identity.addRow(
            "Lieu de signature",
            _with_hint(
                self.signature_place_edit,
                _hint("Imprimé dans « Fait à …, le … » ; la commune du service si vide."),
            ),
        )
        _labels_on_first_line(identity)

        self.logo_preview = QLabel()
        self.logo_preview.setObjectName("logoPreview")
        self.logo_preview.setAccessibleName("Aperçu du logo")
        self.logo_preview.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.logo_preview.setWordWrap(True)
        self.logo_preview.setFixedSize(*LOGO_PREVIEW_SIZE)
        self.choose_logo_button = QPushButton("Choisir un logo…")
        self.choose_logo_button.clicked.connect(self.choose_logo)
        self.remove_logo_button = QPushButton("Retirer le logo")
        self.remove_logo_button.clicked.connect(self.remove_logo)
        logo_column = QVBoxLayout()
        logo_column.setSpacing(8)
        logo_column.addWidget(_subsection("Logo"))
        logo_column.addWidget(self.logo_preview)
        logo_column.addWidget(self.choose_logo_button)
        logo_column.addWidget(self.remove_logo_button)
        logo_hint = _hint("PNG ou JPEG ; réduit à 600 × 300 pixels au plus.")
        logo_hint.setFixedWidth(LOGO_PREVIEW_SIZE[0])
        logo_column.addWidget(logo_hint)
        logo_column.addStretch(1)

        self.document_notice = QLabel()
        self.document_notice.setObjectName("documentNotice")
        self.document_notice.setWordWrap(True)
        self.document_notice.hide()

        service = QGroupBox("Le service (en-tête des documents)")
        columns = QHBoxLayout()
        columns.setSpacing(28)
        columns.addLayout(identity, 1)
        columns.addLayout(logo_column)
        service_layout = QVBoxLayout(service)
        service_layout.setSpacing(10)
        service_layout.addLayout(columns)
        service_layout.addWidget(self.document_notice)

        # -- access ------------------------------------------------------------------
        self.wide_read_check = QCheckBox(
            "Les CPIP peuvent consulter l'identité et les dates clés des personnes suivies "
            "par leurs collègues (lecture seule)"
        )
        access = QGroupBox("Consultation des dossiers")
        QVBoxLayout(access).addWidget(self.wide_read_check)

        # -- security and retention --------------------------------------------------
        self.lock_spin = _spin(*LOCK_MINUTES_RANGE, " min")
        self.retention_spin = _spin(*RETENTION_YEARS_RANGE, " ans")
        self.audit_spin = _spin(*AUDIT_RETENTION_YEARS_RANGE, " ans")
        security = QGroupBox("Sécurité et conservation")
        security_form = QFormLayout(security)
        security_form.setHorizontalSpacing(16)
        security_form.addRow("Verrouillage après inactivité", self.lock_spin)
        security_form.addRow(
            "Conservation des dossiers après la dernière mesure", self.retention_spin
        )
        security_form.addRow("Conservation du journal d'audit", self.audit_spin)

        for widget in self._service_widgets():
            widget.setEnabled(service_editable)
        self.wide_read_check.setEnabled(service_editable)
        for spin in (self.lock_spin, self.retention_spin, self.audit_spin):
            spin.setEnabled(security_editable)
        for edit in (
            self.name_edit,
            self.code_edit,
            self.city_edit,
            self.signatory_name_edit,
            self.signatory_role_edit,
        ):
            edit.textChanged.connect(self._update_notice)
        self.address_edit.textChanged.connect(self._update_notice)

        self.error_label = ErrorLabel()
        self.status_label = QLabel()
        self.status_label.setObjectName("statusLabel")
        self.save_button = QPushButton("Enregistrer les paramètres")
        self.save_button.setObjectName("primaryButton")
        self.save_button.clicked.connect(self.save)
        footer = QHBoxLayout()
        footer.addWidget(self.save_button)
        footer.addWidget(self.status_label, 1)

        content = QWidget()
        content_layout = QVBoxLayout(content)
        content_layout.setContentsMargins(0, 0, 8, 0)
        content_layout.setSpacing(12)
        content_layout.addWidget(service)
        content_layout.addWidget(access)
        content_layout.addWidget(security)
        content_layout.addStretch(1)
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QFrame.Shape.NoFrame)
        scroll.setWidget(content)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(24, 20, 24, 16)
        layout.addWidget(title)
        layout.addWidget(scroll, 1)
        layout.addWidget(self.error_label)
        layout.addLayout(footer)
        self._show_logo()
        self.runner.run(self.settings_actions.load, self.show_settings, self._on_failed)

    def _service_widgets(self) -> tuple[QWidget, ...]:
        return (
            self.name_edit,
            self.code_edit,
            self.address_edit,
            self.city_edit,
            self.signatory_name_edit,
            self.signatory_role_edit,
            self.signature_place_edit,
            self.choose_logo_button,
            self.remove_logo_button,
        )

    def show_settings(self, settings: ServiceSettings) -> None:
        self.current = settings
        self.name_edit.setText(settings.service_name)
        self.code_edit.setText(settings.service_code)
        self.address_edit.setPlainText(settings.address)
        self.city_edit.setText(settings.city)
        self.signatory_name_edit.setText(settings.signatory_name)
        self.signatory_role_edit.setText(settings.signatory_role)
        self.signature_place_edit.setText(settings.signature_place)
        self.logo_png = settings.logo_png
        self._show_logo()
        self.wide_read_check.setChecked(settings.cpip_service_wide_read)
        self.lock_spin.setValue(settings.lock_minutes)
        self.retention_spin.setValue(settings.retention_years)
        self.audit_spin.setValue(settings.audit_retention_years)
        self._update_notice()

    def edited(self) -> ServiceSettings:
        security = replace(
            self.current,
            lock_minutes=self.lock_spin.value(),
            retention_years=self.retention_spin.value(),
            audit_retention_years=self.audit_spin.value(),
        )
        if not self.service_editable:  # shown read-only: stored exactly as loaded
            return security
        lines = (line.strip() for line in self.address_edit.toPlainText().splitlines())
        return replace(
            security,
            service_name=self.name_edit.text().strip(),
            service_code=self.code_edit.text().strip(),
            address="\n".join(line for line in lines if line),
            city=self.city_edit.text().strip(),
            logo_png=self.logo_png,
            signatory_name=self.signatory_name_edit.text().strip(),
            signatory_role=self.signatory_role_edit.text().strip(),
            signature_place=self.signature_place_edit.text().strip(),
            cpip_service_wide_read=self.wide_read_check.isChecked(),
        )

    # -- logo -----------------------------------------------------------------------
    def choose_logo(self) -> None:
        path = self.prompter.choose_file(
            "Choisir le logo du service", _pictures_dir(), LOGO_PATTERN
        )
        if path is None:
            return
        try:
            logo = logo_from_file(path)
        except LogoRefused as error:
            self.error_label.show_message(str(error))
            return
        self.error_label.show_message(None)
        self.status_label.clear()
        self.logo_png = logo
        self._show_logo()

    def remove_logo(self) -> None:
        self.logo_png = ""
        self.error_label.show_message(None)
        self._show_logo()

    def _show_logo(self) -> None:
        pixmap = logo_pixmap(self.logo_png)
        empty = pixmap is None
        if pixmap is None:
            self.logo_preview.setPixmap(QPixmap())
            self.logo_preview.setText(
                NO_LOGO if not self.logo_png else "Logo illisible : choisissez-le de nouveau."
            )
        else:
            width, height = LOGO_PREVIEW_SIZE
            self.logo_preview.setPixmap(
                pixmap.scaled(
                    width - 10,
                    height - 10,
                    Qt.AspectRatioMode.KeepAspectRatio,
                    Qt.TransformationMode.SmoothTransformation,
                )
            )
        self.logo_preview.setProperty("empty", empty)
        self.logo_preview.style().unpolish(self.logo_preview)
        self.logo_preview.style().polish(self.logo_preview)
        self.remove_logo_button.setEnabled(self.service_editable and bool(self.logo_png))

    # -- what documents miss --------------------------------------------------------
    def _update_notice(self) -> None:
        missing = missing_document_settings(self.edited())
        self.document_notice.setText(MISSING_NOTICE + ", ".join(missing) + "." if missing else "")
        self.document_notice.setVisible(bool(missing))

    # -- saving ---------------------------------------------------------------------
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


def _pictures_dir() -> Path:
    pictures = QStandardPaths.writableLocation(QStandardPaths.StandardLocation.PicturesLocation)
    return Path(pictures) if pictures else Path.home()
