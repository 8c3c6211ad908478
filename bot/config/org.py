"""``[org]``: the org of P1, from the config file or (``source = "wecom"``) WeCom's address book."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from bot.config.tables import REQUIRED, ConfigError, Table, check_known, iso_date, record, unique

PERSON_ROLES = {"director", "group_leader", "specialist", "finance", "ceo", "hr", "compliance", "staff"}


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


def parse_org(t: Table) -> OrgSettings:
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
    departments = [record(d, f"org.departments[{i}]", {"id": str, "name": str, "head": str})
                   for i, d in enumerate(t.get("departments", list, [] if wecom else REQUIRED))]
    groups = [record(g, f"org.groups[{i}]", {"id": str, "name": str, "department": str, "leader": str})
              for i, g in enumerate(t.get("groups", list, []))]
    # With wecom, [[org.people]] only complements the address book: every key but userid is optional.
    optional = {"group": str, "roles": list, "phone": str, "joined": (str, date), "group_since": (str, date)}
    person_keys = ({"userid": str}, {"name": str, "department": str, **optional}) \
        if wecom else ({"userid": str, "name": str, "department": str}, optional)
    people = [record(p, f"org.people[{i}]", *person_keys)
              for i, p in enumerate(t.get("people", list, [] if wecom else REQUIRED))]
    roles_t = Table(t.get("roles", dict, {}), "org.roles")
    roles = {"ceo": roles_t.get("ceo", str, None, "a userid")}
    for key in ("finance", "hr", "compliance"):
        roles[key] = tuple(roles_t.get(key, list, [], "a list of userids"))
    roles_t.finish()
    t.finish()

    unique(departments, "id", "org.departments")
    unique(groups, "id", "org.groups")
    unique(people, "userid", "org.people")
    unique_ignoring_case(people)
    for i, p in enumerate(people):
        bad = [r for r in p.get("roles", []) if r not in PERSON_ROLES]
        if bad:
            raise ConfigError(f"org.people[{i}].roles: unknown role {bad[0]!r}; expected any of {sorted(PERSON_ROLES)}")
        for key in ("joined", "group_since"):  # P2: the two-year rotation rule reads these
            if key in p:
                p[key] = iso_date(p[key], f"org.people[{i}].{key}")
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
        check_known(d["head"], userids, f"org.departments[{i}].head")
    for i, g in enumerate(groups):
        check_known(g["department"], dept_ids, f"org.groups[{i}].department", "department id")
        check_known(g["leader"], userids, f"org.groups[{i}].leader")
    for i, p in enumerate(people):
        check_known(p["department"], dept_ids, f"org.people[{i}].department", "department id")
        if p.get("group") is not None:
            check_known(p["group"], group_ids, f"org.people[{i}].group", "group id")
    if roles["ceo"] is not None:
        check_known(roles["ceo"], userids, "org.roles.ceo")
    for key in ("finance", "hr", "compliance"):
        for userid in roles[key]:
            check_known(userid, userids, f"org.roles.{key}")
    return home


def unique_ignoring_case(people: list[dict]) -> None:
    """WeCom userids ignore letter case: two people whose ids differ only by case are one account."""
    seen: dict[str, str] = {}
    for i, person in enumerate(people):
        folded = person["userid"].casefold()
        if folded in seen:
            raise ConfigError(f"org.people[{i}].userid: {person['userid']!r} differs from {seen[folded]!r} only by "
                              "letter case; WeCom treats them as the same account")
        seen[folded] = person["userid"]
