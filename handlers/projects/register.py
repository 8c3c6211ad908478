"""登记项目, 项目列表, 项目 <编号> (P6)."""
from __future__ import annotations

import re

from sqlalchemy import func, select

from bot.conversation.context import Context
from bot.text.dates import find_date, format_day
from bot.text.quoting import text_inline
from bot.conversation.router import intent
from handlers.meetings.common import LABEL_BOUNDARY, split_labelled
from handlers.projects.common import (ASK_NUMBER, STATUS_LABELS, find_person, home_name, is_late, is_manager,
                                      kickoff_example_day, kickoff_meeting, label, linked_meetings, local_date,
                                      may_view, meeting_example, name_problem, project_from_args, window_text)
from models import Document, Project
from models.project import ACCEPTED, OPEN, project_key

EXAMPLE = "登记项目 数据平台 负责人 {owner} 计划立项 12月15日 预计完成 2027-03-31"
REFUSED = "按制度（P6），项目由组长或总监登记。请联系你的组长{leader}登记，或把项目信息发给他。"
MISSING = "还缺{what}，这次没有登记。请这样写：{example}"
BAD_DATE = "没看懂{what}「{text}」。日期可以写：今天、下周一、12月15日、2026-12-15。例如：{example}"
PAST = "计划立项日期 {day} 已经过去了，请写今天或以后的日期。例如：{example}"
END_BEFORE = "预计完成日期 {end} 早于计划立项日期 {start}，请检查。例如：{example}"
OWNER_OUTSIDE = ("负责人须是{home}的成员（P6），{name} 在{theirs}，这次没有登记。"
                 "请写本部门同事的姓名，例如：{example}")
NOT_VISIBLE = "项目信息只对{home}、总监和总经理开放（P6）。如需了解某个项目，请联系它的负责人或总监。"
UNKNOWN_OWNER = "通讯录里没有「{name}」，这次没有登记。负责人请写通讯录里的姓名，例如：{example}"
DUPLICATE = "已经有同名项目 {label}，这次没有登记。换一个名称，或发「项目 {id}」查看它。"
BAD_NAME = "{problem}，这次没有登记。请这样写：{example}"
MULTILINE = ("第 {line} 行「{text}」不是负责人、计划立项或预计完成，这次没有登记（项目名称只能写一行）。"
             "请写在一行里，例如：{example}")
REGISTERED = ("✅ 已登记项目 {label}\n负责人：{owner}\n计划立项：{approval}{completion}\n"
              "启动会：按制度（P6）须在 {window} 之间召开。请负责人登记并关联项目，例如：\n{meeting}\n"
              "{documents}发「项目 {id}」查看详情。")
COMPLETION = "\n预计完成：{day}"
DOCUMENTS_LINKED = "已归入之前归档的该项目文件 {count} 份。\n"
OWNER_TOLD = ("📌 {who} 登记了项目 {label}，你是负责人。\n计划立项：{approval}\n启动会须在 {window} 之间召开（P6），"
              "请登记并关联项目，例如：\n{meeting}")
NO_PROJECTS = "还没有登记的项目。组长或总监可以这样登记：{example}"
LIST_HEADER = "项目（共 {count} 个）："
LIST_FOOTER = "发「项目 编号」看详情；会议关联项目：登记会议 … 项目 编号。"
_MARKERS = re.compile(LABEL_BOUNDARY + r"(负责人|计划立项|立项日期|预计完成|完成日期)\s*[:：]?\s*")
_FIELDS = {"负责人": "owner", "计划立项": "approval", "立项日期": "approval",
           "预计完成": "completion", "完成日期": "completion"}
MAX_LISTED = 20


def _example(ctx: Context) -> str:
    owner = next((m.name for m in ctx.org.members.values() if m.has("specialist")), "张三")
    return EXAMPLE.format(owner=owner)


