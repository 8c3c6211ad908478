"""Router unit tests: keywords, /commands, natural phrasing, cards, menus, generated help."""
import pytest

from bot.conversation.router import Registry


def make_registry():
    r = Registry()

    @r.intent("help", "帮助", "help", "/help", summary="查看帮助", example="帮助")
    def show_help(ctx):
        """Show help."""

    @r.intent("purchase", "采购", summary="采购")
    def purchase(ctx):
        """Buy."""

    @r.intent("purchase.request", "采购申请", pattern=r"我要.{0,6}采购", summary="发起采购申请")
    def purchase_request(ctx):
        """Request."""

    @r.intent("secret", "内部", hidden=True)
    def hidden(ctx):
        """Not listed."""

    @r.intent("leaders", "组长专用", roles=("group_leader",))
    def leaders(ctx):
        """Only for leaders."""

    @r.on_card("approval")
    def card(ctx):
        """Card taps."""
    return r


def test_the_longest_keyword_wins_and_gives_the_rest_as_args():
    match = make_registry().match_text("采购申请 测试服务器3台 8万元")
    assert match.route.name == "purchase.request"
    assert match.args == "测试服务器3台 8万元"
    assert make_registry().match_text("采购 笔记本").route.name == "purchase"


def test_a_chinese_keyword_may_run_into_its_argument():
    match = make_registry().match_text("采购申请：服务器")
    assert match.route.name == "purchase.request" and match.args == "服务器"


def test_ascii_keywords_need_a_word_boundary():
    r = make_registry()
    assert r.match_text("help").route.name == "help"
    assert r.match_text("  HELP ").route.name == "help"
    assert r.match_text("/help me").args == "me"
    assert r.match_text("helpme") is None


def test_natural_phrasing_matches_the_pattern_after_keywords():
    match = make_registry().match_text("我要采购三台服务器")
    assert match.route.name == "purchase.request"
    assert match.args == "我要采购三台服务器"


def test_nothing_matches_unrelated_text():
    assert make_registry().match_text("今天天气不错") is None


def test_card_taps_route_by_event_key_prefix():
    r = make_registry()
    assert r.match_card("approval:approve:42:1").name == "card:approval"
    assert r.match_card("approval") .name == "card:approval"
    assert r.match_card("other:x") is None


def test_help_lists_visible_intents_for_the_senders_roles():
    r = make_registry()
    names = [route.name for route in r.help_entries(frozenset({"specialist"}))]
    assert names == ["help", "purchase", "purchase.request"]
    assert "leaders" in [route.name for route in r.help_entries(frozenset({"group_leader"}))]


def test_registering_twice_is_an_error():
    r = make_registry()
    with pytest.raises(ValueError):
        r.intent("help", "again")(lambda ctx: None)
    with pytest.raises(ValueError):
        r.on_card("approval")(lambda ctx: None)


def test_decorators_return_the_function_unchanged():
    r = Registry()

    def handler(ctx):
        """Doc."""
    assert r.intent("x", "x")(handler) is handler
