"""The emulator page in a real browser (Chromium): what a newcomer does in the first two
minutes — ask for help, file a purchase and tap it through its three approvers, send a file,
move the clock to Friday 15:00 and watch the weekly-report reminder (P10) arrive."""
from __future__ import annotations

import re
from datetime import datetime
from pathlib import Path

import requests
from playwright.sync_api import expect

from models import InboundCallback

THURSDAY = datetime.fromisoformat("2026-11-26T14:00:00+08:00")


def open_as(page, site, userid: str):
    page.goto(f"{site.http.url}/emulator/")
    pick(page, userid)


def pick(page, userid: str):
    page.locator(f'#people li[data-userid="{userid}"]').click()
    expect(page.locator(f'#people li[data-userid="{userid}"]')).to_have_class(re.compile("active"))


def say(page, text: str):
    page.locator("#input").fill(text)
    page.locator("#input").press("Enter")
    expect(page.locator("#input")).to_have_value("")


def bot_says(page, pattern: str):
    """The bot's answer containing ``pattern`` appears in the open chat."""
    bubble = page.locator(".msg.out").filter(has_text=re.compile(pattern)).last
    expect(bubble).to_be_visible(timeout=20_000)
    return bubble


def test_pick_zhangsan_and_ask_for_help(page, site, shot):
    page.goto(f"{site.http.url}/emulator/")
    expect(page.locator("#guide")).to_be_visible()  # first visit: the guide opens by itself…
    # …as a specialist, where its story starts (the director first would have nothing to approve)
    expect(page.locator("#people li.active")).to_contain_text("专员")
    expect(page.locator("#guide-body")).to_contain_text("采购申请")
    shot("01-first-visit")
    pick(page, "zhangsan")
    expect(page.locator("#whoami")).to_contain_text("张三")
    expect(page.locator("#guide-body")).to_contain_text("采购申请")
    say(page, "帮助")
    expect(page.locator(".msg.in").last).to_contain_text("帮助")
    bot_says(page, "我是创新服务助手")
    shot("02-help-answered")


def tap(page, card_title: str, button: str, done: str):
    """Tap ``button`` on the last card titled ``card_title``; it greys into ``done``."""
    card = page.locator(".card").filter(has_text=card_title).last
    expect(card.get_by_role("button", name=button, exact=True)).to_be_enabled(timeout=20_000)
    card.get_by_role("button", name=button, exact=True).click()
    greyed = card.locator(".btn-replaced")
    expect(greyed).to_have_text(done, timeout=20_000)
    expect(greyed).to_be_disabled()


def test_a_purchase_through_its_three_approvers_by_clicking(page, site, shot):
    open_as(page, site, "zhangsan")
    say(page, "采购申请 测试服务器3台 8万元 用于压测环境")
    expect(page.locator(".card").filter(has_text="请确认").last).to_be_visible(timeout=20_000)
    shot("01-confirm-card")
    page.locator(".card").filter(has_text="请确认").last.get_by_role("button", name="提交", exact=True).click()
    bot_says(page, "已提交采购申请")
    shot("02-submitted")
    for step, (userid, done) in enumerate([("wangzong", "已同意"), ("liucaiwu", "已同意"), ("chenzong", "已同意")], 3):
        pick(page, userid)
        tap(page, "采购审批", "同意", done)
        shot(f"0{step}-{userid}-approved")
    pick(page, "zhangsan")
    bot_says(page, "全部审批通过")
    shot("06-requester-sees-the-result")


