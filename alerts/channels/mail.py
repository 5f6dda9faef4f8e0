"""Email over SMTP: multipart plain text + HTML, STARTTLS or SSL and login configured from the environment."""

from __future__ import annotations

import logging
import smtplib
import ssl
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from email import policy
from email.message import EmailMessage
from email.utils import formatdate, parseaddr

from alerts.channels.base import ChannelSetupError, DeliveryError
from alerts.render import Message

LOGGER = logging.getLogger(__name__)

ENV_PREFIX = "UNIONWATCH_SMTP_"
SECURITY_PORTS = {"starttls": 587, "ssl": 465, "none": 25}
TIMEOUT = 30.0  # seconds for connecting and for each SMTP reply
# RFC 5322's hard line limit: Python folds a subject that starts with "[" before its first word, which
# leaves a leading space in some readers; subjects are short, so they are simply not folded.
MAIL_POLICY = policy.SMTP.clone(max_line_length=998)


@dataclass(frozen=True)
class SmtpSettings:
    """How to reach the mail relay; read from UNIONWATCH_SMTP_* variables, never from the config file."""

    host: str
    port: int
    security: str  # starttls | ssl | none
    sender: str
    user: str | None = None
    password: str | None = field(default=None, repr=False)
    cafile: str | None = None  # extra CA bundle, for a relay with a private certificate

    @classmethod
    def from_env(cls, environ: Mapping[str, str]) -> SmtpSettings:
        """Settings from UNIONWATCH_SMTP_HOST, _PORT, _SECURITY, _USER, _PASSWORD, _FROM and _CAFILE."""

        def get(name: str) -> str | None:
            return environ.get(ENV_PREFIX + name, "").strip() or None

        host, security = get("HOST"), (get("SECURITY") or "starttls").lower()
        if not host:
            raise ChannelSetupError(f"{ENV_PREFIX}HOST is not set: email alerts need a mail relay")
        if security not in SECURITY_PORTS:
            raise ChannelSetupError(f"{ENV_PREFIX}SECURITY={security!r}: use starttls, ssl or none")
        port = get("PORT") or str(SECURITY_PORTS[security])
        if not port.isdigit():
            raise ChannelSetupError(f"{ENV_PREFIX}PORT={port!r} is not a port number")
        user, password = get("USER"), environ.get(ENV_PREFIX + "PASSWORD") or None
        if bool(user) != bool(password):
            raise ChannelSetupError(f"set both {ENV_PREFIX}USER and {ENV_PREFIX}PASSWORD, or neither")
        if password and security == "none":
            raise ChannelSetupError(f"{ENV_PREFIX}SECURITY=none would send the password in clear text; "
                                    "use starttls or ssl")
        sender = get("FROM") or (user if user and "@" in user else None)
        if not sender or "@" not in parseaddr(sender)[1]:
            raise ChannelSetupError(f"{ENV_PREFIX}FROM must be the sender's address, e.g. unionwatch@example.org")
        return cls(host, int(port), security, sender, user, password, get("CAFILE"))


class EmailChannel:
    """Sends each message as one email to the subscription's recipients."""

    def __init__(self, settings: SmtpSettings, recipients: Sequence[str]) -> None:
        self.settings, self.recipients = settings, tuple(recipients)
        self._tls: ssl.SSLContext | None = None

    def build(self, message: Message) -> EmailMessage:
        """The email: plain text first, HTML as the preferred alternative, a Message-ID from the dedupe key."""
        email = EmailMessage(policy=MAIL_POLICY)
        email["Subject"] = message.subject
        email["From"] = self.settings.sender
        email["To"] = ", ".join(self.recipients)
        email["Date"] = formatdate(usegmt=True)
        domain = parseaddr(self.settings.sender)[1].rpartition("@")[2]
        # The same item keeps the same Message-ID, so mail systems can spot a copy made by hand.
        email["Message-ID"] = f"<{message.dedupe_key}@{domain}>"
        email["X-Unionwatch-Dedupe-Key"] = message.dedupe_key
        email["Auto-Submitted"] = "auto-generated"  # RFC 3834: no vacation replies to alerts
        email.set_content(message.text)
        email.add_alternative(message.html, subtype="html")
        return email

    def send(self, message: Message) -> None:
        """Connect, secure, log in and hand the email over; failures say whether it may have arrived."""
        email = self.build(message)
        try:
            smtp = self._connect()
        except (OSError, smtplib.SMTPException) as exc:
            raise DeliveryError(f"mail relay {self.settings.host}:{self.settings.port}: {_describe(exc)}") from None
        try:
            refused = smtp.send_message(email)
        except (smtplib.SMTPRecipientsRefused, smtplib.SMTPSenderRefused, smtplib.SMTPDataError) as exc:
            raise DeliveryError(f"mail relay refused the message: {_describe(exc)}") from None
        except (OSError, smtplib.SMTPException) as exc:
            raise DeliveryError(f"mail relay connection lost while sending: {_describe(exc)}",
                                maybe_delivered=True) from None
        finally:
            _quit(smtp)
        if refused:
            # The others have it now: retrying would send them a second copy.
            LOGGER.warning("mail relay refused some recipients of %s: %s", message.dedupe_key, sorted(refused))

    def _connect(self) -> smtplib.SMTP:
        """An SMTP session, encrypted unless security is none, logged in when a user is set."""
        settings = self.settings
        if settings.security == "ssl":
            smtp: smtplib.SMTP = smtplib.SMTP_SSL(settings.host, settings.port, timeout=TIMEOUT,
                                                  context=self._context())
        else:
            smtp = smtplib.SMTP(settings.host, settings.port, timeout=TIMEOUT)
        try:
            if settings.security == "starttls":
                smtp.starttls(context=self._context())  # raises when the relay lacks it: never fall back to clear
            if settings.user and settings.password:
                smtp.login(settings.user, settings.password)
        except BaseException:
            _quit(smtp)
            raise
        return smtp

    def _context(self) -> ssl.SSLContext:
        """The TLS context, certificates verified; built once (loading the system CA store is slow)."""
        if self._tls is None:
            self._tls = ssl.create_default_context(cafile=self.settings.cafile)
        return self._tls


def _quit(smtp: smtplib.SMTP) -> None:
    """End the session; the outcome of the send is already known, so a failure here changes nothing."""
    try:
        smtp.quit()
    except (OSError, smtplib.SMTPException):
        smtp.close()


def _describe(exc: BaseException) -> str:
    """A short description of an SMTP or socket error (it never contains the password)."""
    if isinstance(exc, smtplib.SMTPResponseException):
        text = exc.smtp_error.decode("utf-8", "replace") if isinstance(exc.smtp_error, bytes) else str(exc.smtp_error)
        return f"{exc.smtp_code} {' '.join(text.split())}"
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        return "every recipient refused: " + ", ".join(sorted(exc.recipients))
    return f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__
