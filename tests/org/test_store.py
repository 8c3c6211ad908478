"""The org in the database (P1): written from the config only when it changed, in bulk; safe when
several processes start at once; every process sees a change without a restart."""
import dataclasses
import threading

from sqlalchemy import event, func, select

from app import build_runtime
from bot.org.store import OrgStore, seed_org
from models import OrgState, Person
from models.db import make_engine, make_session_factory


def _writes(engine) -> list[str]:
    seen = []

    def record(_conn, _cursor, statement, _params, _context, _executemany):
        if statement.lstrip().upper().startswith(("INSERT", "UPDATE", "DELETE")):
            seen.append(statement)
    event.listen(engine, "before_cursor_execute", record)
    return seen


def _renamed(settings, userid: str, name: str):
    people = tuple({**p, "name": name} if p["userid"] == userid else p for p in settings.org.people)
    return dataclasses.replace(settings, org=dataclasses.replace(settings.org, people=people))


def test_the_org_is_written_once_and_not_again_when_the_config_is_unchanged(make_settings):
    settings = make_settings()
    first = build_runtime(settings)  # writes the demo org
    try:
        with first.session_factory() as s:
            assert s.scalar(select(func.count()).select_from(Person)) == len(settings.org.people)
            version = s.get(OrgState, 1).version
        engine = make_engine(settings.database_url)
        writes = _writes(engine)
        assert seed_org(make_session_factory(engine), settings) is False
        assert writes == []  # issue 16: an unchanged [org] costs one read, no merge per person
        engine.dispose()
        with first.session_factory() as s:
            assert s.get(OrgState, 1).version == version
    finally:
        first.close()


def test_a_changed_config_writes_only_the_changed_row_and_every_process_sees_it(make_settings):
    settings = make_settings()
    serving = build_runtime(settings)
    try:
        serving.org_store.check_interval = 0  # another process: re-reads the version on every access
        assert serving.org.name("zhangsan") == "张三"
        engine = make_engine(settings.database_url)
        writes = _writes(engine)
        assert seed_org(make_session_factory(engine), _renamed(settings, "zhangsan", "张三丰")) is True
        engine.dispose()
        people_writes = [w for w in writes if "people" in w]
        assert len(people_writes) == 1 and people_writes[0].lstrip().upper().startswith("UPDATE")
        assert serving.org.name("zhangsan") == "张三丰"  # no restart
    finally:
        serving.close()


def test_someone_removed_from_the_config_is_inactive_and_keeps_their_name(make_settings):
    settings = make_settings()
    runtime = build_runtime(settings)
    try:
        people = tuple(p for p in settings.org.people if p["userid"] != "zhouba")
        smaller = dataclasses.replace(settings, org=dataclasses.replace(settings.org, people=people))
        assert seed_org(runtime.session_factory, smaller)
        assert runtime.org.get("zhouba") is None  # no longer acts
        assert runtime.org.name("zhouba") == "周八"  # history keeps the name
        with runtime.session_factory() as s:
            assert s.get(Person, "zhouba").active is False
    finally:
        runtime.close()


def test_processes_seeding_an_empty_database_at_once_do_not_collide(make_settings):
    """Issue 9: gunicorn workers booting together on a fresh database (no UniqueViolation)."""
    settings = make_settings()
    engines = [make_engine(settings.database_url) for _ in range(4)]
    results, errors = [], []
    barrier = threading.Barrier(len(engines))

    def boot(engine):
        try:
            barrier.wait()
            results.append(seed_org(make_session_factory(engine), settings))
        except Exception as exc:  # noqa: BLE001 — any failure is the bug
            errors.append(exc)
    threads = [threading.Thread(target=boot, args=(e,)) for e in engines]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert errors == []
    assert results.count(True) == 1 and results.count(False) == 3
    store = OrgStore(make_session_factory(engines[0]))
    assert store.current().director_id == "wangzong"
    for engine in engines:
        engine.dispose()
