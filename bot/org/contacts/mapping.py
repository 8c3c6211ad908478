"""From WeCom's address book to the org of P1 (documented in ``config.example.toml``, [org]).

- ``home_department`` is a WeCom department id (or, when unset, the one department led by
  someone with ``roles = ["director"]`` in ``[[org.people]]``). Its leader is the director; its
  direct sub-departments are the groups, their leaders the group leaders; everyone anywhere
  below it belongs to the home department (and to the group above their department).
- Other departments keep their own id; their first ``department_leader`` is their head.
- ``[org.roles]`` names the CEO, finance, HR and compliance by userid or ``"tag:<id or name>"``.
- ``[[org.people]]`` complements each person (name, phone, roles, department, group) and wins
  where both speak. A name missing from the API comes from the config, else the userid — and
  the sync says so.
- Someone disabled (status 2) or who left (5) is in the org no more; not activated (4) still is.
"""
from __future__ import annotations

from bot.config import ConfigError, OrgSettings
from bot.org.contacts import AddressBook
from bot.org.directory import OrgSnapshot


def _leaders(book: AddressBook) -> dict[str, list[str]]:
    """department id → its leaders: department_leader where the API gave it, plus is_leader_in_dept."""
    leaders = {d.id: list(d.leaders or []) for d in book.departments.values()}
    for user in book.users.values():
        if user.gone:
            continue
        for dept, flag in zip(user.departments, user.is_leader_in_dept or []):
            if flag and dept in leaders and user.userid not in leaders[dept]:
                leaders[dept].append(user.userid)
    active = {u.userid for u in book.users.values() if not u.gone}
    return {d: [u for u in ids if u in active] for d, ids in leaders.items()}


def home_department(book: AddressBook, org: OrgSettings, leaders: dict[str, list[str]]) -> str:
    """``org.home_department``, or the one department led by a configured director."""
    if org.home_department is not None:
        if org.home_department not in book.departments:
            raise ConfigError(f"org.home_department: department {org.home_department!r} is not in WeCom's address "
                              "book (or outside the app's visible range)")
        return org.home_department
    directors = {p["userid"] for p in org.people if "director" in p.get("roles", [])}
    led = [d for d, ids in leaders.items() if directors & set(ids)]
    led += [p["department"] for p in org.people
            if p["userid"] in directors and p.get("department") in book.departments and p["department"] not in led]
    if len(led) == 1:
        return led[0]
    if not led:
        raise ConfigError('org.home_department: missing, and no WeCom department is led by someone with roles = '
                          '["director"] in [[org.people]]; set home_department to the WeCom department id')
    raise ConfigError(f"org.home_department: missing, and {len(led)} departments are led by a director "
                      f"({', '.join(led)}); set home_department to one of them")


def _group_of(book: AddressBook, home: str) -> dict[str, str | None]:
    """department id → the group (child of home) above it, or home itself → None; others absent."""
    found: dict[str, str | None] = {home: None}
    for dept in book.departments:
        path, current = [], dept
        while current is not None and current not in found and current in book.departments and len(path) < 64:
            path.append(current)
            current = book.departments[current].parent_id
        if current in found:
            group = found[current]
            for step in reversed(path):
                group = group if group is not None else step  # the first step below home is the group
                found[step] = group
    return found


def _resolve(spec_list, book: AddressBook) -> list[str]:
    """Userids for ``[org.roles]`` entries (userids or "tag:…"), in order, active only."""
    out = []
    for spec in spec_list:
        if spec.startswith("tag:"):
            tag = book.tags.get(spec) or {}
            parties = set(tag.get("parties", []))
            ids = list(tag.get("users", []))
            ids += [u.userid for u in book.users.values() if parties & set(u.departments)]
        else:
            ids = [spec]
        out += [u for u in ids if u in book.users and not book.users[u].gone and u not in out]
    return out


