"""The words of access to rights, partners and the journal: enumerations and status tables.

Kept apart from :mod:`~spip_desktop.domain.rights`, :mod:`~spip_desktop.domain.partners`
and :mod:`~spip_desktop.domain.journal` (the dataclasses and rules), which re-export
everything here: the database models need only these, before the sign-in form.
"""

from __future__ import annotations

from .enums import LabelledEnum

# -- access to rights ---------------------------------------------------------------------


class RightsDomain(LabelledEnum):
    """The domains the catalogue groups steps by, in display order."""

    IDENTITY = ("identite", "Papiers d'identité")
    DOMICILIATION = ("domiciliation", "Domiciliation")
    HEALTH = ("sante", "Assurance maladie")
    CAF = ("caf", "Prestations CAF")
    EMPLOYMENT = ("emploi", "Emploi")
    YOUTH = ("jeunes", "Mission locale")
    BANK = ("banque", "Compte bancaire")
    HOUSING = ("logement", "Logement et hébergement")
    DISABILITY = ("handicap", "Handicap")
    OTHER = ("autre", "Autre")


class StepKind(LabelledEnum):
    """A catalogue item. :meth:`choices` leaves out the labels no longer used."""

    CNI = ("cni", "Carte nationale d'identité")
    PASSPORT = ("passeport", "Passeport")
    RESIDENCE_PERMIT = ("titre_sejour", "Titre de séjour")
    DOMICILIATION = ("domiciliation", "Domiciliation")
    HEALTH_AFFILIATION = ("affiliation", "Affiliation à l'assurance maladie")
    CARTE_VITALE = ("carte_vitale", "Carte Vitale")
    C2S = ("c2s", "Complémentaire santé solidaire (C2S)")
    AME = ("ame", "Aide médicale de l'État (AME)")
    RSA = ("rsa", "Revenu de solidarité active (RSA)")
    PRIME_ACTIVITE = ("prime_activite", "Prime d'activité")
    APL = ("apl", "Aide personnalisée au logement (APL)")
    FRANCE_TRAVAIL = ("france_travail", "Inscription à France Travail")
    MISSION_LOCALE = ("mission_locale", "Accompagnement mission locale (CEJ, 16-25 ans)")
    BANK_ACCOUNT = ("droit_au_compte", "Droit au compte (compte bancaire)")
    SHELTER = ("siao", "Hébergement (SIAO, 115)")
    HOUSING = ("logement", "Demande de logement")
    AAH = ("aah", "Allocation aux adultes handicapés (AAH)")
    RQTH = ("rqth", "Reconnaissance de la qualité de travailleur handicapé (RQTH)")
    OTHER = ("autre", "Autre démarche")
    # Pôle emploi became France Travail on 1 January 2024: kept for the steps recorded before.
    POLE_EMPLOI = ("pole_emploi", "Inscription à Pôle emploi (ancien nom de France Travail)")

    @classmethod
    def choices(cls) -> list[LabelledEnum]:
        return [kind for kind in cls if kind is not StepKind.POLE_EMPLOI]


class Actor(LabelledEnum):
    """Who acts on a step: the SPIP or the partner."""

    SPIP = ("spip", "SPIP")
    PARTNER = ("partner", "Partenaire")


class StepStatus(LabelledEnum):
    TO_START = ("a_engager", "À engager")
    IN_PROGRESS = ("en_cours", "En cours")
    FILED = ("depose", "Dossier déposé")
    MISSING_DOCUMENTS = ("pieces_manquantes", "Pièces manquantes")
    OBTAINED = ("obtenu", "Obtenu")
    REFUSED = ("refuse", "Refusé")
    APPEAL = ("recours", "Recours")
    ABANDONED = ("abandonne", "Abandonné")
    NOT_APPLICABLE = ("sans_objet", "Sans objet")

    @property
    def closed(self) -> bool:
        """No more work on the step (a refusal may still be appealed)."""
        return self in CLOSED_STATUSES

    @property
    def colour(self) -> str:
        """The pill colour lists and the history draw the status with."""
        return STATUS_COLOURS[self]

    @property
    def allowed(self) -> tuple[StepStatus, ...]:
        """The statuses the step may move to from this one, in display order."""
        return TRANSITIONS[self]


S = StepStatus
CLOSED_STATUSES = frozenset({S.OBTAINED, S.REFUSED, S.ABANDONED, S.NOT_APPLICABLE})
OPEN_STATUSES = tuple(s for s in StepStatus if s not in CLOSED_STATUSES)

