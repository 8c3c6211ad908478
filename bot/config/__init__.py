"""Settings, one module per config section, each parser beside its dataclass.

- ``tables``: reading TOML tables (``ConfigError``, unknown keys, secret-free messages) and the
  registry of feature sections (``config_section``) that handlers add (``[meetings]``, …).
- ``wecom``, ``policy``, ``org``: the ``[wecom]``, ``[policy]`` and ``[org]`` sections.
- ``settings``: ``Settings``, ``load_settings`` (file + environment) and ``parse_settings``.

A new section is a new small module here (or a ``config_section`` in its handler). This package
imports nothing else from the bot; everything may import it. The names below are its public face.
"""
from bot.config.org import PERSON_ROLES, OrgSettings, infer_home_department
from bot.config.policy import CHAIN_ROLES, ChainStep, Kpi, PolicySettings
from bot.config.settings import DEMO_CONFIG, ENV_OVERRIDES, Settings, load_settings, parse_settings
from bot.config.tables import SECRET_KEYS, SECTION_PARSERS, ConfigError, config_section
from bot.config.wecom import WeComSettings

__all__ = ["CHAIN_ROLES", "DEMO_CONFIG", "ENV_OVERRIDES", "PERSON_ROLES", "SECRET_KEYS", "SECTION_PARSERS",
           "ChainStep", "ConfigError", "Kpi", "OrgSettings", "PolicySettings", "Settings", "WeComSettings",
           "config_section", "infer_home_department", "load_settings", "parse_settings"]
