"""Test databases: migrate once per session (per xdist worker), then hand every test a database
exactly as a fresh migration leaves it — without running Alembic again (0.3–0.5 s a test).

- SQLite: the session migrates one template file; each test gets a byte-for-byte copy of it.
- PostgreSQL (``TEST_DATABASE_URL``): each xdist worker gets its own database, named after the
  given one (``test_x`` → ``test_x_gw0``; without xdist the given database itself). The session
  migrates it and records what the migration left: the schema (a fingerprint of the catalogue),
  every row of every table, and the state of every sequence. Before each test the rows are
  deleted, the recorded ones put back and every sequence set back to its recorded state; if the
  schema differs from the recorded one (a test ran DDL), the schema is dropped and migrated anew.
  Copying a template database per test (``CREATE DATABASE … TEMPLATE``) would be as exact but
  cost 0.3–2.5 s a test on this machine; TRUNCATE costs ~1 s (a new file per table).
"""
from __future__ import annotations

import os
import shutil
from pathlib import Path

from sqlalchemy import MetaData, create_engine, pool, text
from sqlalchemy.engine import make_url

from models import migrate

# One line per schema object outside the system schemas, sorted: equal lines ⇔ equal schema.
FINGERPRINT = """
WITH user_ns AS (
    SELECT oid, nspname FROM pg_namespace
    WHERE nspname NOT IN ('pg_catalog', 'information_schema', 'pg_toast') AND nspname NOT LIKE 'pg_temp%'
      AND nspname NOT LIKE 'pg_toast_temp%'
), lines AS (
    SELECT 'ns ' || nspname AS line FROM user_ns
    UNION ALL
    SELECT format('rel %s.%s %s', n.nspname, c.relname, c.relkind)
    FROM pg_class c JOIN user_ns n ON n.oid = c.relnamespace
    UNION ALL
    SELECT format('col %s.%s %s %s %s %s %s %s', n.nspname, c.relname, a.attnum, a.attname,
                  format_type(a.atttypid, a.atttypmod), a.attnotnull, a.attidentity,
                  pg_get_expr(d.adbin, d.adrelid))
    FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid JOIN user_ns n ON n.oid = c.relnamespace
    LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
    WHERE a.attnum > 0 AND NOT a.attisdropped
    UNION ALL
    SELECT format('con %s.%s %s', n.nspname, co.conname, pg_get_constraintdef(co.oid))
    FROM pg_constraint co JOIN user_ns n ON n.oid = co.connamespace
    UNION ALL
    SELECT 'idx ' || pg_get_indexdef(i.indexrelid)
    FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid JOIN user_ns n ON n.oid = c.relnamespace
    UNION ALL
    SELECT format('seq %s %s %s %s %s %s', s.seqrelid::regclass, s.seqtypid::regtype, s.seqstart,
                  s.seqincrement, s.seqmax, s.seqmin) || ' ' || s.seqcycle
    FROM pg_sequence s JOIN pg_class c ON c.oid = s.seqrelid JOIN user_ns n ON n.oid = c.relnamespace
    UNION ALL
    SELECT format('type %s.%s %s %s', n.nspname, t.typname, t.typtype,
                  (SELECT string_agg(e.enumlabel, ',' ORDER BY e.enumsortorder) FROM pg_enum e
                   WHERE e.enumtypid = t.oid))
    FROM pg_type t JOIN user_ns n ON n.oid = t.typnamespace
    UNION ALL
    SELECT format('fn %s.%s %s', n.nspname, p.proname, md5(p.prosrc))
    FROM pg_proc p JOIN user_ns n ON n.oid = p.pronamespace
    UNION ALL
    SELECT 'trg ' || pg_get_triggerdef(tg.oid)
    FROM pg_trigger tg JOIN pg_class c ON c.oid = tg.tgrelid JOIN user_ns n ON n.oid = c.relnamespace
    WHERE NOT tg.tgisinternal
    UNION ALL
    SELECT format('view %s.%s %s', n.nspname, c.relname, md5(pg_get_viewdef(c.oid)))
    FROM pg_class c JOIN user_ns n ON n.oid = c.relnamespace WHERE c.relkind IN ('v', 'm')
)
SELECT line FROM lines ORDER BY line
"""


def worker_url(url: str, worker: str) -> str:
    """``url`` for xdist worker ``worker`` ("gw0", …; "master" without xdist): its own database."""
    if worker in ("", "master"):
        return url
    parsed = make_url(url)
    return parsed.set(database=f"{parsed.database}_{worker}").render_as_string(hide_password=False)


class SqliteTemplate:
    """One migrated SQLite file; ``fresh(path)`` copies it to ``path`` and returns the URL."""

    def __init__(self, folder: Path):
        self.path = folder / "migrated.db"
        migrate.upgrade(f"sqlite:///{self.path}")
        leftovers = [p.name for p in folder.iterdir() if p != self.path]
        assert not leftovers, f"the migration left {leftovers} beside the database file"

    def fresh(self, path: Path) -> str:
        for stale in (path.with_name(path.name + "-wal"), path.with_name(path.name + "-shm")):
            stale.unlink(missing_ok=True)  # SQLite would replay a stale WAL onto the copy
        shutil.copyfile(self.path, path)
        return f"sqlite:///{path}"