def test_send_a_file_and_download_one_the_bot_sends(page, site, shot, tmp_path):
    open_as(page, site, "zhangsan")
    document = tmp_path / "采购合同.txt"
    document.write_text("合同正文：测试服务器3台，总价 8 万元。", encoding="utf-8")
    page.locator("#file-input").set_input_files(str(document))
    mine = page.locator(".msg.in .bubble.file").last
    expect(mine).to_contain_text("采购合同.txt")
    answer = page.locator(".msg.out").last
    expect(answer).to_be_visible(timeout=20_000)
    shot("01-file-sent-and-answered")
    # it arrived as WeCom's file callback, and its MediaId fetches the bytes through media/get
    with site.session() as session:
        stored = session.query(InboundCallback).filter_by(userid="zhangsan", msg_type="file").one()
    assert stored.payload["FileName"] == "采购合同.txt"
    state = site.app.extensions["emulator"]
    assert state.media[stored.payload["MediaId"]][1] == document.read_bytes()

    # a file the bot sends (media/upload, then message/send) shows as a downloadable item
    api = f"{site.http.url}/emulator/cgi-bin"
    wecom = site.settings.wecom
    token = requests.get(f"{api}/gettoken", params={"corpid": wecom.corp_id, "corpsecret": wecom.secret},
                         timeout=5).json()["access_token"]
    media_id = requests.post(f"{api}/media/upload", params={"access_token": token, "type": "file"},
                             files={"media": ("周报汇总.csv", "组,已交\n项目协调组,2\n".encode(), "text/csv")},
                             timeout=5).json()["media_id"]
    sent = requests.post(f"{api}/message/send", params={"access_token": token}, timeout=5, json={
        "touser": "zhangsan", "agentid": wecom.agent_id, "msgtype": "file", "file": {"media_id": media_id}}).json()
    assert sent["errcode"] == 0
    item = page.locator(".msg.out .bubble.file").last
    expect(item).to_contain_text("周报汇总.csv", timeout=20_000)
    shot("02-file-from-the-bot")
    with page.expect_download() as download:
        item.get_by_text("下载").click()
    assert download.value.suggested_filename == "周报汇总.csv"
    assert Path(download.value.path()).read_bytes() == "组,已交\n项目协调组,2\n".encode()


def test_the_guide_files_a_document_from_the_page(page, site, shot):
    # P7 from the first-visit guide: a badly named sample gets the naming answer, a well-named one is filed.
    open_as(page, site, "zhangsan")
    if page.locator("#guide").is_hidden():  # the guide opens by itself on a first visit only
        page.locator("#guide-open").click()
    page.locator(".guide-file").filter(has_text="需求说明.txt").first.click()
    bot_says(page, "还不能归档")
    shot("01-guide-file-badly-named")
    page.locator(".guide-file").filter(has_text="数据平台项目-需求说明-2026年11月-1.0版.txt").click()
    bot_says(page, "已归档文件 #1")
    shot("02-guide-file-filed")
    say(page, "文件列表")
    bot_says(page, "数据平台项目-需求说明-2026年11月-1.0版")
    shot("03-file-list")


def test_move_the_clock_to_friday_and_the_reminder_arrives(page, site, shot):
    site.app.extensions["demo_clock"].set_time(THURSDAY)  # a known week: Thursday 14:00
    open_as(page, site, "zhangsan")
    expect(page.locator("#clock-now")).to_have_text("11月26日（周四）14:00")
    page.locator("#clock-toggle").click()
    expect(page.locator("#clock-panel")).to_be_visible()
    shot("01-clock-panel")
    page.locator("#clock-presets").get_by_role("button", name="下一个周五 15:00").click()
    expect(page.locator("#clock-status")).to_contain_text("已拨到", timeout=90_000)
    expect(page.locator("#clock-now")).to_have_text("11月27日（周五）15:00")
    expect(page.locator("#clock-moved")).to_be_visible()
    reminder = bot_says(page, "周报")
    expect(reminder.locator(".msg-time")).to_have_text("15:00")
    shot("02-friday-reminder")
    page.locator("#clock-reset").click()
    expect(page.locator("#clock-moved")).to_be_hidden()
    shot("03-back-to-real-time")



def test_the_page_shows_what_wecom_shows(page, site, shot):
    """A text message's <a href> is a link and any other tag is text; markdown is WeCom's subset."""
    state = site.app.extensions["emulator"]
    open_as(page, site, "lisi")
    state.add_message("lisi", "out", "text", text='详情见 <a href="https://work.weixin.qq.com/">企业微信</a>，<b>不加粗</b>')
    state.add_message("lisi", "out", "markdown", markdown='# 标题\n**加粗** <font color="warning">注意</font>\n- 不是列表\n> 引用')
    link = page.locator(".bubble.text a").last
    expect(link).to_have_attribute("href", "https://work.weixin.qq.com/")
    expect(link).to_have_text("企业微信")
    expect(page.locator(".bubble.text").last).to_contain_text("<b>不加粗</b>")
    md = page.locator(".bubble.markdown").last
    expect(md.locator("b")).to_have_text("加粗")
    expect(md.locator(".md-warning")).to_have_text("注意")
    expect(md.locator(".md-h1")).to_have_text("标题")
    expect(md).to_contain_text("- 不是列表")
    expect(md.locator("ul, li")).to_have_count(0)
    shot("01-links-and-markdown")
