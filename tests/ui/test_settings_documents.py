"""The settings page's letterhead section: address, signature, logo, what documents miss."""

from __future__ import annotations

import base64
import os
from dataclasses import replace
from pathlib import Path

import pytest
from PySide6.QtGui import QColor, QImage

from spip_desktop.domain.service_settings import ServiceSettings
from spip_desktop.ui.settings_page import NO_LOGO, NOT_AN_IMAGE, SettingsPage
from spip_desktop.ui.tasks import ImmediateTaskRunner
from tests.ui.conftest import FakePrompter, type_text

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"

COMPLETE = ServiceSettings(
    service_name="SPIP de la Gironde",
    service_code="33",
    address="Cité administrative\n2 rue Jules Ferry",
    city="Bordeaux",
    signatory_name="Claire MARTIN",
    signatory_role="La directrice fonctionnelle du SPIP",
)


class FakeSettings:
    """Holds the stored settings; records every save."""

    def __init__(self, stored: ServiceSettings) -> None:
        self.stored = stored
        self.saved: list[ServiceSettings] = []

    def load(self) -> ServiceSettings:
        return self.stored

    def save(self, settings: ServiceSettings) -> ServiceSettings:
        self.saved.append(settings)
        self.stored = settings
        return settings


def make_page(
    qtbot,
    prompter: FakePrompter,
    stored: ServiceSettings = COMPLETE,
    service_editable: bool = True,
) -> tuple[SettingsPage, FakeSettings]:
    fake = FakeSettings(stored)
    page = SettingsPage(
        fake,
        ImmediateTaskRunner(on_error=pytest.fail),
        service_editable,
        False,
        lambda settings: None,
        prompter=prompter,
    )
    qtbot.addWidget(page)
    return page, fake


def image_file(path: Path, width: int, height: int) -> Path:
    image = QImage(width, height, QImage.Format.Format_RGB32)
    image.fill(QColor("#000091"))
    assert image.save(str(path))
    return path


def test_a_chosen_logo_is_reduced_and_stored_as_a_png(qtbot, prompter, tmp_path: Path) -> None:
    page, fake = make_page(qtbot, prompter)
    assert page.logo_preview.text() == NO_LOGO
    assert not page.remove_logo_button.isEnabled()
    prompter.answers.append(image_file(tmp_path / "logo.jpg", 2000, 1000))
    page.choose_logo_button.click()
    data = base64.b64decode(page.edited().logo_png)
    assert data.startswith(PNG_SIGNATURE)
    image = QImage.fromData(data)
    assert not image.isNull()
    assert (image.width(), image.height()) == (600, 300)
    assert page.logo_preview.pixmap() is not None and not page.logo_preview.pixmap().isNull()
    assert page.remove_logo_button.isEnabled()
    assert page.error_label.isHidden()
    page.save_button.click()
    assert fake.saved[-1].logo_png == page.edited().logo_png


def test_a_small_logo_keeps_its_size(qtbot, prompter, tmp_path: Path) -> None:
    page, _ = make_page(qtbot, prompter)
    prompter.answers.append(image_file(tmp_path / "logo.png", 120, 80))
    page.choose_logo_button.click()
    image = QImage.fromData(base64.b64decode(page.edited().logo_png))
    assert (image.width(), image.height()) == (120, 80)


def test_a_file_that_is_no_image_is_refused(qtbot, prompter, tmp_path: Path) -> None:
    logo = base64.b64encode(PNG_SIGNATURE + b"stored").decode()
    page, _ = make_page(qtbot, prompter, replace(COMPLETE, logo_png=logo))
    text = tmp_path / "logo.png"
    text.write_text("Ceci n'est pas une image.", encoding="utf-8")
    prompter.answers.append(text)
    page.choose_logo_button.click()
    assert page.error_label.isVisibleTo(page)
    assert page.error_label.text() == NOT_AN_IMAGE
    assert page.edited().logo_png == logo


def test_cancelling_the_file_choice_changes_nothing(qtbot, prompter) -> None:
    page, _ = make_page(qtbot, prompter)
    page.choose_logo_button.click()  # no answer queued: cancelled
    assert prompter.asked and prompter.asked[0][0] == "Choisir le logo du service"
    assert page.edited().logo_png == ""
    assert page.error_label.isHidden()


