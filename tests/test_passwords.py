"""Password storage and rules: argon2id at or above OWASP ASVS 5.0, rehash on sign-in, breach list."""

from __future__ import annotations

import logging
import re

import pytest
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import select, text

from app.accounts.models import Member
from app.config import Settings
from app.models import Base
from app.security import passwords
from tests.support.factories import PASSWORD, make_member
from tests.support.web import post_form, sign_in

PARAMS = re.compile(r"^\$argon2id\$v=19\$m=(\d+),t=(\d+),p=(\d+)\$")


def test_hash_is_argon2id_at_or_above_owasp_minimum():
    stored = passwords.hash_password(passwords.hasher(), PASSWORD)
    m, t, p = map(int, PARAMS.match(stored).groups())
    assert m >= 19456 and t >= 2 and p >= 1


def test_settings_refuse_weaker_parameters():
    with pytest.raises(ValueError):
        Settings(secret_key="k" * 40, argon2_memory_kib=8192)
    with pytest.raises(ValueError):
        Settings(secret_key="k" * 40, argon2_time_cost=1)


async def test_sign_in_rehashes_when_parameters_change(client, db):
    old = passwords.hash_password(passwords.make_hasher(3, 19456, 1), PASSWORD)
    member = await make_member(db, password_hash_value=old)
    await db.commit()
    assert passwords.hasher().check_needs_rehash(old)
    await sign_in(client, member.email)
    await db.refresh(member)
    assert member.password_hash != old
    assert PARAMS.match(member.password_hash).groups() == ("19456", "2", "1")
    assert passwords.verify_password(passwords.hasher(), member.password_hash, PASSWORD)


@pytest.mark.parametrize(
    "password,ok",
    [
        ("a" * 11, False),
        ("abcdefghijk1", True),
        ("correct-horse-battery-staple-" + "x" * 35, True),
        ("x" * 64 + "yz12", True),
        ("y" * 129, False),
        ("password1234", False),
        ("Qwerty123456", False),
        ("iloveyou!!!!2024", False),
        ("111111111111", False),
        ("1q2w3e4r5t6y", False),
    ],
)
def test_password_rules(password, ok):
    if ok:
        passwords.check_password_rules(password)
    else:
        with pytest.raises(passwords.PasswordRejected):
            passwords.check_password_rules(password)


def test_the_shipped_breach_list_is_loaded():
    listed = passwords.common_passwords()
    assert len(listed) > 20_000 and "password" in listed and "qwerty123456" in listed


@given(st.text(max_size=300))
def test_password_rules_only_ever_reject_cleanly(candidate):
    try:
        passwords.check_password_rules(candidate)
    except passwords.PasswordRejected:
        pass


async def _all_stored_text(db) -> str:
    dump = []
    for table in Base.metadata.sorted_tables:
        for row in (await db.execute(text(f"SELECT * FROM {table.name}"))).all():  # noqa: S608
            dump.append(" ".join(str(v) for v in row))
    return "\n".join(dump)


async def test_no_password_or_token_in_database_audit_or_logs(client, db, smtp, caplog):
    caplog.set_level(logging.DEBUG)
    secret_password = "tangerine-lighthouse-quarry-19"
    await post_form(
        client,
        "/register",
        {
            "display_name": "Leak Probe",
            "email": "probe@example.org",
            "password": secret_password,
            "kind": "academic",
            "organisation": "University",
        },
        page="/register",
    )
    verify_link = smtp.link(await smtp.wait_for("probe@example.org", "verify"))
    await client.get(verify_link)
    await post_form(client, "/sign-in", {"email": "probe@example.org", "password": secret_password})
    await post_form(client, "/password/forgot", {"email": "probe@example.org"}, page="/password/forgot")
    reset_link = smtp.link(await smtp.wait_for("probe@example.org", "reset"))
    verify_token = verify_link.split("token=")[1]
    reset_token = reset_link.split("token=")[1]
    session_token = client.cookies.get("liaison_session")

    logging.getLogger("uvicorn.access").info(
        '%s - "%s %s HTTP/%s" %d', "203.0.113.7", "GET", verify_link, "1.1", 200
    )
    app_logs = "\n".join(r.getMessage() for r in caplog.records if not r.name.startswith("httpx"))
    assert "verify-email?token=[redacted]" in app_logs
    stored = await _all_stored_text(db)
    for secret in (secret_password, verify_token, reset_token, session_token):
        assert secret not in stored
        assert secret not in app_logs
    member = await db.scalar(select(Member).where(Member.email == "probe@example.org"))
    assert member.password_hash.startswith("$argon2id$")
