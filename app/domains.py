"""Where a domain plugs in: one ``init_app`` per package, in the configured order.

``create_app`` imports each package named in the ``DOMAINS`` setting and calls its
``init_app(app, api)``, which registers what the domain brings: its tables (by
importing its models), its messages, its blueprints, its CLI commands, its demo
seeder and its housekeeping. The kernel (``app``) knows no domain by name; adding
one is a package with an ``init_app`` and its name in ``DOMAINS``
(ARCHITECTURE.md walks through it).
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from typing import Any, Protocol

from flask import Flask

from app import i18n

#: The domains of a deployment, in the order they build on each other.
DEFAULT_DOMAINS = (
    "identity",
    "consent",
    "health_book",
    "school_records",
    "service_requests",
    "wallet",
    "notifications",
)
#: A demo seeder adds its domain's demo data; it gets (and may add to) the demo
#: citizens by national id, which the register's seeder fills first. Domains name
#: theirs as ``"package.demo:function"``: production code never imports demo data,
#: only ``flask seed-demo`` does (app/demo.py).
DemoSeeder = Callable[[dict[str, Any]], None]
#: A housekeeping task deletes what has outlived its use; it says what it did.
Housekeeping = Callable[[], str]

_SEEDERS = "congdan.demo_seeders"
_HOUSEKEEPING = "congdan.housekeeping"


class Domain(Protocol):
    """What a domain package offers the kernel."""

    def init_app(self, app: Flask, api: Any) -> None:
        """Register the domain's tables, messages, routes, commands and seeders."""


def init_domains(app: Flask, api: Any) -> None:
    """Plug in every domain named in ``DOMAINS``, in order."""
    app.extensions[_SEEDERS] = []
    app.extensions[_HOUSEKEEPING] = []
    for name in app.config["DOMAINS"]:
        domain: Domain = importlib.import_module(name)
        domain.init_app(app, api)


def add_texts(
    messages: dict[str, tuple[str, str]], validation: dict[str, str] | None = None
) -> None:
    """Add a domain's problem and page messages, and its validation messages."""
    i18n.add_messages(messages)
    if validation:
        i18n.add_validation_messages(validation)


def add_demo_seeder(app: Flask, seeder: str) -> None:
    """Have ``flask seed-demo`` run ``seeder``, named ``"module:function"`` (after
    the domains plugged in before)."""
    app.extensions[_SEEDERS].append(seeder)


def demo_seeders(app: Flask) -> list[DemoSeeder]:
    """The demo seeders, in the order of the domains (their modules imported now)."""
    seeders = []
    for name in app.extensions[_SEEDERS]:
        module, _, function = name.partition(":")
        seeders.append(getattr(importlib.import_module(module), function))
    return seeders


def add_housekeeping(app: Flask, task: Housekeeping) -> None:
    """Have ``flask purge-expired`` run ``task``."""
    app.extensions[_HOUSEKEEPING].append(task)


def housekeeping(app: Flask) -> list[Housekeeping]:
    """The housekeeping tasks of every domain."""
    return list(app.extensions[_HOUSEKEEPING])
