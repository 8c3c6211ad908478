"""Messages out: written with the change that causes them, delivered once, paced as WeCom allows.

- ``writer``: the transactional outbox (``enqueue_text``, ``enqueue_card``, …) — rows committed in
  the handler's own transaction.
- ``dispatcher``: delivers committed rows to WeCom exactly once (leases, retries, partial delivery).
- ``pacing``: per-person limits (30 a minute, 1,000 an hour per app and member).
- ``attachments``: files built when they are delivered, not when asked for.

May import ``bot.config``, ``bot.wecom.client``, ``bot.logs`` and ``models``; never ``handlers``.
"""
