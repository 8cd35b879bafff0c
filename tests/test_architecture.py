"""ARCHITECTURE.md kept true: the rules of the structure, checked on the source."""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

from app.domains import DEFAULT_DOMAINS

ROOT = Path(__file__).resolve().parent.parent
#: The kernel and every domain the application plugs in.
PACKAGES = ("app", *DEFAULT_DOMAINS)
UNIT_OF_WORK = ROOT / "app" / "unit_of_work.py"


def source_files() -> Iterator[Path]:
    for package in PACKAGES:
        yield from sorted((ROOT / package).rglob("*.py"))


def calls_to(path: Path, *methods: str) -> list[str]:
    """Every ``x.method(...)`` call of ``methods`` in ``path``, as ``file:line``."""
    tree = ast.parse(path.read_text(), filename=str(path))
    label = path.relative_to(ROOT) if path.is_relative_to(ROOT) else path.name
    return [
        f"{label}:{node.lineno}"
        for node in ast.walk(tree)
        if isinstance(node, ast.Call)
        and isinstance(node.func, ast.Attribute)
        and node.func.attr in methods
    ]


def test_only_the_unit_of_work_commits_or_rolls_back():
    outside = [
        site
        for path in source_files()
        if path != UNIT_OF_WORK
        for site in calls_to(path, "commit", "rollback")
    ]
    assert outside == []


def test_the_check_sees_a_commit(tmp_path):
    # The rule above must be able to fail: a file that commits is found.
    sample = tmp_path / "routes.py"
    sample.write_text("def post():\n    db.session.commit()\n")
    assert calls_to(sample, "commit") == ["routes.py:2"]


#: Each package may import the kernel and the packages of lower layers only:
#: nothing below knows what is built on it, and siblings do not know each other.
LAYERS = {
    "app": 0,
    "identity": 1,
    "consent": 2,
    "health_book": 3,
    "school_records": 3,
    "service_requests": 4,
    "wallet": 4,
    "notifications": 5,
}


def imports_of(path: Path) -> Iterator[tuple[int, str]]:
    """Every absolute import in ``path``, with its line."""
    for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
        if isinstance(node, ast.Import):
            yield from ((node.lineno, alias.name) for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            yield node.lineno, node.module


def against_the_layers(package: str, path: Path) -> list[str]:
    label = path.relative_to(ROOT) if path.is_relative_to(ROOT) else path.name
    return [
        f"{label}:{line} imports {name}"
        for line, name in imports_of(path)
        if (other := name.split(".")[0]) in LAYERS
        and other != package
        and LAYERS[other] >= LAYERS[package]
    ]


def test_packages_import_only_downwards():
    assert set(LAYERS) == set(PACKAGES)
    wrong = [
        found
        for package in PACKAGES
        for path in sorted((ROOT / package).rglob("*.py"))
        for found in against_the_layers(package, path)
    ]
    assert wrong == []


def test_the_layer_check_sees_an_import_upwards(tmp_path):
    upward = tmp_path / "services.py"
    upward.write_text("from app.db import utcnow\nfrom consent import policies\n")
    assert against_the_layers("identity", upward) == ["services.py:2 imports consent"]


def test_production_code_never_imports_demo_data():
    # Only the demo runner behind ``flask seed-demo`` (app/demo.py, reached from
    # app/cli.py) loads the domains' demo seeders, by name.
    demo_modules = [
        f"{path.relative_to(ROOT)}:{line} imports {name}"
        for package in PACKAGES
        for path in sorted((ROOT / package).rglob("*.py"))
        if path.name != "demo.py"
        for line, name in imports_of(path)
        if name.rsplit(".", 1)[-1] == "demo" and name != "app.demo"
    ]
    assert demo_modules == []


def test_a_domain_plugs_in_through_its_init_app_alone(database_url):
    from app.demo import seed_demo_data
    from app.domains import DEFAULT_DOMAINS
    from app.extensions import db
    from tests.conftest import make_app
    from tests.example_domain import routes

    app = make_app(database_url, DOMAINS=[*DEFAULT_DOMAINS, "tests.example_domain"])
    client = app.test_client()

    closed = client.get("/api/v1/example/counter", headers={"Accept-Language": "en"})
    assert closed.status_code == 409
    assert closed.get_json()["title"] == "The counter is closed"
    assert "/api/v1/example/counter" in client.get("/openapi.json").get_json()["paths"]
    said = app.test_cli_runner().invoke(args=["example-hello"])
    assert said.output == "xin chào\n"
    with app.app_context():
        seed_demo_data()
        db.session.rollback()
    assert routes.SEEDED  # seeded…
    assert routes.SEEDED[-1] >= 8  # …after the register's seeder
