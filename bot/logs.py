"""Structured, secret-free logging: one ``key=value`` line per event."""
from __future__ import annotations

import logging
import re
import sys

_TOKEN_IN_URL = re.compile(r"(access_token|corpsecret|secret)=[^&\s'\"]+")


class RedactSecrets(logging.Filter):
    """Replace configured secrets and token query parameters in every record with ***."""

    def __init__(self, secrets: list[str]):
        super().__init__()
        self.secrets = [s for s in secrets if s and len(s) >= 4]

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        cleaned = message
        if "secret=" in message or "access_token=" in message:  # every match of the pattern has one
            cleaned = _TOKEN_IN_URL.sub(r"\1=***", cleaned)
        for secret in self.secrets:
            if secret in cleaned:
                cleaned = cleaned.replace(secret, "***")
        if cleaned != message:
            record.msg, record.args = cleaned, None
        if record.exc_info and record.exc_info[1] is not None:
            text = logging.Formatter().formatException(record.exc_info)
            for secret in self.secrets:
                text = text.replace(secret, "***")
            record.exc_text = _TOKEN_IN_URL.sub(r"\1=***", text)
        return True


def setup_logging(level: str, secrets: list[str]) -> None:
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("%(asctime)s level=%(levelname)s logger=%(name)s %(message)s"))
    handler.addFilter(RedactSecrets(secrets))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    for noisy in ("apscheduler", "urllib3", "waitress.queue", "alembic"):
        logging.getLogger(noisy).setLevel(max(logging.WARNING, logging.getLevelName(level)))
