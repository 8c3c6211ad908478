"""Everything a running process shares: settings, database, org, WeCom client, dispatcher."""
from __future__ import annotations

import logging
import threading
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Callable

from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session, sessionmaker

from bot.text import workdays as calendar
from bot.config import Settings
from bot.conversation.context import BaseContext
from bot.org.directory import OrgDirectory
from bot.outbox.dispatcher import Dispatcher
from bot.org.store import OrgStore, seed_org
from bot.outbox.pacing import Pacing
from bot.conversation.router import Registry
from bot.wecom.client import DatabaseTokenStorage, WeComClient
from models.db import make_engine, make_session_factory, read_session_factory

log = logging.getLogger(__name__)


@dataclass
class Runtime:
    settings: Settings
    engine: Engine
    session_factory: sessionmaker[Session]
    org_store: OrgStore
    client: WeComClient
    registry: Registry
    dispatcher: Dispatcher | None = None
    clock: Callable[[], datetime] | None = None  # tests set the time here
    readers: sessionmaker[Session] | None = None  # SQLite: read-only sessions, no write lock (bot.conversation.inbound)
    writers: set[str] = field(default_factory=set)  # routes seen changing more than the outbox (bot.conversation.inbound)
    _background: ThreadPoolExecutor | None = field(default=None, repr=False)
    _background_guard: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def background(self) -> ThreadPoolExecutor:
        """The threads that run work handlers deferred until after their commit (``Context.defer``)."""
        with self._background_guard:
            if self._background is None:
                self._background = ThreadPoolExecutor(max_workers=2, thread_name_prefix="deferred")
            return self._background

    @property
    def org(self) -> OrgDirectory:
        """The org as stored now (cached; reloaded when another process or a callback changed it)."""
        return self.org_store.current()

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
            options.setdefault("on_unreached", self.undelivered)
            self.dispatcher = Dispatcher(self.session_factory, self.client, **options).start()
        return self.dispatcher

    def build_context(self, session: Session):
        """The context a file builder (``bot.outbox.attachments``) runs in: the org, settings, the clock."""
        return BaseContext(session=session, settings=self.settings, org=self.org, now=self.now(), origin="attachment")

    def undelivered(self, session: Session, row_id: int, origin: str | None, missed: dict) -> None:
        """Hand the recipients a sent row did not reach (``bot.outbox.unreached``) to the
        ``on_undelivered`` handlers, in the dispatcher's transaction."""
        ctx = BaseContext(session=session, settings=self.settings, org=self.org, now=self.now(), origin="undelivered")
        for route in self.registry.undelivered.values():
            route.func(ctx, row_id, origin, missed)

    def close(self) -> None:
        if self._background is not None:  # finish deferred work (its replies go to the outbox) first
            self._background.shutdown(wait=True)
            self._background = None
        if self.dispatcher is not None:
            self.dispatcher.stop()
            self.dispatcher = None
        self.engine.dispose()


def build_runtime(settings: Settings, registry: Registry) -> Runtime:
    """The shared pieces of one process. ``registry`` holds the handlers, filled by whoever
    composes the application (``app.py`` imports ``handlers``): the plumbing never imports the
    policy. Raises ``ConfigError`` when a feature section of the config is invalid. The database
    must be migrated: the configured org is written to it here when it changed."""
    settings.validate_sections()
    calendar.configure(settings.section("calendar"))  # [calendar] holidays / workdays

    engine = make_engine(settings.database_url)
    session_factory = make_session_factory(engine)
    client = WeComClient(settings.wecom, DatabaseTokenStorage(session_factory))
    readers = read_session_factory(engine) if engine.dialect.name == "sqlite" else None
    seed_org(session_factory, settings)  # writes only when the [org] section changed
    return Runtime(settings, engine, session_factory, OrgStore(session_factory), client, registry, readers=readers)
