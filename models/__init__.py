"""SQLAlchemy models. No Flask, no WeCom: only tables and the session."""
from models.acknowledgement import Acknowledgement
from models.approval import ApprovalDraft, ApprovalRequest, ApprovalStep
from models.audit import AuditEntry
from models.base import Base, utcnow
from models.card import CardCopy
from models.conversation import ConversationState
from models.document import Document
from models.emulator import EmulatorMessage
from models.evaluation import Commendation, Evaluation, SelfEvaluation
from models.inbound import InboundCallback
from models.incident import Incident
from models.mediation import MediationCase
from models.org import Department, Group, OrgState, Person
from models.outbox import NotificationLedger, OutboxAttachment, OutboxMessage, RecipientSend, SenderAction
from models.rotation import RotationRequest, RotationStep
from models.project import Project
from models.runtime import KeyValue, Lease
from models.suggestion import Suggestion

__all__ = [
    "ApprovalDraft", "ApprovalRequest", "ApprovalStep", "AuditEntry", "Base", "CardCopy", "ConversationState", "Department",
    "EmulatorMessage", "Group", "InboundCallback",
    "KeyValue", "Lease", "NotificationLedger", "OrgState", "OutboxMessage", "OutboxAttachment", "RecipientSend", "SenderAction", "Person",
    "utcnow",
    "Commendation", "Evaluation", "SelfEvaluation", "RotationRequest", "RotationStep",
    "Document", "Project",
    "Acknowledgement", "Incident", "MediationCase", "Suggestion",
]
