"""Alerts: tell campaign staff about newly flagged items, once each, and maintainers about broken sources.

`run_alerts` is the whole of it for callers (the ingest flow and `unionwatch alerts`); the design of the
delivery guarantee is described in alerts/deliver.py and docs/alerts.md.
"""

from alerts.deliver import AlertReport, Delivery, Preview
from alerts.run import register_subscriptions, run_alerts

__all__ = ["AlertReport", "Delivery", "Preview", "register_subscriptions", "run_alerts"]
