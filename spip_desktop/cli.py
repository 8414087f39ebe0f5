"""Command line: ``spip-desktop [options globales] [commande]``.

Global options come before the command; every command answers in French,
exits 0 on success and non-zero with a one-line reason on failure.
"""

from __future__ import annotations

import argparse
import logging
import sys
from collections.abc import Callable, Sequence
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING

from . import __version__
from .domain.backup_policy import BackupInfo
from .domain.dates import format_count, format_size, plural
from .domain.errors import SpipError
from .logs import setup_logging
from .settings import DEMO_SEED, Settings, resolve

if TYPE_CHECKING:
    from .domain.summary import Month

log = logging.getLogger(__name__)

EXIT_OK = 0
EXIT_FAILURE = 1
EXIT_UNEXPECTED = 2
EXIT_USAGE = 64

_ARGPARSE_FR = {
    "usage: ": "utilisation : ",
    "the following arguments are required: %s": "arguments obligatoires manquants : %s",
    "unrecognized arguments: %s": "arguments non reconnus : %s",
    "invalid choice: %(value)r (choose from %(choices)s)": (
        "choix invalide : %(value)r (possibles : %(choices)s)"
    ),
    "invalid %(type)s value: %(value)r": "valeur invalide : %(value)r",
    "expected one argument": "une valeur est attendue",
    "argument %(argument_name)s: %(message)s": "option %(argument_name)s : %(message)s",
    "not allowed with argument %s": "incompatible avec l'option %s",
    "show this help message and exit": "afficher cette aide et quitter",
    "positional arguments": "arguments",
    "options": "options",
    "%(prog)s: error: %(message)s\n": "%(prog)s : erreur : %(message)s\n",
    "show program's version number and exit": "afficher la version et quitter",
    "ambiguous option: %(option)s could match %(matches)s": (
        "option ambiguë : %(option)s peut désigner %(matches)s"
    ),
    "ignored explicit argument %r": "valeur inattendue pour cette option : %r",
}


def _translate(message: str) -> str:
    return _ARGPARSE_FR.get(message, message)


# argparse looks its messages up through gettext at call time: give it French.
argparse._ = _translate  # type: ignore[attr-defined]


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # type: ignore[override]
        self.print_usage(sys.stderr)
        self.exit(EXIT_USAGE, f"{self.prog} : erreur : {message}\n")