class PostgresTemplate:
    """A worker's PostgreSQL database, migrated once and put back to that state per test."""

    def __init__(self, url: str, maintenance_url: str):
        self.url = url
        if url != maintenance_url:
            _create_database(maintenance_url, make_url(url).database)
        self.engine = create_engine(url, pool_size=1, max_overflow=0)
        self.rebuild()

    def rebuild(self) -> None:
        """Drop every user schema, migrate from nothing, and record what the migration left."""
        self.engine.dispose()  # no connection of ours holds a lock on what is dropped
        with self.engine.begin() as conn:
            _drop_user_schemas(conn)
        migrate.upgrade(self.url)
        metadata = MetaData()
        with self.engine.connect() as conn:
            metadata.reflect(conn)
            self.fingerprint = _fingerprint(conn)
            self.tables = list(reversed(metadata.sorted_tables))  # children before parents
            self.rows = {t.name: [dict(r._mapping) for r in conn.execute(t.select())] for t in self.tables}
            self.sequences = {name: tuple(conn.execute(text(f'SELECT last_value, is_called FROM "{name}"')).one())
                              for (name,) in conn.execute(text(
                                  "SELECT sequencename FROM pg_sequences WHERE schemaname = 'public'"))}

    def fresh(self) -> str:
        """Put the database back as the migration left it; return its URL."""
        with self.engine.connect() as conn:  # one kept connection: a new one costs ~25 ms
            changed = _fingerprint(conn) != self.fingerprint
            conn.rollback()
            if not changed:
                with conn.begin():
                    conn.exec_driver_sql(";".join(f'DELETE FROM "{t.name}"' for t in self.tables))
                    for table in reversed(self.tables):  # parents before children
                        if self.rows[table.name]:
                            conn.execute(table.insert(), self.rows[table.name])
                    if self.sequences:
                        conn.exec_driver_sql("SELECT " + ", ".join(
                            f"setval('\"{name}\"', {value}, {str(called).lower()})"
                            for name, (value, called) in self.sequences.items()))
                return self.url
        self.rebuild()  # a test changed the schema: drop it and migrate anew
        return self.url

    def close(self) -> None:
        self.engine.dispose()


def _fingerprint(conn) -> list[str]:
    return list(conn.scalars(text(FINGERPRINT)))


def database_state(url: str) -> dict:
    """Everything a test could see in the database at ``url``: its schema, every row of every
    table (sorted) and, on PostgreSQL, every sequence's (last_value, is_called)."""
    engine = create_engine(url, poolclass=pool.NullPool)
    try:
        with engine.connect() as conn:
            metadata = MetaData()
            metadata.reflect(conn)
            rows = {t.name: sorted(map(repr, conn.execute(t.select()))) for t in metadata.sorted_tables}
            if engine.dialect.name == "sqlite":
                schema = sorted(map(tuple, conn.execute(text("SELECT type, name, sql FROM sqlite_master"))))
                return {"schema": schema, "rows": rows}
            sequences = {name: tuple(conn.execute(text(f'SELECT last_value, is_called FROM "{name}"')).one())
                         for (name,) in conn.execute(text("SELECT sequencename FROM pg_sequences"))}
            return {"schema": _fingerprint(conn), "rows": rows, "sequences": sequences}
    finally:
        engine.dispose()


def freshly_migrated_state(url: str, maintenance_url: str | None = None) -> dict:
    """Migrate an empty database at ``url`` (created on PostgreSQL if missing, every user schema
    dropped first) and return its ``database_state``: the reference a test's database must equal."""
    if maintenance_url:
        _create_database(maintenance_url, make_url(url).database)
        engine = create_engine(url, poolclass=pool.NullPool)
        with engine.begin() as conn:
            _drop_user_schemas(conn)
        engine.dispose()
    migrate.upgrade(url)
    return database_state(url)


def _drop_user_schemas(conn) -> None:
    for (schema,) in conn.execute(text(
            "SELECT nspname FROM pg_namespace WHERE nspname NOT IN ('pg_catalog', 'information_schema')"
            " AND nspname NOT LIKE 'pg_%'")):
        conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
    conn.execute(text("CREATE SCHEMA public"))


def _create_database(maintenance_url: str, name: str) -> None:
    engine = create_engine(maintenance_url, poolclass=pool.NullPool, isolation_level="AUTOCOMMIT")
    try:
        with engine.connect() as conn:
            if not conn.scalar(text("SELECT 1 FROM pg_database WHERE datname = :n"), {"n": name}):
                conn.exec_driver_sql(f'CREATE DATABASE "{name}"')
    finally:
        engine.dispose()


def worker_id() -> str:
    """The xdist worker running this process ("gw0", …), or "master"."""
    return os.environ.get("PYTEST_XDIST_WORKER", "master")
