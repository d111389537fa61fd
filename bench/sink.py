"""A local SMTP sink in its own process, as a mail server would be: accepts every message and, when
stopped, prints how many it received.

    .venv/bin/python -m bench.sink 8025
"""

from __future__ import annotations

import signal
import sys
import threading

from aiosmtpd.controller import Controller


class CountingSink:
    def __init__(self) -> None:
        self.count = 0

    async def handle_DATA(self, server, session, envelope):  # type: ignore[no-untyped-def]  # noqa: N802
        self.count += 1
        return "250 OK"


def main() -> None:
    sink = CountingSink()
    controller = Controller(sink, hostname="127.0.0.1", port=int(sys.argv[1]))
    controller.start()
    stopped = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stopped.set())
    print("ready", flush=True)
    stopped.wait()
    controller.stop()
    print(sink.count, flush=True)


if __name__ == "__main__":
    main()
