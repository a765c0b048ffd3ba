"""E-mail over SMTP: STARTTLS on 587 (or implicit TLS on 465), login from ``${ENV}``.

Each message goes out as plain text with a simple HTML alternative. Credentials are only ever
sent over TLS (a login over a plain connection is refused, except to a loopback relay).
"""

from __future__ import annotations

import html
import smtplib
import socket
import ssl
from email.message import EmailMessage
from email.utils import formatdate, make_msgid
from typing import Any, ClassVar

from pydantic import Field, SecretStr, field_validator, model_validator

from slabridge.alerts.message import AlertMessage
from slabridge.alerts.notifiers.base import DeliveryError, Notifier, NotifierConfig
from slabridge.connectors.http import is_loopback
from slabridge.logs import redact_text

IMPLICIT_TLS_PORT = 465


def _an_address(value: str) -> str:
    local, at, domain = value.strip().rpartition("@")
    if not at or not local or "." not in domain or any(c in value for c in " <>,\r\n"):
        raise ValueError("must be an e-mail address like alerts@example.com")
    return value.strip()


class EmailConfig(NotifierConfig):
    """``alerts.channels.<name>`` of ``type: email``.

    ``tls`` defaults to implicit TLS on port 465 and STARTTLS elsewhere (``starttls``);
    ``ca_file`` trusts a private CA (an internal relay) besides the system's.
    """

    model_config = NotifierConfig.model_config | {"populate_by_name": True}

    host: str = Field(min_length=1)
    port: int = Field(default=587, ge=1, le=65535)
    starttls: bool = True
    tls: bool | None = None
    username: str | None = None
    password: SecretStr | None = None
    sender: str = Field(alias="from")
    to: list[str] = Field(min_length=1)
    ca_file: str | None = None
    timeout: float = Field(default=30.0, gt=0, le=300)

    @field_validator("host")
    @classmethod
    def _a_host_name(cls, value: str) -> str:
        if any(c in value for c in " /:@") or value.startswith("."):
            raise ValueError("must be a host name or address, without scheme, port or path")
        return value

    @field_validator("sender")
    @classmethod
    def _a_sender(cls, value: str) -> str:
        return _an_address(value)

    @field_validator("to")
    @classmethod
    def _recipients(cls, value: list[str]) -> list[str]:
        return [_an_address(address) for address in value]

    @model_validator(mode="after")
    def _login_needs_both(self) -> EmailConfig:
        if (self.username is None) != (self.password is None):
            raise ValueError("username and password go together (set both or neither)")
        return self

    @property
    def implicit_tls(self) -> bool:
        return self.tls if self.tls is not None else self.port == IMPLICIT_TLS_PORT


def html_body(message: AlertMessage) -> str:
    """A simple HTML version of :meth:`AlertMessage.text`: a heading and one item per ticket."""
    rows = []
    for item in message.items:
        label = html.escape(f"{item.connector} #{item.ticket_id}")
        link = (
            f'<a href="{html.escape(item.ticket_url, quote=True)}">{label}</a>'
            if item.ticket_url
            else label
        )
        subject = f" {html.escape(item.subject)}" if item.subject else ""
        what = html.escape(f"{item.metric.replace('_', ' ')} {item.event.replace('_', ' ')}")
        rows.append(
            f"<li><strong>{link}</strong>{subject}: {what}, due {html.escape(item.due_local)}."
            f"<br>{html.escape(item.action)}</li>"
        )
    return (
        "<!doctype html><html><body>"
        f"<h2>{html.escape(message.title)}</h2><ul>{''.join(rows)}</ul>"
        "</body></html>"
    )


