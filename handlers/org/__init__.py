"""The org from WeCom's address book (P1): ``org sync`` and the nightly ``org_sync`` job
(``sync``), ``change_contact`` callbacks (``events``), and the hand-over of a leaver's or
mover's open work (``handover``)."""
from handlers.org import events, sync  # noqa: F401
