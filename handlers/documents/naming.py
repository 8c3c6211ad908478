"""The P7 file name: project name, date and version, e.g. ``数据平台项目-2026年11月-1.0版.docx``.

Pure functions. The date may be written ``2026年11月``, ``202611`` or ``2026-11`` (a day may
follow); the version ``1.0版``, ``v1.2`` or ``V2``. The project is a registered project whose
name starts the file name, or else the first part of the name when it ends with 项目.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field

from bot.text.names import one_line
from models.document import PROJECT_NAME_LENGTH
from models.project import PROJECT_SUFFIX, project_key

MAX_NAME = 200  # characters of the whole name (the column holds 255)
_EXTENSION = re.compile(r"\.[0-9A-Za-z]{1,8}$")
_DATE = re.compile(
    r"(?<!\d)(?:(?P<y1>20\d{2})\s*年\s*(?P<m1>\d{1,2})\s*月(?:\s*\d{1,2}\s*[日号])?"
    r"|(?P<y2>20\d{2})[-_./](?P<m2>\d{1,2})(?:[-_./]\d{1,2}(?![\d.]))?(?![\d.])"
    r"|(?P<y3>20\d{2})(?P<m3>0[1-9]|1[0-2])(?:\d{2})?(?!\d))")
_VERSION = re.compile(r"(?<![A-Za-z0-9.])(?:[vV]\s*(?P<v1>\d{1,3}(?:\.\d{1,3}){0,3})|(?P<v2>\d{1,3}(?:\.\d{1,3}){0,3})\s*版)"
                      r"(?![\d.])")
_SEPARATORS = re.compile(r"[\s\-_—–·.，,、]+")
_PATH = re.compile(r"[/\\\\]")
_BARE_YEAR = re.compile(r"(?<!\d)20\d{2}(?!\d)")
_MARKUP = re.compile(r"[<>\[\]{}()#`*|~\"'^$:;!?=&%@+]")  # symbols an example never copies


@dataclass
class NameCheck:
    """What a file name says: project, period (2026-11), version, the rest (title), what is missing."""

    filename: str
    extension: str = ""
    project: str = ""
    period: str = ""
    version: str = ""
    title: str = ""
    missing: list[str] = field(default_factory=list)  # "project", "date", "month", "version", "length", "project_length"
    bad_month: str = ""  # the month written when it is not 1–12 (2026年13月)
    year: str = ""  # a bare year in the name (v2-2026) when there is no date
    version_written: str = ""  # the version as written: "v1.2", "V2" or "1.0版"

    @property
    def ok(self) -> bool:
        return not self.missing


def normalise_project(name: str) -> str:
    """For matching: no spaces, lower case, no trailing 项目 (数据平台项目 ≙ 数据平台)."""
    return project_key(name)


def split_extension(filename: str) -> tuple[str, str]:
    """("数据平台项目-2026年11月-1.0版", ".docx"); a dot inside 「1.0版」 is not an extension."""
    match = _EXTENSION.search(filename)
    return (filename[:match.start()], match.group(0)) if match else (filename, "")


def check_name(filename: str, projects: list[str] | tuple[str, ...] = ()) -> NameCheck:
    """Check ``filename`` against P7; ``projects`` are the registered project names."""
    name = basename(filename)
    stem, extension = split_extension(name)
    check = NameCheck(filename=name, extension=extension)
    if len(name) > MAX_NAME:
        check.missing.append("length")
        return check
    date = _DATE.search(stem)
    if date:
        year, month = next((date[f"y{i}"], date[f"m{i}"]) for i in (1, 2, 3) if date[f"y{i}"])
        if 1 <= int(month) <= 12:
            check.period = f"{year}-{int(month):02d}"
        else:
            check.bad_month, check.year = month, year
        stem = stem[:date.start()] + " " + stem[date.end():]
    version = _VERSION.search(stem)
    if version:
        check.version = version["v1"] or version["v2"]
        check.version_written = re.sub(r"\s+", "", version.group(0))
        stem = stem[:version.start()] + " " + stem[version.end():]
    if not date:
        year = _BARE_YEAR.search(stem)
        if year:  # 「v2-2026」: a year without its month is not a date, and not part of the title
            check.year = year.group(0)
            stem = stem[:year.start()] + " " + stem[year.end():]
    check.project, check.title = _project(stem, projects)
    if len(check.project) > PROJECT_NAME_LENGTH:  # what the column holds, on every database
        check.missing.append("project_length")
        return check
    for part, value in (("project", check.project), ("date", check.period), ("version", check.version)):
        if not value:
            check.missing.append("month" if part == "date" and check.bad_month else part)
    return check


def _project(rest: str, projects) -> tuple[str, str]:
    """(project, title) from the name without its date and version."""
    compact = re.sub(r"\s+", "", rest)
    registered = sorted(projects, key=lambda p: -len(normalise_project(p)))
    for project in registered:
        key = normalise_project(project)
        if key and compact.lower().startswith(key):
            title = compact[len(key):]
            if title.startswith(PROJECT_SUFFIX):
                title = title[len(PROJECT_SUFFIX):]
            return compact[:len(key)] + (PROJECT_SUFFIX if compact[len(key):].startswith(PROJECT_SUFFIX) else ""), \
                _SEPARATORS.sub("-", title).strip("-")
    parts = [p for p in _SEPARATORS.split(rest) if p]
    if parts and parts[0].endswith(PROJECT_SUFFIX) and len(parts[0]) > len(PROJECT_SUFFIX):
        return parts[0], "-".join(parts[1:])
    return "", "-".join(parts)


def basename(filename: str) -> str:
    """The file's own name: only what follows the last / or \\ counts, without leading dots or spaces
    (「..\\..\\evil项目-….docx」 → 「evil项目-….docx」), on one line and without invisible characters
    (a right-to-left override would show 「…\u202ecod.exe」 as 「…exe.doc」)."""
    return _PATH.split(one_line(filename))[-1].lstrip(". \t").strip()


def example_period(check: NameCheck, year: int, month: int) -> tuple[int, int]:
    """The (year, month) an example uses: the sender's date, else their bare year, else now."""
    if check.period:
        return int(check.period[:4]), int(check.period[5:])
    return (int(check.year), month) if check.year else (year, month)


def good_example(check: NameCheck, year: int, month: int, projects=()) -> str:
    """A name that passes, built from what the sender wrote: their project and title where they gave
    them (markup symbols dropped; a part ending with 项目 moves to the front), their date and version."""
    parts = [p for p in _SEPARATORS.split(_MARKUP.sub("", check.title)) if p]
    project = _MARKUP.sub("", check.project)
    if not project:
        named = next((p for p in parts if p.endswith(PROJECT_SUFFIX) and len(p) > len(PROJECT_SUFFIX)), "")
        project = named or (f"{normalise_project(projects[0])}{PROJECT_SUFFIX}" if projects else "数据平台项目")
        parts = [p for p in parts if p != named]
    title = "".join(f"-{p}" for p in parts)
    year, month = example_period(check, year, month)
    version = check.version_written if check.version_written[:1] in ("v", "V") else \
        f"{check.version}版" if check.version else "1.0版"
    return f"{project}{title}-{year}年{month}月-{version}{check.extension}"
