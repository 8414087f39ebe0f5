"""The partner directory and the conventions of the demonstration database.

About forty fictitious partners of the demonstration service (the SPIP of the Gironde the
rest of the demonstration invents): institutions (préfecture, CAF, CPAM, MDPH, Banque de
France), France Travail agencies and missions locales, local authorities and CCAS, the
SIAO and shelters, CSAPA and health services, associations, stage providers and TIG
hosts; each with its themes, the antennes it serves, the SPIP's referent and one to
three contacts. About fifteen conventions, national and local, some funded by the FIPD;
relative to the generation's ``today`` one is to renew within 90 days, one has expired,
one is being drafted and one was terminated (*dénoncée*).

Contacts are invented; their telephone numbers are in the range the telecoms regulator
(ARCEP) keeps for fiction (05 36 49 …) and their addresses end in ``.example``.
The same ``rng`` state, reference data and ``today`` give the same rows.
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from sqlalchemy import Connection, func, insert, select
from sqlalchemy.orm import Session

from ..domain.enums import AgentRole
from ..domain.partners import ConventionLevel, ConventionStatus, Milieu, PartnerKind, Theme
from ..domain.text import fold
from . import models as m
from .models import utcnow
from .partners import decode_themes, encode_themes

K = PartnerKind
T = Theme

#: Antenne codes of the demonstration (db/demo.py ANTENNES).
BDX, LIB, ARC, GRA = "BDX", "LIB", "ARC", "GRA"


@dataclass(frozen=True)
class PartnerSpec:
    name: str
    kind: PartnerKind
    themes: tuple[Theme, ...]
    address: str
    #: Antenne codes served; empty: the whole service.
    antennes: tuple[str, ...] = ()
    #: The contacts' functions, the first one foremost.
    roles: tuple[str, ...] = ("Chargé(e) des partenariats",)
    notes: str = ""
    active: bool = True


PARTNERS: tuple[PartnerSpec, ...] = (
    # -- institutions ------------------------------------------------------------------------
    PartnerSpec(
        "Préfecture de la Gironde",
        K.INSTITUTION,
        (T.PREVENTION,),
        "2 esplanade Charles-de-Gaulle, 33000 Bordeaux",
        roles=("Cheffe du bureau de la prévention de la délinquance", "Chargé de mission FIPD"),
        notes="Finance les stages de citoyenneté par le FIPD ; la DPIP siège au CDPD.",
    ),
    PartnerSpec(
        "CAF de la Gironde",
        K.INSTITUTION,
        (T.RIGHTS, T.HOUSING),
        "50 rue du Docteur Gabriel Péry, 33000 Bordeaux",
        roles=("Référente partenariats justice", "Conseiller RSA"),
        notes="Permanence au SPIP (antenne de Bordeaux) le mardi matin, sur rendez-vous.",
    ),
    PartnerSpec(
        "CPAM de la Gironde",
        K.INSTITUTION,
        (T.RIGHTS, T.HEALTH),
        "Place de l'Europe, 33085 Bordeaux Cedex",
        roles=("Correspondante accès aux droits", "Conseiller PFIDASS"),
        notes="Dossiers de C2S et d'affiliation transmis par la messagerie partenaires.",
    ),
    PartnerSpec(
        "MDPH de la Gironde",
        K.INSTITUTION,
        (T.RIGHTS, T.HEALTH),
        "264 boulevard du Président Wilson, 33000 Bordeaux",
        roles=("Référent insertion professionnelle (RQTH)",),
    ),
    PartnerSpec(
        "Banque de France, succursale de Bordeaux",
        K.INSTITUTION,
        (T.RIGHTS,),
        "13 rue Esprit des Lois, 33000 Bordeaux",
        roles=("Conseillère droit au compte",),
        notes="Droit au compte : lettre de refus de la banque et pièce d'identité.",
    ),
    PartnerSpec(
        "Maison de la justice et du droit de Lormont",
        K.INSTITUTION,
        (T.RIGHTS, T.PREVENTION),
        "Rue Lavergne, 33310 Lormont",
        (BDX,),
        roles=("Greffière coordinatrice",),
        notes="Prête sa salle pour les stages de citoyenneté et de responsabilisation.",
    ),
    PartnerSpec(
        "Point d'accès au droit de Libourne",
        K.INSTITUTION,
        (T.RIGHTS,),
        "Place Abel Surchamp, 33500 Libourne",
        (LIB,),
        roles=("Juriste",),
    ),
    PartnerSpec(
        "Musée d'Aquitaine, service des publics",
        K.INSTITUTION,
        (T.CULTURE,),
        "20 cours Pasteur, 33000 Bordeaux",
        roles=("Médiatrice culturelle", "Responsable des publics"),
    ),
    PartnerSpec(
        "Bibliothèque municipale Mériadeck",
        K.INSTITUTION,
        (T.CULTURE, T.EDUCATION),
        "85 cours du Maréchal Juin, 33000 Bordeaux",
        (BDX,),
        roles=("Bibliothécaire, publics éloignés",),
    ),
    PartnerSpec(
        "GRETA-CFA Aquitaine",
        K.INSTITUTION,
        (T.EDUCATION, T.EMPLOYMENT),
        "8 avenue de Thouars, 33400 Talence",
        (GRA,),
        roles=("Coordinatrice formation en détention",),
        notes="Formations qualifiantes au centre pénitentiaire de Bordeaux-Gradignan.",
    ),
    # -- employment ----------------------------------------------------------------------------
    PartnerSpec(
        "France Travail Bordeaux Bastide",
        K.EMPLOYMENT,
        (T.EMPLOYMENT,),
        "120 avenue Thiers, 33100 Bordeaux",
        (BDX,),
        roles=("Conseillère référente justice", "Directeur d'agence"),
        notes="Inscription des sortants de détention sur rendez-vous dédié.",
    ),
    PartnerSpec(
        "France Travail Libourne",
        K.EMPLOYMENT,
        (T.EMPLOYMENT,),
        "31 avenue de l'Épinette, 33500 Libourne",
        (LIB,),
        roles=("Conseiller référent justice",),
    ),
    PartnerSpec(
        "France Travail Arcachon",
        K.EMPLOYMENT,
        (T.EMPLOYMENT,),
        "12 boulevard Mestrezat, 33120 Arcachon",
        (ARC,),
        roles=("Conseillère référente justice",),
    ),
    PartnerSpec(
        "Mission locale de Bordeaux",
        K.EMPLOYMENT,
        (T.EMPLOYMENT, T.EDUCATION),
        "92 cours de la Somme, 33800 Bordeaux",
        (BDX, GRA),
        roles=("Conseiller justice (16-25 ans)", "Chargée du contrat d'engagement jeune"),
    ),
    PartnerSpec(
        "Mission locale du Libournais",
        K.EMPLOYMENT,
        (T.EMPLOYMENT, T.EDUCATION),
        "9 rue Jules Ferry, 33500 Libourne",
        (LIB,),
        roles=("Conseillère justice (16-25 ans)",),
    ),
    PartnerSpec(
        "Mission locale du Bassin d'Arcachon",
        K.EMPLOYMENT,
        (T.EMPLOYMENT, T.EDUCATION),
        "27 avenue de la Libération, 33260 La Teste-de-Buch",
        (ARC,),
        roles=("Conseiller justice (16-25 ans)",),
    ),
    PartnerSpec(
        "Chantier d'insertion Les Ateliers des Graves",
        K.EMPLOYMENT,
        (T.EMPLOYMENT,),
        "Zone artisanale du Bourg, 33140 Villenave-d'Ornon",
        roles=("Encadrant technique", "Chargée d'insertion"),
        notes="Accueille des personnes en placement à l'extérieur.",
    ),
    # -- local authorities -----------------------------------------------------------------------
    PartnerSpec(
        "Conseil départemental de la Gironde",
        K.LOCAL_AUTHORITY,
        (T.RIGHTS, T.HOUSING, T.EMPLOYMENT),
        "Esplanade Charles-de-Gaulle, 33074 Bordeaux Cedex",
        roles=("Chef de service insertion RSA", "Travailleuse sociale de secteur"),
    ),
    PartnerSpec(
        "Mairie de Talence",
        K.LOCAL_AUTHORITY,
        (T.PREVENTION,),
        "Place Alcala de Henares, 33400 Talence",
        (BDX,),
        roles=("Coordinateur du CLSPD",),
        notes="Prête la salle du conseil pour les stages (réservation un mois à l'avance).",
    ),
    PartnerSpec(
        "Ville de Pessac",
        K.LOCAL_AUTHORITY,
        (T.PREVENTION, T.CULTURE),
        "Maison des associations, 1 avenue Pasteur, 33600 Pessac",
        (BDX,),
        roles=("Responsable de la vie associative",),
    ),
    PartnerSpec(
        "Ville de Lormont",
        K.LOCAL_AUTHORITY,
        (T.PREVENTION,),
        "Complexe sportif Alain-Mimoun, 33310 Lormont",
        (BDX,),
        roles=("Directeur des sports",),
    ),
    PartnerSpec(
        "CCAS de Bordeaux",
        K.LOCAL_AUTHORITY,
        (T.RIGHTS, T.HOUSING),
        "Cité municipale, 4 rue Claude Bonnier, 33000 Bordeaux",
        (BDX,),
        roles=("Responsable de la domiciliation", "Assistante sociale"),
        notes="Domiciliation : rendez-vous au pôle accueil, pièce d'identité demandée.",
    ),
    PartnerSpec(
        "CCAS de Libourne",
        K.LOCAL_AUTHORITY,
        (T.RIGHTS,),
        "Hôtel de ville, 33500 Libourne",
        (LIB,),
        roles=("Agent d'accueil social",),
    ),
    # -- housing -----------------------------------------------------------------------------
    PartnerSpec(
        "SIAO de la Gironde (115)",
        K.HOUSING,
        (T.HOUSING,),
        "15 rue de Cursol, 33000 Bordeaux",
        roles=("Coordinatrice insertion", "Écoutant 115"),
        notes="Demandes d'hébergement des sortants : fiche SIAO au moins un mois avant.",
    ),
    PartnerSpec(
        "CHRS Le Relais des Chartrons",
        K.HOUSING,
        (T.HOUSING, T.RIGHTS),
        "71 quai des Chartrons, 33300 Bordeaux",
        (BDX,),
        roles=("Cheffe de service", "Éducateur spécialisé"),
    ),
    PartnerSpec(
        "Résidence sociale Les Hirondelles",
        K.HOUSING,
        (T.HOUSING,),
        "18 avenue Gallieni, 33500 Libourne",
        (LIB,),
        roles=("Responsable de résidence",),
    ),
    # -- health ------------------------------------------------------------------------------
    PartnerSpec(
        "CSAPA Bordeaux",
        K.HEALTH,
        (T.HEALTH, T.PREVENTION),
        "36 rue Saint-Sernin, 33000 Bordeaux",
        (BDX, GRA),
        roles=("Infirmière en addictologie", "Psychologue"),
        notes="Organise le stage de sensibilisation aux dangers des stupéfiants.",
    ),
    PartnerSpec(
        "CSAPA du Libournais",
        K.HEALTH,
        (T.HEALTH,),
        "4 rue de la Marne, 33500 Libourne",
        (LIB,),
        roles=("Éducatrice spécialisée",),
    ),
    PartnerSpec(
        "Centre médico-psychologique Bordeaux Rive droite",
        K.HEALTH,
        (T.HEALTH,),
        "140 avenue Thiers, 33100 Bordeaux",
        (BDX,),
        roles=("Cadre de santé",),
        notes="Obligations de soins : attestation de suivi remise à la personne.",
    ),
    # -- associations and stage providers ---------------------------------------------------------
    PartnerSpec(
        "Association Prévention Routière 33",
        K.STAGE_PROVIDER,
        (T.PREVENTION,),
        "3 rue Pierre Baour, 33700 Mérignac",
        roles=("Formateur BAFM", "Secrétaire"),
    ),
    PartnerSpec(
        "Centre agréé Sécurité routière Aquitaine",
        K.STAGE_PROVIDER,
        (T.PREVENTION,),
        "210 avenue de l'Argonne, 33700 Mérignac",
        roles=("Directrice pédagogique",),
    ),
    PartnerSpec(
        "CIDFF de la Gironde",
        K.STAGE_PROVIDER,
        (T.PREVENTION, T.RIGHTS),
        "13 cours de l'Argonne, 33000 Bordeaux",
        roles=("Juriste", "Directrice"),
        notes="Stages de responsabilisation (violences au sein du couple) et de lutte contre "
        "le sexisme.",
    ),
    PartnerSpec(
        "Association Vict'Aide 33",
        K.ASSOCIATION,
        (T.PREVENTION,),
        "22 rue Ravez, 33000 Bordeaux",
        roles=("Intervenante sociale",),
    ),
    PartnerSpec(
        "Association Égalité Gironde",
        K.STAGE_PROVIDER,
        (T.PREVENTION,),
        "8 rue Camille Godard, 33300 Bordeaux",
        roles=("Chargée de projet",),
    ),
    PartnerSpec(
        "École des parents de la Gironde",
        K.STAGE_PROVIDER,
        (T.PREVENTION, T.EDUCATION),
        "11 rue des Poilus, 33600 Pessac",
        roles=("Conseillère conjugale et familiale",),
    ),
    PartnerSpec(
        "Refuge animalier du Médoc",
        K.STAGE_PROVIDER,
        (T.PREVENTION,),
        "Route de Saint-Trélody, 33340 Lesparre-Médoc",
        roles=("Vétérinaire bénévole",),
    ),
    PartnerSpec(
        "Association Net'Respect 33",
        K.STAGE_PROVIDER,
        (T.PREVENTION, T.EDUCATION),
        "5 rue du Mirail, 33000 Bordeaux",
        roles=("Animateur numérique",),
    ),
    PartnerSpec(
        "Centre social et culturel de Mérignac",
        K.ASSOCIATION,
        (T.CULTURE, T.RIGHTS),
        "Place Jean Jaurès, 33700 Mérignac",
        roles=("Directrice", "Animateur"),
    ),
    PartnerSpec(
        "Compagnie Les Tréteaux de l'Estuaire",
        K.ASSOCIATION,
        (T.CULTURE,),
        "40 rue de Tauzia, 33800 Bordeaux",
        roles=("Metteuse en scène",),
    ),
    PartnerSpec(
        "Comité départemental UFOLEP de la Gironde",
        K.ASSOCIATION,
        (T.PREVENTION, T.EDUCATION),
        "72 rue Bouthier, 33100 Bordeaux",
        roles=("Éducateur sportif",),
    ),
    PartnerSpec(
        "Aviron club de Bègles",
        K.ASSOCIATION,
        (T.PREVENTION,),
        "Base nautique, 33130 Bègles",
        roles=("Entraîneur",),
    ),
    PartnerSpec(
        "Association Le Relais pessacais",
        K.ASSOCIATION,
        (T.RIGHTS, T.HOUSING),
        "9 rue Pasteur, 33600 Pessac",
        roles=("Ancien président",),
        notes="Association dissoute ; ses permanences sont reprises par le CCAS.",
        active=False,
    ),
    # -- TIG hosts -------------------------------------------------------------------------------
    PartnerSpec(
        "Ville de Bègles, services techniques",
        K.TIG_HOST,
        (T.EMPLOYMENT,),
        "Centre technique municipal, 33130 Bègles",
        (BDX,),
        roles=("Tuteur TIG (espaces verts)", "Responsable des ressources humaines"),
        notes="Trois postes de TIG : espaces verts, voirie, entretien des écoles.",
    ),
    PartnerSpec(
        "Ressourcerie Le Grenier solidaire",
        K.TIG_HOST,
        (T.EMPLOYMENT,),
        "Zone du Ballastière, 33500 Libourne",
        (LIB,),
        roles=("Tutrice TIG",),
    ),
    PartnerSpec(
        "Jardins partagés de la Benauge",
        K.TIG_HOST,
        (T.EMPLOYMENT, T.PREVENTION),
        "Rue Raymond Poincaré, 33100 Bordeaux",
        (BDX,),
        roles=("Tuteur TIG",),
    ),
)

#: The venues of the demonstration stages lent by a partner: venue text -> partner.
VENUE_PARTNERS: dict[str, str] = {
    "Maison de la justice et du droit de Lormont": "Maison de la justice et du droit de Lormont",
    "Mairie de Talence, salle du conseil": "Mairie de Talence",
    "Maison des associations de Pessac": "Ville de Pessac",
    "Centre agréé Sécurité routière, Mérignac": "Centre agréé Sécurité routière Aquitaine",
    "CSAPA Bordeaux, salle de groupe": "CSAPA Bordeaux",
    "Centre social et culturel de Mérignac": "Centre social et culturel de Mérignac",
    "Centre social et culturel de Mérignac, salle polyvalente": (
        "Centre social et culturel de Mérignac"
    ),
    "Refuge animalier du Médoc, salle pédagogique": "Refuge animalier du Médoc",
    "Musée d'Aquitaine, Bordeaux": "Musée d'Aquitaine, service des publics",
    "Bibliothèque Mériadeck, Bordeaux": "Bibliothèque municipale Mériadeck",
    "Base nautique de Bègles": "Aviron club de Bègles",
    "Complexe sportif de Lormont": "Ville de Lormont",
}


@dataclass(frozen=True)
class ConventionSpec:
    partner: str
    level: ConventionLevel
    title: str
    themes: tuple[Theme, ...]
    milieu: Milieu
    #: Days from ``today``: signed that many days ago; expires that many days ahead.
    signed_days_ago: int | None
    expires_in_days: int | None
    funding_cents: int | None = None
    funding_source: str = ""
    status: ConventionStatus = ConventionStatus.SIGNED
    notes: str = ""


L, N = ConventionLevel.LOCAL, ConventionLevel.NATIONAL
OUVERT, FERME, BOTH = Milieu.OUVERT, Milieu.FERME, Milieu.BOTH

CONVENTIONS: tuple[ConventionSpec, ...] = (
    ConventionSpec(
        "CAF de la Gironde",
        N,
        "Accès aux droits des personnes placées sous main de justice (déclinaison "
        "départementale de la convention nationale DAP-CNAF)",
        (T.RIGHTS, T.HOUSING),
        BOTH,
        700,
        395,
    ),
    ConventionSpec(
        "CPAM de la Gironde",
        L,
        "Affiliation, complémentaire santé solidaire et carte Vitale des personnes suivies",
        (T.RIGHTS, T.HEALTH),
        BOTH,
        1050,
        45,  # to renew: the flag of the demonstration
        notes="Renouvellement à préparer : bilan 2025 transmis à la CPAM.",
    ),
    ConventionSpec(
        "France Travail Bordeaux Bastide",
        N,
        "Accord-cadre DAP - France Travail pour l'insertion professionnelle des personnes "
        "placées sous main de justice",
        (T.EMPLOYMENT,),
        BOTH,
        400,
        700,
    ),
    ConventionSpec(
        "Mission locale de Bordeaux",
        L,
        "Accompagnement des jeunes de 16 à 25 ans suivis par le SPIP",
        (T.EMPLOYMENT, T.EDUCATION),
        BOTH,
        1115,
        -20,  # expired, not renewed yet
    ),
    ConventionSpec(
        "Préfecture de la Gironde",
        L,
        "Stages de citoyenneté : financement au titre du FIPD",
        (T.PREVENTION,),
        OUVERT,
        115,
        250,
        12_500_00,
        "FIPD",
    ),
    ConventionSpec(
        "Préfecture de la Gironde",
        L,
        "Programme de prévention de la récidive : intervention de psychologues",
        (T.PREVENTION, T.HEALTH),
        OUVERT,
        None,
        None,
        8_000_00,
        "FIPD",
        ConventionStatus.DRAFT,
        notes="Projet soumis au comité de pilotage du FIPD.",
    ),
    ConventionSpec(
        "Conseil départemental de la Gironde",
        L,
        "Insertion des bénéficiaires du RSA placés sous main de justice",
        (T.RIGHTS, T.EMPLOYMENT),
        OUVERT,
        220,
        510,
        15_000_00,
        "Conseil départemental",
    ),
    ConventionSpec(
        "SIAO de la Gironde (115)",
        L,
        "Orientation et hébergement des personnes sortant de détention",
        (T.HOUSING,),
        FERME,
        245,
        120,
    ),
    ConventionSpec(
        "CSAPA Bordeaux",
        L,
        "Stage de sensibilisation aux dangers de l'usage de produits stupéfiants",
        (T.HEALTH, T.PREVENTION),
        OUVERT,
        60,
        305,
        4_200_00,
        "FIPD",
    ),
    ConventionSpec(
        "CIDFF de la Gironde",
        L,
        "Stages de responsabilisation pour la prévention des violences au sein du couple",
        (T.PREVENTION,),
        OUVERT,
        205,
        160,
        6_000_00,
        "FIPD",
    ),
    ConventionSpec(
        "Association Prévention Routière 33",
        L,
        "Stages de sensibilisation à la sécurité routière",
        (T.PREVENTION,),
        OUVERT,
        640,
        90 + 365,
        status=ConventionStatus.TERMINATED,
        notes="Dénoncée par l'association ; les stages passent au centre agréé.",
    ),
    ConventionSpec(
        "Mairie de Talence",
        L,
        "Mise à disposition de la salle du conseil pour les stages",
        (T.PREVENTION,),
        OUVERT,
        300,
        430,
    ),
    ConventionSpec(
        "Ville de Bègles, services techniques",
        L,
        "Accueil de personnes condamnées à un travail d'intérêt général",
        (T.EMPLOYMENT,),
        OUVERT,
        180,
        550,
    ),
    ConventionSpec(
        "Musée d'Aquitaine, service des publics",
        L,
        "Actions culturelles en milieu ouvert et en détention",
        (T.CULTURE,),
        BOTH,
        330,
        200,
        3_000_00,
        "Direction régionale des affaires culturelles (DRAC)",
    ),
    ConventionSpec(
        "GRETA-CFA Aquitaine",
        L,
        "Formations qualifiantes au centre pénitentiaire de Bordeaux-Gradignan",
        (T.EDUCATION, T.EMPLOYMENT),
        FERME,
        90,
        820,
        22_000_00,
        "Région Nouvelle-Aquitaine",
    ),
    ConventionSpec(
        "Banque de France, succursale de Bordeaux",
        N,
        "Droit au compte et inclusion bancaire",
        (T.RIGHTS,),
        BOTH,
        900,
        None,
    ),
)


@dataclass(frozen=True)
class DemoPartner:
    """A partner of the demonstration, as the other generators need it."""

    id: int
    name: str
    kind: PartnerKind
    themes: frozenset[Theme]


Executor = Connection | Session


def _slug(name: str) -> str:
    words = [w for w in fold(name).split() if w not in ("de", "la", "du", "le", "les", "des", "l")]
    return "-".join(words[:3]) or "partenaire"


def _contacts(rnd: random.Random, spec: PartnerSpec, partner_id: int) -> list[dict[str, Any]]:
    from faker.providers.person.fr_FR import Provider

    rows = []
    for position, role in enumerate(spec.roles):
        female = _feminine(role)
        if female is None:
            female = rnd.random() < 0.6
        given = str(
            rnd.choice(Provider.first_names_female if female else Provider.first_names_male)
        )
        surname = str(rnd.choice(Provider.last_names))
        phone = f"05 36 49 {_pair(rnd)} {_pair(rnd)}"
        email = f"{fold(given).replace(' ', '-')}.{fold(surname).replace(' ', '-')}"
        rows.append(
            {
                "partner_id": partner_id,
                "name": f"{given} {surname.upper()}",
                "role": role,
                "phone": phone,
                "email": f"{email}@{_slug(spec.name)}.example",
                "position": position,
            }
        )
    return rows


_FEMININE = ("trice", "ière", "ère", "enne", "euse", "ante", "ente", "ée", "ffe")
_MASCULINE = ("eur", "ier", "er", "ien", "ant", "ent", "é", "chef")


def _feminine(role: str) -> bool | None:
    """Whether a function's wording is feminine, masculine (``False``) or either (``None``)."""
    word = role.split()[0].lower()
    if word.endswith(_FEMININE):
        return True
    if word.endswith(_MASCULINE):
        return False
    return None


