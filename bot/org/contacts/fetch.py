"""Read WeCom's address book through the API, by either of its two paths (WECOM.md, Contacts).

- ``list``: ``department/list``, then ``user/list?department_id=`` once per department (each
  member comes with department, is_leader_in_dept, direct_leader, position, status).
- ``ids``: since 2022-08-15 a contacts-sync secret used from a new server IP may only list ids:
  ``department/simplelist`` (+ ``department/get`` for names and leaders), ``user/list_id`` (paged
  with a cursor), then ``user/get`` for each member — paced under ``org.api_calls_per_minute``
  (WeCom allows 10,000 calls per minute per API per corp) by a few threads.
- ``auto`` tries ``list`` and falls back to ``ids`` when WeCom refuses the list call.

Nothing is written here: a read that fails part-way raises ``WeComError`` and the caller
changes nothing. Retryable errors (45009 rate limit, -1 busy, HTTP errors) are retried with
back-off a few times.
"""
from __future__ import annotations

import dataclasses
import logging
import threading
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor

from wechatpy.session import SessionStorage

from bot.config import Settings
from bot.org.contacts import AddressBook, ContactDept, dept_from_api, user_from_api
from bot.wecom.client import WeComClient, WeComError

log = logging.getLogger(__name__)

# Errcodes WeCom answers when a list call is not allowed for this secret/IP (unconfirmed which one
# it is: 48002 "api forbidden", 48009 "api not authorised for this IP"); ``auto`` then lists ids.
LIST_REFUSED = {48002, 48009}
RETRIES = 4
BACKOFF = 0.5  # seconds, doubled each retry (2 s after a 45009)
THREADS = 8


class Pacer:
    """At most ``per_minute`` calls a minute, evenly spaced, shared by threads."""

    def __init__(self, per_minute: int):
        self.interval = 60.0 / per_minute
        self._next = time.monotonic()
        self._lock = threading.Lock()

    def wait(self) -> None:
        with self._lock:
            now = time.monotonic()
            slot = max(now, self._next)
            self._next = slot + self.interval
        if slot > now:
            time.sleep(slot - now)


class ContactsReader:
    """One read of the address book with the contacts secret (else the app's own secret)."""

    def __init__(self, settings: Settings, storage: SessionStorage, timeout: float = 10.0):
        wecom = settings.wecom
        secret = wecom.contacts_secret or wecom.secret
        self.client = WeComClient(dataclasses.replace(wecom, secret=secret), storage, timeout)
        self.org = settings.org
        self.pacer = Pacer(settings.org.api_calls_per_minute)
        self.calls: Counter = Counter()  # endpoint → calls made (retries included)
        self.path = ""

    def _call(self, endpoint: str, params: dict | None = None, body: dict | None = None, paced: bool = False) -> dict:
        delay = BACKOFF
        for attempt in range(1, RETRIES + 1):
            if paced:
                self.pacer.wait()
            self.calls[endpoint] += 1
            try:
                if body is not None:
                    return self.client.call(endpoint, body, params)
                return self.client.get(endpoint, params)
            except WeComError as exc:
                if not exc.retryable or attempt == RETRIES:
                    raise
                wait = delay * (4 if exc.errcode == 45009 else 1)
                log.info("%s failed (%s); retrying in %.1f s", endpoint, exc, wait)
                time.sleep(wait)
                delay *= 2
        raise AssertionError("unreachable")

    def read(self) -> AddressBook:
        """The whole address book (as far as the secret sees it), and every tag ``[org.roles]`` names."""
        mode = self.org.contacts_api
        book = None
        if mode in ("auto", "list"):
            try:
                book = self._read_by_lists()
                self.path = "list"
            except WeComError as exc:
                if mode == "list" or exc.errcode not in LIST_REFUSED:
                    raise
                log.info("WeCom refused the list calls (%s): listing ids and reading each member", exc)
        if book is None:
            book = self._read_by_ids()
            self.path = "ids"
        book.tags = self._read_tags()
        return book

    def _read_by_lists(self) -> AddressBook:
        book = AddressBook()
        for data in self._call("department/list").get("department", []):
            dept = dept_from_api(data)
            book.departments[dept.id] = dept
        for dept_id in book.departments:
            for data in self._call("user/list", {"department_id": dept_id}).get("userlist", []):
                if str(data.get("userid", "")) and str(data["userid"]) not in book.users:
                    book.users[str(data["userid"])] = user_from_api(data, [dept_id])
        return book

    def _read_by_ids(self) -> AddressBook:
        book = AddressBook()
        for data in self._call("department/simplelist").get("department_id", []):
            dept = dept_from_api(data)
            book.departments[dept.id] = dept
        with ThreadPoolExecutor(THREADS) as pool:
            details = list(pool.map(self._department_details, list(book.departments)))
        for detail in details:
            if detail is not None:
                known = book.departments[detail.id]
                known.name, known.leaders = detail.name, detail.leaders
        member_of: dict[str, list[str]] = {}
        cursor = ""
        while True:
            page = self._call("user/list_id", body={"cursor": cursor, "limit": 10000})
            for pair in page.get("dept_user", []):
                member_of.setdefault(str(pair["userid"]), []).append(str(pair.get("department", "")))
            cursor = page.get("next_cursor") or ""
            if not cursor:
                break
        with ThreadPoolExecutor(THREADS) as pool:
            users = list(pool.map(lambda u: self._user(u, member_of[u]), list(member_of)))
        for user in users:
            book.users[user.userid] = user
        return book

    def _department_details(self, dept_id: str) -> ContactDept | None:
        try:
            data = self._call("department/get", {"id": dept_id}, paced=True).get("department")
        except WeComError as exc:
            if exc.retryable:
                raise
            return None  # names and leaders stay unknown: the mapping falls back and says so
        return dept_from_api(data) if data else None

    def _user(self, userid: str, departments: list[str]):
        data = self._call("user/get", {"userid": userid}, paced=True)
        return user_from_api({**data, "userid": data.get("userid") or userid}, [d for d in departments if d])

    def _read_tags(self) -> dict[str, dict]:
        specs = [v for key in ("finance", "hr", "compliance") for v in self.org.roles.get(key, ())]
        specs += [self.org.roles["ceo"]] if self.org.roles.get("ceo") else []
        specs = [s for s in dict.fromkeys(specs) if s.startswith("tag:")]
        if not specs:
            return {}
        by_name = {}
        if any(not s[4:].isdigit() for s in specs):
            by_name = {t.get("tagname"): t.get("tagid") for t in self._call("tag/list").get("taglist", [])}
        tags = {}
        for spec in specs:
            ref = spec[4:]
            tagid = int(ref) if ref.isdigit() else by_name.get(ref)
            if tagid is None:
                tags[spec] = {"tagid": None, "users": [], "parties": []}
                continue
            data = self._call("tag/get", {"tagid": tagid})
            tags[spec] = {"tagid": int(tagid), "users": [str(u["userid"]) for u in data.get("userlist", [])],
                          "parties": [str(p) for p in data.get("partylist", [])]}
        return tags
