"""Settings: a TOML file validated at start-up, plus environment overrides for secrets.

A wrong or missing key raises ``ConfigError`` whose message is one line naming the key and
what is expected; ``app.py`` prints it and exits without a traceback.
"""
from __future__ import annotations

import base64
import binascii
import os
import re
import tomllib
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any, Callable
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

DEMO_CONFIG = Path(__file__).with_name("demo.toml")
PERSON_ROLES = {"director", "group_leader", "specialist", "finance", "ceo", "hr", "compliance", "staff"}
CHAIN_ROLES = {"department_head", "group_leader", "director", "finance", "ceo"}
ENV_OVERRIDES = {
    "WECOM_CORP_ID": ("wecom", "corp_id"),
    "WECOM_AGENT_ID": ("wecom", "agent_id"),
    "WECOM_SECRET": ("wecom", "secret"),
    "WECOM_TOKEN": ("wecom", "token"),
    "WECOM_AES_KEY": ("wecom", "encoding_aes_key"),
    "WECOM_CONTACTS_SECRET": ("wecom", "contacts_secret"),
    "DATABASE_URL": ("database", "url"),
}
_REQUIRED = object()
# Keys whose values are secret (or hold one: a database URL may carry a password): an error about
# them names the key and the expected type, never the value.
SECRET_KEYS = {"secret", "token", "encoding_aes_key", "url", "encryption_key", "password", "key"}
# Feature sections ([meetings], [[collaborations]], …): a handler module registers a parser with
# ``@config_section("meetings")``; it runs at start-up (``build_runtime``) and raises ConfigError.
SECTION_PARSERS: dict[str, Callable[[Any], Any]] = {}


def config_section(name: str):
    """Register ``parser(raw_value_or_None) -> parsed`` for the top-level config key ``name``."""
    def register(parser: Callable[[Any], Any]):
        SECTION_PARSERS[name] = parser
        return parser
    return register


class ConfigError(Exception):
    """A configuration problem, phrased as one line for the operator."""


@dataclass(frozen=True)
class ChainStep:
    role: str
    label: str
    min_amount_wan: float | None = None  # step applies only when amount ≥ this (万元)


@dataclass(frozen=True)
class Kpi:
    """P13: one KPI of a department (``[[policy.kpis]]``); the rater enters the figure."""
    department: str
    name: str
    unit: str = ""
    target: float | None = None


@dataclass(frozen=True)
class PolicySettings:
    """Every number POLICY.md leaves open ("X"), with its documented default."""

    rotation_interval_years: int = 2  # P2
    director_limit_wan: float = 5  # P4
    emergency_backfill_hours: int = 48  # P5
    kickoff_days: int = 7  # P6
    acceptance_days: int = 15  # P6
    acceptance_remind_days: int = 3  # P6: the owner is reminded this many days before acceptance is due
    review_window_days: int = 14  # P6: mid-term review reminders in the quarter's last this-many days
    sensitive_keywords: tuple[str, ...] = ("合同", "协议", "报价")  # P8: a file name with one is sensitive
    minutes_due_hours: int = 24  # P9
    minutes_escalate_hours: int = 24  # P9
    weekly_report_due: str = "FRI 17:00"  # P10
    weekly_report_remind: str = "FRI 15:00"  # P10
    monthly_report_due_day: int = 3  # P10
    annual_report_due: str = "01-15"  # P10
    report_roles: tuple[str, ...] = ("specialist", "group_leader")  # P10
    decision_owner_hours: int = 24  # P12
    stale_item_weeks: int = 4  # P12: overdue this long → to the chair once, off the owner's list
    promotion_quarters: int = 4  # P13
    promotion_review: str = "12-15"  # P2: the annual promotion review (MM-DD)
    self_evaluation_remind_from_end: int = 3  # P13: asked on the Nth-to-last working day of the month
    self_evaluation_due_day: int = 3  # P13: due on this working day of the next month
    superior_evaluation_due_day: int = 10  # P13: due on this working day of the quarter's first month
    evaluation_remind_every_days: int = 1  # P13: reminders repeat every this many days until due
    evaluation_time: str = "10:00"  # P13: when the evaluation jobs run
    urge_interval_hours: int = 4  # P3
    approval_remind_hours: int = 24  # P3
    approval_escalate_hours: int = 48  # P3
    meeting_remind_minutes: int = 30  # P11
    incident_escalate_hours: int = 24  # P15
    audit_sample_size: int = 50  # P16
    urgent_ack_minutes: int = 10  # P17
    mediation_days: int = 7  # P19
    suggestion_answer_days: int = 14  # P20
    conversation_timeout_minutes: int = 30
    working_hours: str = "09:00-18:00"
    chains: dict[str, tuple[ChainStep, ...]] = field(default_factory=dict)
    kpis: tuple[Kpi, ...] = ()  # P13


