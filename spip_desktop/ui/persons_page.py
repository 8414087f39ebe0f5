"""The *Personnes suivies* list: search as you type, filters, sorting."""

from __future__ import annotations

from dataclasses import replace

from PySide6.QtCore import QModelIndex, QPersistentModelIndex, QRectF, QSize, Qt, Signal
from PySide6.QtGui import QColor, QFont, QKeyEvent, QPainter
from PySide6.QtWidgets import (
    QAbstractItemView,
    QApplication,
    QCheckBox,
    QComboBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPushButton,
    QStyle,
    QStyledItemDelegate,
    QStyleOptionViewItem,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from ..domain.dates import plural
from ..domain.enums import FileStatus, MeasureType, Regime
from ..domain.model import PersonQuery, ReferenceData
from .person_list_model import COLUMNS, SAS_COLUMN, PersonListModel
from .widgets import enum_data, fill_enum_combo


class BadgeDelegate(QStyledItemDelegate):
    """Paints a non-empty cell as a green pill (the *éligible SAS* badge)."""

    def paint(
        self,
        painter: QPainter,
        option: QStyleOptionViewItem,
        index: QModelIndex | QPersistentModelIndex,
    ) -> None:
        text = index.data(Qt.ItemDataRole.DisplayRole)
        background = QStyleOptionViewItem(option)
        self.initStyleOption(background, index)
        background.text = ""
        widget = background.widget
        style = widget.style() if widget is not None else QApplication.style()
        style.drawControl(QStyle.ControlElement.CE_ItemViewItem, background, painter, widget)
        if not text:
            return
        painter.save()
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        font = QFont(option.font)
        font.setPointSizeF(max(font.pointSizeF() - 1, 7))
        font.setBold(True)
        painter.setFont(font)
        metrics = painter.fontMetrics()
        width = metrics.horizontalAdvance(text) + 14
        height = metrics.height() + 4
        rect = QRectF(
            option.rect.x() + 6,
            option.rect.y() + (option.rect.height() - height) / 2,
            width,
            height,
        )
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(QColor("#dff5e3"))
        painter.drawRoundedRect(rect, height / 2, height / 2)
        painter.setPen(QColor("#18753c"))
        painter.drawText(rect, Qt.AlignmentFlag.AlignCenter, text)
        painter.restore()

    def sizeHint(
        self, option: QStyleOptionViewItem, index: QModelIndex | QPersistentModelIndex
    ) -> QSize:
        size = super().sizeHint(option, index)
        return QSize(size.width() + 20, size.height())


class PersonsTable(QTableView):
    """The list itself; Enter opens the selected file.

    Signals:
        open_requested(int): the person id to open.
    """

    open_requested = Signal(int)

    def keyPressEvent(self, event: QKeyEvent) -> None:
        if event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
            self._open_current()
            return
        super().keyPressEvent(event)

    def _open_current(self) -> None:
        index = self.currentIndex()
        if index.isValid():
            row = index.data(Qt.ItemDataRole.UserRole)
            if row is not None:
                self.open_requested.emit(row.id)


class PersonsPage(QWidget):
    """Search box, filters, count and the table.

    Signals:
        open_requested(int): open this person's file.
        new_requested(): open a blank file.
    """

    open_requested = Signal(int)
    new_requested = Signal()

    def __init__(self, model: PersonListModel, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.model = model
        self.setObjectName("personsPage")

        title = QLabel("Personnes suivies")
        title.setObjectName("pageTitle")
        self.new_button = QPushButton("Nouveau dossier")
        self.new_button.setObjectName("primaryButton")
        self.new_button.setToolTip("Créer le dossier d'une nouvelle personne (Ctrl+N)")
        self.new_button.clicked.connect(self.new_requested)
        header = QHBoxLayout()
        header.addWidget(title)
        header.addStretch(1)
        header.addWidget(self.new_button)

        self.search_edit = QLineEdit()
        self.search_edit.setObjectName("searchEdit")
        self.search_edit.setPlaceholderText(
            "Rechercher un nom, un prénom ou un numéro de dossier (Ctrl+F)"
        )
        self.search_edit.setClearButtonEnabled(True)
        self.search_edit.setAccessibleName("Recherche")
        self.search_edit.textChanged.connect(self._on_search_edit_text_changed)
        self.search_edit.returnPressed.connect(self._on_search_edit_return_pressed)

        self.regime_combo = QComboBox()
        fill_enum_combo(self.regime_combo, list(Regime), "Tous milieux")
        self.referent_combo = QComboBox()
        self.referent_combo.addItem("Tous référents", None)
        self.measure_combo = QComboBox()
        fill_enum_combo(self.measure_combo, list(MeasureType), "Toutes mesures")
        self.status_combo = QComboBox()
        fill_enum_combo(self.status_combo, list(FileStatus))
        self.sas_check = QCheckBox("Éligibles SAS")
        self.sas_check.setToolTip("Milieu fermé et reliquat de moins de 2 ans")
        for combo, name in (
            (self.regime_combo, "Milieu"),
            (self.referent_combo, "Référent"),
            (self.measure_combo, "Mesure"),
            (self.status_combo, "Statut du dossier"),
        ):
            combo.setAccessibleName(name)
            combo.currentIndexChanged.connect(self._on_filters_changed)
        self.sas_check.toggled.connect(self._on_filters_changed)
        self.reset_button = QPushButton("Réinitialiser")
        self.reset_button.setToolTip("Effacer la recherche et les filtres")
        self.reset_button.clicked.connect(self.reset_filters)

        header.insertWidget(1, self.search_edit, 1)
        header.insertSpacing(1, 24)
        filters = QHBoxLayout()
        for widget in (
            self.regime_combo,
            self.referent_combo,
            self.measure_combo,
            self.status_combo,
        ):
            widget.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToContents)
            widget.setMaximumWidth(260)
            filters.addWidget(widget)
        filters.addWidget(self.sas_check)
        filters.addStretch(1)
        filters.addWidget(self.reset_button)

        self.count_label = QLabel(" ")
        self.count_label.setObjectName("countLabel")

        self.table = PersonsTable()
        self.table.setModel(model)
        self.table.setObjectName("personsTable")
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setAlternatingRowColors(True)
        self.table.setSortingEnabled(True)
        self.table.setWordWrap(False)
        self.table.setShowGrid(False)
        self.table.verticalHeader().hide()
        self.table.verticalHeader().setDefaultSectionSize(30)
        self.table.horizontalHeader().setSortIndicator(0, Qt.SortOrder.AscendingOrder)
        self.table.horizontalHeader().setHighlightSections(False)
        self.table.horizontalHeader().setStretchLastSection(False)
        widths = (150, 150, 92, 108, 70, 178, 116, 150, 112)
        for column, width in enumerate(widths[: len(COLUMNS)]):
            self.table.setColumnWidth(column, width)
        self.table.horizontalHeader().setSectionResizeMode(1, QHeaderView.ResizeMode.Stretch)
        self.table.setItemDelegateForColumn(SAS_COLUMN, BadgeDelegate(self.table))
        self.table.doubleClicked.connect(self._on_table_double_clicked)
        self.table.open_requested.connect(self.open_requested)
        self.table.setAccessibleName("Liste des personnes suivies")

        self.empty_label = QLabel("Aucune personne ne correspond à la recherche.")
        self.empty_label.setObjectName("emptyLabel")
        self.empty_label.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.empty_label.hide()

        layout = QVBoxLayout(self)
        layout.setContentsMargins(24, 20, 24, 16)
        layout.setSpacing(12)
        layout.addLayout(header)
        layout.addLayout(filters)
        layout.addWidget(self.count_label)
        layout.addWidget(self.table, 1)
        layout.addWidget(self.empty_label)

        model.count_changed.connect(self._on_model_count_changed)
        model.page_loaded.connect(self._on_model_page_loaded)
        self.setTabOrder(self.search_edit, self.regime_combo)
        self.setTabOrder(self.regime_combo, self.referent_combo)
        self.setTabOrder(self.referent_combo, self.measure_combo)
        self.setTabOrder(self.measure_combo, self.status_combo)
        self.setTabOrder(self.status_combo, self.sas_check)
        self.setTabOrder(self.sas_check, self.reset_button)
        self.setTabOrder(self.reset_button, self.table)

    # -- public ------------------------------------------------------------------
    def set_reference(self, reference: ReferenceData) -> None:
        """Fill the referent filter with the service's CPIPs."""
        current = self.referent_combo.currentData()
        self.referent_combo.blockSignals(True)
        self.referent_combo.clear()
        self.referent_combo.addItem("Tous référents", None)
        for agent in reference.agents:
            if agent.active or agent.id == current:
                self.referent_combo.addItem(agent.display_name, agent.id)
        self.referent_combo.setCurrentIndex(max(self.referent_combo.findData(current), 0))
        self.referent_combo.blockSignals(False)

    def focus_search(self) -> None:
        self.search_edit.setFocus(Qt.FocusReason.ShortcutFocusReason)
        self.search_edit.selectAll()

    def reset_filters(self) -> None:
        for combo in (
            self.regime_combo,
            self.referent_combo,
            self.measure_combo,
            self.status_combo,
        ):
            combo.blockSignals(True)
            combo.setCurrentIndex(0)
            combo.blockSignals(False)
        self.sas_check.blockSignals(True)
        self.sas_check.setChecked(False)
        self.sas_check.blockSignals(False)
        self.search_edit.blockSignals(True)
        self.search_edit.clear()
        self.search_edit.blockSignals(False)
        self._apply()

    def current_query(self) -> PersonQuery:
        return replace(
            self.model.query,
            text=self.search_edit.text(),
            regime=enum_data(self.regime_combo, Regime),
            referent_id=self.referent_combo.currentData(),
            measure_type=enum_data(self.measure_combo, MeasureType),
            status=enum_data(self.status_combo, FileStatus) or FileStatus.ACTIVE,
            sas_eligible_only=self.sas_check.isChecked(),
        )

    # -- slots -------------------------------------------------------------------
    def _apply(self) -> None:
        self.model.set_query(self.current_query())

    def _on_search_edit_text_changed(self, _text: str) -> None:
        self._apply()

    def _on_filters_changed(self, *_args: object) -> None:
        self._apply()

    def _on_search_edit_return_pressed(self) -> None:
        if self.model.rowCount() > 0:
            self.table.setFocus()
            self.table.selectRow(0)
            if self.model.rowCount() == 1:
                row = self.model.person_at(0)
                if row is not None:
                    self.open_requested.emit(row.id)

    def _on_table_double_clicked(self, index: QModelIndex) -> None:
        row = self.model.person_at(index.row())
        if row is not None:
            self.open_requested.emit(row.id)

    def _on_model_count_changed(self, total: int) -> None:
        if total < 0:
            return
        self.count_label.setText(plural(total, "personne"))
        self.empty_label.setVisible(total == 0)

    def _on_model_page_loaded(self) -> None:
        if self.model.rowCount() == 0:
            self.empty_label.setVisible(True)
        else:
            self.empty_label.setVisible(False)
