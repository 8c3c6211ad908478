"""Everything a running process shares: settings, database, org, WeCom client, dispatcher."""
from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Callable

from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session, sessionmaker

from bot.config import Settings
from bot.context import BaseContext
from bot.org import OrgDirectory
from bot.dispatcher import Dispatcher
from bot.pacing import Pacing
from bot.router import Registry
from bot.wecom import DatabaseTokenStorage, WeComClient
from models.db import make_engine, make_session_factory, read_session_factory

log = logging.getLogger(__name__)


@dataclass
class Runtime:
    settings: Settings
    engine: Engine
    session_factory: sessionmaker[Session]
    org: OrgDirectory
    client: WeComClient
    registry: Registry
    dispatcher: Dispatcher | None = None
    clock: Callable[[], datetime] | None = None  # tests set the time here
    readers: sessionmaker[Session] | None = None  # SQLite: read-only sessions, no write lock (bot.inbound)

    def now(self) -> datetime:
        """The clock in the configured time zone (contexts carry it to handlers)."""
        current = self.clock() if self.clock else datetime.now(timezone.utc)
        return current.astimezone(self.settings.tz)

    @property
    def pacing(self) -> Pacing:
        """WeCom's per-person limits (``wecom.messages_per_person_minute`` / ``_hour``)."""
        return Pacing(self.settings.wecom.messages_per_person_minute, self.settings.wecom.messages_per_person_hour)

    def start_dispatcher(self, **options) -> Dispatcher:
        if self.dispatcher is None:
            options.setdefault("build_context", self.build_context)
            options.setdefault("pacing", self.pacing)
            self.dispatcher = Dispatcher(self.session_factory, self.client, **options).start()
        return self.dispatcher

    def build_context(self, session: Session):
        """The context a file builder (``bot.attachments``) runs in: the org, settings, the clock."""
        return BaseContext(session=session, settings=self.settings, org=self.org, now=self.now(), origin="attachment")

    def close(self) -> None:
        if self.dispatcher is not None:
            self.dispatcher.stop()
            self.dispatcher = None
        self.engine.dispose()


def build_runtime(settings: Settings, registry: Registry) -> Runtime:
    """The shared pieces of one process. ``registry`` holds the handlers, filled by whoever
    composes the application (``app.py`` imports ``handlers``): the plumbing never imports the
    policy. Raises ``ConfigError`` when a feature section of the config is invalid."""
    settings.validate_sections()

    engine = make_engine(settings.database_url)
    session_factory = make_session_factory(engine)
    client = WeComClient(settings.wecom, DatabaseTokenStorage(session_factory))
    readers = read_session_factory(engine) if engine.dialect.name == "sqlite" else None
    return Runtime(settings, engine, session_factory, OrgDirectory(settings.org), client, registry, readers=readers)
