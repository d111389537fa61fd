"""Keeps e-mailed tokens out of access logs: links carry them in the query string."""

from __future__ import annotations

import logging
import re

TOKEN_IN_URL = re.compile(r"(token=)[^&\s\"']+")
REDACTED = r"\1[redacted]"
LOGGERS = ("uvicorn.access", "uvicorn.error", "gunicorn.access", "app")


class RedactTokens(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.msg, str):
            record.msg = TOKEN_IN_URL.sub(REDACTED, record.msg)
        if isinstance(record.args, tuple):
            record.args = tuple(
                TOKEN_IN_URL.sub(REDACTED, a) if isinstance(a, str) else a for a in record.args
            )
        return True


def install() -> None:
    for name in LOGGERS:
        logger = logging.getLogger(name)
        if not any(isinstance(f, RedactTokens) for f in logger.filters):
            logger.addFilter(RedactTokens())
