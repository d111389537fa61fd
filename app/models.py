"""Imports every domain's models so that Base.metadata is complete for Alembic and tests."""

from app.accounts.models import AuthSession, Member, OneTimeToken
from app.agencies.models import Agency, AgencyDomain
from app.audit.models import AuditEvent
from app.db import Base

__all__ = ["Agency", "AgencyDomain", "AuditEvent", "AuthSession", "Base", "Member", "OneTimeToken"]
