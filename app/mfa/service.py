"""Second factors: authenticator apps, security keys and passkeys, recovery codes, and checking
any of them at sign-in.

A stolen password alone must not open an account that has a second factor: every way in (the
sign-in form, the token endpoint, a password reset) asks for it.
"""

from __future__ import annotations

import secrets
import time
from datetime import timedelta

import pyotp
from sqlalchemy import delete, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from app.accounts.models import Member
from app.audit import service as audit_service
from app.config import Settings
from app.context import RequestContext
from app.db import utcnow
from app.errors import InvalidInput
from app.mail import service as mail_service
from app.mfa import keys
from app.mfa.keys import KeyAnswer
from app.mfa.models import KnownDevice, RecoveryCode, SecurityKey, TotpFactor
from app.security import passwords, secretbox, tokens

SEAL_PURPOSE = "totp secrets"
STEP_SECONDS = 30
RECOVERY_CODES = 10
RECOVERY_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"
PENDING_PURPOSE = "second-factor"
PENDING_MINUTES = 5


class SecondFactorFailed(InvalidInput):
    def __init__(self, message: str = "That code is not right, or was already used.") -> None:
        super().__init__(message, field="code")


def _current_step() -> int:
    return int(time.time()) // STEP_SECONDS


def _normalise(code: str) -> str:
    return "".join(c for c in code.lower() if c.isalnum())


def _secret(factor: TotpFactor, settings: Settings) -> str:
    return secretbox.open_sealed(settings.secret_key, SEAL_PURPOSE, factor.sealed_secret)


def provisioning_uri(secret: str, member: Member, settings: Settings) -> str:
    return pyotp.TOTP(secret).provisioning_uri(name=member.email, issuer_name=settings.site_name)


async def factor_of(db: AsyncSession, member: Member) -> TotpFactor | None:
    return await db.get(TotpFactor, member.id)


async def has_app(db: AsyncSession, member: Member) -> bool:
    factor = await factor_of(db, member)
    return factor is not None and factor.confirmed_at is not None


async def begin_enrolment(db: AsyncSession, member: Member, settings: Settings) -> str:
    """A new seed, not yet in force: it replaces an unconfirmed one, never a confirmed one."""
    factor = await factor_of(db, member)
    if factor is not None and factor.confirmed_at is not None:
        raise InvalidInput("An authenticator app is already set up; remove it first.")
    secret = pyotp.random_base32()
    sealed = secretbox.seal(settings.secret_key, SEAL_PURPOSE, secret)
    if factor is None:
        db.add(TotpFactor(member_id=member.id, sealed_secret=sealed))
    else:
        factor.sealed_secret = sealed
    await db.flush()
    return secret


async def pending_secret(db: AsyncSession, member: Member, settings: Settings) -> str | None:
    factor = await factor_of(db, member)
    if factor is None or factor.confirmed_at is not None:
        return None
    return _secret(factor, settings)


async def _accept_totp(db: AsyncSession, factor: TotpFactor, code: str, settings: Settings) -> bool:
    """Within one step either side of now, and only a step newer than the last one accepted. The
    step is recorded by a conditional UPDATE, so two requests racing with the same code cannot
    both pass."""
    code = _normalise(code)
    if len(code) != 6 or not code.isdigit():
        return False
    totp = pyotp.TOTP(_secret(factor, settings))
    now = _current_step()
    for step in (now - 1, now, now + 1):
        if step > factor.last_step and secrets.compare_digest(totp.at(step * STEP_SECONDS), code):
            taken = await db.execute(
                update(TotpFactor)
                .where(TotpFactor.member_id == factor.member_id, TotpFactor.last_step < step)
                .values(last_step=step)
                .execution_options(synchronize_session=False)
            )
            if taken.rowcount != 1:
                return False
            await db.refresh(factor, ["last_step"])
            return True
    return False


async def confirm_enrolment(db: AsyncSession, member: Member, code: str, ctx: RequestContext) -> list[str]:
    factor = await factor_of(db, member)
    if factor is None or factor.confirmed_at is not None:
        raise InvalidInput("Start setting up the authenticator app again.")
    if not await _accept_totp(db, factor, code, ctx.settings):
        raise SecondFactorFailed("That code does not match; check the time on your phone and try again.")
    factor.confirmed_at = utcnow()
    member.second_factor_at = factor.confirmed_at
    codes = await replace_recovery_codes(db, member)
    await audit(db, ctx, member, "auth.second_factor_added")
    notify(db, ctx, member, "An authenticator app was added to your account")
    return codes


