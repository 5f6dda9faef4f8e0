"""Any notification service Apprise supports (Discord, Telegram, ntfy, Matrix, mailto://, json://, …)."""

from __future__ import annotations

import apprise

from alerts.channels.base import ChannelSetupError, DeliveryError
from alerts.render import Message


class AppriseChannel:
    """Sends the HTML rendering through Apprise, which converts it (escaped) for text and Markdown services."""

    def __init__(self, url: str, env_name: str) -> None:
        self._apprise = apprise.Apprise()
        if not self._apprise.add(url):
            # The URL is a secret: name the variable, not its value.
            raise ChannelSetupError(f"{env_name} does not hold an Apprise URL that Apprise recognises")

    def send(self, message: Message) -> None:
        """Notify every service of the URL; Apprise reports only success or failure."""
        if not self._apprise.notify(body=message.html, title=message.subject, body_format=apprise.NotifyFormat.HTML):
            # Apprise does not say whether the service got the message before failing; most failures are
            # refusals or unreachable services, so this one is retried (see docs/alerts.md).
            raise DeliveryError("the Apprise service failed or refused the message")
