"""Security keys and passkeys: registering one after confirming it is you, using it as the second
step or instead of the password, and every answer that must be refused (replayed, tampered, from
another site, another member's key, an expired ceremony) — refused with a 4xx and nothing changed."""

from __future__ import annotations

import json
import re
from datetime import timedelta

from sqlalchemy import func, select, update

from app.accounts.models import Role
from app.audit.models import AuditEvent
from app.config import get_settings
from app.db import utcnow
from app.mfa.models import KeyChallenge, RecoveryCode, SecurityKey
from tests.support.authenticator import Authenticator, b64, unb64
from tests.support.factories import PASSWORD, make_member
from tests.support.totp import code_for
from tests.support.web import post_form, sign_in

SECURITY = "/account/security"
CODES = re.compile(r"<li><code>([a-z0-9]{5}-[a-z0-9]{5})</code></li>")


def _authenticator(**kwargs) -> Authenticator:  # type: ignore[no-untyped-def]
    return Authenticator(origin=get_settings().origin, **kwargs)


async def _post(client, url: str, data: dict[str, str], page: str = SECURITY):  # type: ignore[no-untyped-def]
    return await post_form(client, url, data, page=page)


async def _register(client, authenticator: Authenticator, confirm: dict[str, str], name: str = "YubiKey"):  # type: ignore[no-untyped-def]
    options = await _post(client, f"{SECURITY}/keys/options", {"name": name, **confirm})
    assert options.status_code == 200, options.text
    answer = authenticator.register(options.json())
    return await _post(
        client,
        f"{SECURITY}/keys",
        {"name": name, "key_ceremony": options.json()["ceremony"], "key_response": answer},
    )


async def _member_with_key(client, db, **kwargs):  # type: ignore[no-untyped-def]
    member = await make_member(db)
    await db.commit()
    await sign_in(client, member.email)
    authenticator = _authenticator(**kwargs)
    done = await _register(client, authenticator, {"password": PASSWORD})
    assert done.status_code == 200 and "was added" in done.text, done.text
    return member, authenticator, done


async def _password_step(client, email: str) -> str:  # type: ignore[no-untyped-def]
    response = await post_form(client, "/sign-in", {"email": email, "password": PASSWORD})
    assert response.status_code == 303 and response.headers["location"].startswith("/sign-in/code")
    return response.headers["location"]


async def _key_step(client, page: str, authenticator: Authenticator, **answer_kwargs):  # type: ignore[no-untyped-def]
    options = await post_form(client, "/sign-in/key/options", {}, page=page)
    assert options.status_code == 200, options.text
    answer = authenticator.answer(options.json(), **answer_kwargs)
    return await post_form(
        client,
        "/sign-in/key",
        {"key_ceremony": options.json()["ceremony"], "key_response": answer},
        page=page,
    )


async def test_a_first_key_turns_on_two_step_sign_in_with_recovery_codes(client, other_client, db, smtp):
    member, authenticator, done = await _member_with_key(client, db)
    assert "recovery codes" in done.text and done.text.count("<li><code>") == 10
    await db.refresh(member)
    assert member.second_factor_at is not None
    key = await db.scalar(select(SecurityKey).where(SecurityKey.member_id == member.id))
    assert key.name == "YubiKey" and key.passwordless and key.transports == "usb"
    await smtp.wait_for(member.email, "security key (YubiKey) was added")

    page = await _password_step(other_client, member.email)
    second = await other_client.get(page)
    assert "Use your security key" in second.text and "recovery codes" in second.text
    signed_in = await _key_step(other_client, page, authenticator)
    assert signed_in.status_code == 303, signed_in.text
    assert (await other_client.get("/account")).status_code == 200
    await db.refresh(key)
    assert key.sign_count == 1 and key.last_used_at is not None


async def test_registering_needs_the_password_and_the_current_factor(client, db):
    member = await make_member(db, role=Role.MODERATOR)
    await db.commit()
    await sign_in(client, member.email)
    refused = await _post(client, f"{SECURITY}/keys/options", {"name": "Key", "password": "wrong"})
    assert refused.status_code == 422 and "password is not correct" in refused.json()["error"]
    no_code = await _post(client, f"{SECURITY}/keys/options", {"name": "Key", "password": PASSWORD})
    assert no_code.status_code == 422
    unnamed = await _post(client, f"{SECURITY}/keys/options", {"name": " ", "password": PASSWORD})
    assert unnamed.status_code == 422 and unnamed.json()["field"] == "name"
    done = await _register(client, _authenticator(), {"password": PASSWORD, "code": code_for(member.email)})
    assert done.status_code == 200 and "was added" in done.text
    assert "<li><code>" not in done.text, "a second factor keeps its recovery codes"
    assert await db.scalar(select(func.count(SecurityKey.id)).where(SecurityKey.member_id == member.id)) == 1