class EmailNotifier(Notifier):
    """Sends each message as one e-mail to every address in ``to``."""

    type_name: ClassVar[str] = "email"
    config_model: ClassVar[type[NotifierConfig]] = EmailConfig
    config: EmailConfig

    def build(self, message: AlertMessage) -> EmailMessage:
        """The e-mail for ``message`` (plain text, with an HTML alternative)."""
        mail = EmailMessage()
        # A header cannot hold a line break (it would start another header).
        mail["Subject"] = " ".join(message.title.split())
        mail["From"] = self.config.sender
        mail["To"] = ", ".join(self.config.to)
        mail["Date"] = formatdate(localtime=False, usegmt=True)
        mail["Message-ID"] = make_msgid(domain=self.config.sender.rpartition("@")[2])
        mail.set_content(message.text())
        mail.add_alternative(html_body(message), subtype="html")
        return mail

    def send(self, message: AlertMessage) -> None:
        problem = self._plain_login_problem()
        if problem is not None:
            raise DeliveryError(f"{self._where()}: {problem}")
        mail = self.build(message)
        try:
            self._deliver(mail)
        except OSError as exc:  # smtplib's and ssl's errors are OSErrors too
            raise DeliveryError(f"{self._where()}: {self._failure(exc)}") from None

    def _deliver(self, mail: EmailMessage) -> None:
        config = self.config
        with self._connect() as smtp:
            if config.username is not None and config.password is not None:
                smtp.login(config.username, config.password.get_secret_value())
            smtp.send_message(mail)

    def _failure(self, exc: OSError) -> str:
        """What went wrong, for the delivery error (most specific exception first)."""
        timeout = f"no answer within {self.config.timeout:g} s"
        if isinstance(exc, smtplib.SMTPAuthenticationError):
            return f"the server refused the login (SMTP {exc.smtp_code})"
        if isinstance(exc, smtplib.SMTPRecipientsRefused):
            return f"recipients refused: {', '.join(sorted(exc.recipients))}"
        if isinstance(exc, smtplib.SMTPResponseException):
            error = exc.smtp_error
            text = error.decode("utf-8", "replace") if isinstance(error, bytes) else str(error)
            return f"SMTP {exc.smtp_code} {self._clean(text)[:200]}"
        if isinstance(exc, smtplib.SMTPNotSupportedError):
            # "STARTTLS extension not supported by server." or the same of SMTP AUTH.
            hint = "use tls: true on port 465" if "STARTTLS" in str(exc) else "check the port"
            return f"{self._clean(str(exc))} ({hint})"
        if isinstance(exc, ssl.SSLError):
            return f"TLS failed: {exc.reason or 'error'}"
        if isinstance(exc, smtplib.SMTPServerDisconnected):
            # smtplib turns a read timeout into "Connection unexpectedly closed: timed out".
            return timeout if "timed out" in str(exc) else "the server closed the connection"
        if isinstance(exc, TimeoutError):
            return timeout
        if isinstance(exc, ConnectionRefusedError):
            return "connection refused"
        return f"{type(exc).__name__}: {self._clean(str(exc))[:200]}"

    def _connect(self) -> smtplib.SMTP:
        config = self.config
        context = ssl.create_default_context(cafile=config.ca_file)
        if config.implicit_tls:
            return smtplib.SMTP_SSL(
                config.host, config.port, timeout=config.timeout, context=context
            )
        smtp = smtplib.SMTP(config.host, config.port, timeout=config.timeout)
        try:
            if config.starttls:
                smtp.starttls(context=context)
        except BaseException:
            smtp.close()
            raise
        return smtp

    def _plain_login_problem(self) -> str | None:
        config = self.config
        if config.username is None or config.implicit_tls or config.starttls:
            return None
        if is_loopback(config.host):
            return None
        return "refusing to send the password without TLS (set starttls: true or tls: true)"

    def check(self) -> list[str]:
        problems = []
        plain = self._plain_login_problem()
        if plain is not None:
            problems.append(plain)
        try:
            socket.getaddrinfo(self.config.host, self.config.port, type=socket.SOCK_STREAM)
        except (OSError, UnicodeError):
            problems.append(f"the host name {self.config.host!r} does not resolve")
        if self.config.ca_file is not None:
            try:
                ssl.create_default_context(cafile=self.config.ca_file)
            except (OSError, ssl.SSLError):
                problems.append(f"ca_file {self.config.ca_file!r} is not a readable PEM file")
        return problems

    def describe(self) -> dict[str, Any]:
        config = self.config
        security = "tls" if config.implicit_tls else ("starttls" if config.starttls else "none")
        return {
            **super().describe(),
            "server": f"{config.host}:{config.port}",
            "security": security,
            "to": list(config.to),
        }

    def _where(self) -> str:
        return f"email channel {self.name} ({self.config.host}:{self.config.port})"

    def _clean(self, text: str) -> str:
        return redact_text(text, self.config.secrets())


__all__ = ["EmailConfig", "EmailNotifier", "html_body"]
