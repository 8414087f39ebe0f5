"""Closed vocabularies of the domain, each with its exact French label."""

from __future__ import annotations

from enum import StrEnum


class LabelledEnum(StrEnum):
    """A string enum whose members carry a French label for the interface."""

    label: str

    def __new__(cls, value: str, label: str) -> LabelledEnum:
        obj = str.__new__(cls, value)
        obj._value_ = value
        obj.label = label
        return obj

    @classmethod
    def choices(cls) -> list[LabelledEnum]:
        """Members offered for new records, in display order."""
        return list(cls)


class Regime(LabelledEnum):
    MILIEU_OUVERT = ("ouvert", "Milieu ouvert")
    MILIEU_FERME = ("ferme", "Milieu fermé")

    @property
    def short_label(self) -> str:
        return "Ouvert" if self is Regime.MILIEU_OUVERT else "Fermé"


class Sex(LabelledEnum):
    FEMALE = ("F", "Femme")
    MALE = ("M", "Homme")


class MeasureType(LabelledEnum):
    SURSIS_PROBATOIRE = ("sursis_probatoire", "Sursis probatoire")
    SURSIS_PROBATOIRE_RENFORCE = (
        "sursis_probatoire_renforce",
        "Sursis probatoire (suivi renforcé)",
    )
    TIG = ("tig", "Travail d'intérêt général (TIG)")
    DDSE = ("ddse", "Détention à domicile sous surveillance électronique (DDSE)")
    LIBERATION_CONDITIONNELLE = ("lc", "Libération conditionnelle (LC)")
    SEMI_LIBERTE = ("semi_liberte", "Semi-liberté")
    PLACEMENT_EXTERIEUR = ("placement_exterieur", "Placement à l'extérieur")
    LIBERATION_SOUS_CONTRAINTE = ("lsc", "Libération sous contrainte")
    SUIVI_SOCIO_JUDICIAIRE = ("ssj", "Suivi socio-judiciaire")
    CONTROLE_JUDICIAIRE = ("controle_judiciaire", "Contrôle judiciaire")
    PEINE_DE_STAGE = ("peine_de_stage", "Peine de stage")
    AJOURNEMENT_PROBATION = ("ajournement_probation", "Ajournement avec probation")
    EMPRISONNEMENT = ("emprisonnement", "Peine d'emprisonnement (détention)")
    # Abolished on 24 March 2020: kept so that old records stay readable.
    SME = ("sme", "Sursis avec mise à l'épreuve (SME, ancien régime)")
    CONTRAINTE_PENALE = ("contrainte_penale", "Contrainte pénale (ancien régime)")

    @property
    def is_legacy(self) -> bool:
        return self in (MeasureType.SME, MeasureType.CONTRAINTE_PENALE)

    @classmethod
    def choices(cls) -> list[LabelledEnum]:
        return [m for m in cls if not m.is_legacy]

    @property
    def short_label(self) -> str:
        """Compact label for tables and badges."""
        return _MEASURE_SHORT.get(self, self.label)


_MEASURE_SHORT = {
    MeasureType.SURSIS_PROBATOIRE_RENFORCE: "Sursis probatoire renforcé",
    MeasureType.TIG: "TIG",
    MeasureType.DDSE: "DDSE",
    MeasureType.LIBERATION_CONDITIONNELLE: "Libération conditionnelle",
    MeasureType.EMPRISONNEMENT: "Emprisonnement",
    MeasureType.SME: "SME (ancien régime)",
}


class ObligationType(LabelledEnum):
    """Obligations of article 132-45 of the Code pénal, plus free text."""

    ACTIVITE_FORMATION = (
        "activite_formation",
        "Exercer une activité professionnelle ou suivre un enseignement ou une formation",
    )
    RESIDENCE = ("residence", "Établir sa résidence en un lieu déterminé")
    SOINS = ("soins", "Se soumettre à des mesures d'examen, de traitement ou de soins")
    CHARGES_FAMILIALES = (
        "charges_familiales",
        "Justifier de sa contribution aux charges familiales",
    )
    REPARATION = ("reparation", "Réparer les dommages causés par l'infraction")
    TRESOR = ("tresor", "Justifier du paiement des sommes dues au Trésor public")
    CONDUITE = (
        "conduite",
        "S'abstenir de conduire certains véhicules ou conduire avec un éthylotest antidémarrage",
    )
    INTERDICTION_PROFESSIONNELLE = (
        "interdiction_professionnelle",
        "Ne pas exercer l'activité professionnelle liée à l'infraction",
    )
    INTERDICTION_PARAITRE = ("interdiction_paraitre", "Interdiction de paraître en certains lieux")
    PARIS = ("paris", "Ne pas engager de paris")
    DEBITS_BOISSONS = ("debits_boissons", "Ne pas fréquenter les débits de boissons")
    CONTACT = (
        "contact",
        "Ne pas entrer en relation avec certaines personnes, dont la victime",
    )
    ARMES = ("armes", "Ne pas détenir ou porter une arme")
    STAGE = ("stage", "Accomplir un stage")
    RESIDENCE_HORS_COUPLE = ("residence_hors_couple", "Résider hors du domicile du couple")
    MINEURS = (
        "mineurs",
        "S'abstenir de toute activité impliquant un contact habituel avec des mineurs",
    )
    TIG = ("tig", "Accomplir un travail d'intérêt général")
    AUTRE = ("autre", "Autre obligation (texte libre)")


class AgentRole(LabelledEnum):
    CPIP = ("cpip", "CPIP")
    DPIP = ("dpip", "DPIP")
    ASS = ("ass", "ASS")
    SECRETARIAT = ("secretariat", "Secrétariat")


class EstablishmentKind(LabelledEnum):
    MAISON_ARRET = ("maison_arret", "Maison d'arrêt")
    CENTRE_DETENTION = ("centre_detention", "Centre de détention")
    CENTRE_PENITENTIAIRE = ("centre_penitentiaire", "Centre pénitentiaire")
    MAISON_CENTRALE = ("maison_centrale", "Maison centrale")
    CENTRE_SEMI_LIBERTE = ("centre_semi_liberte", "Centre de semi-liberté")
    SAS = ("sas", "Structure d'accompagnement vers la sortie (SAS)")


class ClosureReason(LabelledEnum):
    FIN_DE_MESURE = ("fin_de_mesure", "Fin de la mesure")
    TRANSFERT = ("transfert", "Transfert vers un autre SPIP")
    REVOCATION = ("revocation", "Révocation ou incarcération")
    DECES = ("deces", "Décès")
    AUTRE = ("autre", "Autre motif")


class FileStatus(LabelledEnum):
    """Filter on the list: open files, closed files, or both."""

    ACTIVE = ("active", "Dossiers actifs")
    CLOSED = ("closed", "Dossiers clôturés")
    ALL = ("all", "Tous les dossiers")