async def test_a_registration_answer_cannot_be_forged_or_replayed(client, db):
    member = await make_member(db)
    await db.commit()
    await sign_in(client, member.email)
    authenticator = _authenticator()

    async def answer(**kwargs):  # type: ignore[no-untyped-def]
        options = await _post(client, f"{SECURITY}/keys/options", {"name": "K", "password": PASSWORD})
        return options.json()["ceremony"], authenticator.register(options.json(), **kwargs)

    ceremony, forged = await answer(origin="https://evil.example")
    refused = await _post(
        client, f"{SECURITY}/keys", {"name": "K", "key_ceremony": ceremony, "key_response": forged}
    )
    assert refused.status_code == 422 and "could not be registered" in refused.text

    ceremony, good = await answer()
    tampered = json.loads(good)
    tampered["response"]["clientDataJSON"] = b64(
        unb64(tampered["response"]["clientDataJSON"]).replace(b"create", b"get")
    )
    for bad in ("not json", "{}", json.dumps(tampered)):
        response = await _post(
            client, f"{SECURITY}/keys", {"name": "K", "key_ceremony": ceremony, "key_response": bad}
        )
        assert response.status_code == 422
    # each refused answer used the ceremony up: the good answer comes too late
    late = await _post(
        client, f"{SECURITY}/keys", {"name": "K", "key_ceremony": ceremony, "key_response": good}
    )
    assert late.status_code == 422 and "expired or was already used" in late.text
    missing = await _post(client, f"{SECURITY}/keys", {"name": "K"})
    assert missing.status_code == 422 and "did not send" in missing.text
    assert await db.scalar(select(func.count(SecurityKey.id))) == 0
    await db.refresh(member)
    assert member.second_factor_at is None


async def test_refused_key_answers_at_sign_in(client, other_client, db):
    member, authenticator, _ = await _member_with_key(client, db)
    stranger, stranger_key, _ = await _member_with_key(other_client, db)
    other_client.cookies.clear()
    page = await _password_step(other_client, member.email)

    wrong_site = await _key_step(other_client, page, authenticator, origin="https://evil.example")
    assert wrong_site.status_code == 401 and "not accepted" in wrong_site.text
    wrong_rp = await _key_step(other_client, page, authenticator, rp_id="evil.example")
    assert wrong_rp.status_code == 401
    not_theirs = await _key_step(other_client, page, stranger_key)
    assert not_theirs.status_code == 401

    options = await post_form(other_client, "/sign-in/key/options", {}, page=page)
    answer = authenticator.answer(options.json())
    form = {"key_ceremony": options.json()["ceremony"], "key_response": answer}
    assert (await post_form(other_client, "/sign-in/key", form, page=page)).status_code == 303
    other_client.cookies.clear()
    page = await _password_step(other_client, member.email)
    replayed = await post_form(other_client, "/sign-in/key", form, page=page)
    assert replayed.status_code == 401 and "expired or was already used" in replayed.text

    failures = select(func.count(AuditEvent.id)).where(
        AuditEvent.action == "auth.second_factor_failed", AuditEvent.target_id == member.id
    )
    assert await db.scalar(failures) == 4


async def test_the_key_step_needs_the_password_step_first(other_client):
    options = await post_form(other_client, "/sign-in/key/options", {})
    assert options.status_code == 422 and "start again" in options.json()["error"]
    answer = await post_form(other_client, "/sign-in/key", {"key_ceremony": "x", "key_response": "{}"})
    assert answer.status_code == 303 and answer.headers["location"] == "/sign-in"


async def test_a_passkey_signs_in_without_the_password(client, other_client, db):
    member, authenticator, _ = await _member_with_key(client, db)
    page = await other_client.get("/sign-in")
    assert "Use a passkey" in page.text
    options = await post_form(other_client, "/sign-in/passkey/options", {})
    assert options.json()["publicKey"]["userVerification"] == "required"
    assert options.json()["publicKey"].get("allowCredentials", []) == []
    answer = authenticator.answer(options.json())
    done = await post_form(
        other_client, "/sign-in/passkey", {"key_ceremony": options.json()["ceremony"], "key_response": answer}
    )
    assert done.status_code == 303, done.text
    assert (await other_client.get("/account")).status_code == 200
    used = select(func.count(AuditEvent.id)).where(
        AuditEvent.action == "auth.passkey_used", AuditEvent.target_id == member.id
    )
    assert await db.scalar(used) == 1