def _partners_of(executor: Executor) -> list[DemoPartner]:
    rows = executor.execute(
        select(m.PartnerRow.id, m.PartnerRow.name, m.PartnerRow.kind, m.PartnerRow.themes).order_by(
            m.PartnerRow.sort_key
        )
    ).all()
    return [DemoPartner(r.id, r.name, r.kind, decode_themes(r.themes)) for r in rows]


def demo_partners(
    session: Executor, rng: random.Random, today: date | None = None
) -> list[DemoPartner]:
    """Write the demonstration's partners, contacts and conventions; the partners.

    Does nothing but return the partners when the directory is not empty (the stages'
    generator calls it too, for their organisers and venues).
    """
    if session.scalar(select(func.count()).select_from(m.PartnerRow)):
        return _partners_of(session)
    today = today or date.today()
    now = utcnow()
    stamp = {"version": 1, "created_at": now, "updated_at": now}
    antennes: dict[str, int] = {
        code: antenne_id
        for code, antenne_id in session.execute(select(m.AntenneRow.code, m.AntenneRow.id))
    }
    referents = list(
        session.scalars(
            select(m.AgentRow.id)
            .where(m.AgentRow.role.in_([AgentRole.DPIP, AgentRole.CPIP, AgentRole.ASS]))
            .order_by(m.AgentRow.id)
        )
    )
    dpips = list(
        session.scalars(
            select(m.AgentRow.id).where(m.AgentRow.role == AgentRole.DPIP).order_by(m.AgentRow.id)
        )
    )
    partner_rows = [
        {
            "name": spec.name,
            "kind": spec.kind,
            "themes": encode_themes(frozenset(spec.themes)),
            "address": spec.address,
            "phone": f"05 36 49 {_pair(rng)} {_pair(rng)}",
            "email": f"contact@{_slug(spec.name)}.example",
            # The direction follows the institutions; a CPIP or an ASS the others.
            "referent_id": _referent(rng, spec, dpips, referents),
            "notes": spec.notes,
            "active": spec.active,
            "sort_key": fold(spec.name),
            **stamp,
        }
        for spec in PARTNERS
    ]
    ids = _insert(session, m.PartnerRow, partner_rows)
    by_name = dict(zip((s.name for s in PARTNERS), ids, strict=True))
    served = [
        {"partner_id": partner_id, "antenne_id": antennes[code]}
        for spec, partner_id in zip(PARTNERS, ids, strict=True)
        for code in spec.antennes
        if code in antennes
    ]
    if served:
        session.execute(insert(m.PartnerAntenneRow), served)
    contacts = [
        row
        for spec, partner_id in zip(PARTNERS, ids, strict=True)
        for row in _contacts(rng, spec, partner_id)
    ]
    session.execute(insert(m.PartnerContactRow), contacts)
    session.execute(insert(m.ConventionRow), _convention_rows(CONVENTIONS, by_name, today, stamp))
    return _partners_of(session)


