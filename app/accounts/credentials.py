"""Passwords: changing one, and resetting a forgotten one by an e-mailed link."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from app.accounts import one_time
from app.accounts.models import (
    Member,
    TokenPurpose,
)
from app.accounts.repository import get_member_by_email
from app.accounts.schemas import ChangePasswordIn, ResetPasswordIn
from app.accounts.sessions import end_all_sessions
from app.audit import service as audit_service
from app.context import RequestContext
from app.errors import InvalidInput
from app.mail import service as mail_service
from app.mfa import service as mfa_service
from app.mfa.keys import KeyAnswer
from app.security import passwords

# --- passwords -------------------------------------------------------------------------------


async def _replace_password(
    db: AsyncSession, member: Member, password: str, ctx: RequestContext, *, action: str, keep: str | None
) -> None:
    """A new password voids API tokens and e-mailed links issued under the old one, ends every other
    session, is audited, and is announced to the owner in case it was not them."""
    member.password_hash = passwords.hash_password(passwords.hasher(ctx.settings), password)
    member.credentials_epoch += 1
    await db.flush()
    await end_all_sessions(db, member.id, keep=keep)
    await audit_service.record(
        db, action=action, actor_id=member.id, ip=ctx.ip, target_type="member", target_id=member.id
    )
    mail_service.send_template(
        db,
        ctx.settings,
        member.email,
        "password_changed",
        member=member,
        reset_url=ctx.settings.url("/password/forgot"),
    )


async def change_password(
    db: AsyncSession,
    member: Member,
    data: ChangePasswordIn,
    ctx: RequestContext,
    *,
    keep_session: str | None,
    key: KeyAnswer | None = None,
) -> None:
    await ctx.limiter.hit(ctx.settings.rate_sign_in_per_account, "sign-in-account", member.email)
    if not passwords.verify_password(
        passwords.hasher(ctx.settings), member.password_hash, data.current_password
    ):
        raise InvalidInput("Your current password is not correct.", field="current_password")
    if member.second_factor_at is not None:
        await mfa_service.check(db, member, data.code or "", ctx, key)
    await _replace_password(
        db, member, data.new_password, ctx, action="account.password_changed", keep=keep_session
    )


async def request_password_reset(db: AsyncSession, email: str, ctx: RequestContext) -> None:
    """Same answer and no error for unknown addresses: nothing here tells who is a member."""
    await ctx.limiter.hit(ctx.settings.rate_reset_per_address, "reset-ip", ctx.ip or "-")
    await ctx.limiter.hit(ctx.settings.rate_reset_per_account, "reset-account", email)
    member = await get_member_by_email(db, email)
    if member is None:
        return
    token = await one_time.issue(
        db,
        member,
        TokenPurpose.RESET_PASSWORD,
        timedelta(minutes=ctx.settings.reset_token_minutes),
        ctx.settings,
    )
    await audit_service.record(
        db,
        action="account.password_reset_requested",
        actor_id=None,
        ip=ctx.ip,
        target_type="member",
        target_id=member.id,
    )
    mail_service.send_template(
        db,
        ctx.settings,
        member.email,
        "reset_password",
        member=member,
        url=ctx.settings.url(f"/password/reset?token={token}"),
        minutes=ctx.settings.reset_token_minutes,
    )


async def check_reset_token(db: AsyncSession, token: str, ctx: RequestContext) -> Member:
    return await one_time.redeem(db, token, TokenPurpose.RESET_PASSWORD, ctx.settings, consume=False)


async def reset_password(db: AsyncSession, data: ResetPasswordIn, ctx: RequestContext) -> Member:
    member = await one_time.redeem(db, data.token, TokenPurpose.RESET_PASSWORD, ctx.settings)
    await _replace_password(db, member, data.password, ctx, action="account.password_reset", keep=None)
    return member
