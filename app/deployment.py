"""A deployment: what makes this a given province's service, kept as data.

A deployment is a directory (``DEPLOYMENT_DIR``; the repository ships
``deployments/binh-duong``):

* ``province.json`` — the province's name, the base URI of the problem types and
  its Open311 jurisdiction ids
  its API publishes; read into the configuration when the application starts;
* the data the domains load into the database with ``flask deployment load``: the
  public organisations (``organisations.json``, identity) and the catalogue of
  online procedures (``procedures.json``, the one-stop shop). Loading is
  idempotent: run again, it updates what changed and adds what is new.

A second province is a second directory, not a change of code.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import click
import marshmallow as ma
from flask import Flask, current_app
from flask.cli import AppGroup

from app.unit_of_work import transaction

#: The directory of the deployment the repository ships (the demo's province).
DEFAULT_DIR = Path(__file__).resolve().parent.parent / "deployments" / "binh-duong"
#: A domain's loader reads its file(s) from the directory and says what it did.
Loader = Callable[[Path], str]

_LOADERS = "congdan.deployment_loaders"


class ProvinceSchema(ma.Schema):
    """``province.json``."""

    name = ma.fields.String(required=True, validate=ma.validate.Length(min=1, max=100))
    name_en = ma.fields.String(
        required=True, validate=ma.validate.Length(min=1, max=100)
    )
    problem_type_base = ma.fields.Url(
        required=True,
        schemes={"https", "http"},
        validate=lambda uri: uri.endswith("/"),
    )
    #: The Open311 ``jurisdiction_id`` values this service answers for; with more
    #: than one, a client must name one.
    open311_jurisdictions = ma.fields.List(
        ma.fields.String(validate=ma.validate.Length(min=1, max=100)),
        load_default=list,
    )


def read_json(path: Path, schema: ma.Schema) -> Any:
    """The file's content, validated by ``schema`` (``many`` for a list).

    :raise click.ClickException: missing, not JSON, or not as the schema says.
    """
    try:
        raw = json.loads(path.read_text(encoding="utf-8"))
        return schema.load(raw)
    except FileNotFoundError as error:
        raise click.ClickException(f"{path}: no such file") from error
    except json.JSONDecodeError as error:
        raise click.ClickException(f"{path}: not JSON ({error})") from error
    except ma.ValidationError as error:
        raise click.ClickException(f"{path}: {error.messages}") from error


def apply_province(config: dict[str, Any]) -> None:
    """Fill the province's settings from its ``province.json`` (the environment wins)."""
    directory = Path(config.setdefault("DEPLOYMENT_DIR", str(DEFAULT_DIR)))
    province = read_json(directory / "province.json", ProvinceSchema())
    config.setdefault("PROVINCE_NAME", province["name"])
    config.setdefault("PROVINCE_NAME_EN", province["name_en"])
    config.setdefault("PROBLEM_TYPE_BASE", province["problem_type_base"])
    config.setdefault("OPEN311_JURISDICTIONS", province["open311_jurisdictions"])


def init_deployment(app: Flask) -> None:
    """Offer ``flask deployment load`` and a registry for the domains' loaders."""
    app.extensions[_LOADERS] = []
    app.cli.add_command(deployment_cli)


def add_loader(app: Flask, loader: Loader) -> None:
    """Have ``flask deployment load`` run ``loader`` (in the order of the domains)."""
    app.extensions[_LOADERS].append(loader)


def load(directory: Path | None = None) -> list[str]:
    """Load every domain's deployment data from ``directory`` (the configured one)."""
    where = directory or Path(current_app.config["DEPLOYMENT_DIR"])
    return [loader(where) for loader in current_app.extensions[_LOADERS]]


deployment_cli = AppGroup("deployment", help="The province's own data.")


@deployment_cli.command("load")
@click.argument(
    "directory",
    required=False,
    type=click.Path(exists=True, file_okay=False, path_type=Path),
)
def load_command(directory: Path | None) -> None:
    """Load the organisations and the procedure catalogue of DIRECTORY (default:
    the configured deployment); safe to run again."""
    with transaction():
        done = load(directory)
    click.echo("Loaded " + ", ".join(done) + ".")