def _positive_int(text: str) -> int:
    try:
        value = int(text.replace(" ", "").replace("_", ""))
    except ValueError:
        raise argparse.ArgumentTypeError(f"« {text} » n'est pas un nombre entier") from None
    if value < 1:
        raise argparse.ArgumentTypeError("le nombre doit être supérieur à zéro")
    return value


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="spip-desktop",
        description=(
            "SPIP Desktop : suivi des personnes placées sous main de justice. "
            "Sans commande, ouvre l'application."
        ),
        epilog=(
            "Exemples : spip-desktop --demo ; spip-desktop --db base.sqlite3 check ; "
            "spip-desktop --db essai.sqlite3 demo --persons 1000"
        ),
    )
    parser.add_argument(
        "--version",
        action="version",
        version=f"SPIP Desktop {__version__}",
        help="afficher la version et quitter",
    )
    where = parser.add_mutually_exclusive_group()
    where.add_argument(
        "--db",
        metavar="FICHIER",
        type=Path,
        help="fichier de base SQLite à ouvrir (par défaut : la base du poste)",
    )
    where.add_argument(
        "--database-url",
        metavar="URL",
        help="base sur un serveur, par exemple postgresql+psycopg://… "
        "(aussi : variable SPIP_DATABASE_URL)",
    )
    where.add_argument(
        "--demo",
        action="store_true",
        help="ouvrir la base de démonstration (remplie de personnes fictives au premier lancement)",
    )
    commands = parser.add_subparsers(dest="command", title="commandes", metavar="COMMANDE")
    demo = commands.add_parser(
        "demo",
        help="remplir une base vide de personnes fictives",
        description="Remplit une base vide de personnes fictives réalistes, avec leurs mesures.",
    )
    demo.add_argument(
        "--persons", type=_positive_int, default=1000, metavar="N", help="nombre de personnes"
    )
    demo.add_argument(
        "--seed",
        type=int,
        default=DEMO_SEED,
        metavar="GRAINE",
        help="graine du tirage : la même graine donne les mêmes données",
    )
    commands.add_parser(
        "check",
        help="vérifier l'intégrité de la base et l'état des migrations",
        description=(
            "Vérifie l'intégrité du fichier, les clés étrangères et l'état des migrations ; "
            "code de sortie 0 seulement si tout est correct."
        ),
    )
    audit = commands.add_parser(
        "audit",
        help="vérifier le journal d'audit",
        description="Opérations sur le journal d'audit (traçabilité des accès et modifications).",
    )
    audit_commands = audit.add_subparsers(
        dest="audit_command", title="opérations", metavar="OPÉRATION", required=True
    )
    audit_commands.add_parser(
        "verify",
        help="vérifier toute la chaîne d'empreintes",
        description=(
            "Recalcule l'empreinte SHA-256 de chaque entrée et vérifie son lien avec la "
            "précédente ; nomme la première entrée altérée. Code de sortie 0 si la chaîne "
            "est intègre, 1 sinon."
        ),
    )
    backup = commands.add_parser(
        "backup",
        help="sauvegarder la base (API de sauvegarde de SQLite)",
        description=(
            "Copie cohérente de la base, même ouverte par l'application, vérifiée après "
            "écriture. Sans --out, elle rejoint les sauvegardes du poste."
        ),
    )
    backup.add_argument("--out", metavar="FICHIER", type=Path, help="fichier de sauvegarde")
    restore = commands.add_parser(
        "restore",
        help="restaurer une sauvegarde",
        description=(
            "Remplace la base par une sauvegarde, après l'avoir vérifiée et après une "
            "sauvegarde de sécurité de la base actuelle. Demande confirmation."
        ),
    )
    restore.add_argument("file", metavar="FICHIER", type=Path, help="la sauvegarde à restaurer")
    restore.add_argument(
        "--yes", action="store_true", help="ne pas demander de confirmation (scripts)"
    )
    attestation = commands.add_parser(
        "attestation",
        help="éditer des attestations de stage (PDF)",
        description=(
            "Édite l'attestation d'une inscription, ou celles de tout un stage. Chaque "
            "attestation reçoit un numéro et entre au registre ; une attestation déjà "
            "délivrée et inchangée est éditée en duplicata."
        ),
    )
    which = attestation.add_mutually_exclusive_group(required=True)
    which.add_argument(
        "--enrolment", type=_positive_int, metavar="ID", help="numéro de l'inscription"
    )
    which.add_argument(
        "--stage",
        type=_positive_int,
        metavar="ID",
        help="numéro du stage : toutes ses attestations",
    )
    attestation.add_argument(
        "--out",
        required=True,
        type=Path,
        metavar="FICHIER_OU_DOSSIER",
        help="fichier PDF ; avec --stage, un dossier existant reçoit un PDF par personne",
    )
    emargement = commands.add_parser(
        "emargement",
        help="éditer la feuille d'émargement d'une séance (PDF)",
        description="Édite la feuille d'émargement d'une séance, avec les personnes inscrites.",
    )
    emargement.add_argument(
        "--session", required=True, type=_positive_int, metavar="ID", help="numéro de la séance"
    )
    emargement.add_argument("--out", required=True, type=Path, metavar="FICHIER", help="PDF")
    timeline = commands.add_parser(
        "timeline",
        help="éditer la chronologie du suivi d'une personne (PDF)",
        description=(
            "Édite la chronologie du suivi d'une personne, du plus ancien au plus récent "
            "événement, pour un rapport au JAP : mesures, obligations, stages et présences, "
            "attestations, démarches d'accès aux droits, journal et modifications du dossier. "
            "L'édition est inscrite au journal d'audit."
        ),
    )
    timeline.add_argument(
        "--person",
        required=True,
        metavar="N°_DE_DOSSIER",
        help="numéro de dossier de la personne",
    )
    timeline.add_argument("--out", required=True, type=Path, metavar="FICHIER", help="PDF")
    timeline.add_argument(
        "--du",
        type=_french_date,
        metavar="JJ/MM/AAAA",
        help="début de la période (par défaut : depuis le début du suivi)",
    )
    timeline.add_argument(
        "--au",
        type=_french_date,
        metavar="JJ/MM/AAAA",
        help="fin de la période (par défaut : jusqu'au dernier événement)",
    )
    export = commands.add_parser(
        "export",
        help="exporter la synthèse mensuelle d'activité",
        description="Exports de la direction.",
    )
    export_commands = export.add_subparsers(
        dest="export_command", title="exports", metavar="EXPORT", required=True
    )
    monthly = export_commands.add_parser(
        "monthly",
        help="synthèse mensuelle d'activité (PDF, XLSX ou CSV)",
        description=(
            "Écrit la synthèse mensuelle d'un mois commencé, pour tout le service, une "
            "antenne ou un CPIP référent, et l'inscrit au registre des synthèses envoyées "
            "(valeurs et empreinte SHA-256 du fichier) et au journal d'audit."
        ),
    )
    monthly.add_argument(
        "--month", required=True, type=_month, metavar="AAAA-MM", help="le mois, ex. 2026-03"
    )
    monthly.add_argument(
        "--format", required=True, choices=("pdf", "xlsx", "csv"), help="format du fichier"
    )
    monthly.add_argument("--out", required=True, type=Path, metavar="FICHIER", help="fichier")
    scope = monthly.add_mutually_exclusive_group()
    scope.add_argument("--antenne", metavar="CODE", help="code (ou nom) de l'antenne")
    scope.add_argument(
        "--referent", type=_positive_int, metavar="ID", help="numéro de l'agent référent"
    )
    return parser