def test_removing_the_logo_empties_it(qtbot, prompter, tmp_path: Path) -> None:
    page, fake = make_page(qtbot, prompter)
    prompter.answers.append(image_file(tmp_path / "logo.png", 300, 100))
    page.choose_logo_button.click()
    page.save_button.click()
    assert fake.stored.logo_png
    page.remove_logo_button.click()
    assert page.edited().logo_png == ""
    assert page.logo_preview.text() == NO_LOGO
    assert not page.remove_logo_button.isEnabled()
    page.save_button.click()
    assert fake.stored.logo_png == ""


def test_the_address_is_edited_one_line_per_address_line(qtbot, prompter) -> None:
    page, fake = make_page(qtbot, prompter)
    assert page.address_edit.toPlainText() == "Cité administrative\n2 rue Jules Ferry"
    page.address_edit.setPlainText("  Cité administrative \n\n2 rue Jules Ferry\nBP 41  \n")
    assert page.edited().address == "Cité administrative\n2 rue Jules Ferry\nBP 41"
    page.save_button.click()
    assert fake.saved[-1].address == "Cité administrative\n2 rue Jules Ferry\nBP 41"
    assert page.address_edit.toPlainText() == "Cité administrative\n2 rue Jules Ferry\nBP 41"


def test_the_notice_lists_what_documents_miss_until_it_is_filled(qtbot, prompter) -> None:
    stored = replace(COMPLETE, service_code="", signatory_name="")
    page, _ = make_page(qtbot, prompter, stored)
    assert page.document_notice.isVisibleTo(page)
    assert page.document_notice.text() == (
        "Les attestations utiliseront des valeurs par défaut tant que ces informations "
        "manquent : le code du service, le nom du signataire."
    )
    type_text(page.code_edit, "33")
    assert page.document_notice.text().endswith(": le nom du signataire.")
    type_text(page.signatory_name_edit, "Claire MARTIN")
    assert not page.document_notice.isVisibleTo(page)
    page.address_edit.setPlainText("")
    assert page.document_notice.isVisibleTo(page)
    assert page.document_notice.text().endswith(": l'adresse.")


def test_saving_sends_the_new_fields(qtbot, prompter) -> None:
    page, fake = make_page(qtbot, prompter, ServiceSettings())
    type_text(page.code_edit, "33")
    type_text(page.signatory_name_edit, "Claire MARTIN")
    type_text(page.signatory_role_edit, "La directrice fonctionnelle du SPIP")
    type_text(page.signature_place_edit, "Mérignac")
    type_text(page.city_edit, "Bordeaux")
    page.save_button.click()
    saved = fake.saved[-1]
    assert (saved.service_code, saved.city, saved.signature_place) == ("33", "Bordeaux", "Mérignac")
    assert saved.signatory_name == "Claire MARTIN"
    assert saved.signatory_role == "La directrice fonctionnelle du SPIP"
    assert page.status_label.text() == "Paramètres enregistrés."


def test_the_letterhead_is_read_only_without_the_service_right(qtbot, prompter) -> None:
    page, fake = make_page(qtbot, prompter, service_editable=False)
    for widget in (
        page.name_edit,
        page.code_edit,
        page.address_edit,
        page.city_edit,
        page.signatory_name_edit,
        page.signatory_role_edit,
        page.signature_place_edit,
        page.choose_logo_button,
        page.remove_logo_button,
        page.wide_read_check,
    ):
        assert not widget.isEnabled(), widget
    page.save_button.click()
    assert fake.saved[-1] == COMPLETE


def test_a_logo_still_too_heavy_once_reduced_is_refused(qtbot, prompter, tmp_path: Path) -> None:
    noise = os.urandom(600 * 300 * 3)  # random pixels: PNG cannot compress them
    image = QImage(noise, 600, 300, 600 * 3, QImage.Format.Format_RGB888)
    assert image.save(str(tmp_path / "bruit.png"))
    page, _ = make_page(qtbot, prompter)
    prompter.answers.append(tmp_path / "bruit.png")
    page.choose_logo_button.click()
    assert page.error_label.text().startswith("Le logo est trop lourd")
    assert page.edited().logo_png == ""