@dataclass(frozen=True)
class WeComSettings:
    corp_id: str
    agent_id: int
    secret: str
    token: str
    encoding_aes_key: str
    api_base_url: str = "https://qyapi.weixin.qq.com/cgi-bin/"
    callback_path: str = "/wecom/callback"
    max_callback_age_hours: int = 24  # older callbacks are refused as stale (0: no limit)
    messages_per_person_minute: int = 30  # WeCom delivers at most this many to one person a minute…
    messages_per_person_hour: int = 1000  # …and an hour; the outbox holds the excess back (bot.pacing)
    contacts_secret: str = ""  # the 通讯录同步 secret; empty: the app's own secret (its visible range)

    def __repr__(self) -> str:  # secrets never reach logs, even through repr()
        return f"WeComSettings(corp_id={self.corp_id!r}, agent_id={self.agent_id}, api_base_url={self.api_base_url!r})"


@dataclass(frozen=True)
class OrgSettings:
    home_department: str | None  # None only with source = "wecom" until the sync infers it
    departments: tuple[dict, ...]
    groups: tuple[dict, ...]
    people: tuple[dict, ...]
    roles: dict[str, Any]  # ceo: userid; finance, hr, compliance: userids ("tag:…" entries with wecom)
    source: str = "config"  # config | wecom (the address book; [[org.people]] then complements it)
    contacts_api: str = "auto"  # wecom: auto | list (user/list per department) | ids (user/list_id + user/get)
    api_calls_per_minute: int = 9000  # wecom: pace of user/get, under WeCom's 10,000 per API per corp


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


class _Table:
    """Reads keys from one TOML table, remembering which it used, to reject unknown ones."""

    def __init__(self, data: Any, path: str):
        if not isinstance(data, dict):
            raise ConfigError(f"{path}: expected a table")
        self.data, self.path, self.used = data, path, set()

    def get(self, key: str, kind: type | tuple, default: Any = _REQUIRED, what: str = "") -> Any:
        self.used.add(key)
        where = f"{self.path}.{key}" if self.path else key
        if key not in self.data:
            if default is _REQUIRED:
                raise ConfigError(f"{where}: missing; expected {what or _kind_name(kind)}")
            return default
        value = self.data[key]
        ok = isinstance(value, kind) and not (isinstance(value, bool) and kind in (int, float, (int, float)))
        if not ok or (kind is str and not value.strip() and default is _REQUIRED):
            got = f"a {type(value).__name__} (value not shown)" if key in SECRET_KEYS else repr(value)
            raise ConfigError(f"{where}: expected {what or _kind_name(kind)}, got {got}")
        return value

    def finish(self) -> None:
        unknown = sorted(set(self.data) - self.used)
        if unknown:
            where = f"{self.path}.{unknown[0]}" if self.path else unknown[0]
            raise ConfigError(f"{where}: unknown key (see config.example.toml for the keys)")