def build_snapshot(book: AddressBook, org: OrgSettings) -> tuple[OrgSnapshot, list[str]]:
    """The org P1 sees in ``book``, and notes for the operator (missing names, skipped members).
    Raises ``ConfigError`` when the home department cannot be found (without a leader, nobody is
    director until one is set, and a note says so)."""
    notes: list[str] = []
    leaders = _leaders(book)
    home = home_department(book, org, leaders)
    group_of = _group_of(book, home)
    config_people = {p["userid"]: p for p in org.people}
    config_names = {d["id"]: d["name"] for d in (*org.departments, *org.groups)}

    def dept_name(dept_id: str) -> str:
        name = book.departments[dept_id].name or config_names.get(dept_id)
        if name is None:
            notes.append(f"部门 {dept_id}：通讯录未返回名称，显示为「部门{dept_id}」")
        return name or f"部门{dept_id}"

    directors = [u for u, p in config_people.items() if "director" in p.get("roles", []) and u in book.users
                 and not book.users[u].gone and _place(book.users[u], book, group_of) in group_of]
    head_of_home = (directors or leaders.get(home) or [None])[0]
    if head_of_home is None:  # e.g. the director just left: the org goes on without one, and says so
        notes.append(f"部门 {home}（{dept_name(home)}）没有负责人：在企业微信设置部门负责人，或在 [[org.people]] "
                     '给总监写 roles = ["director"]，之前不会有人担任总监')
    departments = [{"id": d.id, "name": dept_name(d.id), "head": head_of_home if d.id == home else
                    (leaders.get(d.id) or [None])[0], "parent_id": d.parent_id, "leaders": d.leaders}
                   for d in book.departments.values()]
    groups = [{"id": d.id, "name": dept_name(d.id), "department": home, "leader": (leaders.get(d.id) or [None])[0]}
              for d in book.departments.values() if d.parent_id == home]
    group_leaders = {g["leader"] for g in groups if g["leader"]}
    group_ids = {g["id"] for g in groups}
    roles = {"ceo": (_resolve([org.roles["ceo"]], book) or [None])[0] if org.roles.get("ceo") else None,
             **{key: _resolve(org.roles.get(key, ()), book) for key in ("finance", "hr", "compliance")}}
    people = []
    for user in book.users.values():
        cfg = config_people.get(user.userid, {})
        chosen = _place(user, book, group_of)
        if chosen is None:
            notes.append(f"{user.userid}：所在部门不在通讯录可见范围内，未同步")
            continue
        in_home = chosen in group_of
        department = cfg.get("department") if cfg.get("department") in book.departments else (home if in_home else chosen)
        group = cfg.get("group") if cfg.get("group") in group_ids else (group_of.get(chosen) if in_home else None)
        name = cfg.get("name") or user.name
        if not user.name:
            notes.append(f"{user.userid}：通讯录未返回姓名，使用{'配置中的姓名「' + name + '」' if name else '账号'}")
        derived = {"director"} if user.userid == head_of_home else set()
        derived |= {"group_leader"} if user.userid in group_leaders else set()
        derived |= {"ceo"} if user.userid == roles["ceo"] else set()
        derived |= {key for key in ("finance", "hr", "compliance") if user.userid in roles[key]}
        if "roles" in cfg:
            person_roles = set(cfg["roles"]) | derived
        elif derived:
            person_roles = derived
        else:  # P1: a member of a group is a specialist; anyone else in the org is staff
            person_roles = {"specialist"} if department == home and group else {"staff"}
        people.append({"userid": user.userid, "name": name or user.userid, "department": department, "group": group,
                       "roles": sorted(person_roles), "phone": cfg.get("phone"), "active": not user.gone,
                       "joined": cfg.get("joined"), "group_since": cfg.get("group_since"),
                       "wecom_name": user.name, "wecom_departments": user.departments,
                       "is_leader_in_dept": user.is_leader_in_dept, "main_department": user.main_department,
                       "direct_leader": user.direct_leader, "position": user.position, "status": user.status})
    return OrgSnapshot(home, tuple(departments), tuple(groups), tuple(people), roles), notes


def _place(user, book: AddressBook, group_of: dict[str, str | None]) -> str | None:
    """The department a member counts in: one inside the home department if any (the main
    department first), else the main department, else the first one listed."""
    known = [d for d in user.departments if d in book.departments]
    inside = [d for d in known if d in group_of]
    if inside:
        return user.main_department if user.main_department in inside else inside[0]
    if user.main_department in known:
        return user.main_department
    return known[0] if known else None
