"""The suite's own guarantee (tests/databases.py): every test starts on a database exactly as a
fresh migration leaves it — schema, rows and sequences — whatever the test before it wrote,
although migrations run once per session. Compared with a database migrated here from nothing."""
from __future__ import annotations

import pytest
from sqlalchemy import create_engine, pool, text
from sqlalchemy.engine import make_url

from tests.conftest import GIVEN_PG_URL, PG_URL
from tests.databases import database_state, freshly_migrated_state


@pytest.fixture
def reference(tmp_path) -> dict:
    """The state of a database migrated from nothing, by Alembic, in this test."""
    if PG_URL:
        url = make_url(PG_URL)
        scratch = url.set(database=f"{url.database}_reference").render_as_string(hide_password=False)
        return freshly_migrated_state(scratch, GIVEN_PG_URL)
    return freshly_migrated_state(f"sqlite:///{tmp_path / 'reference.db'}")


def _write(bot, url: str, ddl: bool) -> None:
    """What a test may leave behind: rows through the public path, rows and sequence steps in SQL."""
    bot.say("zhangsan", "我是谁")
    bot.wait_messages("zhangsan")
    bot.stop()
    engine = create_engine(url, poolclass=pool.NullPool)
    with engine.begin() as conn:
        conn.execute(text("INSERT INTO kv_store (key, value) VALUES ('left', 'behind')"))
        conn.execute(text("DELETE FROM alembic_version"))
        if ddl:
            conn.execute(text("CREATE TABLE left_behind (id INTEGER PRIMARY KEY)"))
            conn.execute(text("CREATE INDEX ix_kv_store_value ON kv_store (value)"))
    engine.dispose()


@pytest.mark.parametrize("ddl", [False, True], ids=["rows", "rows-and-schema"])
def test_the_next_test_sees_none_of_a_tests_writes(start_bot, db_url, fresh_database, reference, ddl):
    assert database_state(db_url) == reference  # what this test starts on
    _write(start_bot(), db_url, ddl)
    written = database_state(db_url)
    assert written != reference and written["rows"]["kv_store"] == ["('left', 'behind', None)"]
    if PG_URL:
        assert written["sequences"] != reference["sequences"]  # the callback took an id

    next_url = fresh_database()  # what db_url gives the next test
    assert database_state(next_url) == reference
