"""E-mail against a real SMTP server on loopback (aiosmtpd): STARTTLS, implicit TLS and AUTH.

The TLS certificate is made here with ``cryptography`` (self-signed, for 127.0.0.1) and trusted
through the channel's ``ca_file``, so certificate checking stays on in every test.
"""

from __future__ import annotations

import ipaddress
import socket
import ssl
import threading
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from email import message_from_bytes
from email.message import Message
from pathlib import Path
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID
from notifykit import closed_port, item, message

from slabridge.alerts.message import AlertMessage
from slabridge.alerts.notifiers.base import DeliveryError, Notifier
from slabridge.alerts.notifiers.registry import build_channels
from slabridge.config import ConfigError

PASSWORD = "smtp-Pa55word-do-not-leak"
USER = "alerts@example.com"


@pytest.fixture(scope="module")
def certificate(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
    now = datetime.now(UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(minutes=5))
        .not_valid_after(now + timedelta(days=1))
        .add_extension(
            x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
            critical=False,
        )
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    folder = tmp_path_factory.mktemp("tls")
    cert_file, key_file = folder / "cert.pem", folder / "key.pem"
    cert_file.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_file.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return cert_file, key_file


class Mailbox:
    """The aiosmtpd handler: keeps every accepted message and who logged in."""

    def __init__(self) -> None:
        self.messages: list[tuple[str, list[str], Message]] = []
        self.logins: list[str] = []
        self.lock = threading.Lock()

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        with self.lock:
            self.messages.append(
                (envelope.mail_from, list(envelope.rcpt_tos), message_from_bytes(envelope.content))
            )
        return "250 OK"

    def authenticate(
        self, server: Any, session: Any, envelope: Any, mechanism: str, data: Any
    ) -> AuthResult:
        good = (
            isinstance(data, LoginPassword)
            and data.login.decode() == USER
            and data.password.decode() == PASSWORD
        )
        if good:
            self.logins.append(USER)
        return AuthResult(success=good, handled=False)


def body_of(part: Message) -> str:
    payload = part.get_payload(decode=True)
    assert isinstance(payload, bytes)
    return payload.decode()


def server_context(certificate: tuple[Path, Path]) -> ssl.SSLContext:
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(*map(str, certificate))
    return context


def free_port() -> int:
    return closed_port()


@pytest.fixture
def starttls_server(certificate: tuple[Path, Path]) -> Iterator[tuple[Mailbox, int]]:
    mailbox = Mailbox()
    port = free_port()
    controller = Controller(
        mailbox,
        hostname="127.0.0.1",
        port=port,
        tls_context=server_context(certificate),
        require_starttls=True,
        auth_required=True,
        auth_require_tls=True,
        authenticator=mailbox.authenticate,
    )
    controller.start()
    yield mailbox, port
    controller.stop()


def mail_channel(port: int, ca_file: Path | None, **options: Any) -> Notifier:
    entry: dict[str, Any] = {
        "type": "email",
        "host": "127.0.0.1",
        "port": port,
        "username": USER,
        "password": PASSWORD,
        "from": USER,
        "to": ["lead@example.com", "team@example.com"],
        "timeout": 5,
    }
    if ca_file is not None:
        entry["ca_file"] = str(ca_file)
    entry.update(options)
    return build_channels({"lead-mail": entry})["lead-mail"]


def test_starttls_then_login_then_a_text_and_html_mail(
    starttls_server: tuple[Mailbox, int], certificate: tuple[Path, Path]
) -> None:
    mailbox, port = starttls_server
    mail_channel(port, certificate[0]).send(message(2))
    assert mailbox.logins == [USER]
    [(sender, recipients, mail)] = mailbox.messages
    assert sender == USER and recipients == ["lead@example.com", "team@example.com"]
    assert mail["Subject"] == "SLA at risk: 2 tickets"
    parts = {part.get_content_type(): part for part in mail.walk()}
    text, html = body_of(parts["text/plain"]), body_of(parts["text/html"])
    assert "https://acme.zendesk.com/agent/tickets/4822" in text
    assert "due Tue 8 Dec 2026 17:00 CET (berlin)" in text
    assert '<a href="https://acme.zendesk.com/agent/tickets/4821">zendesk #4821</a>' in html
    assert "Printer &lt;on fire&gt; &amp; smoking" in html  # ticket text is escaped


def test_a_wrong_password_is_a_delivery_error_without_the_password(
    starttls_server: tuple[Mailbox, int], certificate: tuple[Path, Path]
) -> None:
    _, port = starttls_server
    notifier = mail_channel(port, certificate[0], password="wrong-" + PASSWORD)
    with pytest.raises(DeliveryError, match="refused the login") as caught:
        notifier.send(message())
    assert PASSWORD not in str(caught.value)


def test_an_untrusted_certificate_fails_the_delivery(starttls_server: tuple[Mailbox, int]) -> None:
    _, port = starttls_server
    with pytest.raises(DeliveryError, match="TLS failed") as caught:
        mail_channel(port, None).send(message())
    assert PASSWORD not in str(caught.value)


def test_without_starttls_the_server_refuses_and_nothing_is_sent(
    starttls_server: tuple[Mailbox, int],
) -> None:
    mailbox, port = starttls_server
    # Loopback allows a plain login attempt; this server insists on STARTTLS first.
    with pytest.raises(DeliveryError, match="SMTP AUTH extension not supported") as caught:
        mail_channel(port, None, starttls=False).send(message())
    assert mailbox.messages == [] and PASSWORD not in str(caught.value)


def test_implicit_tls(certificate: tuple[Path, Path]) -> None:
    mailbox = Mailbox()
    port = free_port()
    controller = Controller(
        mailbox,
        hostname="127.0.0.1",
        port=port,
        ssl_context=server_context(certificate),
        server_hostname="127.0.0.1",
        auth_require_tls=False,  # the whole connection is TLS; aiosmtpd cannot tell
        authenticator=mailbox.authenticate,
    )
    controller.start()
    try:
        mail_channel(port, certificate[0], tls=True).send(message())
    finally:
        controller.stop()
    assert mailbox.logins == [USER] and len(mailbox.messages) == 1


def test_connection_refused_and_timeouts_are_delivery_errors() -> None:
    with pytest.raises(DeliveryError, match="connection refused"):
        mail_channel(closed_port(), None).send(message())
    with socket.socket() as silent:  # accepts the connection, never greets
        silent.bind(("127.0.0.1", 0))
        silent.listen()
        port = silent.getsockname()[1]
        with pytest.raises(DeliveryError, match=r"no answer within 0\.3 s") as caught:
            mail_channel(port, None, timeout=0.3).send(message())
    assert PASSWORD not in str(caught.value)


def test_a_plain_login_to_a_remote_server_is_refused_without_connecting() -> None:
    notifier = mail_channel(587, None, host="smtp.invalid", starttls=False)
    problem = "refusing to send the password without TLS"
    with pytest.raises(DeliveryError, match=problem):
        notifier.send(message())
    assert any(problem in found for found in notifier.check())


def test_check_resolves_the_host_and_describe_shows_no_password() -> None:
    assert mail_channel(587, None).check() == []
    assert mail_channel(587, None, host="no-such-host.invalid").check() == [
        "the host name 'no-such-host.invalid' does not resolve"
    ]
    described = mail_channel(465, None).describe()
    assert described == {
        "name": "lead-mail",
        "type": "email",
        "server": "127.0.0.1:465",
        "security": "tls",
        "to": ["lead@example.com", "team@example.com"],
    }
    assert PASSWORD not in str(described)


def test_bad_entries_are_config_errors_at_their_key_path() -> None:
    with pytest.raises(ConfigError) as caught:
        build_channels(
            {
                "m": {
                    "type": "email",
                    "host": "smtp://mail.example.com",
                    "from": "not an address",
                    "to": [],
                    "username": "u",
                    "colour": "red",
                }
            }
        )
    paths = {issue.path for issue in caught.value.issues}
    assert {
        "alerts.channels.m.host",
        "alerts.channels.m.from",
        "alerts.channels.m.to",
        "alerts.channels.m.colour",
    } <= paths
    colour = next(i for i in caught.value.issues if i.path.endswith("colour"))
    assert "from" in colour.message and "sender" not in colour.message


def test_check_reports_an_unreadable_ca_file(tmp_path: Path) -> None:
    missing = tmp_path / "no-such-ca.pem"
    [problem] = mail_channel(587, missing).check()
    assert problem == f"ca_file {str(missing)!r} is not a readable PEM file"


def test_a_title_with_a_line_break_cannot_add_a_header(
    starttls_server: tuple[Mailbox, int], certificate: tuple[Path, Path]
) -> None:
    mailbox, port = starttls_server
    sneaky = AlertMessage("m", "r", 1, "SLA breached\r\nBcc: everyone@example.com", (item(),))
    mail_channel(port, certificate[0]).send(sneaky)
    [(_, recipients, mail)] = mailbox.messages
    assert mail["Subject"] == "SLA breached Bcc: everyone@example.com"
    assert mail["Bcc"] is None and "everyone@example.com" not in recipients
