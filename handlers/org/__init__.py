"""The org from WeCom's address book (P1): ``org sync`` and the nightly ``org_sync`` job
(``sync``), ``change_contact`` callbacks (``events``), the hand-over of a leaver's, mover's or
role-loser's open work (``handover``), and of an approver WeCom cannot reach (``unreachable``)."""
from handlers.org import events, sync, unreachable  # noqa: F401
