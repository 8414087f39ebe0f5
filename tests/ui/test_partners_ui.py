"""The partner form, the convention form and the partners page, on fake services."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from datetime import date, timedelta
from typing import Any

import pytest
from PySide6.QtWidgets import QDialog

from spip_desktop.domain.enums import AgentRole
from spip_desktop.domain.errors import DuplicateValue, EditConflict, SpipError
from spip_desktop.domain.merge import RebasedConflict
from spip_desktop.domain.model import Agent, Antenne, ReferenceData
from spip_desktop.domain.partners import (
    Contact,
    Convention,
    ConventionDraft,
    ConventionLevel,
    ConventionQuery,
    ConventionState,
    ConventionStatus,
    Milieu,
    Partner,
    PartnerDraft,
    PartnerKind,
    PartnerQuery,
    PartnerUse,
    Theme,
)
from spip_desktop.domain.security import Role, User
from spip_desktop.services.partners import partner_matches
from spip_desktop.ui.convention_dialog import ConventionDialog
from spip_desktop.ui.partner_dialog import PartnerDialog
from spip_desktop.ui.partners_page import PartnersPage
from tests.ui.conftest import FakePrompter, type_text

TODAY = date(2026, 3, 12)
NBSP, NNBSP = "\u00a0", "\u202f"
REFERENCE = ReferenceData(
    (Antenne(1, "Antenne de Bordeaux"), Antenne(2, "Antenne de Libourne")),
    (
        Agent(10, "Lefèvre", "Élodie", AgentRole.CPIP, 1),
        Agent(11, "Martin", "Anne", AgentRole.DPIP, 1),
    ),
)
DPIP = User(1, "dpip", "Anne MARTIN", frozenset({Role.DPIP}), 11)
CPIP = User(2, "cpip", "Élodie LEFÈVRE", frozenset({Role.CPIP}), 10)


# -- a fake directory ---------------------------------------------------------------------------


class FakePartners:
    """PartnerActions in memory; records the calls that change something."""

    def __init__(self) -> None:
        self.store: dict[int, Partner] = {}
        self.convention_store: dict[int, Convention] = {}
        self.uses: dict[int, PartnerUse] = {}
        self.calls: list[tuple[object, ...]] = []
        self.refuse: list[SpipError] = []

    def add(self, draft: PartnerDraft, active: bool = True) -> Partner:
        partner = Partner(len(self.store) + 1, 1, draft, active)
        self.store[partner.id] = partner
        return partner

    def add_convention(self, draft: ConventionDraft) -> Convention:
        assert draft.partner_id is not None
        name = self.store[draft.partner_id].name
        convention = Convention(len(self.convention_store) + 1, 1, draft, name)
        self.convention_store[convention.id] = convention
        return convention

    def partners(self, query: PartnerQuery | None = None) -> tuple[Partner, ...]:
        query = query or PartnerQuery()
        found = [p for p in self.store.values() if partner_matches(p, query)]
        return tuple(sorted(found, key=lambda p: p.name.lower()))

    def get_partner(self, partner_id: int) -> Partner:
        return self.store[partner_id]

    def save_partner(self, partner_id: int | None, version: int, draft: PartnerDraft) -> Partner:
        self.calls.append(("save_partner", partner_id, version, draft))
        if self.refuse:
            raise self.refuse.pop(0)
        if partner_id is None:
            return self.add(draft)
        saved = replace(self.store[partner_id], version=version + 1, draft=draft)
        self.store[partner_id] = saved
        return saved

    def set_archived(self, partner_id: int, version: int, archived: bool) -> Partner:
        self.calls.append(("set_archived", partner_id, version, archived))
        saved = replace(self.store[partner_id], version=version + 1, active=not archived)
        self.store[partner_id] = saved
        return saved

    def partner_use(self, partner_id: int) -> PartnerUse:
        return self.uses.get(partner_id, PartnerUse())

    def delete_partner(self, partner_id: int, version: int) -> None:
        self.calls.append(("delete_partner", partner_id, version))
        del self.store[partner_id]

    def conventions(self, query: ConventionQuery | None = None) -> tuple[Convention, ...]:
        query = query or ConventionQuery()
        return tuple(
            c
            for c in self.convention_store.values()
            if query.partner_id in (None, c.draft.partner_id)
            and (not query.states or c.state(TODAY) in query.states)
        )

    def save_convention(
        self, convention_id: int | None, version: int, draft: ConventionDraft
    ) -> Convention:
        self.calls.append(("save_convention", convention_id, version, draft))
        if self.refuse:
            raise self.refuse.pop(0)
        if convention_id is None:
            return self.add_convention(draft)
        saved = replace(self.convention_store[convention_id], version=version + 1, draft=draft)
        self.convention_store[convention_id] = saved
        return saved

    def delete_convention(self, convention_id: int, version: int) -> None:
        self.calls.append(("delete_convention", convention_id, version))
        del self.convention_store[convention_id]


def signed(
    partner_id: int, title: str, expires_in: int | None, **changes: object
) -> ConventionDraft:
    draft = ConventionDraft(
        partner_id=partner_id,
        title=title,
        status=ConventionStatus.SIGNED,
        signed_on=TODAY - timedelta(days=300),
        expires_on=None if expires_in is None else TODAY + timedelta(days=expires_in),
    )
    return replace(draft, **changes)  # type: ignore[arg-type]


@pytest.fixture
def fake() -> FakePartners:
    partners = FakePartners()
    caf = partners.add(
        PartnerDraft(
            "CAF de la Gironde",
            PartnerKind.INSTITUTION,
            frozenset({Theme.RIGHTS}),
            frozenset({1}),
            "50 rue du Docteur Gabriel Péry, 33000 Bordeaux",
            "05 36 49 10 10",
            referent_id=11,
            contacts=(Contact("Sophie GARNIER", "Chargée des partenariats", "05 36 49 10 11"),),
        )
    )
    cpam = partners.add(PartnerDraft("CPAM de la Gironde", PartnerKind.INSTITUTION))
    mission = partners.add(PartnerDraft("Mission locale de Bordeaux", PartnerKind.EMPLOYMENT))
    partners.add(PartnerDraft("Association dissoute", PartnerKind.ASSOCIATION), active=False)
    partners.add_convention(signed(caf.id, "Accès aux droits", 400))
    partners.add_convention(signed(cpam.id, "Affiliation et C2S", 45))
    partners.add_convention(signed(mission.id, "Jeunes de 16 à 25 ans", -20))
    partners.add_convention(
        signed(caf.id, "Stages FIPD", None, status=ConventionStatus.DRAFT, signed_on=None)
    )
    return partners


def page_for(qtbot, fake: FakePartners, runner, prompter, user: User = DPIP) -> PartnersPage:
    page = PartnersPage(fake, runner, prompter, lambda: REFERENCE, user, lambda: TODAY)
    qtbot.addWidget(page)
    page.refresh()
    return page


def partner_names(page: PartnersPage) -> list[str]:
    return [p.name for p in page.partner_model.records()]


# -- the partner form ---------------------------------------------------------------------------


def test_a_partner_is_created_with_its_themes_antennes_referent_and_contacts(qtbot) -> None:
    dialog = PartnerDialog(PartnerDraft(), REFERENCE, FakePrompter())
    qtbot.addWidget(dialog)
    assert dialog.windowTitle() == "Nouveau partenaire"
    type_text(dialog.name_edit, "Mission locale du Libournais")
    dialog.kind_combo.setCurrentIndex(dialog.kind_combo.findData(PartnerKind.EMPLOYMENT.value))
    dialog.theme_checks[Theme.EMPLOYMENT].setChecked(True)
    dialog.theme_checks[Theme.EDUCATION].setChecked(True)
    dialog.antenne_checks[2].setChecked(True)
    dialog.address_edit.setText("9 rue Jules Ferry, 33500 Libourne")
    dialog.phone_edit.setText("05 36 49 20 20")
    dialog.email_edit.setText("accueil@ml-libournais.example")
    dialog.referent_combo.setCurrentIndex(dialog.referent_combo.findData(10))
    for row, (name, role) in enumerate(
        (("Hélène ŒUVRAY", "Conseillère justice"), ("Loïc BÉRANGER", "Directeur"))
    ):
        dialog.add_contact()
        dialog.contacts_table.item(row, 0).setText(name)
        dialog.contacts_table.item(row, 1).setText(role)
    dialog.contacts_table.item(1, 3).setText("l.beranger@ml-libournais.example")
    dialog.contacts_table.setCurrentCell(1, 0)
    dialog.move_contact(-1)  # the director first
    dialog.save_button.click()
    assert dialog.result() == QDialog.DialogCode.Accepted
    assert dialog.draft() == PartnerDraft(
        name="Mission locale du Libournais",
        kind=PartnerKind.EMPLOYMENT,
        themes=frozenset({Theme.EMPLOYMENT, Theme.EDUCATION}),
        antenne_ids=frozenset({2}),
        address="9 rue Jules Ferry, 33500 Libourne",
        phone="05 36 49 20 20",
        email="accueil@ml-libournais.example",
        referent_id=10,
        contacts=(
            Contact("Loïc BÉRANGER", "Directeur", "", "l.beranger@ml-libournais.example"),
            Contact("Hélène ŒUVRAY", "Conseillère justice"),
        ),
    )


def test_the_partner_form_explains_what_is_wrong_as_the_user_types(qtbot) -> None:
    dialog = PartnerDialog(PartnerDraft(), REFERENCE, FakePrompter())
    qtbot.addWidget(dialog)
    assert dialog.errors["name"].isHidden()  # nothing said before the user acts
    dialog.email_edit.setText("accueil-caf")
    assert dialog.errors["email"].text() == (
        "L'adresse électronique n'est pas valide (exemple : nom@domaine.fr)."
    )
    assert dialog.errors["name"].isHidden()
    dialog.add_contact()
    dialog.contacts_table.item(0, 1).setText("Directrice")  # a function without a name
    dialog.save_button.click()
    assert dialog.result() != QDialog.DialogCode.Accepted
    assert dialog.errors["name"].text() == "Le nom du partenaire est obligatoire."
    assert dialog.errors["contacts"].text() == "Le contact n° 1 n'a pas de nom."
    assert dialog.name_edit.property("invalid") is True
    dialog.name_edit.setText("CAF")
    dialog.email_edit.setText("accueil@caf.example")
    dialog.contacts_table.item(0, 0).setText("Anne")
    assert all(label.isHidden() for label in dialog.errors.values())


def test_a_refused_name_comes_back_under_the_field_with_what_was_typed(qtbot) -> None:
    draft = PartnerDraft("caf de la gironde", PartnerKind.INSTITUTION, phone="05 36 49 00 00")
    refusal = DuplicateValue("name", "Un partenaire porte déjà ce nom (« CAF de la Gironde »).")
    dialog = PartnerDialog(draft, REFERENCE, FakePrompter(), error=refusal, new=True)
    qtbot.addWidget(dialog)
    assert dialog.draft() == draft
    assert dialog.errors["name"].text() == refusal.message
    assert dialog.error_label.isHidden()
    dialog.name_edit.setText("CAF de la Gironde, antenne de Libourne")
    assert dialog.errors["name"].isHidden()


def test_a_record_changed_elsewhere_is_said_above_the_buttons(qtbot) -> None:
    draft = PartnerDraft("CAF de la Gironde")
    dialog = PartnerDialog(draft, REFERENCE, FakePrompter(), error=EditConflict(), new=False)
    qtbot.addWidget(dialog)
    assert not dialog.error_label.isHidden()
    assert "modifiée par ailleurs" in dialog.error_label.text()
    assert "Vos saisies sont conservées" in dialog.error_label.text()


def test_cancelling_a_changed_partner_form_asks_first(qtbot) -> None:
    prompter = FakePrompter()
    dialog = PartnerDialog(PartnerDraft("CAF"), REFERENCE, prompter, new=False)
    qtbot.addWidget(dialog)
    dialog.phone_edit.setText("05 36 49 00 00")
    prompter.answers.append(False)
    dialog.reject()
    assert prompter.asked[-1][0] == "Abandonner la saisie ?"
    assert dialog.result() != QDialog.DialogCode.Rejected or dialog.isVisible() is False


# -- the convention form --------------------------------------------------------------------------


def test_a_convention_is_filled_in_and_its_state_shown(qtbot, fake: FakePartners) -> None:
    partners = fake.partners()
    dialog = ConventionDialog(ConventionDraft(), partners, TODAY, FakePrompter())
    qtbot.addWidget(dialog)
    assert dialog.windowTitle() == "Nouvelle convention"
    type_text(dialog.partner_picker.lineEdit(), "Préfecture")
    assert dialog.errors["partner_id"].text() == (
        "Ce nom n'est pas dans l'annuaire : choisissez le partenaire dans la liste."
    )
    dialog.partner_picker.setEditText("")
    type_text(dialog.partner_picker.lineEdit(), "CPAM de la Gironde")
    assert dialog.errors["partner_id"].isHidden()
    type_text(dialog.title_edit, "Accès aux droits santé")
    dialog.national_radio.setChecked(True)
    dialog.milieu_combo.setCurrentIndex(dialog.milieu_combo.findData(Milieu.FERME.value))
    dialog.theme_checks[Theme.HEALTH].setChecked(True)
    dialog.status_combo.setCurrentIndex(dialog.status_combo.findData(ConventionStatus.SIGNED.value))
    dialog.signed_field.line_edit.setText("1/4/25")
    dialog.expires_field.line_edit.setText("26/04/2026")
    assert dialog.state_pill.text() == "À renouveler"
    assert dialog.state_hint.text() == "échéance le 26/04/2026, dans 45 jours"
    dialog.funding_edit.setText("12500")
    dialog.funding_edit.editingFinished.emit()
    assert dialog.funding_edit.text() == f"12{NNBSP}500,00{NBSP}€"
    assert "source du financement" in dialog.warning_label.text()
    dialog.source_combo.setEditText("FIPD")
    assert dialog.warning_label.isHidden()
    dialog.save_button.click()
    assert dialog.result() == QDialog.DialogCode.Accepted
    cpam = next(p for p in partners if p.name == "CPAM de la Gironde")
    assert dialog.draft() == ConventionDraft(
        partner_id=cpam.id,
        level=ConventionLevel.NATIONAL,
        title="Accès aux droits santé",
        themes=frozenset({Theme.HEALTH}),
        milieu=Milieu.FERME,
        signed_on=date(2025, 4, 1),
        expires_on=date(2026, 4, 26),
        funding_cents=12_500_00,
        funding_source="FIPD",
        status=ConventionStatus.SIGNED,
    )
    dialog.expires_field.line_edit.setText("11/03/2026")
    assert dialog.state_pill.text() == "Expirée"


def test_a_convention_ending_before_it_starts_is_refused_in_the_form(
    qtbot, fake: FakePartners
) -> None:
    dialog = ConventionDialog(
        ConventionDraft(partner_id=1, title="Hébergement"), fake.partners(), TODAY, FakePrompter()
    )
    qtbot.addWidget(dialog)
    dialog.signed_field.line_edit.setText("01/06/2026")
    dialog.expires_field.line_edit.setText("01/01/2026")
    assert dialog.errors["expires_on"].text() == (
        "La convention ne peut pas prendre fin (01/01/2026) avant d'avoir commencé (01/06/2026)."
    )
    dialog.funding_edit.setText("douze mille")
    dialog.expires_field.line_edit.setText("31/13/2026")
    dialog.save_button.click()
    assert dialog.result() != QDialog.DialogCode.Accepted
    assert "n'est pas un montant en euros" in dialog.errors["funding_cents"].text()
    assert not dialog.errors["expires_on"].isHidden()


def test_an_archived_partner_stays_shown_on_its_convention(qtbot, fake: FakePartners) -> None:
    gone = next(p for p in fake.store.values() if not p.active)
    draft = signed(gone.id, "Ancienne convention", -10)
    dialog = ConventionDialog(
        draft, fake.partners(), TODAY, FakePrompter(), partner_name=gone.name, new=False
    )
    qtbot.addWidget(dialog)
    assert dialog.partner_picker.currentText() == "Association dissoute (archivé)"
    assert dialog.draft() == draft
    names = [dialog.partner_picker.itemText(i) for i in range(dialog.partner_picker.count())]
    assert "Association dissoute (archivé)" in names and len(names) == 4


# -- the page ------------------------------------------------------------------------------


def test_the_page_lists_partners_and_flags_the_conventions_to_renew(
    qtbot, qtmodeltester, fake: FakePartners, runner, prompter
) -> None:
    page = page_for(qtbot, fake, runner, prompter)
    qtmodeltester.check(page.partner_model)
    qtmodeltester.check(page.convention_model)
    assert partner_names(page) == [
        "CAF de la Gironde",
        "CPAM de la Gironde",
        "Mission locale de Bordeaux",
    ]
    states = {p.name: page.partner_model.data(page.partner_model.index(i, 2)) for i, p in
              enumerate(page.partner_model.records())}  # fmt: skip
    assert states == {
        "CAF de la Gironde": "En vigueur",
        "CPAM de la Gironde": "À renouveler",
        "Mission locale de Bordeaux": "Expirée",
    }
    assert page.tabs.tabText(1) == "Conventions (2 à traiter)"
    assert page.flag_label.text() == (
        "1 convention à renouveler (la plus proche : échéance le 26/04/2026, dans 45 jours) ; "
        "1 convention expirée sans renouvellement enregistré."
    )
    page.archived_check.setChecked(True)
    assert "Association dissoute (archivé)" in [
        page.partner_model.data(page.partner_model.index(i, 0))
        for i in range(page.partner_model.rowCount())
    ]
    page.search_edit.setText("gironde cpam")
    assert partner_names(page) == ["CPAM de la Gironde"]
    page.search_edit.clear()
    page.kind_combo.setCurrentIndex(page.kind_combo.findData(PartnerKind.EMPLOYMENT.value))
    assert partner_names(page) == ["Mission locale de Bordeaux"]


def test_show_partner_selects_it_and_shows_its_card_and_conventions(
    qtbot, fake: FakePartners, runner, prompter
) -> None:
    page = page_for(qtbot, fake, runner, prompter)
    page.kind_combo.setCurrentIndex(page.kind_combo.findData(PartnerKind.EMPLOYMENT.value))
    page.show_partner(1)  # filtered out: the filters are reset
    assert page.tabs.currentIndex() == 0
    assert page.selected is not None and page.selected.name == "CAF de la Gironde"
    assert page.name_label.text() == "CAF de la Gironde"
    assert page.facts["antennes"].text() == "Antenne de Bordeaux"
    assert page.facts["referent"].text() == "Anne MARTIN (DPIP)"
    assert page.contact_model.records() == list(fake.store[1].draft.contacts)
    assert [c.draft.title for c in page.partner_convention_model.records()] == [
        "Accès aux droits",
        "Stages FIPD",
    ]
    assert page.conventions_title.text() == "Conventions (2)"
    assert not page.archived_check.isChecked()
    page.show_partner(4)  # archived: the list shows the archived partners too
    assert page.archived_check.isChecked()
    assert page.selected is not None and not page.selected.active
    assert not page.archived_badge.isHidden()
    assert page.archive_button.text() == "Réactiver"


def test_show_conventions_expiring_filters_on_those_to_renew(
    qtbot, fake: FakePartners, runner, prompter
) -> None:
    page = page_for(qtbot, fake, runner, prompter)
    page.show_conventions_expiring()
    assert page.tabs.currentIndex() == 1
    shown = page.convention_model.records()
    assert [(c.draft.title, c.state(TODAY)) for c in shown] == [
        ("Affiliation et C2S", ConventionState.EXPIRING)
    ]
    assert page.convention_count_label.text() == "1 convention sur 4"
    page.state_combo.setCurrentIndex(page.state_combo.findData("a_traiter"))
    assert {c.draft.title for c in page.convention_model.records()} == {
        "Affiliation et C2S",
        "Jeunes de 16 à 25 ans",
    }


def test_the_page_is_read_only_without_the_partners_permission(
    qtbot, fake: FakePartners, runner, prompter
) -> None:
    page = page_for(qtbot, fake, runner, prompter, user=CPIP)
    page.show()
    page.show_partner(1)
    for button in (
        page.new_partner_button,
        page.edit_button,
        page.archive_button,
        page.delete_button,
        page.new_convention_button,
        page.new_convention_button2,
        page.edit_convention_button,
        page.delete_convention_button,
    ):
        assert not button.isVisible()
    assert page.name_label.isVisible()  # the card is read all the same
    page.edit_partner()  # a double click does nothing either
    assert fake.calls == []


def test_a_partner_in_use_is_archived_instead_of_deleted(
    qtbot, fake: FakePartners, runner, prompter
) -> None:
    fake.uses[2] = PartnerUse(steps=3, conventions=1)
    page = page_for(qtbot, fake, runner, prompter)
    page.show_partner(2)
    prompter.answers.append(True)  # "Archiver le partenaire"
    page.delete_partner()
    title, text = prompter.asked[-1]
    assert title == "Suppression impossible"
    assert text.startswith(
        "« CPAM de la Gironde » ne peut pas être supprimé : il est encore rattaché à "
        "3 démarches d'accès aux droits, 1 convention. L'archiver plutôt ?"
    )
    assert fake.calls == [("set_archived", 2, 1, True)]
    assert not fake.store[2].active
    assert page.selected is not None and page.selected.id == 2  # still shown, archived
    page.show_partner(3)
    prompter.answers.append(True)
    page.delete_partner()
    assert prompter.asked[-1][0] == "Supprimer le partenaire ?"
    assert fake.calls[-1] == ("delete_partner", 3, 1)
    assert 3 not in fake.store and page.selected is None


def test_a_refused_save_opens_the_form_again_with_what_was_typed(
    qtbot, fake: FakePartners, runner, prompter, monkeypatch: pytest.MonkeyPatch
) -> None:
    typed = PartnerDraft("caf de la gironde", PartnerKind.INSTITUTION)
    asked: list[tuple[PartnerDraft, SpipError | None]] = []

    def ask(draft, reference, prompter, parent=None, error=None, new=None):
        asked.append((draft, error))
        return typed if len(asked) == 1 else None  # then the user cancels

    monkeypatch.setattr(PartnerDialog, "ask", staticmethod(ask))
    fake.refuse.append(DuplicateValue("name", "Un partenaire porte déjà ce nom."))
    page = page_for(qtbot, fake, runner, prompter)
    page.new_partner()
    assert [(d, type(e)) for d, e in asked] == [
        (PartnerDraft(), type(None)),
        (typed, DuplicateValue),
    ]
    # A record saved elsewhere meanwhile: the form again, over the version saved now.
    asked.clear()
    fake.refuse.append(EditConflict())
    page.show_partner(1)
    page.edit_partner()
    assert [type(e) for _, e in asked] == [type(None), RebasedConflict]
    assert asked[-1][0] == typed  # nothing changed meanwhile: what was typed, as it was
    assert fake.calls[-1][:3] == ("save_partner", 1, 1)


def test_a_new_convention_from_the_card_names_the_partner(
    qtbot, fake: FakePartners, runner, prompter, monkeypatch: pytest.MonkeyPatch
) -> None:
    seen: list[tuple[ConventionDraft, int]] = []

    def ask(draft, partners, today, prompter, parent=None, error=None, name="", new=None):
        seen.append((draft, len(partners)))
        return replace(draft, title="Nouvelle convention")

    monkeypatch.setattr(ConventionDialog, "ask", staticmethod(ask))
    page = page_for(qtbot, fake, runner, prompter)
    page.show_partner(3)
    page.new_convention_button.click()
    assert seen == [(ConventionDraft(partner_id=3), 3)]  # the active partners are offered
    assert fake.calls[-1][0] == "save_convention"
    assert [c.draft.title for c in page.partner_convention_model.records()] == [
        "Jeunes de 16 à 25 ans",
        "Nouvelle convention",
    ]


# -- a record saved meanwhile: the user's changes go on top of the colleague's --------------


def play(
    monkeypatch: pytest.MonkeyPatch,
    form: type[PartnerDialog] | type[ConventionDialog],
    turns: list[Callable[[Any], None]],
) -> list[Any]:
    """Each time the page opens ``form``, the real form is built and the next turn is
    played on it (the user typing), then it is saved; the forms shown are returned."""
    shown: list[Any] = []

    def ask(*args: Any, **kwargs: Any) -> object:
        dialog = form(*args, **kwargs)
        shown.append(dialog)
        turns.pop(0)(dialog)
        return dialog.draft()

    monkeypatch.setattr(form, "ask", staticmethod(ask))
    return shown


def real_page(qtbot, services: Any, runner, prompter) -> PartnersPage:
    page = PartnersPage(services.partners, runner, prompter, lambda: REFERENCE, DPIP, lambda: TODAY)
    qtbot.addWidget(page)
    page.refresh()
    return page


CAF = PartnerDraft(
    "CAF de la Gironde",
    PartnerKind.INSTITUTION,
    phone="05 36 49 10 10",
    contacts=(Contact("Sophie GARNIER", "Chargée des partenariats"),),
)
COLLEAGUE_CONTACTS = (*CAF.contacts, Contact("Marc DUBREUIL", "Accueil"))


@pytest.mark.parametrize("same_field", [False, True], ids=["other_fields", "same_field"])
def test_a_partner_saved_meanwhile_keeps_the_colleagues_changes_and_the_users(
    qtbot, services: Any, runner, prompter, monkeypatch: pytest.MonkeyPatch, same_field: bool
) -> None:
    directory = services.partners
    saved = directory.save_partner(None, 0, CAF)
    theirs = replace(CAF, phone="05 36 49 10 11", contacts=COLLEAGUE_CONTACTS)

    def first(dialog: PartnerDialog) -> None:
        dialog.notes_edit.setPlainText("Accueil sur rendez-vous")
        if same_field:
            dialog.phone_edit.setText("05 36 49 99 99")
        directory.save_partner(saved.id, saved.version, theirs)  # a colleague, meanwhile

    def second(dialog: PartnerDialog) -> None:
        # The colleague's values are in the form, the user's too; the user saves again.
        assert dialog.draft().contacts == COLLEAGUE_CONTACTS
        assert dialog.draft().notes == "Accueil sur rendez-vous"
        assert dialog.is_modified()  # against the version saved now

    shown = play(monkeypatch, PartnerDialog, [first, second])
    page = real_page(qtbot, services, runner, prompter)
    page.show_partner(saved.id)
    page.edit_partner()

    assert len(shown) == 2
    banner = shown[1].error_label.text()
    if same_field:
        assert banner.startswith(
            "Modifié entre-temps par une autre personne : Contacts, Téléphone (à vérifier)."
        )
        assert "c'est votre saisie qui est gardée" in banner
    else:
        assert banner.startswith(
            "Modifié entre-temps par une autre personne : Téléphone, Contacts."
        )
    assert "Vos modifications sont conservées ; vérifiez puis enregistrez." in banner
    phone = "05 36 49 99 99" if same_field else theirs.phone
    expected = replace(theirs, phone=phone, notes="Accueil sur rendez-vous")
    assert directory.get_partner(saved.id).draft == expected


@pytest.mark.parametrize("same_field", [False, True], ids=["other_fields", "same_field"])
def test_a_convention_saved_meanwhile_keeps_the_colleagues_changes_and_the_users(
    qtbot, services: Any, runner, prompter, monkeypatch: pytest.MonkeyPatch, same_field: bool
) -> None:
    directory = services.partners
    caf = directory.save_partner(None, 0, CAF)
    mine_until, their_until = date(2027, 6, 30), date(2027, 12, 31)
    saved = directory.save_convention(
        None,
        0,
        ConventionDraft(
            partner_id=caf.id,
            title="Accès aux droits",
            status=ConventionStatus.SIGNED,
            signed_on=date(2025, 5, 16),
            expires_on=date(2026, 5, 16),
        ),
    )
    theirs = replace(saved.draft, expires_on=their_until, funding_source="FIPD")

    def first(dialog: ConventionDialog) -> None:
        dialog.notes_edit.setPlainText("Bilan annuel en janvier")
        if same_field:
            dialog.expires_field.set_value(mine_until)
        directory.save_convention(saved.id, saved.version, theirs)  # a colleague, meanwhile

    def second(dialog: ConventionDialog) -> None:
        assert dialog.draft().funding_source == "FIPD"
        assert dialog.draft().notes == "Bilan annuel en janvier"

    shown = play(monkeypatch, ConventionDialog, [first, second])
    page = real_page(qtbot, services, runner, prompter)
    page.edit_convention(saved)

    assert len(shown) == 2
    banner = shown[1].error_label.text()
    if same_field:
        assert "autre personne : Source du financement, Échéance (à vérifier)." in banner
    else:
        assert "autre personne : Échéance, Source du financement." in banner
    until = mine_until if same_field else their_until
    (final,) = directory.conventions()
    assert final.draft == replace(theirs, expires_on=until, notes="Bilan annuel en janvier")
