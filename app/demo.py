"""The demo data of DESIGN.md: every domain's seeder, in the order of the domains."""

from __future__ import annotations

from typing import Any

from flask import current_app

from app import deployment
from app.domains import demo_seeders


def seed_demo_data() -> dict[str, Any]:
    """Run every domain's demo seeder (each is idempotent); return the citizens.

    The caller's unit of work commits.
    """
    deployment.load()  # the demo lives in the deployment's province
    citizens: dict[str, Any] = {}
    for seeder in demo_seeders(current_app):
        seeder(citizens)
    return citizens
