"""URL converters shared by the domains."""

from __future__ import annotations

import uuid

from werkzeug.routing import BaseConverter


class SubjectConverter(BaseConverter):
    """``me`` or a citizen's UUID, as in ``/citizens/{id|me}/health-book``.

    The value is only a request: every route still decides whether the caller may
    read that citizen's data.
    """

    regex = r"me|[0-9a-fA-F]{8}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{12}"

    @staticmethod
    def openapi_schema(_converter: BaseConverter) -> dict[str, str]:
        """How the path parameter is documented."""
        return {
            "type": "string",
            "pattern": SubjectConverter.regex,
            "description": "me, or a citizen id",
        }

    def to_python(self, value: str) -> str | uuid.UUID:
        return value if value == "me" else uuid.UUID(value)

    def to_url(self, value: object) -> str:
        return str(value)
