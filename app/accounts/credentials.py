"""Passwords and the e-mail address: changing them (after confirming it is you), and resetting a
forgotten password by an e-mailed link."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from app.accounts import one_time
from app.accounts.models import (
    Member,
    TokenPurpose,
)
from app.accounts.repository import get_member_by_email
from app.accounts.schemas import ChangeEmailIn, ChangePasswordIn, ResetPasswordIn
from app.accounts.sessions import end_all_sessions
from app.agencies import service as agencies_service
from app.audit import service as audit_service
from app.context import RequestContext
from app.db import utcnow
from app.errors import InvalidInput
from app.mail import service as mail_service
from app.mfa import service as mfa_service
from app.mfa.keys import KeyAnswer
from app.security import passwords

EMAIL_CHANGE_HOURS = 24

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


async def request_email_change(
    db: AsyncSession, member: Member, data: ChangeEmailIn, ctx: RequestContext, key: KeyAnswer | None = None
) -> None:
    """Nothing changes until the link sent to the new address is opened: the address must be
    theirs. The old address hears of it at once, in case it was not them. Whether the new address
    belongs to another member is not said here (that would tell who is a member), only when the
    link is opened, to whoever holds that mailbox."""
    await mfa_service.confirm_identity(db, member, data.password, data.code, ctx, key)
    if data.new_email == member.email:
        raise InvalidInput("That is already your address.", field="new_email")
    if member.agency_id is not None:
        domains = await agencies_service.domains_of(db, member.agency_id)
        if domains and not agencies_service.address_at(data.new_email, domains):
            raise InvalidInput(
                "Officials of your agency use an address at "
                + ", ".join(domains)
                + ": that is what vouched for you when you were vetted.",
                field="new_email",
            )
    member.pending_email = data.new_email
    token = await one_time.issue(
        db, member, TokenPurpose.CHANGE_EMAIL, timedelta(hours=EMAIL_CHANGE_HOURS), ctx.settings
    )
    await mfa_service.audit(db, ctx, member, "account.email_change_requested")
    mail_service.send_template(
        db,
        ctx.settings,
        data.new_email,
        "confirm_email_change",
        member=member,
        url=ctx.settings.url(f"/account/email/confirm?token={token}"),
        hours=EMAIL_CHANGE_HOURS,
    )
    mfa_service.notify(
        db, ctx, member, f"A change of your e-mail address to {data.new_email} was asked for", page="/account"
    )


async def check_email_change(db: AsyncSession, token: str, ctx: RequestContext) -> Member:
    member = await one_time.redeem(db, token, TokenPurpose.CHANGE_EMAIL, ctx.settings, consume=False)
    if member.pending_email is None:
        raise InvalidInput("This link is invalid, used or expired. Request a new one.", field="token")
    return member


async def confirm_email_change(db: AsyncSession, token: str, ctx: RequestContext) -> Member:
    member = await one_time.redeem(db, token, TokenPurpose.CHANGE_EMAIL, ctx.settings)
    new_email = member.pending_email
    if new_email is None:
        raise InvalidInput("This link is invalid, used or expired. Request a new one.", field="token")
    if await get_member_by_email(db, new_email) is not None:
        raise InvalidInput("This address belongs to another account already.", field="token")
    old_email = member.email
    member.email, member.pending_email, member.email_verified_at = new_email, None, utcnow()
    await db.flush()
    await mfa_service.audit(db, ctx, member, "account.email_changed")
    for address in (old_email, new_email):
        mfa_service.notify(
            db,
            ctx,
            member,
            f"Your e-mail address was changed from {old_email} to {new_email}",
            to=address,
            page="/account",
        )
    return member


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
