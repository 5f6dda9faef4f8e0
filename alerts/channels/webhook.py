"""Webhooks: a generic JSON POST, or the payload shapes Slack and Microsoft Teams incoming webhooks accept."""

from __future__ import annotations

import json

import requests
from urllib3.exceptions import NewConnectionError

from alerts.channels.base import DeliveryError
from alerts.config import AlertConfig
from alerts.render import Message, json_payload, slack_payload, teams_payload

TIMEOUT = (10.0, 30.0)  # connect, read
USER_AGENT = "unionwatch-alerts/0.1"


class WebhookChannel:
    """POSTs each message as JSON to a URL kept in the environment (it is a secret: never logged or stored)."""

    def __init__(self, url: str, style: str, config: AlertConfig) -> None:
        self._url, self.style, self.config = url, style, config

    def payload(self, message: Message) -> dict:
        """The JSON body for this webhook's style: webhook (generic), slack or teams."""
        if self.style == "slack":
            return slack_payload(message)
        if self.style == "teams":
            return teams_payload(message)
        return json_payload(message, self.config)

    def send(self, message: Message) -> None:
        """POST the payload; any 2xx is success, anything else a failure saying whether it may have arrived."""
        body = json.dumps(self.payload(message), ensure_ascii=False).encode("utf-8")
        headers = {"Content-Type": "application/json; charset=utf-8", "User-Agent": USER_AGENT,
                   "Idempotency-Key": message.dedupe_key}
        try:
            with requests.Session() as session:
                response = session.post(self._url, data=body, headers=headers, timeout=TIMEOUT,
                                        allow_redirects=False)
        except requests.ConnectTimeout:
            raise DeliveryError(f"{self.style} webhook: timed out connecting") from None
        except requests.ConnectionError as exc:
            # Error texts from requests contain the URL, which may hold a token: describe, don't quote.
            if _never_connected(exc):
                raise DeliveryError(f"{self.style} webhook: could not connect") from None
            raise DeliveryError(f"{self.style} webhook: connection lost after sending", maybe_delivered=True) from None
        except requests.Timeout:
            raise DeliveryError(f"{self.style} webhook: no answer in time", maybe_delivered=True) from None
        except requests.RequestException as exc:
            raise DeliveryError(f"{self.style} webhook: {type(exc).__name__}", maybe_delivered=True) from None
        if not 200 <= response.status_code < 300:
            raise DeliveryError(f"{self.style} webhook answered HTTP {response.status_code}")


def _never_connected(exc: requests.ConnectionError) -> bool:
    """True when the connection was never made (refused, unreachable, name unknown), so nothing was sent."""
    reason = getattr(exc.args[0], "reason", None) if exc.args else None
    return isinstance(reason, NewConnectionError)
