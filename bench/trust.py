"""What [2/6 Trust] costs: sign-in hashing, the audit entry of a save, backups, chain checks.

Usage (repository root, project virtualenv)::

    python bench/trust.py            # 250,000 people, 1,000,000 audit entries
    python bench/trust.py --quick    # 20,000 people, 100,000 audit entries

Each figure stands beside a baseline measured in the same run; the table is
printed and written to bench/results-trust.md. Targets (issue [2/6]): Argon2id
0.3–1 s per sign-in; the audit entry adds at most 20 % to a save; a backup of
the 250,000-person base in at most 10 s; ``audit verify`` of one million
entries in at most 10 s.
"""

from __future__ import annotations

import argparse
import sqlite3
import statistics
import sys
import time
from contextlib import closing
from dataclasses import replace
from datetime import datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from run import DATA, ROOT, ensure_database, machine, percentile

sys.path.insert(0, str(ROOT))


def timed(work, repeat: int) -> list[float]:  # type: ignore[no-untyped-def]
    samples = []
    for _ in range(repeat):
        start = time.perf_counter()
        work()
        samples.append(time.perf_counter() - start)
    return samples


def bench_argon2(repeat: int) -> tuple[list[float], list[float]]:
    """The sign-in check with the production parameters, against SHA-256 of the same text."""
    import hashlib

    from spip_desktop.services.passwords import Passwords

    passwords = Passwords()
    stored = passwords.hash("Bordeaux-Gironde-33!")
    checks = timed(lambda: passwords.check(stored, "Bordeaux-Gironde-33!"), repeat)
    baseline = timed(lambda: hashlib.sha256(b"Bordeaux-Gironde-33!").hexdigest(), repeat)
    return checks, baseline


def bench_save(db: Path, repeat: int) -> tuple[list[float], list[float]]:
    """PersonService.update (with its audit entry) against the same update without one."""
    from spip_desktop.bootstrap import open_services
    from spip_desktop.db_url import sqlite_file_url
    from spip_desktop.services import persons as persons_module
    from spip_desktop.settings import Settings

    services = open_services(Settings(sqlite_file_url(db), data_directory=DATA / "tmp"))
    services.sign_in_command_line("bench trust save")
    ids = [row.id for row in services.persons.list_page(persons_module.PersonQuery()).rows[:20]]
    with_audit: list[float] = []
    without: list[float] = []
    original = persons_module.PersonService._audit_person

    def save(person_id: int, n: int) -> None:
        file = services.persons.get_file(person_id)
        draft = replace(file.person.draft, phone=f"05 56 {n % 100:02d} 00 00")
        start = time.perf_counter()
        services.persons.update(person_id, file.person.version, draft)
        return time.perf_counter() - start  # type: ignore[return-value]

    def no_audit(self, uow, *args, **kwargs):  # type: ignore[no-untyped-def]
        return None

    for n in range(repeat):  # interleaved, so that both see the same disk and cache
        person_id = ids[n % len(ids)]
        with_audit.append(save(person_id, n))  # type: ignore[arg-type]
        persons_module.PersonService._audit_person = no_audit  # type: ignore[method-assign]
        try:
            without.append(save(person_id, n + 1))  # type: ignore[arg-type]
        finally:
            persons_module.PersonService._audit_person = original  # type: ignore[method-assign]
    services.close()
    return with_audit, without


def bench_backup(db: Path, repeat: int) -> tuple[list[float], list[float]]:
    """create_backup (copy, integrity check, counts, fsync) against a plain file copy."""
    import shutil

    from spip_desktop.db.backups import create_backup
    from spip_desktop.domain.backup_policy import BackupReason

    target = DATA / "tmp" / "backups"
    samples, copies = [], []
    for _ in range(repeat):
        shutil.rmtree(target, ignore_errors=True)
        start = time.perf_counter()
        create_backup(db, target, BackupReason.MANUAL)
        samples.append(time.perf_counter() - start)
        start = time.perf_counter()
        shutil.copyfile(db, DATA / "tmp" / "copy.sqlite3")
        copies.append(time.perf_counter() - start)
    shutil.rmtree(target, ignore_errors=True)
    (DATA / "tmp" / "copy.sqlite3").unlink(missing_ok=True)
    return samples, copies


