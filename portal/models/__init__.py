"""The portal's tables. Import models from here."""

from portal.models.accounts import (
    AuthSession,
    CandidateProfile,
    Role,
    TokenPurpose,
    User,
    UserToken,
)
from portal.models.audit import AuditEntry
from portal.models.base import Base, utcnow
from portal.models.engagement import (
    ACTIVITY_KINDS,
    CandidateStatus,
    EngagementEvent,
    EventKind,
    MailPreference,
    PulseResponse,
    RecruiterDigest,
    Status,
    WorkerJob,
)
from portal.models.integrations import (
    ApiToken,
    DeliveryStatus,
    WebhookAttempt,
    WebhookEndpoint,
    WebhookEventType,
    WebhookMessage,
)
from portal.models.mail import EmailAttachment, EmailStatus, OutgoingEmail
from portal.models.messages import FaqEntry, Message, ThreadRead
from portal.models.news import Feed, FeedEntry, NewsRead
from portal.models.timeline import CandidateMilestone, MilestoneTemplate

__all__ = [
    "ACTIVITY_KINDS",
    "ApiToken",
    "CandidateStatus",
    "DeliveryStatus",
    "EngagementEvent",
    "EventKind",
    "MailPreference",
    "PulseResponse",
    "RecruiterDigest",
    "Status",
    "WebhookAttempt",
    "WebhookEndpoint",
    "WebhookEventType",
    "WebhookMessage",
    "WorkerJob",
    "AuditEntry",
    "AuthSession",
    "Base",
    "CandidateMilestone",
    "CandidateProfile",
    "EmailAttachment",
    "EmailStatus",
    "FaqEntry",
    "Feed",
    "FeedEntry",
    "Message",
    "MilestoneTemplate",
    "NewsRead",
    "OutgoingEmail",
    "Role",
    "ThreadRead",
    "TokenPurpose",
    "User",
    "UserToken",
    "utcnow",
]
