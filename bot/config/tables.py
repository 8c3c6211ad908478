"""Reading TOML tables: one-line ``ConfigError`` messages, unknown keys rejected, secrets never echoed.

Shared by every section's parser in this package and by feature sections registered with
``config_section`` (handlers' own ``[meetings]``, ``[documents]``…). Imports nothing from the bot.
"""
from __future__ import annotations

from datetime import date
from typing import Any, Callable

REQUIRED = object()
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


class Table:
    """Reads keys from one TOML table, remembering which it used, to reject unknown ones."""

    def __init__(self, data: Any, path: str):
        if not isinstance(data, dict):
            raise ConfigError(f"{path}: expected a table")
        self.data, self.path, self.used = data, path, set()

    def get(self, key: str, kind: type | tuple, default: Any = REQUIRED, what: str = "") -> Any:
        self.used.add(key)
        where = f"{self.path}.{key}" if self.path else key
        if key not in self.data:
            if default is REQUIRED:
                raise ConfigError(f"{where}: missing; expected {what or kind_name(kind)}")
            return default
        value = self.data[key]
        ok = isinstance(value, kind) and not (isinstance(value, bool) and kind in (int, float, (int, float)))
        if not ok or (kind is str and not value.strip() and default is REQUIRED):
            got = f"a {type(value).__name__} (value not shown)" if key in SECRET_KEYS else repr(value)
            raise ConfigError(f"{where}: expected {what or kind_name(kind)}, got {got}")
        return value

    def finish(self) -> None:
        unknown = sorted(set(self.data) - self.used)
        if unknown:
            where = f"{self.path}.{unknown[0]}" if self.path else unknown[0]
            raise ConfigError(f"{where}: unknown key (see config.example.toml for the keys)")


def kind_name(kind: Any) -> str:
    names = {str: "a non-empty string", int: "an integer", bool: "true or false", list: "a list",
             dict: "a table", float: "a number", (int, float): "a number", (str, date): "a date such as \"2024-03-01\""}
    return names.get(kind, str(kind))


def iso_date(value: Any, path: str) -> str:
    """A "YYYY-MM-DD" string (or a TOML date) as its ISO string."""
    if isinstance(value, date):  # a TOML date (or date-time: its day)
        return (value.date() if hasattr(value, "date") else value).isoformat()
    try:
        return date.fromisoformat(value.strip()).isoformat()
    except ValueError:
        raise ConfigError(f'{path}: expected a date such as "2024-03-01", got {value!r}') from None


def record(data: Any, path: str, required: dict[str, type], optional: dict[str, type] | None = None) -> dict:
    t = Table(data, path)
    out = {key: t.get(key, kind) for key, kind in required.items()}
    for key, kind in (optional or {}).items():
        value = t.get(key, kind, None)
        if value is not None:
            out[key] = value
    t.finish()
    return out


def unique(records: list[dict], key: str, path: str) -> None:
    seen = set()
    for i, record in enumerate(records):
        if record[key] in seen:
            raise ConfigError(f"{path}[{i}].{key}: {record[key]!r} appears twice")
        seen.add(record[key])


def check_known(value: str, known: set[str], path: str, what: str = "userid") -> None:
    if value not in known:
        raise ConfigError(f"{path}: {value!r} is not a {what} listed in the org")