def _month(text: str) -> Month:
    from .domain.summary import Month

    try:
        return Month.parse(text)
    except SpipError as error:
        raise argparse.ArgumentTypeError(error.message) from None


def _cmd_export(args: argparse.Namespace, settings: Settings) -> int:
    from .bootstrap import open_services
    from .domain.summary import ExportFormat, SummaryScope
    from .services.summary import check_writable

    fmt = {f.value: f for f in ExportFormat}[args.format]
    check_writable(args.out)
    command = f"export monthly --month {args.month.iso} --format {args.format} --out {args.out}"
    if args.antenne is not None:
        if not args.antenne.strip():
            raise SpipError("Donnez le code de l'antenne après --antenne (par exemple BDX).")
        command += f" --antenne {args.antenne}"
    if args.referent is not None:
        command += f" --referent {args.referent}"
    services = open_services(settings)
    try:
        services.sign_in_command_line(command)
        scope = SummaryScope.service()
        if args.antenne is not None:
            scope = services.summary.scope_of_antenne_code(args.antenne)
        elif args.referent is not None:
            scope = SummaryScope.referent(args.referent)
        sent = services.summary.export(args.month, scope, fmt, args.out)
    finally:
        services.close()
    print(
        f"Synthèse {sent.month.of_label} ({sent.scope.description}) écrite : {args.out} "
        f"— empreinte SHA-256 {sent.sha256}, inscrite au registre (n° {sent.id})"
    )
    return EXIT_OK


def _cmd_attestation(args: argparse.Namespace, settings: Settings) -> int:
    from .bootstrap import open_services
    from .services.files import save_file

    services = open_services(settings)
    try:
        what = f"--enrolment {args.enrolment}" if args.enrolment else f"--stage {args.stage}"
        services.sign_in_command_line(f"attestation {what} --out {args.out}")
        if args.enrolment is not None:
            _check_writable(args.out)  # before a number is registered for nothing
            issued = services.stages.issue_attestation(args.enrolment)
            save_file(args.out, issued.pdf)
            kind = "duplicata de l'attestation" if issued.duplicata else "attestation"
            print(f"{kind.capitalize()} {issued.number} écrite : {args.out}")
            notices = issued.notices
        else:
            folder = args.out.is_dir() or str(args.out).endswith(("/", "\\"))
            outcome = services.stages.issue_for_stage(args.stage, args.out, combined=not folder)
            count = plural(outcome.issued, "attestation") + (
                " délivrées" if outcome.issued > 1 else " délivrée"
            )
            files = plural(len(outcome.written), "fichier")
            print(
                f"{count}, {plural(outcome.duplicates, 'duplicata', 'duplicatas')} : "
                + (f"{files} dans {args.out}" if folder else str(args.out))
            )
            for line in outcome.skipped:
                print(f"  sans attestation : {line}")
            notices = outcome.notices
    finally:
        services.close()
    for notice in notices:
        print(f"Attention : {notice}", file=sys.stderr)
    return EXIT_OK