async def replace_recovery_codes(db: AsyncSession, member: Member) -> list[str]:
    await db.execute(delete(RecoveryCode).where(RecoveryCode.member_id == member.id))
    codes = []
    for _ in range(RECOVERY_CODES):
        raw = "".join(secrets.choice(RECOVERY_ALPHABET) for _ in range(10))
        codes.append(f"{raw[:5]}-{raw[5:]}")
        db.add(RecoveryCode(member_id=member.id, code_hash=tokens.sha256_hex(raw)))
    await db.flush()
    return codes


async def unused_recovery_codes(db: AsyncSession, member: Member) -> int:
    query = select(func.count(RecoveryCode.id)).where(
        RecoveryCode.member_id == member.id, RecoveryCode.used_at.is_(None)
    )
    return await db.scalar(query) or 0


async def remove(db: AsyncSession, member: Member, ctx: RequestContext) -> None:
    await db.execute(delete(TotpFactor).where(TotpFactor.member_id == member.id))
    await audit(db, ctx, member, "auth.second_factor_removed")
    notify(db, ctx, member, "The authenticator app was removed from your account")
    await _forget_factor_if_none_left(db, member)


async def _forget_factor_if_none_left(db: AsyncSession, member: Member) -> None:
    """Recovery codes stand in for a factor; with none left they would be a factor of their own."""
    await db.flush()
    has_app = await db.scalar(
        select(TotpFactor.member_id).where(
            TotpFactor.member_id == member.id, TotpFactor.confirmed_at.is_not(None)
        )
    )
    has_key = await db.scalar(select(SecurityKey.id).where(SecurityKey.member_id == member.id).limit(1))
    if has_app is None and has_key is None:
        await db.execute(delete(RecoveryCode).where(RecoveryCode.member_id == member.id))
        member.second_factor_at = None
        await db.flush()


async def add_key(
    db: AsyncSession, member: Member, name: str, answer: KeyAnswer, ctx: RequestContext
) -> list[str] | None:
    """Returns fresh recovery codes when the key is the account's first factor."""
    key = await keys.register(db, member, name, answer, ctx.settings)
    codes = None
    if member.second_factor_at is None:
        member.second_factor_at = utcnow()
        codes = await replace_recovery_codes(db, member)
    await audit(db, ctx, member, "auth.security_key_added")
    notify(db, ctx, member, f"A security key ({key.name}) was added to your account")
    return codes


async def remove_key(db: AsyncSession, member: Member, key_id: int, ctx: RequestContext) -> None:
    key = await keys.delete_key(db, member, key_id)
    await audit(db, ctx, member, "auth.security_key_removed")
    notify(db, ctx, member, f"The security key {key.name} was removed from your account")
    await _forget_factor_if_none_left(db, member)


async def sign_in_with_passkey(db: AsyncSession, answer: KeyAnswer, ctx: RequestContext) -> Member:
    """A passkey that verified its owner (PIN, fingerprint, face) proves what they have and what
    they know or are, so it stands for password and second factor together."""
    await ctx.limiter.hit(ctx.settings.rate_sign_in_per_address, "sign-in-ip", ctx.ip or "-")
    key = await keys.verify(db, None, keys.PASSWORDLESS, answer, ctx.settings)
    member = await db.get(Member, key.member_id)
    if member is None:
        raise keys.KeyFailed
    await audit(db, ctx, member, "auth.passkey_used")
    return member


async def _use_recovery_code(db: AsyncSession, member: Member, code: str, ctx: RequestContext) -> bool:
    raw = _normalise(code)
    if len(raw) != 10:
        return False
    used = await db.execute(
        update(RecoveryCode)
        .where(
            RecoveryCode.member_id == member.id,
            RecoveryCode.code_hash == tokens.sha256_hex(raw),
            RecoveryCode.used_at.is_(None),
        )
        .values(used_at=utcnow())
    )
    if used.rowcount != 1:
        return False
    await audit(db, ctx, member, "auth.recovery_code_used")
    notify(db, ctx, member, "A recovery code was used to sign in to your account")
    return True