def _kind_name(kind: Any) -> str:
    names = {str: "a non-empty string", int: "an integer", bool: "true or false", list: "a list",
             dict: "a table", float: "a number", (int, float): "a number", (str, date): "a date such as \"2024-03-01\""}
    return names.get(kind, str(kind))


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
    top = _Table(raw, "")
    server = _Table(top.get("server", dict, {}), "server")
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

    wecom = _parse_wecom(_Table(top.get("wecom", dict), "wecom"))
    database = _Table(top.get("database", dict, {}), "database")
    database_url = database.get("url", str, "sqlite:///var/bot.db", "an SQLAlchemy URL such as sqlite:///var/bot.db")
    database.finish()

    sched = _Table(top.get("scheduler", dict, {}), "scheduler")
    scheduler_enabled = sched.get("enabled", bool, True)
    tz = sched.get("timezone", str, "Asia/Shanghai", "an IANA time zone such as Asia/Shanghai")
    sched.finish()
    try:
        ZoneInfo(tz)
    except (ZoneInfoNotFoundError, ValueError):
        raise ConfigError(f"scheduler.timezone: unknown time zone {tz!r}; expected e.g. Asia/Shanghai") from None

    emulator = _Table(top.get("emulator", dict, {}), "emulator")
    emulator_enabled = emulator.get("enabled", bool, False)
    emulator_allow_remote = emulator.get("allow_remote", bool, False)
    emulator.finish()

    policy = _parse_policy(_Table(top.get("policy", dict, {}), "policy"))
    org = _parse_org(_Table(top.get("org", dict), "org"))
    for i, kpi in enumerate(policy.kpis):
        _known(kpi.department, {d["id"] for d in org.departments}, f"policy.kpis[{i}].department", "department id")
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


def _parse_wecom(t: _Table) -> WeComSettings:
    corp_id = t.get("corp_id", str, what="your CorpID (管理后台 → 我的企业 → 企业ID), or set WECOM_CORP_ID")
    agent_id = t.get("agent_id", int, what="the app's AgentId (an integer), or set WECOM_AGENT_ID")
    secret = t.get("secret", str, what="the app's Secret, or set WECOM_SECRET")
    token = t.get("token", str, what="the callback Token, or set WECOM_TOKEN")
    aes_key = t.get("encoding_aes_key", str, what="the callback EncodingAESKey (43 characters), or set WECOM_AES_KEY")
    api_base_url = t.get("api_base_url", str, "https://qyapi.weixin.qq.com/cgi-bin/")
    callback_path = t.get("callback_path", str, "/wecom/callback")
    max_age = t.get("max_callback_age_hours", int, 24)
    per_minute = t.get("messages_per_person_minute", int, 30)
    per_hour = t.get("messages_per_person_hour", int, 1000)
    contacts_secret = t.get("contacts_secret", str, "", "the 通讯录同步 Secret (optional)")
    t.finish()
    try:
        key_ok = len(aes_key) == 43 and len(base64.b64decode(aes_key + "=", validate=True)) == 32
    except (binascii.Error, ValueError):
        key_ok = False
    if not key_ok:
        raise ConfigError("wecom.encoding_aes_key: expected the 43-character EncodingAESKey from the admin console")
    if not re.fullmatch(r"[A-Za-z0-9]{1,32}", token):
        raise ConfigError("wecom.token: expected 1–32 letters or digits, as set in the admin console")
    if not api_base_url.startswith(("http://", "https://")):
        raise ConfigError(f"wecom.api_base_url: expected an http(s) URL, got {api_base_url!r}")
    if not callback_path.startswith("/"):
        raise ConfigError(f"wecom.callback_path: expected a path starting with '/', got {callback_path!r}")
    if max_age < 0:
        raise ConfigError(f"wecom.max_callback_age_hours: expected a number of hours ≥ 0, got {max_age}")
    if per_minute < 1 or per_hour < per_minute:
        raise ConfigError("wecom.messages_per_person_minute / _hour: expected 1 ≤ per minute ≤ per hour "
                          f"(WeCom: 30 and 1000), got {per_minute} and {per_hour}")
    return WeComSettings(corp_id, agent_id, secret, token, aes_key,
                         api_base_url.rstrip("/") + "/", callback_path, max_age,
                         messages_per_person_minute=per_minute, messages_per_person_hour=per_hour,
                         contacts_secret=contacts_secret)


