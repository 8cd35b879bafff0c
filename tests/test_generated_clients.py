"""Clients generated from /openapi.json, as app developers generate them.

openapi-typescript (npm) generates the TypeScript types, which a small program
using ``/me``, a paged list and a problem compiles against under ``tsc --strict``;
openapi-python-client generates a Python client without a warning, which then
calls a live server: ``/me``, a paged list followed by its cursor, and a 409.
"""

from __future__ import annotations

import importlib
import json
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import httpx  # the generated client's own (not httpx2)
import pytest
import sqlalchemy as sa

from app.extensions import db
from app.unit_of_work import transaction
from identity.models import Citizen
from tests import phone
from tests.conftest import running_server, token_headers
from tests.demo_ids import AN

JUDGES = Path(__file__).resolve().parent / "judges"
BIN = Path(sys.executable).parent

TYPESCRIPT_USER = """\
import type { components, operations } from "./api";

type Me = operations["getMe"]["responses"]["200"]["content"]["application/json"];
type Organisations =
  operations["listOrganisations"]["responses"]["200"]["content"]["application/json"];
type Refusal =
  operations["startTotpEnrolment"]["responses"]["409"]["content"]["application/problem+json"];

export function greet(me: Me): string {
  return me.profile.full_name ?? "";
}

export function nextPage(page: Organisations): string | null | undefined {
  return page.next_cursor;
}

export function explain(problem: Refusal): string {
  const base: components["schemas"]["Problem"] = problem;
  return `${base.status ?? 0} ${base.title ?? ""}`;
}
"""


class _Phone(httpx.Auth):
    """The test phone's proofs for the generated client, which uses httpx itself."""

    def __init__(self, token: str) -> None:
        self.token = token

    def auth_flow(self, request: httpx.Request) -> Iterator[httpx.Request]:
        request.headers.update(
            phone.signed_headers(request.method, str(request.url), self.token)
        )
        yield request


@pytest.fixture(scope="module")
def spec_path(tmp_path_factory) -> Path:
    from tests.conftest import make_app

    app = make_app("sqlite://")
    path = tmp_path_factory.mktemp("openapi") / "openapi.json"
    path.write_text(json.dumps(app.test_client().get("/openapi.json").get_json()))
    return path


@pytest.mark.slow  # runs Node: openapi-typescript, then tsc
def test_a_typescript_client_compiles_under_strict(spec_path, tmp_path):
    node_bin = JUDGES / "node_modules" / ".bin"
    generated = subprocess.run(  # noqa: S603 - the judges' own binaries
        [
            str(node_bin / "openapi-typescript"),
            str(spec_path),
            "-o",
            str(tmp_path / "api.d.ts"),
        ],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert generated.returncode == 0, generated.stderr
    (tmp_path / "use.ts").write_text(TYPESCRIPT_USER)
    compiled = subprocess.run(  # noqa: S603
        [
            str(node_bin / "tsc"), "--strict", "--noEmit", "--target", "es2022",
            "--module", "nodenext", "--moduleResolution", "nodenext",
            str(tmp_path / "api.d.ts"), str(tmp_path / "use.ts"),
        ],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )  # fmt: skip
    assert compiled.returncode == 0, compiled.stdout + compiled.stderr


@pytest.mark.slow  # generates a package, then starts gunicorn
@pytest.mark.real_sessions
def test_a_python_client_generates_cleanly_and_talks_to_a_live_server(
    spec_path, tmp_path, scratch_database_url
):
    output = tmp_path / "congdan_client"
    generated = subprocess.run(  # noqa: S603 - our venv's generator
        [
            str(BIN / "openapi-python-client"), "generate", "--path", str(spec_path),
            "--output-path", str(output), "--meta", "none",
            "--config", str(JUDGES / "openapi-python-client.yaml"),
        ],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
        env={"PATH": f"{BIN}:/usr/bin:/bin"},
    )  # fmt: skip
    assert generated.returncode == 0, generated.stdout + generated.stderr
    assert "WARNING" not in generated.stdout + generated.stderr, generated.stdout

    sys.path.insert(0, str(tmp_path))
    try:
        client_module = importlib.import_module("congdan_client")
        get_me = importlib.import_module("congdan_client.api.login_and_tokens.get_me")
        totp = importlib.import_module(
            "congdan_client.api.login_and_tokens.start_totp_enrolment"
        )
        organisations = importlib.import_module(
            "congdan_client.api.citizens_and_organisations.list_organisations"
        )
        with running_server(scratch_database_url) as server:
            with server.app.app_context(), transaction():
                an = db.session.scalar(
                    sa.select(Citizen).where(Citizen.national_id == AN)
                )
                assert an is not None
                token = token_headers(an)["Authorization"].removeprefix("DPoP ")
            # The client closes its connections before the server stops. The
            # phone's proofs come from httpx's auth hook, which the generated
            # client passes on.
            with client_module.AuthenticatedClient(
                base_url=server.url,
                token=token,
                prefix="DPoP",
                httpx_args={"auth": _Phone(token)},
            ) as client:
                me = get_me.sync_detailed(client=client)
                assert me.status_code == 200
                assert me.parsed.profile.full_name == "Nguyễn Văn An"

                first = organisations.sync(client=client, limit=2)
                assert len(first.items) == 2
                second = organisations.sync(
                    client=client, limit=2, cursor=first.next_cursor
                )
                assert {o.id for o in first.items}.isdisjoint(
                    {o.id for o in second.items}
                )

                refused = totp.sync_detailed(client=client)
                assert refused.status_code == 409
                assert refused.parsed.type_.endswith("/totp-already-enrolled")
    finally:
        sys.path.remove(str(tmp_path))
        for name in [m for m in sys.modules if m.startswith("congdan_client")]:
            del sys.modules[name]
