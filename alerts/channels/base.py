"""What every channel shares: the Channel protocol and the two ways a send can go wrong."""

from __future__ import annotations

from typing import Protocol

from alerts.render import Message


class ChannelSetupError(RuntimeError):
    """A channel cannot be used as configured (e.g. its environment variable is unset); nothing was sent."""


class DeliveryError(RuntimeError):
    """A send that did not succeed.

    `maybe_delivered` is False only when the message certainly did not arrive: the receiver could not be
    reached, or it answered with a refusal. Otherwise (a timeout or a dropped connection after the message
    went out) it may have arrived, and at-most-once delivery forbids sending it again.
    """

    def __init__(self, reason: str, *, maybe_delivered: bool = False) -> None:
        super().__init__(reason)
        self.reason, self.maybe_delivered = reason, maybe_delivered


class Channel(Protocol):
    """Something that delivers messages."""

    def send(self, message: Message) -> None:
        """Deliver `message` or raise DeliveryError."""
        ...
