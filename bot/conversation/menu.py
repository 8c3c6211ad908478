"""The app's custom menu (审批 / 周报·纪要 / 帮助), installed with ``app.py menu install``.

Each click key is the name of an intent, so a click is routed exactly like typing the command.
WeCom allows 1–3 top buttons with 1–5 sub-buttons each; names ≤ 16 bytes, keys ≤ 128 bytes.
"""

MENU = {
    "button": [
        {"name": "审批", "sub_button": [
            {"type": "click", "name": "我的申请", "key": "approval.mine"},
            {"type": "click", "name": "待我审批", "key": "approval.pending"},
            {"type": "click", "name": "如何申请", "key": "approval.howto"},
        ]},
        {"name": "周报纪要", "sub_button": [
            {"type": "click", "name": "周报模板", "key": "report.template"},
            {"type": "click", "name": "我的周报", "key": "report.mine"},
            {"type": "click", "name": "提交纪要", "key": "minutes.howto"},
            {"type": "click", "name": "我的待办", "key": "action.mine"},
        ]},
        {"name": "帮助", "sub_button": [
            {"type": "click", "name": "使用帮助", "key": "help"},
            {"type": "click", "name": "我是谁", "key": "whoami"},
        ]},
    ]
}


def validate_menu(menu: dict) -> None:
    top = menu["button"]
    if not 1 <= len(top) <= 3:
        raise ValueError("a menu has 1 to 3 top buttons")
    for button in top:
        subs = button.get("sub_button", [])
        if len(button["name"].encode()) > 16 or len(subs) > 5:
            raise ValueError(f"menu button {button['name']!r}: name ≤16 bytes, ≤5 sub-buttons")
        for sub in subs:
            if len(sub["name"].encode()) > 16 or len(sub.get("key", "").encode()) > 128:
                raise ValueError(f"menu sub-button {sub['name']!r}: name ≤16 bytes, key ≤128 bytes")
