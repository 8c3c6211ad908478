"""Hidden handlers that exercise the plumbing (conversations, cards, jobs) in tests.

Registered on the real registry, hidden from 帮助; imported only by tests.
"""
from bot.wecom.cards import button_card, replace_button
from bot.conversation.context import Context, JobContext, Reply
from bot.conversation.router import intent, job, on_card, on_flow, registry


@intent("test.ask", "测试问答", hidden=True)
def ask_amount(ctx: Context) -> str:
    """Start a two-question conversation."""
    ctx.conversation.start("test.ask", "AMOUNT", {"item": ctx.args})
    return "金额是多少？"


@on_flow("test.ask")
def answer(ctx: Context) -> str:
    """Take the answers in turn."""
    text = ctx.message.text.strip()
    if ctx.conversation.state == "AMOUNT":
        ctx.conversation.advance("REASON", {"amount": text})
        return "用途是什么？"
    data = ctx.conversation.data
    ctx.conversation.end()
    return f"已记录：{data['item']} {data['amount']} {text}"


@intent("test.card", "测试卡片", hidden=True)
def send_card(ctx: Context) -> None:
    """Send the sender a card with two buttons."""
    ctx.send_card(ctx.userid, button_card(f"test_{ctx.message.msg_id}", "测试卡片", "请选择",
                                          [("事项", ctx.args or "无")],
                                          [("确认", "testcard:ok", "primary"), ("拒绝", "testcard:no", "danger")]))


@on_card("testcard")
def tap(ctx: Context) -> Reply:
    """Record the tap and grey the buttons."""
    label = "已确认" if ctx.message.event_key.endswith(":ok") else "已拒绝"
    ctx.update_card(ctx.userid, ctx.message.response_code, replace_button(label))
    ctx.audit(ctx.userid, "tapped", "test_card", ctx.message.task_id, key=ctx.message.event_key)
    return Reply(text=f"你点了「{label}」", button=label)


@intent("test.boom", "测试出错", hidden=True)
def boom(ctx: Context) -> str:
    """Fail after writing, to prove the transaction rolls back."""
    ctx.send_text(ctx.userid, "this must never be sent")
    raise RuntimeError("handler bug")


def remind_everyone(ctx: JobContext) -> None:
    """A job that notifies two people once per ISO week."""
    period = ctx.now.strftime("%G-W%V")
    for userid in ("zhangsan", "lisi"):
        ctx.notify_once("test_reminder", period, userid, text=f"{period} 的测试提醒")


def install_test_job(job_id: str = "quarterly_audit"):
    """Temporarily make ``job_id`` run ``remind_everyone`` (returns an undo function)."""
    previous = registry.jobs.pop(job_id, None)
    job(job_id)(remind_everyone)

    def undo():
        registry.jobs.pop(job_id, None)
        if previous:
            registry.jobs[job_id] = previous
    return undo


RACES = {"left": 0}


@intent("test.race", "测试竞争", hidden=True)
def lose_a_race_once(ctx: Context) -> str:
    """Raise the unique-key error a concurrent insert would, the first time only. It is a writer:
    a read-only run (bot.conversation.inbound's first try on SQLite) sees it write and hands it to a write run."""
    from sqlalchemy.exc import IntegrityError
    from models import KeyValue
    from models.db import READ_ONLY
    ctx.send_text(ctx.userid, "written before the race was lost")
    if ctx.session.get_bind().get_execution_options().get(READ_ONLY):
        ctx.session.add(KeyValue(key="race", value="x"))  # what a writer does: it is not run here
        return "never answered"
    if RACES["left"] > 0:
        RACES["left"] -= 1
        raise IntegrityError("INSERT INTO reports …", {}, Exception("duplicate key value"))
    return "第二次成功"
