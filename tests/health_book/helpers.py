"""Shared moves of the health-book tests."""

from __future__ import annotations

from typing import Any


def book(subject: Any, suffix: str = "") -> str:
    """The URL of ``subject``'s health book, or of ``suffix`` in it."""
    return f"/api/v1/citizens/{subject}/health-book{suffix}"