def _parse_policy(t: _Table) -> PolicySettings:
    defaults = PolicySettings()
    values: dict[str, Any] = {}
    for name, default in vars(defaults).items():
        if name in ("chains", "kpis"):
            continue
        if isinstance(default, tuple):
            values[name] = tuple(t.get(name, list, list(default)))
        elif isinstance(default, float):
            values[name] = t.get(name, (int, float), default)
        else:
            values[name] = t.get(name, type(default), default)
        if isinstance(default, int) and values[name] < 0:
            raise ConfigError(f"policy.{name}: expected a number ≥ 0, got {values[name]}")
    for name in ("weekly_report_due", "weekly_report_remind"):
        if not re.fullmatch(r"(MON|TUE|WED|THU|FRI|SAT|SUN) ([01]\d|2[0-3]):[0-5]\d", values[name]):
            raise ConfigError(f"policy.{name}: expected a weekday and time such as \"FRI 17:00\", got {values[name]!r}")
    if not re.fullmatch(r"(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])", values["annual_report_due"]):
        raise ConfigError(f"policy.annual_report_due: expected MM-DD such as \"01-15\", got {values['annual_report_due']!r}")
    if not re.fullmatch(r"([01]\d|2[0-3]):[0-5]\d-([01]\d|2[0-3]):[0-5]\d", values["working_hours"]):
        raise ConfigError(f"policy.working_hours: expected \"HH:MM-HH:MM\", got {values['working_hours']!r}")
    if not re.fullmatch(r"([01]\d|2[0-3]):[0-5]\d", values["evaluation_time"]):
        raise ConfigError(f"policy.evaluation_time: expected \"HH:MM\" such as \"10:00\", got {values['evaluation_time']!r}")
    if not re.fullmatch(r"(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])", values["promotion_review"]):
        raise ConfigError(f"policy.promotion_review: expected MM-DD such as \"12-15\", got {values['promotion_review']!r}")
    for name in ("self_evaluation_remind_from_end", "self_evaluation_due_day", "superior_evaluation_due_day",
                 "evaluation_remind_every_days"):
        if values[name] < 1:
            raise ConfigError(f"policy.{name}: expected a number ≥ 1, got {values[name]}")
    if not set(values["report_roles"]) <= PERSON_ROLES:
        raise ConfigError(f"policy.report_roles: expected roles among {sorted(PERSON_ROLES)}")
    values["chains"] = _parse_chains(t.get("chains", dict, {}), values["director_limit_wan"])
    values["kpis"] = _parse_kpis(t.get("kpis", list, []))
    t.finish()
    return PolicySettings(**values)


def _parse_chains(raw: dict, director_limit: float) -> dict[str, tuple[ChainStep, ...]]:
    # P3/P4 default: department head (初审) → finance (复审) → CEO (终审) from the director's limit up.
    default_steps = [{"role": "department_head", "label": "初审"}, {"role": "finance", "label": "复审"},
                     {"role": "ceo", "label": "终审", "min_amount_wan": "director_limit"}]
    raw = {"procurement": default_steps, "reimbursement": default_steps, **raw}
    chains = {}
    for kind, steps in raw.items():
        if not isinstance(steps, list) or not steps:
            raise ConfigError(f"policy.chains.{kind}: expected a non-empty list of steps")
        parsed = []
        for i, step in enumerate(steps):
            t = _Table(step, f"policy.chains.{kind}[{i}]")
            role = t.get("role", str, what=f"one of {sorted(CHAIN_ROLES)}")
            label = t.get("label", str, role)
            limit = t.get("min_amount_wan", (int, float, str), None, 'a number of 万元 or "director_limit"')
            t.finish()
            if role not in CHAIN_ROLES:
                raise ConfigError(f"policy.chains.{kind}[{i}].role: expected one of {sorted(CHAIN_ROLES)}, got {role!r}")
            if isinstance(limit, str):
                if limit != "director_limit":
                    raise ConfigError(f'policy.chains.{kind}[{i}].min_amount_wan: expected a number or "director_limit"')
                limit = director_limit
            parsed.append(ChainStep(role, label, None if limit is None else float(limit)))
        chains[kind] = tuple(parsed)
    return chains


