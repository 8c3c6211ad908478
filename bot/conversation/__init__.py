"""From one decrypted message to its answer: routing, multi-turn conversations, the handler context.

- ``inbound``: one callback's effect, exactly once, in one transaction (route, record, answer).
- ``router``: the registry of intents, cards, flows and jobs that ``handlers`` fill in.
- ``flows``: multi-turn conversations as persisted states, with a timeout and 取消.
- ``context``: the one ``Context`` every handler and job receives (who, what, when, how to send).
- ``replies``: answering in the HTTP response (passive replies) when that is allowed.
- ``menu``: the app's custom menu, whose click keys are intent names.

May import ``bot.config``, ``bot.org``, ``bot.outbox``, ``bot.text``, ``bot.messages``, ``models``;
never ``handlers`` (they register themselves with ``router.registry``).
"""
