"""Shared moves of the one-stop shop tests: a citizen files, an officer acts."""

from __future__ import annotations

import io
from typing import Any

from PIL import Image
from werkzeug.datastructures import FileStorage
from werkzeug.test import encode_multipart

from identity.models import Citizen, Role
from tests import factories
from tests.demo_ids import AN, BUSINESS, GIANG, OPS, PHUC, WARD


def png() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (40, 60), "white").save(buffer, "PNG")
    return buffer.getvalue()


class Shop:
    """Headers and moves for the parties of a dossier at the ward's one-stop shop."""

    def __init__(self, client, citizen, organisation, auth_headers) -> None:
        self.client = client
        self.citizen = citizen
        self.organisation = organisation
        self._headers = auth_headers
        self._officers: dict[str, Citizen] = {}

    def as_citizen(self, national_id: str = AN) -> dict[str, str]:
        return self._headers(self.citizen(national_id))

    def officer(self, agency: str = WARD) -> dict[str, str]:
        """An officer of ``agency``: Phúc, the demo's, for the ward; for another
        agency, one built for this test (the same one at every call)."""
        org = self.organisation(agency)
        if agency == WARD:
            return self._headers(self.citizen(PHUC), org=org, role="officer")
        if agency not in self._officers:
            self._officers[agency] = factories.staff(org, Role.OFFICER)
        return self._headers(self._officers[agency], org=org, role="officer")

    def analyst(self) -> dict[str, str]:
        return self._headers(
            self.citizen(GIANG), org=self.organisation(OPS), role="analyst"
        )

    def upload(
        self,
        national_id: str = AN,
        content: bytes | None = None,
        name: str = "scan.png",
    ) -> Any:
        # Encoded in memory: the test client would spool a large body to a
        # temporary file it never closes.
        file = FileStorage(
            io.BytesIO(content if content is not None else png()),
            filename=name,
            content_type="application/octet-stream",
        )
        boundary, body = encode_multipart({"file": file})
        return self.client.post(
            "/api/v1/uploads",
            data=body,
            headers=self.as_citizen(national_id),
            content_type=f"multipart/form-data; boundary={boundary}",
        )

    def business_body(self, national_id: str = AN, **form: Any) -> dict[str, Any]:
        upload = self.upload(national_id)
        assert upload.status_code == 201, upload.get_json()
        return {
            "procedure_code": BUSINESS,
            "form": {
                "business_name": "Tạp hóa Thử",
                "address": "Số 1 đường Thử, phường Phú Cường",
                "business_lines": "Bán lẻ",
                "capital_vnd": 50_000_000,
                **form,
            },
            "documents": [
                {
                    "code": "applicant_identity",
                    "reference": {
                        "kind": "identity",
                        "id": str(self.citizen(national_id).id),
                    },
                },
                {"code": "premises_document", "upload_id": upload.get_json()["id"]},
            ],
        }

    def submit(self, national_id: str = AN, **form: Any) -> dict[str, Any]:
        response = self.client.post(
            "/api/v1/dossiers",
            json=self.business_body(national_id, **form),
            headers=self.as_citizen(national_id),
        )
        assert response.status_code == 201, response.get_json()
        return response.get_json()

    def move(
        self,
        dossier_id: str,
        to: int,
        headers: dict[str, str] | None = None,
        **body: Any,
    ) -> Any:
        return self.client.post(
            f"/api/v1/dossiers/{dossier_id}/transitions",
            json={"to": to, **body},
            headers=headers if headers is not None else self.officer(),
        )

    def read(self, dossier_id: str, headers: dict[str, str] | None = None) -> Any:
        return self.client.get(
            f"/api/v1/dossiers/{dossier_id}",
            headers=headers if headers is not None else self.as_citizen(),
        )
