"""The demo data of DESIGN.md, every domain in order (each seed is idempotent)."""

from __future__ import annotations

from identity.models import Citizen


def seed_demo_data() -> dict[str, Citizen]:
    """Seed the register, health books, transcripts and dossiers; return the citizens.

    The caller commits.
    """
    from health_book.demo import seed_health_book
    from identity.demo import seed_identity
    from school_records.demo import seed_transcripts
    from service_requests.demo import seed_dossiers

    citizens = seed_identity()
    seed_health_book(citizens)
    seed_transcripts(citizens)
    seed_dossiers(citizens)
    return citizens
