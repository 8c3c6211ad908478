"""The issue's "done when": with ``source = "wecom"``, ``org sync`` prints the org; removing the
finance approver on the emulator page moves a pending request's card to the other finance member,
and the director is told."""
import subprocess
import sys
from types import SimpleNamespace

import requests

from scheduler import run_job
from tests.approvals.helpers import submit
from tests.chat import tap, wait_card, wait_text
from tests.conftest import ROOT, BotServer, free_port
from tests.org.helpers import serve_contacts, wecom_org
from tests.org.test_sync import NIGHT

WECOM_ORG = """[org]
source = "wecom"
home_department = "2"

[[org.people]]
userid = "wangzong"
phone = "13800000001"

[org.roles]
ceo = "chenzong"
finance = ["tag:财务"]
hr = ["yangrenshi"]
compliance = ["tag:合规"]
"""


def wecom_config(config_file):
    path = config_file()
    text = path.read_text(encoding="utf-8")
    path.write_text(text[:text.index("\n[org]\n") + 1] + WECOM_ORG, encoding="utf-8")
    return path


def org_sync(path):
    return subprocess.run([sys.executable, "app.py", "org", "sync", "--config", str(path)], cwd=ROOT,
                          capture_output=True, text=True, timeout=120)


def test_org_sync_prints_what_changed_and_the_org(config_file, fake_wecom):
    contacts = serve_contacts(fake_wecom)
    path = wecom_config(config_file)
    first = org_sync(path)
    assert first.returncode == 0, first.stderr
    out = first.stdout
    assert "list path, 14 API call(s)" in out  # department/list, 10 × user/list, tag/list, 2 × tag/get
    assert "joined: 张三 (zhangsan) in 创新服务部/项目协调组" in out
    assert "创新服务部 (department 2): director 王总监" in out
    assert "项目协调组 (group 3): leader 李组长; 2 member(s): 张三、李四" in out
    assert "finance 刘财务、周会计" in out and "compliance 郑法务" in out
    del contacts.users["wangwu"]
    contacts.users["qianqi"].update(department=[4], main_department=4)
    second = org_sync(path)
    assert second.returncode == 0, second.stderr
    assert "left: 王五 (wangwu) from 创新服务部/资源支持组" in second.stdout
    assert "moved: 钱七 (qianqi) 创新服务部/数据分析师组 -> 创新服务部/资源支持组" in second.stdout
    third = org_sync(path)
    assert "0 row(s) written" in third.stdout and "  no change" in third.stdout


def test_org_sync_with_the_org_from_the_config_says_so(config_file):
    result = org_sync(config_file())
    assert result.returncode == 2 and 'org.source is "config"' in result.stderr and "Traceback" not in result.stderr


def test_removing_the_finance_approver_on_the_emulator_page_moves_the_card(make_settings):
    port = free_port()
    settings = make_settings(org=wecom_org(), emulator_enabled=True,
                             wecom={"api_base_url": f"http://127.0.0.1:{port}/emulator/cgi-bin/"})
    bot = BotServer(settings, None, port=port)
    bot.fake = SimpleNamespace(state=bot.app.extensions["emulator"])  # the bot's own emulator is the API
    try:
        run_job(bot.runtime, "org_sync", NIGHT)  # reads the emulator's address book over HTTP
        page = requests.get(f"{bot.http.url}/emulator/api/contacts", timeout=5).json()
        assert {"userid": "zhoukuaiji", "name": "周会计", "department": [6], "leader": False,
                "tags": [{"id": 1, "name": "财务"}]} in page["users"]
        request_id = submit(bot, "zhangsan", "采购申请 测试服务器 3万元 用于压测")
        tap(bot, "wangzong", wait_card(bot, "wangzong"), "同意")
        wait_card(bot, "liucaiwu")
        answer = requests.post(f"{bot.http.url}/emulator/api/contacts/remove", json={"userid": "liucaiwu"}, timeout=10)
        assert answer.json() == {"ok": True, "change": "delete_user"}
        card = wait_card(bot, "zhoukuaiji")
        assert f"#{request_id}" in card["main_title"]["title"]
        assert f"采购申请 #{request_id} 复审 → 周会计" in wait_text(bot, "wangzong", "组织架构变动")
        tap(bot, "zhoukuaiji", card, "同意")
        wait_text(bot, "zhangsan", "全部审批通过")
    finally:
        bot.stop()