async def check(
    db: AsyncSession, member: Member, code: str, ctx: RequestContext, key: KeyAnswer | None = None
) -> None:
    """A security key's answer, an authenticator code or an unused recovery code. Attempts are
    limited like passwords, and each failure is in the audit log. Raises SecondFactorFailed or
    KeyFailed."""
    await ctx.limiter.hit(ctx.settings.rate_second_factor_per_address, "2fa-ip", ctx.ip or "-")
    await ctx.limiter.hit(ctx.settings.rate_second_factor_per_account, "2fa-account", str(member.id))
    if key is not None:
        try:
            await keys.verify(db, member, keys.SECOND_FACTOR, key, ctx.settings)
        except keys.KeyFailed:
            await audit(db, ctx, member, "auth.second_factor_failed", by_member=False)
            raise
        return
    factor = await factor_of(db, member)
    confirmed = factor is not None and factor.confirmed_at is not None
    if confirmed and factor is not None and await _accept_totp(db, factor, code, ctx.settings):
        await db.flush()
        return
    if await _use_recovery_code(db, member, code, ctx):
        return
    await audit(db, ctx, member, "auth.second_factor_failed", by_member=False)
    raise SecondFactorFailed


async def confirm_identity(
    db: AsyncSession,
    member: Member,
    password: str,
    code: str | None,
    ctx: RequestContext,
    key: KeyAnswer | None = None,
) -> None:
    """Before a change to how the account is protected: the password again, and the second factor
    when there is one."""
    await ctx.limiter.hit(ctx.settings.rate_sign_in_per_account, "sign-in-account", member.email)
    if not passwords.verify_password(passwords.hasher(ctx.settings), member.password_hash, password):
        raise InvalidInput("Your password is not correct.", field="password")
    if member.second_factor_at is not None:
        await check(db, member, code or "", ctx, key)


def pending_token(member: Member, settings: Settings) -> str:
    """Proof that the password was right, good for a few minutes and for nothing but the second
    step of signing in."""
    token, _ = tokens.issue(
        secret=settings.secret_key,
        issuer=settings.jwt_issuer,
        subject=member.id,
        purpose=PENDING_PURPOSE,
        lifetime=timedelta(minutes=PENDING_MINUTES),
        epoch=member.credentials_epoch,
    )
    return token


async def pending_member(db: AsyncSession, token: str | None, settings: Settings) -> Member | None:
    try:
        claims = tokens.decode(
            token or "", secret=settings.secret_key, issuer=settings.jwt_issuer, purpose=PENDING_PURPOSE
        )
    except tokens.TokenInvalid:
        return None
    member = await db.get(Member, claims.subject)
    if member is None or member.credentials_epoch != claims.epoch:
        return None
    return member


async def note_device(db: AsyncSession, member: Member, ctx: RequestContext, session_ref: str) -> None:
    """A browser this member never signed in from before is announced by e-mail, with where to end
    that session. The very first sign-in is not announced."""
    fingerprint = tokens.sha256_hex(ctx.user_agent or "-")
    known = set(await db.scalars(select(KnownDevice.fingerprint).where(KnownDevice.member_id == member.id)))
    if fingerprint in known:
        return
    db.add(KnownDevice(member_id=member.id, fingerprint=fingerprint))
    await db.flush()
    if known:
        mail_service.send_template(
            db,
            ctx.settings,
            member.email,
            "new_sign_in",
            member=member,
            when=utcnow(),
            ip=ctx.ip or "unknown",
            browser=(ctx.user_agent or "unknown")[:200],
            sessions_url=ctx.settings.url("/account") + f"#session-{session_ref}",
        )


def notify(
    db: AsyncSession,
    ctx: RequestContext,
    member: Member,
    what: str,
    *,
    to: str | None = None,
    page: str = "/account/security",
) -> None:
    """A change to how the account is reached or protected, told to the member (at `to`, when
    it goes to an address other than the account's) with where to check it."""
    mail_service.send_template(
        db,
        ctx.settings,
        to or member.email,
        "security_change",
        member=member,
        what=what,
        when=utcnow(),
        ip=ctx.ip or "unknown",
        account_url=ctx.settings.url(page),
    )


async def audit(
    db: AsyncSession, ctx: RequestContext, member: Member, action: str, *, by_member: bool = True
) -> None:
    """About the member's own account; a failed attempt is not attributed to them."""
    await audit_service.record(
        db,
        action=action,
        actor_id=member.id if by_member else None,
        ip=ctx.ip,
        target_type="member",
        target_id=member.id,
    )