@intent("project.register", "登记项目", "新建项目", summary="登记项目，提醒启动会、中期评审和验收（P6）",
        example="登记项目 数据平台 负责人 张三 计划立项 12月15日", roles=("director", "group_leader"))
def register_project(ctx: Context) -> str:
    """P6: register a project with its owner and planned approval date (group leaders and the director)."""
    if not is_manager(ctx, ctx.userid):
        leader = ctx.org.group_leader(ctx.user.group_id)
        return REFUSED.format(leader=f" {leader.name} " if leader else "或总监")
    example = _example(ctx)
    lines = [line.strip() for line in (ctx.args or "").strip().splitlines()]
    # Fields may stand on lines of their own (负责人 张三 ⏎ 计划立项 12月15日); any other line is refused,
    # never dropped silently.
    extra = next(((n, line) for n, line in enumerate(lines[1:], 2) if line and not _MARKERS.match(line)), None)
    if extra:
        return MULTILINE.format(line=extra[0], text=text_inline(extra[1], 20), example=example)
    name, labelled = split_labelled(" ".join(lines), _MARKERS)
    fields = {_FIELDS[k]: v for k, v in labelled.items()}
    missing = [what for what, present in (("项目名称", name), ("负责人", fields.get("owner")),
                                          ("计划立项日期", fields.get("approval"))) if not present]
    if missing:
        return MISSING.format(what="、".join(missing), example=example)
    problem = name_problem(name)
    if problem:
        return BAD_NAME.format(problem=problem, example=example)
    owner = find_person(ctx, fields["owner"].split()[0])
    if owner is None:
        return UNKNOWN_OWNER.format(name=text_inline(fields["owner"], 20), example=example)
    member = ctx.org.get(owner)
    if member.department_id != ctx.org.home_department:  # P6: the department's own projects
        return OWNER_OUTSIDE.format(home=home_name(ctx), name=member.name, theirs=member.department_name,
                                    example=example)
    approval, problem = _date(ctx, fields["approval"], "计划立项日期", example)
    if problem:
        return problem
    if approval < ctx.now.date():
        return PAST.format(day=format_day(approval), example=example)
    completion = None
    if fields.get("completion"):
        completion, problem = _date(ctx, fields["completion"], "预计完成日期", example)
        if problem:
            return problem
        if completion < approval:
            return END_BEFORE.format(end=format_day(completion), start=format_day(approval), example=example)
    same = ctx.session.scalar(select(Project).where(func.lower(Project.name) == name.lower()))
    if same is not None:
        return DUPLICATE.format(label=label(same), id=same.id)
    project = Project(name=name, owner=owner, department_id=member.department_id, group_id=member.group_id,
                      planned_approval=approval, expected_completion=completion, status=OPEN,
                      created_by=ctx.userid, created_at=ctx.now)
    ctx.session.add(project)
    ctx.session.flush()
    documents = _link_earlier_documents(ctx, project)
    ctx.audit(ctx.userid, "registered", "project", project.id, name=name, owner=owner,
              planned_approval=approval.isoformat(), expected_completion=completion.isoformat() if completion else None,
              documents=[d.id for d in documents])
    facts = dict(label=label(project), id=project.id, owner=ctx.org.name(owner), approval=format_day(approval),
                 window=window_text(ctx, project),
                 meeting=meeting_example(ctx, project, "启动会", kickoff_example_day(ctx, project)))
    if owner != ctx.userid:
        ctx.send_text(owner, OWNER_TOLD.format(who=ctx.org.name(ctx.userid), **facts))
    return REGISTERED.format(completion=COMPLETION.format(day=format_day(completion)) if completion else "",
                             documents=DOCUMENTS_LINKED.format(count=len(documents)) if documents else "", **facts)


def _link_earlier_documents(ctx: Context, project: Project) -> list[Document]:
    """P7: documents filed before the project was registered, whose name names it, now belong to it."""
    key = project_key(project.name)
    documents = [d for d in ctx.session.scalars(select(Document).where(Document.project_id.is_(None)).order_by(Document.id))
                 if project_key(d.project_name) == key]
    for document in documents:
        document.project_id = project.id
    return documents


