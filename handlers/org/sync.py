"""Syncing the org from WeCom's address book (P1): ``python app.py org sync`` and the nightly
``org_sync`` job. Both read the whole book first (nothing written if that fails), then — in one
transaction under the org lock — write only what changed and hand over leavers' open work.
Running it again with nothing changed writes nothing."""
from __future__ import annotations

import dataclasses
import logging
import time
from dataclasses import dataclass, field

from sqlalchemy.orm import sessionmaker

from bot.config import ConfigError
from bot.org.contacts.apply import write_book
from bot.org.contacts.fetch import ContactsReader
from bot.conversation.context import BaseContext, JobContext
from bot.org.directory import OrgDirectory
from bot.org.store import EMPTY, invalidate_after_commit, load_snapshot, lock_org
from bot.org.write import OrgChange
from bot.conversation.router import job
from bot.wecom.client import DatabaseTokenStorage
from handlers.org.handover import hand_over

log = logging.getLogger(__name__)
NOT_WECOM = 'org.source is "config": the org comes from the config file; set [org] source = "wecom" to sync it'


@dataclass
class SyncReport:
    path: str  # list | ids
    calls: dict  # endpoint → calls
    seconds: float
    rows: int
    changes: list[OrgChange] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    handovers: list[str] = field(default_factory=list)
    org: OrgDirectory | None = None


def sync_from_wecom(ctx: BaseContext) -> SyncReport:
    """Read the address book and apply it to the org in ``ctx.session`` (the caller commits).
    Raises ``WeComError`` (nothing written) or ``ConfigError`` (the mapping cannot find the
    home department or its director)."""
    if ctx.settings.org.source != "wecom":
        raise ConfigError(NOT_WECOM)
    started = time.monotonic()
    reader = ContactsReader(ctx.settings, DatabaseTokenStorage(sessionmaker(bind=ctx.session.get_bind())))
    book = reader.read()  # no database write before this succeeded
    lock_org(ctx.session)
    snapshot, _ = load_snapshot(ctx.session)
    before = OrgDirectory(snapshot or EMPTY)
    written = write_book(ctx.session, ctx.settings, book, synced_at=ctx.now)
    after = OrgDirectory(written.snapshot)
    handovers = hand_over(dataclasses.replace(ctx, org=after), before, written.result.changes) if snapshot else []
    if written.result.rows:
        invalidate_after_commit(ctx.session)
    log.info("org sync (%s path): %d call(s), %d row(s) written, %d change(s)", reader.path,
             sum(reader.calls.values()), written.result.rows, len(written.result.changes))
    return SyncReport(reader.path, dict(reader.calls), time.monotonic() - started, written.result.rows,
                      written.result.changes, written.notes, handovers, after)


@job("org_sync")
def nightly_org_sync(ctx: JobContext) -> None:
    """P1: reconcile the org with WeCom's address book every night (no-op with source = "config")."""
    if ctx.settings.org.source != "wecom":
        return
    sync_from_wecom(ctx)


def describe_changes(report: SyncReport) -> list[str]:
    """What changed, one line each, for the operator (English, like every command-line output)."""
    org = report.org
    lines = []
    for c in report.changes:
        if c.kind == "joined":
            lines.append(f"joined: {c.name} ({c.userid}) in {_place(org, c.after)}")
        elif c.kind == "left":
            lines.append(f"left: {c.name} ({c.userid}) from {_place(org, c.before)}")
        elif c.kind == "moved":
            lines.append(f"moved: {c.name} ({c.userid}) {_place(org, c.before)} -> {_place(org, c.after)}")
        elif c.kind == "renamed":
            lines.append(f"renamed: {c.before['name']} -> {c.name} ({c.userid})")
        elif c.kind == "leader":
            kind, key = c.where.split(":", 1)
            if kind == "department" and org and key in org.groups:
                continue  # a group's department: said once, as its group leader
            what = "director" if kind == "department" and org and key == org.home_department else \
                ("group leader" if kind == "group" else "head")
            lines.append(f"new {what} of {c.name}: {org.name(c.after['userid']) if org else c.userid} "
                         f"({c.after['userid']})")
    return lines


def _place(org: OrgDirectory | None, where: dict | None) -> str:
    if not where or org is None:
        return "-"
    dept = org.departments.get(where["department"], {}).get("name", where["department"])
    group = org.groups.get(where["group"] or "", {}).get("name")
    return f"{dept}/{group}" if group else dept


def describe_org(org: OrgDirectory) -> list[str]:
    """The home department as the bot now sees it: director, groups with leader and members, roles."""
    home = org.departments[org.home_department]
    lines = [f"{home['name']} (department {org.home_department}): director {org.name(home['head'])}"]
    for group in org.groups.values():
        members = [m.name for m in org.group_members(group["id"]) if m.userid != group["leader"]]
        lines.append(f"  {group['name']} (group {group['id']}): leader {org.name(group['leader'])}; "
                     f"{len(members)} member(s): {'、'.join(members[:12])}{' …' if len(members) > 12 else ''}")
    lines.append(f"CEO {org.name(org.ceo_id) if org.ceo_id else '-'}; finance "
                 f"{'、'.join(org.name(u) for u in org.finance_ids) or '-'}; HR {'、'.join(org.name(u) for u in org.hr_ids) or '-'}; "
                 f"compliance {'、'.join(org.name(u) for u in org.compliance_ids) or '-'}")
    lines.append(f"{len(org.members)} active member(s) in {len(org.departments)} department(s)")
    return lines
