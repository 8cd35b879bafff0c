"""What happens to transcripts, announced for whoever listens (the inboxes do)."""

from __future__ import annotations

from blinker import Namespace

_events = Namespace()

#: A principal signed and published a transcript (sender: the transcript; ``pupil``).
transcript_published = _events.signal("transcript-published")
