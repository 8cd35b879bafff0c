"""What happens to consent, announced for whoever listens (the inboxes do).

Each signal is sent inside the unit of work that made the change, with the changed
object as its sender; a listener writes in the same transaction, so what it writes
commits or rolls back with the change.
"""

from __future__ import annotations

from blinker import Namespace

_events = Namespace()

#: A request names a citizen (sender: the request; ``subject``, ``organisation``).
consent_requested = _events.signal("consent-requested")
#: The subject side approved (sender: the request; ``artefact``).
consent_approved = _events.signal("consent-approved")
#: The subject side denied (sender: the request).
consent_denied = _events.signal("consent-denied")
#: A request went unanswered past its deadline (sender: the request; ``subject``).
consent_request_expired = _events.signal("consent-request-expired")
#: An artefact was revoked (sender: the artefact; ``by_subject_side``, ``subject``).
consent_revoked = _events.signal("consent-revoked")
#: An artefact reached its end (sender: the artefact).
consent_expired = _events.signal("consent-expired")
#: An organisation redeemed a share code (sender: the share code; ``artefact``,
#: ``organisation``).
share_code_redeemed = _events.signal("share-code-redeemed")
#: A doctor opened a break-glass window (sender: the access; ``subject``,
#: ``organisation``).
emergency_access_opened = _events.signal("emergency-access-opened")
