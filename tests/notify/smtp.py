"""A real SMTP server on loopback (aiosmtpd) that records what it accepts, with optional TLS.

    with smtp_server() as server:                       # plain SMTP on 127.0.0.1:PORT
        ...; server.messages                              # parsed EmailMessages, in order
    with smtp_server(refuse_data=True) as server: ...     # answers 554 to every message
    with smtp_server(refuse={"b@example.com"}) as s: ...  # 550 for one mailbox
    with smtp_server(starttls=certs) as server: ...       # STARTTLS required, certificate from certs
    with smtp_server(implicit_tls=certs) as server: ...   # TLS from the first byte

``make_certs(dir)`` writes a throwaway CA and a server certificate for localhost/127.0.0.1.
"""

from __future__ import annotations

import socket
import ssl
import threading
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from email import message_from_bytes, policy
from email.message import EmailMessage
from ipaddress import IPv4Address
from pathlib import Path
from typing import Any

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

HOST = "127.0.0.1"


@dataclass(frozen=True)
class Certs:
    ca: Path
    cert: Path
    key: Path

    def server_context(self) -> ssl.SSLContext:
        context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        context.load_cert_chain(self.cert, self.key)
        return context


def free_port() -> int:
    """A port nothing listens on (right now)."""
    with socket.socket() as s:
        s.bind((HOST, 0))
        return int(s.getsockname()[1])


class Recorder:
    """aiosmtpd handler: accepts (or refuses) and keeps every message."""

    def __init__(self, refuse: Iterable[str] = (), refuse_data: bool = False) -> None:
        self.refuse = {a.lower() for a in refuse}
        self.refuse_data = refuse_data
        self.messages: list[EmailMessage] = []
        self.envelopes: list[tuple[str, list[str]]] = []
        self.logins: list[str] = []
        self._lock = threading.Lock()

    async def handle_RCPT(self, server: Any, session: Any, envelope: Any, address: str, rcpt_options: list[str]) -> str:
        if address.lower() in self.refuse:
            return "550 5.1.1 mailbox unavailable"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        if self.refuse_data:
            return "554 5.7.1 message refused"
        message = message_from_bytes(envelope.original_content, policy=policy.default)
        assert isinstance(message, EmailMessage)
        with self._lock:
            self.messages.append(message)
            self.envelopes.append((envelope.mail_from, list(envelope.rcpt_tos)))
        return "250 Message accepted for delivery"


class Authenticator:
    """Accepts one login and password, records the logins tried."""

    def __init__(self, recorder: Recorder, login: str, password: str) -> None:
        self.recorder, self.login, self.password = recorder, login, password

    def __call__(self, server: Any, session: Any, envelope: Any, mechanism: str, auth_data: Any) -> AuthResult:
        if not isinstance(auth_data, LoginPassword):
            return AuthResult(success=False, handled=False)
        login, password = auth_data.login.decode(), auth_data.password.decode()
        self.recorder.logins.append(login)
        return AuthResult(success=login == self.login and password == self.password, handled=False)


@dataclass
class Server:
    port: int
    recorder: Recorder

    @property
    def messages(self) -> list[EmailMessage]:
        return self.recorder.messages


@contextmanager
def smtp_server(
    *,
    port: int | None = None,
    refuse: Iterable[str] = (),
    refuse_data: bool = False,
    starttls: Certs | None = None,
    implicit_tls: Certs | None = None,
    login: tuple[str, str] | None = None,
) -> Iterator[Server]:
    """Run a recording SMTP server on loopback for the block."""
    recorder = Recorder(refuse, refuse_data)
    options: dict[str, Any] = {}
    if starttls is not None:
        options.update(tls_context=starttls.server_context(), require_starttls=True)
    if implicit_tls is not None:
        options.update(ssl_context=implicit_tls.server_context())
    if login is not None:
        options.update(authenticator=Authenticator(recorder, *login), auth_required=True)
    chosen = port or free_port()
    controller = Controller(recorder, hostname=HOST, port=chosen, **options)
    controller.start()
    try:
        yield Server(port=chosen, recorder=recorder)
    finally:
        controller.stop()


def make_certs(folder: Path) -> Certs:
    """A CA and a server certificate it signed, for localhost and 127.0.0.1 (EC keys: fast)."""
    now = datetime.now(UTC)
    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca_name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "Regionwatch test CA")])
    ca = (
        x509.CertificateBuilder()
        .subject_name(ca_name)
        .issuer_name(ca_name)
        .public_key(ca_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(minutes=5))
        .not_valid_after(now + timedelta(days=1))
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=True,
                key_cert_sign=True,
                crl_sign=True,
                content_commitment=False,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(ca_key.public_key()), critical=False)
        .sign(ca_key, hashes.SHA256())
    )
    key = ec.generate_private_key(ec.SECP256R1())
    cert = (
        x509.CertificateBuilder()
        .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "localhost")]))
        .issuer_name(ca_name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(minutes=5))
        .not_valid_after(now + timedelta(days=1))
        .add_extension(
            x509.SubjectAlternativeName([x509.DNSName("localhost"), x509.IPAddress(IPv4Address(HOST))]), critical=False
        )
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(x509.ExtendedKeyUsage([x509.oid.ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
        .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()), critical=False)
        .sign(ca_key, hashes.SHA256())
    )
    certs = Certs(ca=folder / "ca.pem", cert=folder / "server.pem", key=folder / "server.key")
    certs.ca.write_bytes(ca.public_bytes(serialization.Encoding.PEM))
    certs.cert.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    certs.key.write_bytes(
        key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    )
    return certs
