"""The consent domain's Prometheus figures (served at ``/metrics``, app/metrics.py)."""

from __future__ import annotations

from prometheus_client import Counter

DECISIONS = Counter(
    "congdan_consent_decisions",
    "Cross-party reads decided by the enforcement point, by effect and basis "
    "(consent, guardian, emergency, dossier, none).",
    ["effect", "basis"],
)


def decided(effect: str, basis: str) -> None:
    """Count one cross-party decision."""
    DECISIONS.labels(effect=effect, basis=basis).inc()
