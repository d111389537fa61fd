"""A real SMTP server for tests: aiosmtpd in its own thread, keeping what it receives."""

from __future__ import annotations

import asyncio
import re
import socket
import time
from email import message_from_bytes, policy
from email.message import EmailMessage

from aiosmtpd.controller import Controller

LINK = re.compile(r"http://testserver(/[^\s]+)")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class SmtpSink:
    def __init__(self) -> None:
        self.messages: list[EmailMessage] = []
        self.refuse: dict[str, str] = {}
        self.port = free_port()
        self.controller = Controller(self, hostname="127.0.0.1", port=self.port)

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):  # type: ignore[no-untyped-def]  # noqa: N802
        """`refuse` maps an address to the SMTP reply it gets, e.g. "451 4.3.0 try again later"."""
        if address in self.refuse:
            return self.refuse[address]
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):  # type: ignore[no-untyped-def]  # noqa: N802
        message = message_from_bytes(envelope.content, policy=policy.default)
        message["X-Envelope-To"] = ", ".join(envelope.rcpt_tos)
        self.messages.append(message)  # type: ignore[arg-type]
        return "250 Message accepted"

    def start(self) -> None:
        self.controller.start()

    def stop(self) -> None:
        self.controller.stop()

    def clear(self) -> None:
        self.messages.clear()
        self.refuse.clear()

    def to(self, address: str) -> list[EmailMessage]:
        return [m for m in self.messages if address in m["X-Envelope-To"]]

    async def wait_for(self, address: str, subject_part: str, within: float = 10.0) -> EmailMessage:
        deadline = time.monotonic() + within
        while time.monotonic() < deadline:
            for message in self.to(address):
                if subject_part.lower() in str(message["Subject"]).lower():
                    return message
            await asyncio.sleep(0.02)
        raise AssertionError(
            f"no mail to {address} about {subject_part!r}; got {[m['Subject'] for m in self.messages]}"
        )

    @staticmethod
    def body(message: EmailMessage) -> str:
        part = message.get_body(preferencelist=("plain",))
        assert part is not None
        return str(part.get_content())

    def link(self, message: EmailMessage) -> str:
        match = LINK.search(self.body(message))
        assert match, self.body(message)
        return match.group(1)
