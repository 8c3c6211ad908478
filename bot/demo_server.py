"""Where the running demo serves its emulator, so that a tool run meanwhile delivers there.

``make run PORT=8031`` serves the bot and its emulator (the demo's WeCom) on port 8031. A tool
started with the demo config while it runs — ``app.py jobs run …``, ``make job …`` — would post
its messages to the config's default ``127.0.0.1:8000`` instead: to nobody, or to another demo.
The serving process records its emulator's API base URL in the demo database (``kv_store``), and
a tool in demo mode uses it while that server answers ``/healthz``.
"""
from __future__ import annotations

import logging
from urllib.parse import urlsplit

import requests
from sqlalchemy.orm import Session, sessionmaker

from models import KeyValue

log = logging.getLogger(__name__)
KEY = "demo.api_base_url"


def remember(session_factory: sessionmaker[Session], api_base_url: str) -> None:
    """Record ``api_base_url`` (``http://127.0.0.1:PORT/emulator/cgi-bin/``) as the serving demo's."""
    with session_factory.begin() as session:
        session.merge(KeyValue(key=KEY, value=api_base_url, expires_at=None))


def running_api_base_url(session_factory: sessionmaker[Session], timeout: float = 1.0) -> str | None:
    """The API base URL of the demo server that runs now on this database, or None when none
    answers (then the config's own URL stays). Never raises."""
    with session_factory() as session:
        row = session.get(KeyValue, KEY)
        url = row.value if row else None
    if not url:
        return None
    parts = urlsplit(url)
    try:
        answered = requests.get(f"{parts.scheme}://{parts.netloc}/healthz", timeout=timeout).status_code == 200
    except requests.RequestException:
        answered = False
    if not answered:
        log.info("the demo server recorded at %s does not answer; using the config's WeCom URL", parts.netloc)
    return url if answered else None
