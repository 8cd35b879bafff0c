"""What every delivery channel takes and answers."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Protocol


@dataclass(frozen=True)
class Message:
    """What a phone shows: a title and a line, no personal or health data."""

    title: str
    body: str
    #: Read by the app (strings only, as FCM requires): the inbox entry to open.
    data: dict[str, str] = field(default_factory=dict)
    #: A second delivery of the same notification replaces the first on the device.
    collapse_key: str = ""
    #: The provider drops a request it has seen with this reference (SMS gateways).
    reference: str = ""


@dataclass(frozen=True)
class Target:
    """Where to: a registration token, a Web Push subscription or a phone number."""

    address: str
    #: Web Push: the subscription's keys (``p256dh``, ``auth``).
    keys: dict[str, str] = field(default_factory=dict)


class DeliveryError(Exception):
    """The provider did not take the message."""


class TryLater(DeliveryError):  # noqa: N818 - an instruction to the job
    """A passing failure (the provider is busy or down): the job retries."""

    def __init__(self, reason: str, retry_after: float | None = None) -> None:
        super().__init__(reason)
        self.retry_after = retry_after


class Rejected(DeliveryError):  # noqa: N818 - the provider's answer
    """The provider refused the message itself: trying again would not help."""


class Gone(DeliveryError):  # noqa: N818 - the provider's answer
    """The address no longer exists (an app uninstalled): forget the device."""


class Channel(Protocol):
    """A way to deliver: FCM, Web Push or SMS."""

    name: str

    def send(self, target: Target, message: Message) -> str:
        """Deliver ``message``; the provider's id for it.

        :raise TryLater: a passing failure.
        :raise Rejected: the message will never be taken.
        :raise Gone: the address no longer exists.
        """