def _french_date(text: str) -> date:
    from .domain.dates import DateParseError, parse_date

    try:
        value = parse_date(text)
    except DateParseError as error:
        raise argparse.ArgumentTypeError(str(error)) from None
    if value is None:
        raise argparse.ArgumentTypeError("une date au format jj/mm/aaaa est attendue")
    return value


def _cmd_timeline(args: argparse.Namespace, settings: Settings) -> int:
    from .bootstrap import open_services
    from .domain.timeline import TimelineQuery, validate_query
    from .services.files import save_file
    from .services.timeline import period_label

    query = TimelineQuery(start=args.du, end=args.au, newest_first=False)
    checked = validate_query(query)
    if not checked.ok:
        raise SpipError(checked.summary())
    _check_writable(args.out)
    command = f"timeline --person {args.person} --out {args.out}"
    for option, day in (("--du", args.du), ("--au", args.au)):
        if day is not None:
            command += f" {option} {day:%d/%m/%Y}"
    services = open_services(settings)
    try:
        services.sign_in_command_line(command)
        person_id = services.timeline.person_id_of(args.person)
        shown = services.timeline.timeline(person_id, query)
        pdf, _name = services.timeline.timeline_pdf(person_id, query)
        save_file(args.out, pdf)
    finally:
        services.close()
    print(
        f"Chronologie du dossier {shown.file_number} ({period_label(query)}, "
        f"{plural(len(shown.events), 'événement')}) écrite : {args.out}"
    )
    return EXIT_OK


def _check_writable(out: Path) -> None:
    from .services.files import check_writable

    check_writable(out)


def _cmd_emargement(args: argparse.Namespace, settings: Settings) -> int:
    from .bootstrap import open_services
    from .services.files import save_file

    services = open_services(settings)
    try:
        services.sign_in_command_line(f"emargement --session {args.session} --out {args.out}")
        sheet = services.stages.sign_in_sheet(args.session)
        save_file(args.out, sheet.pdf)
    finally:
        services.close()
    print(f"Feuille d'émargement écrite : {args.out}")
    for notice in sheet.notices:
        print(f"Attention : {notice}", file=sys.stderr)
    return EXIT_OK


def _describe_backup(info: BackupInfo) -> str:
    when = info.created_at.astimezone().strftime("%d/%m/%Y à %H:%M")
    return (
        f"sauvegarde du {when} ({info.reason.label}), {format_size(info.size_bytes)}, "
        f"{plural(info.person_count, 'personne')}, {plural(info.measure_count, 'mesure')}, "
        f"{plural(info.audit_entries, 'entrée', 'entrées')} d'audit"
    )


def _cmd_backup(args: argparse.Namespace, settings: Settings) -> int:
    from .bootstrap import open_services
    from .domain.backup_policy import BackupReason

    services = open_services(settings)
    try:
        services.sign_in_command_line("backup" + (f" --out {args.out}" if args.out else ""))
        info: BackupInfo | None
        if args.out is not None:
            info = services.backups.export_to(args.out)
        else:
            info = services.backups.create_automatic(BackupReason.MANUAL)
    finally:
        services.close()
    if info is None:
        from .services.backups import SERVER_MODE

        raise SpipError(SERVER_MODE)
    print(f"Sauvegarde écrite : {info.path}")
    print(f"  {_describe_backup(info)} ; intégrité vérifiée.")
    return EXIT_OK


def _cmd_restore(args: argparse.Namespace, settings: Settings) -> int:
    from .bootstrap import restore_database
    from .db.backups import inspect_backup
    from .services.backups import known_revisions

    info = inspect_backup(args.file, known_revisions())
    print(f"À restaurer : {args.file}")
    print(f"  {_describe_backup(info)}")
    if not args.yes:
        if not sys.stdin.isatty():
            raise SpipError("Confirmation impossible sans terminal : ajoutez --yes pour restaurer.")
        answer = input("Remplacer la base actuelle par cette sauvegarde ? [o/N] ")
        if answer.strip().lower() not in ("o", "oui", "y", "yes"):
            print("Restauration annulée : rien n'a changé.")
            return EXIT_FAILURE
    services, safety = restore_database(settings, args.file)
    services.close()
    if safety is not None:
        print(f"Base actuelle sauvegardée d'abord : {safety.path}")
    print("Restauration terminée.")
    return EXIT_OK