async def test_a_key_that_did_not_verify_its_owner_is_no_passkey(client, other_client, db):
    member, authenticator, _ = await _member_with_key(client, db, verifies_user=False)
    key = await db.scalar(select(SecurityKey).where(SecurityKey.member_id == member.id))
    assert not key.passwordless
    options = await post_form(other_client, "/sign-in/passkey/options", {})
    answer = authenticator.answer(options.json())
    refused = await post_form(
        other_client, "/sign-in/passkey", {"key_ceremony": options.json()["ceremony"], "key_response": answer}
    )
    assert refused.status_code == 401 and "liaison_session" not in other_client.cookies
    page = await _password_step(other_client, member.email)
    assert (await _key_step(other_client, page, authenticator)).status_code == 303


async def test_an_expired_ceremony_is_refused(client, other_client, db):
    member, authenticator, _ = await _member_with_key(client, db)
    options = await post_form(other_client, "/sign-in/passkey/options", {})
    ceremony = options.json()["ceremony"]
    await db.execute(
        update(KeyChallenge)
        .where(KeyChallenge.id == ceremony)
        .values(expires_at=utcnow() - timedelta(minutes=1))
    )
    await db.commit()
    answer = authenticator.answer(options.json())
    refused = await post_form(
        other_client, "/sign-in/passkey", {"key_ceremony": ceremony, "key_response": answer}
    )
    assert refused.status_code == 401 and "expired" in refused.text


async def test_removing_the_last_key_needs_confirmation_and_turns_two_step_off(client, db, smtp):
    member, authenticator, _ = await _member_with_key(client, db)
    key = await db.scalar(select(SecurityKey).where(SecurityKey.member_id == member.id))
    no_factor = await _post(client, f"{SECURITY}/keys/remove", {"key_id": str(key.id), "password": PASSWORD})
    assert no_factor.status_code == 422
    assert await db.scalar(select(func.count(SecurityKey.id))) == 1

    challenge = await _post(client, f"{SECURITY}/keys/challenge", {})
    answer = authenticator.answer(challenge.json())
    removed = await _post(
        client,
        f"{SECURITY}/keys/remove",
        {
            "key_id": str(key.id),
            "password": PASSWORD,
            "code": "",
            "key_ceremony": challenge.json()["ceremony"],
            "key_response": answer,
        },
    )
    assert removed.status_code == 200 and "was removed" in removed.text
    await db.refresh(member)
    assert member.second_factor_at is None
    assert (
        await db.scalar(select(func.count(RecoveryCode.id)).where(RecoveryCode.member_id == member.id)) == 0
    )
    await smtp.wait_for(member.email, "security key YubiKey was removed")


async def test_another_members_key_cannot_be_removed(client, other_client, db):
    _, _, done = await _member_with_key(client, db)
    recovery_code = CODES.findall(done.text)[0]
    stranger, _, _ = await _member_with_key(other_client, db)
    theirs = await db.scalar(select(SecurityKey).where(SecurityKey.member_id == stranger.id))
    refused = await _post(
        client,
        f"{SECURITY}/keys/remove",
        {"key_id": str(theirs.id), "password": PASSWORD, "code": recovery_code},
    )
    assert refused.status_code == 422 and "not on your account" in refused.text
    assert await db.scalar(select(func.count(SecurityKey.id))) == 2


async def test_the_password_is_changed_with_the_key_as_second_factor(client, db):
    member, authenticator, _ = await _member_with_key(client, db)
    new = "a-new-long-passphrase-for-keys"
    form = {"current_password": PASSWORD, "new_password": new, "code": ""}
    refused = await post_form(client, "/account/password", form, page="/account")
    assert refused.status_code == 422
    challenge = await post_form(client, f"{SECURITY}/keys/challenge", {}, page="/account")
    answer = authenticator.answer(challenge.json())
    form |= {"key_ceremony": challenge.json()["ceremony"], "key_response": answer}
    changed = await post_form(client, "/account/password", form, page="/account")
    assert changed.status_code == 200 and "password was changed" in changed.text


async def test_asking_again_replaces_the_unanswered_ceremony(client, db):
    member, authenticator, _ = await _member_with_key(client, db)
    first = await _post(client, f"{SECURITY}/keys/challenge", {})
    second = await _post(client, f"{SECURITY}/keys/challenge", {})
    waiting = select(func.count(KeyChallenge.id)).where(KeyChallenge.member_id == member.id)
    assert await db.scalar(waiting) == 1
    late = authenticator.answer(first.json())
    form = {"password": PASSWORD, "code": "", "key_ceremony": first.json()["ceremony"], "key_response": late}
    assert (await _post(client, f"{SECURITY}/recovery", form)).status_code == 422
    fresh = authenticator.answer(second.json())
    form |= {"key_ceremony": second.json()["ceremony"], "key_response": fresh}
    assert (await _post(client, f"{SECURITY}/recovery", form)).status_code == 200
