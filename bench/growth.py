"""How the database grows: bytes per row of the tables that grow with use, measured
on PostgreSQL after ``flask seed-bulk`` and ``flask seed-dossiers``.

``python -m bench.growth [CITIZENS] [DOSSIERS]`` (defaults 20 000 and 20 000) makes a
throwaway database on the local server, seeds it, and prints each growing table's
rows, total size (with its indexes and TOAST) and bytes per row. README.md
("Running a province") turns these into a yearly figure.
"""

from __future__ import annotations

import secrets
import subprocess
import sys

import psycopg
from psycopg import sql

from bench.run import BIN, PG_URL, ROOT

#: Tables that grow with the province's use, by what makes them grow.
GROWING = (
    "citizens", "encounters", "observations", "immunizations",
    "medication_requests", "conditions", "allergies", "health_book_versions",
    "dossiers", "dossier_events", "dossier_documents", "access_events",
    "audit_events", "notifications", "outbox_messages", "consent_requests",
    "consent_artefacts",
)  # fmt: skip


def main() -> None:
    """Seed a throwaway database and print bytes per row of each growing table."""
    citizens = int(sys.argv[1]) if len(sys.argv) > 1 else 20_000
    dossiers = int(sys.argv[2]) if len(sys.argv) > 2 else 20_000
    name = f"congdan_growth_{secrets.token_hex(4)}"
    admin_url = PG_URL.replace("+psycopg", "")
    with psycopg.connect(admin_url, autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    url = PG_URL.rsplit("/", 1)[0] + f"/{name}"
    env = {"DATABASE_URL": url, "JOBS_BROKER_URL": "embedded", "PATH": "/usr/bin:/bin"}
    try:
        for command in (
            ["db", "upgrade"], ["deployment", "load"], ["seed-demo"],
            ["seed-bulk", "--citizens", str(citizens)],
            ["seed-dossiers", "--count", str(dossiers)],
        ):  # fmt: skip
            subprocess.run(
                [str(BIN / "flask"), "--app", "wsgi", *command],
                cwd=ROOT, env=env, check=True, capture_output=True,
            )  # fmt: skip
        with psycopg.connect(
            url.replace("+psycopg", ""), autocommit=True
        ) as connection:
            connection.execute("VACUUM ANALYZE")
            print(f"{'table':<20} {'rows':>10} {'MB':>9} {'bytes/row':>10}")
            for table in GROWING:
                found = connection.execute(
                    "SELECT to_regclass(%s) IS NOT NULL", (table,)
                ).fetchone()
                if not found or not found[0]:
                    continue
                rows = connection.execute(
                    sql.SQL("SELECT count(*) FROM {}").format(sql.Identifier(table))
                ).fetchone()
                size = connection.execute(
                    "SELECT pg_total_relation_size(%s)", (table,)
                ).fetchone()
                count, total = int(rows[0]), int(size[0])  # type: ignore[index]
                per_row = total / count if count else 0
                print(f"{table:<20} {count:>10} {total / 2**20:>9.1f} {per_row:>10.0f}")
    finally:
        with psycopg.connect(admin_url, autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


if __name__ == "__main__":
    main()