def _pair(rng: random.Random) -> str:
    return f"{rng.randint(0, 99):02d}"


def _referent(
    rng: random.Random, spec: PartnerSpec, dpips: Sequence[int], others: Sequence[int]
) -> int | None:
    pool = dpips if spec.kind is PartnerKind.INSTITUTION and dpips else others
    if not pool or rng.random() < 0.1:
        return None
    return rng.choice(list(pool))


def _convention_rows(
    specs: Sequence[ConventionSpec], by_name: dict[str, int], today: date, stamp: dict[str, Any]
) -> list[dict[str, Any]]:
    rows = []
    for spec in specs:
        signed = (
            today - timedelta(days=spec.signed_days_ago)
            if spec.signed_days_ago is not None
            else None
        )
        expires = (
            today + timedelta(days=spec.expires_in_days)
            if spec.expires_in_days is not None
            else None
        )
        rows.append(
            {
                "partner_id": by_name[spec.partner],
                "level": spec.level,
                "title": spec.title,
                "themes": encode_themes(frozenset(spec.themes)),
                "milieu": spec.milieu,
                "signed_on": signed,
                "expires_on": expires,
                "funding_cents": spec.funding_cents,
                "funding_source": spec.funding_source,
                "status": spec.status,
                "notes": spec.notes,
                **stamp,
            }
        )
    return rows


def _insert(executor: Executor, model: Any, rows: list[dict[str, Any]]) -> list[int]:
    """Insert ``rows`` in one statement; their new ids, in the rows' order."""
    statement = insert(model).returning(model.id, sort_by_parameter_order=True)
    return [row[0] for row in executor.execute(statement, rows)]


def partner_ids(executor: Executor) -> dict[str, int]:
    """The directory's partners by name (the stages' generator links its stages by name)."""
    return {p.name: p.id for p in _partners_of(executor)}