def _parse_kpis(raw: list) -> tuple[Kpi, ...]:
    """P13: ``[[policy.kpis]]`` entries: department (an id), name, unit, target (a number)."""
    kpis = []
    for i, entry in enumerate(raw):
        t = _Table(entry, f"policy.kpis[{i}]")
        kpi = Kpi(t.get("department", str, what="a department id"), t.get("name", str, what="the KPI's name"),
                  t.get("unit", str, ""), t.get("target", (int, float), None))
        t.finish()
        kpis.append(kpi)
    return tuple(kpis)


def _parse_org(t: _Table) -> OrgSettings:
    source = t.get("source", str, "config", '"config" or "wecom"')
    if source not in ("config", "wecom"):
        raise ConfigError(f'org.source: expected "config" or "wecom", got {source!r}')
    wecom = source == "wecom"
    home = t.get("home_department", str, None, "the id of the department the bot serves")
    contacts_api = t.get("contacts_api", str, "auto", '"auto", "list" or "ids"')
    if contacts_api not in ("auto", "list", "ids"):
        raise ConfigError(f'org.contacts_api: expected "auto", "list" or "ids", got {contacts_api!r}')
    pace = t.get("api_calls_per_minute", int, 9000)
    if not 0 < pace <= 10000:
        raise ConfigError(f"org.api_calls_per_minute: expected 1–10000 (WeCom's limit per API per corp), got {pace}")
    departments = [_record(d, f"org.departments[{i}]", {"id": str, "name": str, "head": str})
                   for i, d in enumerate(t.get("departments", list, [] if wecom else _REQUIRED))]
    groups = [_record(g, f"org.groups[{i}]", {"id": str, "name": str, "department": str, "leader": str})
              for i, g in enumerate(t.get("groups", list, []))]
    # With wecom, [[org.people]] only complements the address book: every key but userid is optional.
    optional = {"group": str, "roles": list, "phone": str, "joined": (str, date), "group_since": (str, date)}
    person_keys = ({"userid": str}, {"name": str, "department": str, **optional}) \
        if wecom else ({"userid": str, "name": str, "department": str}, optional)
    people = [_record(p, f"org.people[{i}]", *person_keys)
              for i, p in enumerate(t.get("people", list, [] if wecom else _REQUIRED))]
    roles_t = _Table(t.get("roles", dict, {}), "org.roles")
    roles = {"ceo": roles_t.get("ceo", str, None, "a userid")}
    for key in ("finance", "hr", "compliance"):
        roles[key] = tuple(roles_t.get(key, list, [], "a list of userids"))
    roles_t.finish()
    t.finish()

    _unique(departments, "id", "org.departments")
    _unique(groups, "id", "org.groups")
    _unique(people, "userid", "org.people")
    _unique_ignoring_case(people)
    for i, p in enumerate(people):
        bad = [r for r in p.get("roles", []) if r not in PERSON_ROLES]
        if bad:
            raise ConfigError(f"org.people[{i}].roles: unknown role {bad[0]!r}; expected any of {sorted(PERSON_ROLES)}")
        for key in ("joined", "group_since"):  # P2: the two-year rotation rule reads these
            if key in p:
                p[key] = _iso_date(p[key], f"org.people[{i}].{key}")
    if not wecom:
        home = _check_config_org(home, departments, groups, people, roles)
    return OrgSettings(home, tuple(departments), tuple(groups), tuple(people), roles, source, contacts_api, pace)


