"""Alerts: tell campaign staff about newly flagged items, once each, and maintainers about broken sources.

`run_alerts` is the whole of it for callers (the ingest flow and `unionwatch alerts`); the design of the
delivery guarantee is described in alerts/deliver.py and docs/alerts.md.

The names below are imported on first use, so that checking the config (alerts.config) before a run does
not import the delivery machinery and DuckDB while the command has not started its Prefect server yet.
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from alerts.deliver import AlertReport, Delivery, Preview
    from alerts.dispatch import register_subscriptions, run_alerts

__all__ = ["AlertReport", "Delivery", "Preview", "register_subscriptions", "run_alerts"]
_HOMES = {"AlertReport": "alerts.deliver", "Delivery": "alerts.deliver", "Preview": "alerts.deliver",
          "register_subscriptions": "alerts.dispatch", "run_alerts": "alerts.dispatch"}


def __getattr__(name: str) -> object:
    """One of `__all__`, imported from its module on first use."""
    if name not in _HOMES:
        raise AttributeError(f"module 'alerts' has no attribute {name!r}")
    return getattr(import_module(_HOMES[name]), name)
