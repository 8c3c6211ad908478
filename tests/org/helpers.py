"""The org synced from WeCom in tests: the emulator's demo address book on the fake WeCom API,
and settings with ``[org] source = "wecom"``."""
from __future__ import annotations

from bot.config import OrgSettings
from bot.emulator.contacts import demo_contacts

PHONES = ({"userid": "wangzong", "phone": "13800000001"}, {"userid": "zhangsan", "phone": "13800000011"})


def wecom_org(home: str | None = "2", people: tuple = PHONES, **overrides) -> OrgSettings:
    """The mapping of the demo address book: 创新服务部 (2) is home; finance and compliance by tag."""
    values = dict(home_department=home, departments=(), groups=(), people=people,
                  roles={"ceo": "chenzong", "finance": ("tag:财务",), "hr": ("yangrenshi",), "compliance": ("tag:2",)},
                  source="wecom")
    values.update(overrides)
    return OrgSettings(**values)


def serve_contacts(fake_wecom, mode: str = "list"):
    """Let the fake WeCom API serve the demo address book (``mode="ids"``: list calls refused)."""
    fake_wecom.state.contacts = demo_contacts()
    fake_wecom.state.contacts.mode = mode
    return fake_wecom.state.contacts


def user(contacts, userid: str) -> dict:
    return contacts.users[userid]
