"""``spip-desktop export monthly``, run as a script would: the installed command on a real file."""

from __future__ import annotations

import csv
import hashlib
import io
from datetime import date
from pathlib import Path

import pytest

from spip_desktop.bootstrap import open_services
from spip_desktop.domain.summary import Indicator, Month, SummaryScope, last_complete_month
from spip_desktop.settings import resolve
from tests.e2e.test_cli import COMMAND, assert_clean_failure, run

pytestmark = pytest.mark.skipif(COMMAND is None, reason="the package is not installed")

MONTH = last_complete_month(date.today())


@pytest.fixture(scope="module")
def base(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("summary")
    db = folder / "synthese.sqlite3"
    demo = run(folder, "--db", str(db), "demo", "--persons", "400", "--seed", "5")
    assert demo.returncode == 0, demo.stderr
    return db


def _register(db: Path) -> list[tuple[str, str, str, str]]:
    services = open_services(resolve(db, None, False))
    try:
        services.sign_in_command_line("test check")
        return [
            (s.month.iso, s.scope.key, s.format.value, s.sha256)
            for s in services.summary.register()
        ]
    finally:
        services.close()


def test_each_format_is_written_and_registered(tmp_path: Path, base: Path) -> None:
    for fmt in ("pdf", "xlsx", "csv"):
        out = tmp_path / f"synthese.{fmt}"
        result = run(
            tmp_path,
            "--db",
            str(base),
            "export",
            "monthly",
            "--month",
            MONTH.iso,
            "--format",
            fmt,
            "--out",
            str(out),
        )
        assert result.returncode == 0, result.stderr
        assert f"Synthèse {MONTH.of_label} (Tout le service) écrite" in result.stdout
        digest = hashlib.sha256(out.read_bytes()).hexdigest()
        assert digest in result.stdout
        assert (MONTH.iso, "service", fmt, digest) in _register(base)
    rows = list(
        csv.reader(io.StringIO((tmp_path / "synthese.csv").read_text("utf-8-sig")), delimiter=";")
    )
    assert rows[0][:4] == ["Section", "Indicateur", "Détail", "Valeur"]


def test_an_antenne_by_its_code_and_a_referent(tmp_path: Path, base: Path) -> None:
    services = open_services(resolve(base, None, False))
    try:
        services.sign_in_command_line("test setup")
        antenne = next(s for s in services.summary.scope_choices() if s.kind.value == "antenne")
        referent = next(s for s in services.summary.scope_choices() if s.kind.value == "referent")
        code = next(a.code for a in services.reference.load().antennes if a.id == antenne.target_id)
        expected = services.summary.month_summary(
            MONTH, SummaryScope.referent(referent.target_id or 0)
        )
    finally:
        services.close()
    out = tmp_path / "antenne.csv"
    result = run(
        tmp_path,
        "--db",
        str(base),
        "export",
        "monthly",
        "--month",
        MONTH.iso,
        "--format",
        "csv",
        "--out",
        str(out),
        "--antenne",
        code,
    )
    assert result.returncode == 0, result.stderr
    assert f"Antenne : {antenne.label}" in result.stdout
    out = tmp_path / "referent.csv"
    result = run(
        tmp_path,
        "--db",
        str(base),
        "export",
        "monthly",
        "--month",
        MONTH.iso,
        "--format",
        "csv",
        "--out",
        str(out),
        "--referent",
        str(referent.target_id),
    )
    assert result.returncode == 0, result.stderr
    rows = list(csv.reader(io.StringIO(out.read_text("utf-8-sig")), delimiter=";"))
    total = next(
        r for r in rows if r[1] == "Personnes suivies le dernier jour du mois" and r[2] == "Total"
    )
    assert int(total[3]) == expected.value(Indicator.ACTIVE_LAST)


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("--month", "2026-13"), "n'est pas un mois valide"),
        (("--month", "mars"), "AAAA-MM"),
        (("--month", Month.of(date.today()).next.iso), "pas encore commencé"),
        (("--month", MONTH.iso, "--antenne", "ZZZ"), "Aucune antenne"),
        (("--month", MONTH.iso, "--antenne", ""), "code de l'antenne"),
        (("--month", MONTH.iso, "--antenne", "  "), "code de l'antenne"),
        (("--month", MONTH.iso, "--referent", "99999"), "Aucun agent"),
    ],
)
def test_refusals_are_french_one_liners_and_leave_nothing(
    tmp_path: Path, base: Path, args: tuple[str, ...], message: str
) -> None:
    out = tmp_path / "refus.pdf"
    result = run(
        tmp_path,
        "--db",
        str(base),
        "export",
        "monthly",
        "--format",
        "pdf",
        "--out",
        str(out),
        *args,
    )
    assert_clean_failure(result)
    assert message in result.stderr
    assert not out.exists()


def test_an_unwritable_destination_fails_with_a_reason(tmp_path: Path, base: Path) -> None:
    before = _register(base)
    out = tmp_path / "absent" / "s.pdf"
    result = run(
        tmp_path,
        "--db",
        str(base),
        "export",
        "monthly",
        "--month",
        MONTH.iso,
        "--format",
        "pdf",
        "--out",
        str(out),
    )
    assert_clean_failure(result)
    assert "n'existe pas" in result.stderr
    assert _register(base) == before