def _cmd_audit(args: argparse.Namespace, settings: Settings) -> int:
    from .bootstrap import open_services

    services = open_services(settings, migrate=False, writable=False, check_first=False)
    try:
        report = services.audit.verify()
        services.sign_in_command_line("audit verify")
    finally:
        services.close()
    if report.ok:
        print(report.message())
        return EXIT_OK
    print(report.message(), file=sys.stderr)
    return EXIT_FAILURE


def _cmd_demo(args: argparse.Namespace, settings: Settings) -> int:
    from .bootstrap import open_services

    services = open_services(settings)
    try:
        services.sign_in_command_line(f"demo --persons {args.persons} --seed {args.seed}")
        last = [0]

        def progress(done: int, total: int) -> None:
            if done - last[0] >= 50_000 or done == total:
                last[0] = done
                print(f"  {format_count(done)} / {format_count(total)} personnes", file=sys.stderr)

        summary = services.maintenance.generate_demo(args.persons, args.seed, progress)
    finally:
        services.close()
    print(
        f"Base de démonstration prête : {plural(summary.persons, 'personne')}, "
        f"{plural(summary.measures, 'mesure')}, {plural(summary.obligations, 'obligation')}."
    )
    return EXIT_OK


def _cmd_check(args: argparse.Namespace, settings: Settings) -> int:
    from .bootstrap import open_services
    from .db.engine import sqlite_path

    path = sqlite_path(settings.database_url)
    if path is not None and not path.exists():
        raise SpipError(f"Le fichier de base de données « {path} » est introuvable.")
    services = open_services(settings, migrate=False, writable=False, check_first=False)
    try:
        report = services.maintenance.check()
        services.sign_in_command_line("check")
    finally:
        services.close()
    print(f"Base : {services.database_label}")
    if not report.integrity_checked:
        print("Intégrité du fichier : sans objet (serveur PostgreSQL)")
    else:
        print("Intégrité du fichier : " + ("correcte" if not report.integrity else "ANOMALIES"))
    for line in report.integrity[:20]:
        print(f"  - {line}")
    print("Clés étrangères : " + ("correctes" if not report.foreign_keys else "ANOMALIES"))
    for line in report.foreign_keys[:20]:
        print(f"  - {line}")
    if report.migration_ok:
        print(f"Migrations : à jour (révision {report.current_revision})")
    else:
        current = report.current_revision or "aucune"
        print(f"Migrations : en retard (révision {current}, attendue {report.head_revision})")
    if report.ok:
        print("Résultat : tout est correct.")
        return EXIT_OK
    print("Résultat : des problèmes ont été trouvés.", file=sys.stderr)
    return EXIT_FAILURE


COMMANDS: dict[str, Callable[[argparse.Namespace, Settings], int]] = {
    "demo": _cmd_demo,
    "check": _cmd_check,
    "audit": _cmd_audit,
    "backup": _cmd_backup,
    "restore": _cmd_restore,
    "attestation": _cmd_attestation,
    "emargement": _cmd_emargement,
    "timeline": _cmd_timeline,
    "export": _cmd_export,
}


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        settings = resolve(args.db, args.database_url, args.demo)
    except SpipError as error:
        print(f"spip-desktop : {error.message}", file=sys.stderr)
        return EXIT_FAILURE
    setup_logging(settings.log_file)
    if args.command is None:
        from .app import run

        return run(settings)
    try:
        return COMMANDS[args.command](args, settings)
    except SpipError as error:
        print(f"spip-desktop : {error.message}", file=sys.stderr)
        return EXIT_FAILURE
    except KeyboardInterrupt:
        print("spip-desktop : interrompu, rien n'a été enregistré.", file=sys.stderr)
        return EXIT_FAILURE
    except Exception:
        log.exception("unexpected error in command %s", args.command)
        print(
            "spip-desktop : erreur inattendue ; le détail est dans le journal "
            f"« {settings.log_file} ».",
            file=sys.stderr,
        )
        return EXIT_UNEXPECTED
