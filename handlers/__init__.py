"""The policy, one package (or module) per area. Importing this package registers every handler,
card, flow and job with ``bot.conversation.router.registry``; ``app.py`` does that and hands the registry to
the runtime, so the plumbing in ``bot/`` never imports the policy.

| area | clauses | where |
|---|---|---|
| help, identity, strangers | P1 | ``general`` |
| approvals: requests, chains, cards, reminders | P3, P4, P5 | ``approvals/`` |
| meetings, minutes, decisions | P9, P11, P12 | ``meetings/`` |
| cross-department weekly sync | P18 | ``sync/`` |
| notices | P17 | ``notices`` |
| the managers' weekly digest | P0 | ``digest`` |
| weekly, monthly and annual reports | P10 | ``reports/`` |
| rotation, self-evaluations, quarterly reviews, promotion | P2, P13, P14 | ``people/`` |
| projects: kickoff, reviews, acceptance | P6 | ``projects/`` |
| documents: naming, filing, sensitive files | P7, P8 | ``documents/`` |
| the org from WeCom's address book, leavers' hand-over | P1 | ``org/`` |
| urgent messages acknowledged with 收到 | P17 | ``acks`` |
| data-leak incidents, the quarterly audit | P15, P16 | ``compliance/`` |
| conflicts (mediation, arbitration), suggestions | P19, P20 | ``voice/`` |

The import order below is the order of 帮助 and of ties between equally long keywords.
"""
from handlers import general  # noqa: F401
from handlers import approvals  # noqa: F401
from handlers import meetings  # noqa: F401
from handlers import sync  # noqa: F401
from handlers import notices  # noqa: F401
from handlers import digest  # noqa: F401
from handlers import reports  # noqa: F401
from handlers import people  # noqa: F401
from handlers import projects  # noqa: F401
from handlers import documents  # noqa: F401
from handlers import org  # noqa: F401
from handlers import acks  # noqa: F401
from handlers import compliance  # noqa: F401
from handlers import voice  # noqa: F401
