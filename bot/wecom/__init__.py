"""WeCom itself: the callback edge, the API client, cards and their copies.

- ``callback``: the callback endpoint — verify the signature, decrypt, check the shape, dedupe,
  hand the message to ``bot.conversation.inbound`` and answer fast (passive replies, doc 96469).
- ``client``: the API client on wechatpy's ``WeChatClient`` (tokens, errors, retries, media) plus
  what wechatpy lacks.
- ``cards``: template-card builders checked against WeCom's limits; ``card_copies``: every copy of a
  decision's card, settled when the decision is made.

Each WeCom API family this product uses gets its own module here. May import ``bot.config``,
``bot.messages``, ``bot.logs``, ``bot.conversation`` (the callback hands messages on) and ``models``;
never ``handlers``.
"""
