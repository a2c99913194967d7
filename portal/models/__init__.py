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
from portal.models.mail import EmailStatus, OutgoingEmail

__all__ = [
    "AuditEntry",
    "AuthSession",
    "Base",
    "CandidateProfile",
    "EmailStatus",
    "OutgoingEmail",
    "Role",
    "TokenPurpose",
    "User",
    "UserToken",
    "utcnow",
]
