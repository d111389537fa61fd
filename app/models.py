"""Imports every domain's models so that Base.metadata is complete for Alembic and tests."""

from app.accounts.models import AuthSession, Member, OneTimeToken
from app.agencies.models import Agency, AgencyDomain
from app.articles.models import (
    Article,
    ArticleAuthor,
    ArticleKeyword,
    ArticleParticipant,
    ArticleRevision,
    Comment,
)
from app.audit.models import AuditEvent
from app.db import Base
from app.digest.models import DigestDelivery, DigestExclusion, DigestSetting
from app.forum.models import (
    AccessGrant,
    Category,
    Post,
    PostRevision,
    ReadMark,
    Subscription,
    Thread,
    ThreadParticipant,
)
from app.groups.models import GroupMembership, MemberGroup
from app.mfa.models import ApiToken, KeyChallenge, KnownDevice, RecoveryCode, SecurityKey, TotpFactor
from app.notifications.models import Notification
from app.search.models import SearchDocument
from app.sitewide.models import SiteSetting

__all__ = [
    "DigestDelivery",
    "DigestExclusion",
    "DigestSetting",
    "Article",
    "ArticleAuthor",
    "ArticleKeyword",
    "ArticleParticipant",
    "ArticleRevision",
    "Comment",
    "AccessGrant",
    "Agency",
    "AgencyDomain",
    "AuditEvent",
    "AuthSession",
    "Base",
    "Category",
    "GroupMembership",
    "Member",
    "MemberGroup",
    "Notification",
    "OneTimeToken",
    "Post",
    "PostRevision",
    "ReadMark",
    "ApiToken",
    "KnownDevice",
    "RecoveryCode",
    "TotpFactor",
    "KeyChallenge",
    "SecurityKey",
    "SiteSetting",
    "SearchDocument",
    "Subscription",
    "Thread",
    "ThreadParticipant",
]
