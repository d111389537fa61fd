"""Account security settings: the authenticator app, recovery codes and personal API tokens
(security keys are added and removed in `key_pages`).

Adding or removing a factor and replacing recovery codes ask for the password again (and the
current second factor when there is one) in the same form: a session left open on a shared
computer is not enough to change how the account is protected.
"""

from __future__ import annotations

from typing import Any

import segno
from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response
from markupsafe import Markup

from app.deps import Ctx, DbSession, SignedInMember, verify_csrf
from app.errors import ServiceError
from app.forms import FORM_LEVEL, form_values, validate
from app.mfa import keys, personal_tokens, service
from app.mfa.keys import KeyAnswer
from app.mfa.models import TokenScope
from app.mfa.schemas import ConfirmIn, TokenIn
from app.policy import must_enrol_second_factor, needs_second_factor
from app.sitewide import service as sitewide_service
from app.templating import render

router = APIRouter(dependencies=[Depends(verify_csrf)])


def _qr(uri: str) -> Markup:
    """Drawn here as inline SVG: the seed never leaves for a QR-code service."""
    svg = segno.make(uri, error="m").svg_inline(scale=5, title="QR code for your authenticator app")
    return Markup(svg)  # noqa: S704 - segno's own SVG from our own URI, no member content


async def page(
    request: Request,
    db: DbSession,
    member: SignedInMember,
    *,
    errors: dict[str, str] | None = None,
    status_code: int = 200,
    **extra: Any,
) -> Response:
    factor = await service.factor_of(db, member)
    return render(
        request,
        "mfa/security.html",
        {
            "factor": factor if factor is not None and factor.confirmed_at is not None else None,
            "recovery_left": await service.unused_recovery_codes(db, member),
            "tokens": await personal_tokens.list_for(db, member),
            "keys": await keys.keys_of(db, member),
            "scopes": list(TokenScope),
            "required": needs_second_factor(member)
            or must_enrol_second_factor(
                member, everyone=await sitewide_service.everyone_needs_second_factor(db)
            ),
            "errors": errors or {},
            "failed": "",
            "enrol_secret": None,
            "qr": None,
            "recovery_codes": None,
            "new_token": None,
            "message": None,
            **extra,
        },
        status_code=status_code,
    )


@router.get("/account/security")
async def security(request: Request, db: DbSession, member: SignedInMember) -> Response:
    return await page(request, db, member)


async def _confirmed(request: Request, db: DbSession, ctx: Ctx, member: SignedInMember) -> dict[str, str]:
    """Checks the password (and second factor) sent with the form; the errors, if any."""
    values = await form_values(request)
    data, errors = validate(ConfirmIn, values)
    if data is None:
        return errors
    try:
        await service.confirm_identity(db, member, data.password, data.code, ctx, KeyAnswer.of(values))
    except ServiceError as exc:
        return {exc.field or FORM_LEVEL: exc.message}
    return {}


@router.post("/account/security/totp/start")
async def start(request: Request, db: DbSession, ctx: Ctx, member: SignedInMember) -> Response:
    errors = await _confirmed(request, db, ctx, member)
    if errors:
        return await page(request, db, member, errors=errors, status_code=422)
    try:
        secret = await service.begin_enrolment(db, member, ctx.settings)
    except ServiceError as exc:
        return await page(request, db, member, errors={FORM_LEVEL: exc.message}, status_code=409)
    uri = service.provisioning_uri(secret, member, ctx.settings)
    return await page(request, db, member, enrol_secret=secret, qr=_qr(uri))


@router.post("/account/security/totp/confirm")
async def confirm(request: Request, db: DbSession, ctx: Ctx, member: SignedInMember) -> Response:
    code = (await form_values(request)).get("code", "")[:40]
    try:
        codes = await service.confirm_enrolment(db, member, code, ctx)
    except ServiceError as exc:
        secret = await service.pending_secret(db, member, ctx.settings)
        qr = _qr(service.provisioning_uri(secret, member, ctx.settings)) if secret else None
        errors = {"code" if secret else FORM_LEVEL: exc.message}
        return await page(request, db, member, errors=errors, enrol_secret=secret, qr=qr, status_code=422)
    return await page(request, db, member, recovery_codes=codes, message="The authenticator app is set up.")


@router.post("/account/security/totp/remove")
async def remove(request: Request, db: DbSession, ctx: Ctx, member: SignedInMember) -> Response:
    errors = await _confirmed(request, db, ctx, member)
    if errors:
        return await page(request, db, member, errors=errors, status_code=422)
    await service.remove(db, member, ctx)
    return await page(request, db, member, message="The authenticator app was removed.")


@router.post("/account/security/recovery")
async def new_recovery_codes(request: Request, db: DbSession, ctx: Ctx, member: SignedInMember) -> Response:
    errors = await _confirmed(request, db, ctx, member)
    if errors:
        return await page(request, db, member, errors=errors, status_code=422)
    if member.second_factor_at is None:
        return await page(
            request, db, member, errors={FORM_LEVEL: "Set up an authenticator app first."}, status_code=409
        )
    codes = await service.replace_recovery_codes(db, member)
    return await page(
        request, db, member, recovery_codes=codes, message="New recovery codes; the old ones no longer work."
    )


@router.post("/account/security/tokens")
async def create_token(request: Request, db: DbSession, ctx: Ctx, member: SignedInMember) -> Response:
    data, errors = validate(TokenIn, await form_values(request))
    if data is None:
        return await page(request, db, member, errors=errors, status_code=422)
    try:
        token, secret = await personal_tokens.create(db, member, data.name, data.scope, data.days, ctx)
    except ServiceError as exc:
        return await page(request, db, member, errors={"name": exc.message}, status_code=422)
    return await page(request, db, member, new_token=(token, secret))


@router.post("/account/security/tokens/{token_id}/revoke")
async def revoke_token(
    request: Request, token_id: int, db: DbSession, ctx: Ctx, member: SignedInMember
) -> Response:
    await personal_tokens.revoke(db, member, token_id, ctx)
    return await page(request, db, member, message="The token was revoked.")
