"""Files built when they are delivered, not when they are asked for.

A handler that answers with a big file (every report of the department as a spreadsheet) would
spend seconds inside WeCom's 5-second callback window building it. Instead it queues
``ctx.send_built_file(to, "reports.summary", args)``; the outbox dispatcher calls the builder
registered under that name (in a read-only transaction, so SQLite writers are not held up),
stores the bytes with the row and uploads them. Builders are registered by the policy code
(``@attachment("reports.summary")``), as handlers are; the plumbing never imports them.
"""
from __future__ import annotations

from typing import Any, Callable

# name → builder(ctx, args) -> (filename, data, content type)
BUILDERS: dict[str, Callable[[Any, dict], tuple[str, bytes, str]]] = {}


def attachment(name: str):
    """Register ``func(ctx, args) -> (filename, bytes, content_type)`` under ``name``."""
    def register(func):
        BUILDERS[name] = func
        return func
    return register


def build(name: str, ctx, args: dict) -> tuple[str, bytes, str]:
    """Run the builder ``name``; KeyError when nothing is registered under it."""
    return BUILDERS[name](ctx, args)
