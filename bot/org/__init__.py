"""The org of P1: who is who, their group, their leader, who holds each role.

- ``directory``: ``OrgDirectory`` built from an ``OrgSnapshot`` (the org as stored) — the lookups
  every handler uses.
- ``store``: the org in the database as every process reads it: loaded once, cached, reloaded when
  it changes; seeded from the config at start-up.
- ``write``: writing a snapshot — only what changed, in bulk, saying what changed.
- ``contacts``: WeCom's address book as the org's source (``[org] source = "wecom"``): fetching it,
  mapping it to the org, applying ``change_contact`` events.

May import ``bot.config``, ``bot.wecom.client``, ``bot.outbox``, ``bot.text`` and ``models``; never
``handlers``.
"""
