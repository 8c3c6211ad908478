"""Settings: a TOML file validated at start-up, plus environment overrides for secrets.

A wrong or missing key raises ``ConfigError`` whose message is one line naming the key and
what is expected; ``app.py`` prints it and exits without a traceback. Each section is parsed
beside its dataclass (``wecom.py``, ``policy.py``, ``org.py``); this module puts them together.
"""
from __future__ import annotations

import os
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from bot.config.org import OrgSettings, parse_org
from bot.config.policy import PolicySettings, parse_policy
from bot.config.tables import SECTION_PARSERS, ConfigError, Table, check_known
from bot.config.wecom import WeComSettings, parse_wecom

DEMO_CONFIG = Path(__file__).resolve().parent.parent / "demo.toml"
ENV_OVERRIDES = {
    "WECOM_CORP_ID": ("wecom", "corp_id"),
    "WECOM_AGENT_ID": ("wecom", "agent_id"),
    "WECOM_SECRET": ("wecom", "secret"),
    "WECOM_TOKEN": ("wecom", "token"),
    "WECOM_AES_KEY": ("wecom", "encoding_aes_key"),
    "WECOM_CONTACTS_SECRET": ("wecom", "contacts_secret"),
    "DATABASE_URL": ("database", "url"),
}


@dataclass(frozen=True)
class Settings:
    wecom: WeComSettings
    org: OrgSettings
    policy: PolicySettings
    database_url: str = "sqlite:///var/bot.db"
    host: str = "127.0.0.1"
    port: int = 8000
    threads: int = 8
    connection_limit: int = 1000  # waitress: open connections before new ones wait
    channel_timeout: int = 15  # waitress: seconds an idle (or stalled) connection is kept
    log_level: str = "INFO"
    scheduler_enabled: bool = True
    timezone: str = "Asia/Shanghai"
    emulator_enabled: bool = False
    emulator_allow_remote: bool = False  # the emulator lets anyone post as anyone: loopback only unless true
    demo: bool = False
    source: str = ""
    extra: dict[str, Any] = field(default_factory=dict)  # raw feature sections, by top-level key
    sections: dict[str, Any] = field(default_factory=dict)  # the same, parsed by SECTION_PARSERS

    def section(self, name: str) -> Any:
        """A feature section parsed by its registered parser (see ``config_section``)."""
        if name not in self.sections:
            self.sections[name] = SECTION_PARSERS[name](self.extra.get(name))
        return self.sections[name]

    def validate_sections(self) -> None:
        for name in SECTION_PARSERS:
            self.section(name)
        unknown = sorted(set(self.extra) - set(SECTION_PARSERS))
        if unknown:
            raise ConfigError(f"{unknown[0]}: unknown key (see config.example.toml for the keys)")

    @property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    def secrets(self) -> list[str]:
        documents = self.extra.get("documents")
        documents_key = documents.get("encryption_key") if isinstance(documents, dict) else None
        candidates = (self.wecom.secret, self.wecom.token, self.wecom.encoding_aes_key, self.wecom.contacts_secret,
                      documents_key if isinstance(documents_key, str) else None, os.environ.get("DOCUMENTS_KEY"))
        return [s for s in candidates if s]


def load_settings(path: str | os.PathLike | None, env: dict[str, str] | None = None, **overrides: Any) -> Settings:
    """Load and validate a config file; ``None`` means demo mode (see ``bot/demo.toml``)."""
    env = dict(os.environ if env is None else env)
    demo = path is None
    source = str(DEMO_CONFIG if demo else path)
    try:
        raw = tomllib.loads(Path(source).read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ConfigError(f"config file {source} not found (copy config.example.toml and edit it)") from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"config file {source} is not valid TOML: {exc}") from None
    if not demo:
        for var, (section, key) in ENV_OVERRIDES.items():
            if env.get(var):
                value: Any = env[var]
                if key == "agent_id":
                    if not value.isdigit():
                        raise ConfigError(f"{var}: expected an integer agent id, got {value!r}")
                    value = int(value)
                raw.setdefault(section, {})[key] = value
    return parse_settings(raw, demo=demo, source=source, **overrides)


def parse_settings(raw: dict, demo: bool = False, source: str = "", **overrides: Any) -> Settings:
    top = Table(raw, "")
    server = Table(top.get("server", dict, {}), "server")
    host = server.get("host", str, "127.0.0.1")
    port = server.get("port", int, 8000)
    threads = server.get("threads", int, 8)
    connection_limit = server.get("connection_limit", int, 1000)
    channel_timeout = server.get("channel_timeout", int, 15)
    log_level = server.get("log_level", str, "INFO").upper()
    server.finish()
    if not 0 < port < 65536:
        raise ConfigError(f"server.port: expected 1–65535, got {port}")
    for name, value in (("threads", threads), ("connection_limit", connection_limit),
                        ("channel_timeout", channel_timeout)):
        if value < 1:
            raise ConfigError(f"server.{name}: expected a whole number ≥ 1, got {value}")
    if log_level not in {"DEBUG", "INFO", "WARNING", "ERROR"}:
        raise ConfigError(f"server.log_level: expected DEBUG, INFO, WARNING or ERROR, got {log_level!r}")

    wecom = parse_wecom(Table(top.get("wecom", dict), "wecom"))
    database = Table(top.get("database", dict, {}), "database")
    database_url = database.get("url", str, "sqlite:///var/bot.db", "an SQLAlchemy URL such as sqlite:///var/bot.db")
    database.finish()

    sched = Table(top.get("scheduler", dict, {}), "scheduler")
    scheduler_enabled = sched.get("enabled", bool, True)
    tz = sched.get("timezone", str, "Asia/Shanghai", "an IANA time zone such as Asia/Shanghai")
    sched.finish()
    try:
        ZoneInfo(tz)
    except (ZoneInfoNotFoundError, ValueError):
        raise ConfigError(f"scheduler.timezone: unknown time zone {tz!r}; expected e.g. Asia/Shanghai") from None

    emulator = Table(top.get("emulator", dict, {}), "emulator")
    emulator_enabled = emulator.get("enabled", bool, False)
    emulator_allow_remote = emulator.get("allow_remote", bool, False)
    emulator.finish()

    policy = parse_policy(Table(top.get("policy", dict, {}), "policy"))
    org = parse_org(Table(top.get("org", dict), "org"))
    for i, kpi in enumerate(policy.kpis):
        check_known(kpi.department, {d["id"] for d in org.departments}, f"policy.kpis[{i}].department", "department id")
    known = {"server", "wecom", "database", "scheduler", "emulator", "policy", "org"}
    extra = {key: raw[key] for key in raw if key not in known}
    top.used.update(extra)  # checked against the registered feature sections at start-up
    top.finish()
    values = dict(wecom=wecom, org=org, policy=policy, database_url=database_url, host=host, port=port,
                  threads=threads, log_level=log_level, scheduler_enabled=scheduler_enabled, timezone=tz,
                  emulator_enabled=emulator_enabled or demo, demo=demo, source=source, extra=extra,
                  connection_limit=connection_limit, channel_timeout=channel_timeout,
                  emulator_allow_remote=emulator_allow_remote)
    values.update(overrides)
    return Settings(**values)
