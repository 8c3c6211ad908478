"""What the people modules share: who writes self-evaluations, who rates whom, who may see a
rating, and lookups of people and groups by what someone typed (P1, P2, P13)."""
from __future__ import annotations

from bot.conversation.context import BaseContext, Context
from bot.org.directory import Member
from bot.conversation.router import registry

RATING_LABELS = {"excellent": "优秀", "good": "良好", "pass": "合格", "improve": "待改进"}
RATING_BY_LABEL = {label: code for code, label in RATING_LABELS.items()}
SKIP_WORDS = {"跳过", "无", "没有", "不填", "略"}


def home_groups(ctx: BaseContext) -> list[dict]:
    """The groups of the department the bot serves (P1), in config order."""
    return [g for g in ctx.org.groups.values() if g["department"] == ctx.org.home_department]


def find_group(ctx: BaseContext, token: str) -> dict | None:
    """A home-department group by id, full name, or a name written without 组 (资源支持, 数据分析师)."""
    token = token.strip()
    if not token:
        return None
    groups = home_groups(ctx)
    exact = [g for g in groups if token in (g["id"], g["name"])]
    if exact:
        return exact[0]
    partial = [g for g in groups if len(token) >= 2 and token in g["name"]]
    return partial[0] if len(partial) == 1 else None


def find_member(ctx: BaseContext, token: str) -> Member | None:
    """A member by name as written (张三, 张三（财务部）) or by userid; None when nobody matches.
    Two people of that name: ``AmbiguousName`` (``OrgDirectory.find``)."""
    return ctx.org.find(token)


def writes_self_evaluation(ctx: BaseContext, member: Member | None) -> bool:
    """P13: every specialist of the department writes a monthly self-evaluation."""
    return bool(member and member.department_id == ctx.org.home_department and member.has("specialist")
                and not member.has("group_leader") and not member.has("director"))


def self_evaluators(ctx: BaseContext) -> list[Member]:
    return [m for m in ctx.org.members.values() if writes_self_evaluation(ctx, m)]


def rater_of(ctx: BaseContext, member: Member) -> Member | None:
    """P13: the superior rates: a specialist's group leader, a group leader's director (P1 line)."""
    if member.department_id != ctx.org.home_department or member.has("director"):
        return None
    if not (member.has("specialist") or member.has("group_leader")):
        return None
    if member.has("group_leader"):
        director = ctx.org.director
        return director if director and director.userid != member.userid else None
    return ctx.org.superior(member)


def rated_people(ctx: BaseContext) -> list[tuple[Member, Member]]:
    """(person, rater) for everyone rated each quarter: specialists, then group leaders."""
    pairs = []
    for member in ctx.org.members.values():
        rater = rater_of(ctx, member)
        if rater is not None:
            pairs.append((member, rater))
    return sorted(pairs, key=lambda pair: pair[0].has("group_leader"))


def may_see_rating(ctx: BaseContext, viewer: str, subject: str, raters: set[str]) -> bool:
    """P13: ratings and comments are for the person, their rater(s) and the director only."""
    return viewer in {subject, ctx.org.director_id, *raters}


def sample_specialist(ctx: BaseContext, exclude: str = "") -> str:
    """A real colleague's name for the examples in our answers."""
    return next((m.name for m in self_evaluators(ctx) if m.userid != exclude), "张三")


def leave_other_flow(ctx: Context, flow: str) -> None:
    """Before starting ``flow``: a different question the bot was still asking ends as if the
    user had sent 取消 (e.g. an approval's rejection reason is announced without one)."""
    conversation = ctx.conversation
    if conversation is None or not conversation.active or conversation.flow == flow:
        return
    canceller = registry.flow_cancellers.get(conversation.flow)
    if canceller is not None:
        canceller.func(ctx)
    conversation.end()
