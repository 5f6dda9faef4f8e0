"""Delivery channels: email, webhooks (generic JSON, Slack, Teams), Apprise and an Atom feed file."""

from __future__ import annotations

import os
from collections.abc import Mapping

from alerts.channels.atom import AtomChannel
from alerts.channels.base import Channel, ChannelSetupError, DeliveryError
from alerts.channels.mail import EmailChannel, SmtpSettings
from alerts.channels.webhook import WebhookChannel
from alerts.config import AlertConfig, Target
from alerts.render import Renderer

__all__ = ["Channel", "ChannelSetupError", "DeliveryError", "open_channel"]


def open_channel(target: Target, subscription_id: str, config: AlertConfig, renderer: Renderer,
                 environ: Mapping[str, str] = os.environ) -> Channel:
    """The channel for `target`, its secrets read from the environment; ChannelSetupError if unusable."""
    if target.channel == "email":
        return EmailChannel(SmtpSettings.from_env(environ), target.to)
    if target.channel == "atom":
        return AtomChannel(target.path, subscription_id, renderer)
    url = environ.get(target.url_env or "", "").strip()
    if not url:
        raise ChannelSetupError(f"environment variable {target.url_env} is not set (it holds the "
                                f"{target.channel} URL of {subscription_id!r}); nothing was sent there")
    if target.channel == "apprise":
        from alerts.channels.apprise_channel import AppriseChannel  # apprise loads ~100 plugins: only on use

        return AppriseChannel(url, target.url_env or "")
    return WebhookChannel(url, target.channel, config)
