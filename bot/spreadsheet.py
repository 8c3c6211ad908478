"""Spreadsheets (xlsx) for results too big for a chat message: one summary message plus a file.

User text goes into cells as text, never as a formula: a report that starts with ``=`` stays the
characters it was; invisible and illegal characters are dropped (``bot.text.quoting.sheet_cell``).
"""
from __future__ import annotations

import io
from typing import Iterable, Sequence

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell

from bot.text.quoting import sheet_cell

CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _cell(sheet, value):
    if isinstance(value, str):
        value = sheet_cell(value)
        cell = WriteOnlyCell(sheet, value=value)
        cell.data_type = "s"  # never a formula, whatever the text starts with
        return cell
    return WriteOnlyCell(sheet, value=value)


def workbook_bytes(sheets: Iterable[tuple[str, Sequence[str], Iterable[Sequence]]],
                   widths: dict[str, Sequence[int]] | None = None) -> bytes:
    """An xlsx file from ``(title, header, rows)`` per sheet; ``widths`` gives column widths (in
    characters) per sheet title. Values: str, int, float, datetime or None."""
    book = Workbook(write_only=True)
    for title, header, rows in sheets:
        sheet = book.create_sheet(title=title[:31])
        for index, width in enumerate((widths or {}).get(title, ())):
            sheet.column_dimensions[chr(ord("A") + index)].width = width
        sheet.append([_cell(sheet, h) for h in header])
        for row in rows:
            sheet.append([_cell(sheet, v) for v in row])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
