"""Problems of consent that more than one module raises."""

from __future__ import annotations

from app.errors import Conflict, Forbidden


class NotYourRequest(Forbidden):
    slug = "not-your-consent"


class IllegalTransition(Conflict):
    slug = "consent-state-conflict"