def _date(ctx: Context, text: str, what: str, example: str):
    day, span, error = find_date(text, ctx.now.date())
    if day is None:
        return None, BAD_DATE.format(what=what, text=text_inline(error or text, 20), example=example)
    return day, ""


@intent("project.list", "项目列表", "我的项目", summary="查看项目和它们的启动会、验收情况", example="项目列表")
def list_projects(ctx: Context) -> str:
    """P6: the projects that are not yet accepted (the newest accepted ones after them)."""
    if not may_view(ctx, ctx.userid):
        return NOT_VISIBLE.format(home=home_name(ctx))
    rows = list(ctx.session.scalars(select(Project).order_by((Project.status == ACCEPTED), Project.id)))
    if not rows:
        return NO_PROJECTS.format(example=_example(ctx))
    lines = [LIST_HEADER.format(count=len(rows))]
    for project in rows[:MAX_LISTED]:
        lines.append(f"{label(project)} 负责人 {ctx.org.name(project.owner)} · 计划立项 "
                     f"{format_day(project.planned_approval)} · {_state(ctx, project)}")
    if len(rows) > MAX_LISTED:
        lines.append(f"……另有 {len(rows) - MAX_LISTED} 个，发「项目 编号」查看。")
    lines.append(LIST_FOOTER)
    return "\n".join(lines)


def _state(ctx: Context, project: Project) -> str:
    if project.status != OPEN:
        return STATUS_LABELS[project.status]
    kickoff = kickoff_meeting(ctx, project)
    if kickoff is None:
        return "⚠️ 启动会未登记"
    late = "（补开）" if is_late(ctx, project, kickoff) else ""
    return f"启动会 #{kickoff.id} {format_day(local_date(ctx, kickoff.starts_at))}{late}"


@intent("project.show", "项目", summary="查看一个项目的详情", example="项目 1", numbered=True)
def show_project(ctx: Context) -> str:
    """P6: one project — owner, dates, the kickoff window, linked meetings, filed documents, acceptance."""
    if not may_view(ctx, ctx.userid):
        return NOT_VISIBLE.format(home=home_name(ctx))
    project, _, problem = project_from_args(ctx, ctx.args)
    if project is None:
        return problem or ASK_NUMBER.format(example="项目 1")
    lines = [f"项目 {label(project)}（{STATUS_LABELS[project.status]}）",
             f"负责人：{ctx.org.name(project.owner)}",
             f"计划立项：{format_day(project.planned_approval)}"]
    if project.expected_completion:
        lines.append(f"预计完成：{format_day(project.expected_completion)}")
    lines.append(f"启动会时间范围（P6）：{window_text(ctx, project)}")
    meetings = linked_meetings(ctx, project)
    for meeting in meetings[:10]:
        lines.append(f"会议 #{meeting.id} {format_day(local_date(ctx, meeting.starts_at))} "
                     f"{text_inline(meeting.title, 30)}（{'已归档纪要' if meeting.status == 'minuted' else '已安排'}）")
    if not meetings:
        lines.append("关联会议：无（登记会议时加「项目 {id}」即可关联）".format(id=project.id))
    documents = ctx.session.scalar(select(func.count(Document.id)).where(Document.project_id == project.id))
    lines.append(f"归档文件：{documents} 份（发「文件列表 {text_inline(project.name, 20)}」查看）")
    if project.completed_at:
        lines.append(f"完成：{format_day(local_date(ctx, project.completed_at))}，验收截止 "
                     f"{format_day(local_date(ctx, project.acceptance_due_at))}")
    if project.accepted_at:
        lines.append(f"验收：{format_day(local_date(ctx, project.accepted_at))} {ctx.org.name(project.accepted_by)}"
                     f"，结论：{text_inline(project.conclusion, 100)}")
    return "\n".join(lines)