def infer_home_department(departments: list[dict], people: list[dict]) -> str:
    """The one department headed by someone with the director role (``org.home_department``
    unset); ConfigError when there is none or more than one."""
    directors = {p["userid"] for p in people if "director" in p.get("roles", [])}
    headed = [d["id"] for d in departments if d.get("head") in directors]
    if len(headed) == 1:
        return headed[0]
    if not headed:
        raise ConfigError("org.home_department: missing, and no department is headed by someone with "
                          'roles = ["director"]; set home_department to the id of the department the bot serves')
    raise ConfigError(f"org.home_department: missing, and {len(headed)} departments are headed by a director "
                      f"({', '.join(headed)}); set home_department to one of them")


def _check_config_org(home: str | None, departments: list[dict], groups: list[dict], people: list[dict],
                      roles: dict) -> str:
    dept_ids = {d["id"] for d in departments}
    group_ids = {g["id"] for g in groups}
    userids = {p["userid"] for p in people}
    if home is None:
        home = infer_home_department(departments, people)
    if home not in dept_ids:
        raise ConfigError(f"org.home_department: {home!r} is not the id of any [[org.departments]]")
    for i, d in enumerate(departments):
        _known(d["head"], userids, f"org.departments[{i}].head")
    for i, g in enumerate(groups):
        _known(g["department"], dept_ids, f"org.groups[{i}].department", "department id")
        _known(g["leader"], userids, f"org.groups[{i}].leader")
    for i, p in enumerate(people):
        _known(p["department"], dept_ids, f"org.people[{i}].department", "department id")
        if p.get("group") is not None:
            _known(p["group"], group_ids, f"org.people[{i}].group", "group id")
    if roles["ceo"] is not None:
        _known(roles["ceo"], userids, "org.roles.ceo")
    for key in ("finance", "hr", "compliance"):
        for userid in roles[key]:
            _known(userid, userids, f"org.roles.{key}")
    return home


def _iso_date(value: Any, path: str) -> str:
    """A "YYYY-MM-DD" string (or a TOML date) as its ISO string."""
    if isinstance(value, date):  # a TOML date (or date-time: its day)
        return (value.date() if hasattr(value, "date") else value).isoformat()
    try:
        return date.fromisoformat(value.strip()).isoformat()
    except ValueError:
        raise ConfigError(f'{path}: expected a date such as "2024-03-01", got {value!r}') from None


def _record(data: Any, path: str, required: dict[str, type], optional: dict[str, type] | None = None) -> dict:
    t = _Table(data, path)
    out = {key: t.get(key, kind) for key, kind in required.items()}
    for key, kind in (optional or {}).items():
        value = t.get(key, kind, None)
        if value is not None:
            out[key] = value
    t.finish()
    return out


def _unique(records: list[dict], key: str, path: str) -> None:
    seen = set()
    for i, record in enumerate(records):
        if record[key] in seen:
            raise ConfigError(f"{path}[{i}].{key}: {record[key]!r} appears twice")
        seen.add(record[key])


def _unique_ignoring_case(people: list[dict]) -> None:
    """WeCom userids ignore letter case: two people whose ids differ only by case are one account."""
    seen: dict[str, str] = {}
    for i, person in enumerate(people):
        folded = person["userid"].casefold()
        if folded in seen:
            raise ConfigError(f"org.people[{i}].userid: {person['userid']!r} differs from {seen[folded]!r} only by "
                              "letter case; WeCom treats them as the same account")
        seen[folded] = person["userid"]


def _known(value: str, known: set[str], path: str, what: str = "userid") -> None:
    if value not in known:
        raise ConfigError(f"{path}: {value!r} is not a {what} listed in the org")
