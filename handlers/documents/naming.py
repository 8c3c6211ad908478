"""The P7 file name: project name, date and version, e.g. ``数据平台项目-2026年11月-1.0版.docx``.

Pure functions. The date may be written ``2026年11月``, ``202611`` or ``2026-11`` (a day may
follow); the version ``1.0版``, ``v1.2`` or ``V2``. The project is a registered project whose
name starts the file name, or else the first part of the name when it ends with 项目.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import PurePosixPath

from models.project import PROJECT_SUFFIX, project_key

MAX_NAME = 200
_EXTENSION = re.compile(r"\.[0-9A-Za-z]{1,8}$")
_DATE = re.compile(
    r"(?<!\d)(?:(?P<y1>20\d{2})\s*年\s*(?P<m1>\d{1,2})\s*月(?:\s*\d{1,2}\s*[日号])?"
    r"|(?P<y2>20\d{2})[-_./](?P<m2>\d{1,2})(?:[-_./]\d{1,2}(?![\d.]))?(?![\d.])"
    r"|(?P<y3>20\d{2})(?P<m3>0[1-9]|1[0-2])(?:\d{2})?(?!\d))")
_VERSION = re.compile(r"(?<![A-Za-z0-9.])(?:[vV]\s*(?P<v1>\d{1,3}(?:\.\d{1,3}){0,3})|(?P<v2>\d{1,3}(?:\.\d{1,3}){0,3})\s*版)"
                      r"(?![\d.])")
_SEPARATORS = re.compile(r"[\s\-_—–·.，,、]+")


@dataclass
class NameCheck:
    """What a file name says: project, period (2026-11), version, the rest (title), what is missing."""

    filename: str
    extension: str = ""
    project: str = ""
    period: str = ""
    version: str = ""
    title: str = ""
    missing: list[str] = field(default_factory=list)  # of "project", "date", "version", "length"

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
    name = PurePosixPath(filename.replace("\\", "/")).name.strip()
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
        stem = stem[:date.start()] + " " + stem[date.end():]
    version = _VERSION.search(stem)
    if version:
        check.version = version["v1"] or version["v2"]
        stem = stem[:version.start()] + " " + stem[version.end():]
    check.project, check.title = _project(stem, projects)
    for part, value in (("project", check.project), ("date", check.period), ("version", check.version)):
        if not value:
            check.missing.append(part)
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


def good_example(check: NameCheck, year: int, month: int, projects=()) -> str:
    """A name that passes, built from what the sender wrote: their project and title where they gave them."""
    project = check.project or (f"{normalise_project(projects[0])}{PROJECT_SUFFIX}" if projects else "数据平台项目")
    title = f"-{check.title}" if check.title else ""
    period = f"{check.period[:4]}年{int(check.period[5:])}月" if check.period else f"{year}年{month}月"
    version = f"{check.version}版" if check.version else "1.0版"
    return f"{project}{title}-{period}-{version}{check.extension}"
