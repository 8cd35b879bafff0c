"""The notifications' Prometheus figures (served at ``/metrics``, app/metrics.py)."""

from __future__ import annotations

from prometheus_client import Counter

DELIVERIES = Counter(
    "congdan_notification_deliveries",
    "Deliveries tried, by channel and outcome (sent, retry, rejected, gone, "
    "not-configured, no-address).",
    ["channel", "outcome"],
)


def delivered(channel: str, outcome: str) -> None:
    """Count one delivery's outcome."""
    DELIVERIES.labels(
        channel=channel if channel in ("fcm", "webpush", "sms") else "push",
        outcome=outcome,
    ).inc()
