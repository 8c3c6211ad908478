"""The plumbing under the policy: everything that is not a policy clause.

Packages, by what each part is for:
- ``wecom``: WeCom itself — the callback edge, the API client, cards, each API family.
- ``conversation``: from a message to its answer — inbound, router, flows, context, replies, menu.
- ``outbox``: messages out — writing, delivering, pacing, attachments.
- ``org``: the org of P1 as stored, its cache and writer, and WeCom's address book.
- ``text``: how people write — numbers, money, dates, working days, typos, quoting.
- ``config``: settings, one module per section.
- ``emulator``: the built-in WeCom (API and chat page) for the demo and the tests.

Modules at this level: ``runtime`` (what a process shares), ``logs``, ``messages`` (shared user
texts), ``spreadsheet``, ``demo_server``. Nothing in ``bot`` imports ``handlers``: ``app.py``
composes the two.
"""
