"""What happens to dossiers, announced for whoever listens (the inboxes do)."""

from __future__ import annotations

from blinker import Namespace

_events = Namespace()

#: A dossier moved to a new status (sender: the dossier; ``note``).
dossier_status_changed = _events.signal("dossier-status-changed")