#: Background colours (light enough for dark text), one family per meaning.
STATUS_COLOURS: dict[StepStatus, str] = {
    S.TO_START: "#e8eaed",
    S.IN_PROGRESS: "#d6e6fa",
    S.FILED: "#dcd6f7",
    S.MISSING_DOCUMENTS: "#fde2bd",
    S.OBTAINED: "#cfeccf",
    S.REFUSED: "#f8d0d0",
    S.APPEAL: "#f6c7e0",
    S.ABANDONED: "#e0e0e0",
    S.NOT_APPLICABLE: "#ececec",
}

_GIVE_UP = (S.ABANDONED, S.NOT_APPLICABLE)

#: The table of allowed transitions: ``à engager → en cours → dossier déposé ↔ pièces
#: manquantes → obtenu | refusé (→ recours) | abandonné | sans objet``: the decision
#: comes on a filed file or on one still missing a document (a body may refuse it as
#: incomplete). Abandoning, or finding the step pointless, is possible at any open
#: stage; a refusal can be appealed,
#: and the appeal ends in *obtenu*, *refusé* or *abandonné*. Closed statuses are final:
#: a right to renew is a new step.
TRANSITIONS: dict[StepStatus, tuple[StepStatus, ...]] = {
    S.TO_START: (S.IN_PROGRESS, *_GIVE_UP),
    S.IN_PROGRESS: (S.FILED, *_GIVE_UP),
    S.FILED: (S.MISSING_DOCUMENTS, S.OBTAINED, S.REFUSED, *_GIVE_UP),
    S.MISSING_DOCUMENTS: (S.FILED, S.OBTAINED, S.REFUSED, *_GIVE_UP),
    S.OBTAINED: (),
    S.REFUSED: (S.APPEAL,),
    S.APPEAL: (S.OBTAINED, S.REFUSED, S.ABANDONED),
    S.ABANDONED: (),
    S.NOT_APPLICABLE: (),
}


# -- partners and conventions --------------------------------------------------------------


class PartnerKind(LabelledEnum):
    INSTITUTION = ("institution", "Institution")
    LOCAL_AUTHORITY = ("collectivite", "Collectivité territoriale")
    ASSOCIATION = ("association", "Association")
    HEALTH = ("sante", "Santé")
    HOUSING = ("logement", "Logement et hébergement")
    EMPLOYMENT = ("emploi", "Emploi et insertion")
    STAGE_PROVIDER = ("stage", "Organisme de stage")
    TIG_HOST = ("tig", "Structure d'accueil TIG")


class Theme(LabelledEnum):
    RIGHTS = ("droits", "Accès aux droits")
    EMPLOYMENT = ("emploi", "Emploi")
    HOUSING = ("logement", "Logement")
    HEALTH = ("sante", "Santé")
    EDUCATION = ("education", "Enseignement et formation")
    CULTURE = ("culture", "Culture")
    PREVENTION = ("prevention", "Prévention de la récidive")


class ConventionLevel(LabelledEnum):
    NATIONAL = ("national", "Nationale")
    LOCAL = ("local", "Locale")


class Milieu(LabelledEnum):
    OUVERT = ("ouvert", "Milieu ouvert")
    FERME = ("ferme", "Milieu fermé")
    BOTH = ("les_deux", "Milieu ouvert et fermé")


class ConventionStatus(LabelledEnum):
    """The status the service records; *expirée* is computed from the dates."""

    DRAFT = ("projet", "En projet")
    SIGNED = ("signee", "Signée")
    TERMINATED = ("denoncee", "Dénoncée")


class ConventionState(LabelledEnum):
    """What the convention is on a given day (shown, filtered, flagged)."""

    DRAFT = ("projet", "En projet")
    ACTIVE = ("en_vigueur", "En vigueur")
    EXPIRING = ("a_renouveler", "À renouveler")
    EXPIRED = ("expiree", "Expirée")
    TERMINATED = ("denoncee", "Dénoncée")


# -- journal ----------------------------------------------------------------------------------


class EntryKind(LabelledEnum):
    NOTE = ("note", "Note")
    INTERVIEW = ("entretien", "Entretien")
    SUMMONS = ("convocation", "Convocation")
    HOME_VISIT = ("visite", "Visite à domicile")

    @property
    def is_appointment(self) -> bool:
        return self is not EntryKind.NOTE


APPOINTMENT_KINDS = (EntryKind.INTERVIEW, EntryKind.SUMMONS, EntryKind.HOME_VISIT)


class Outcome(LabelledEnum):
    HONOURED = ("honore", "Honoré")
    MISSED = ("non_honore", "Non honoré")
    EXCUSED = ("excuse", "Excusé")