def chain_database(entries: int) -> Path:
    """A base holding ``entries`` chained audit entries (generated once, then reused)."""
    from spip_desktop.db.engine import create_engine_for
    from spip_desktop.db.migrate import upgrade_to_head
    from spip_desktop.domain.audit import GENESIS, entry_hash

    path = DATA / f"audit-{entries}.sqlite3"
    if path.exists():
        return path
    engine = create_engine_for(f"sqlite:///{path}")
    upgrade_to_head(engine, DATA / "tmp")
    engine.dispose()
    prev = GENESIS
    at = datetime(2024, 1, 1, 8, 0)
    rows = []
    for i in range(1, entries + 1):
        at += timedelta(seconds=7)
        fields = (at, "cpip.demo", "Élodie LEFÈVRE", "view", "person", i % 250_000, i % 250_000,
                  f"n° 2024-{i % 250_000:06d}", "")  # fmt: skip
        digest = entry_hash(prev, *fields)
        rows.append((i, at.isoformat(sep=" ", timespec="microseconds"), *fields[1:], prev, digest))
        prev = digest
    with closing(sqlite3.connect(path)) as db:
        db.executemany("INSERT INTO audit_entry VALUES (?,?,?,?,?,?,?,?,?,?,?,?)", rows)
        db.commit()
    return path


def bench_verify(entries: int, repeat: int) -> tuple[list[float], list[float]]:
    """audit verify against reading the same rows without checking them."""
    from spip_desktop.db.audit import verify
    from spip_desktop.db.engine import create_engine_for

    path = chain_database(entries)
    engine = create_engine_for(f"sqlite:///{path}")
    checks = []
    for _ in range(repeat):
        start = time.perf_counter()
        report = verify(engine)
        checks.append(time.perf_counter() - start)
        assert report.ok and report.checked == entries, report.message()
    engine.dispose()
    reads = []
    for _ in range(repeat):
        start = time.perf_counter()
        with closing(sqlite3.connect(path)) as db:
            for _row in db.execute("SELECT * FROM audit_entry ORDER BY id"):
                pass
        reads.append(time.perf_counter() - start)
    return checks, reads


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true")
    args = parser.parse_args()
    persons = 20_000 if args.quick else 250_000
    entries = 100_000 if args.quick else 1_000_000
    (DATA / "tmp").mkdir(parents=True, exist_ok=True)
    db, _ = ensure_database(persons, 2026)
    rows = []

    def row(name: str, samples: list[float], base_name: str, base: list[float], target: str,
            ok: bool, unit: str = "s") -> None:  # fmt: skip
        scale = 1000 if unit == "ms" else 1
        p50, p95 = percentile(samples, 0.5) * scale, percentile(samples, 0.95) * scale
        b50 = statistics.median(base) * scale
        rows.append(
            f"| {name} | {p50:.3g} {unit} | {p95:.3g} {unit} | {base_name}: {b50:.3g} {unit} "
            f"| {p50 / b50 if b50 else float('nan'):.2f} | {target} | {'oui' if ok else 'NON'} |"
        )
        print(rows[-1], flush=True)

    checks, sha = bench_argon2(7)
    p50 = percentile(checks, 0.5)
    row("Argon2id, une connexion", checks, "SHA-256", sha, "0,3–1 s", 0.3 <= p50 <= 1.0)
    with_audit, without = bench_save(db, 60)
    ratio = statistics.median(with_audit) / statistics.median(without)
    row("enregistrer un dossier (avec audit)", with_audit, "sans audit", without,
        "≤ 1,2× sans audit", ratio <= 1.2, "ms")  # fmt: skip
    backup, copy = bench_backup(db, 3)
    row(f"sauvegarde de la base ({persons:,} pers.)".replace(",", " "), backup, "copie de fichier",
        copy, "≤ 10 s", percentile(backup, 0.5) <= 10)  # fmt: skip
    verify_s, read_s = bench_verify(entries, 3)
    row(f"audit verify ({entries:,} entrées)".replace(",", " "), verify_s, "lecture seule",
        read_s, "≤ 10 s" + (" (×10 au million)" if args.quick else ""),
        percentile(verify_s, 0.5) * (1_000_000 / entries) <= 10)  # fmt: skip
    header = (
        "| Scénario | p50 | p95 | Référence (p50) | Rapport | Cible | Atteinte |\n"
        "|---|---|---|---|---|---|---|"
    )
    table = "\n".join([header, *rows])
    (ROOT / "bench" / "results-trust.md").write_text(
        f"# [2/6 Trust] — {datetime.now():%d/%m/%Y %H:%M}\n\n{machine()}\n\n{table}\n"
    )
    print(table)
    return 0


if __name__ == "__main__":
    sys.exit(main())
