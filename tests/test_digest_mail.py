"""The digest message as a mail client receives it (through a real SMTP server), and leaving the
digest from its one-click unsubscribe link."""

from __future__ import annotations

from datetime import timedelta
from urllib.parse import urlsplit

from app.config import get_settings
from app.db import utcnow
from app.digest import message, service
from app.digest.models import DigestFrequency
from app.forum.models import TLP, Tier
from app.mail.service import SmtpMailer
from tests.support.factories import make_agency, make_member
from tests.support.forum import make_category, make_thread


async def _digest_for(db):
    agency = await make_agency(db)
    reader = await make_member(db, agency=agency)
    other = await make_member(db, agency=agency)
    await make_thread(
        db, other, await make_category(db), title="Open talk on e-gates", body="Gates at *night*."
    )
    restricted = await make_category(db, tier=Tier.AGENCIES)
    await make_thread(
        db, other, restricted, title="Amber corridor details", body="Secret corridor", tlp=TLP.AMBER
    )
    await db.flush()
    return reader, restricted, await service.compose(db, reader, utcnow() + timedelta(seconds=1))


async def test_the_message_has_both_parts_list_headers_and_no_restricted_text(db, smtp, monkeypatch):
    settings = get_settings()
    monkeypatch.setattr(settings, "mail_reply_to", "Secretariat <office@liaison.test>")
    reader, restricted, digest = await _digest_for(db)
    mail = message.build(settings, digest)
    await SmtpMailer(f"smtp://127.0.0.1:{smtp.port}").send_bytes(mail.sender, mail.to, mail.data)
    received = await smtp.wait_for(reader.email, "digest")

    assert received.get_content_type() == "multipart/alternative"
    text = received.get_body(("plain",)).get_content()
    html = received.get_body(("html",)).get_content()
    for part in (text, html):
        assert "Open talk on e-gates" in part and "Gates at night." in part
        assert f"1 new restricted item in {restricted.name}" in part
    raw = received.as_string()
    assert "Amber corridor" not in raw and "Secret corridor" not in raw
    assert received["Reply-To"] == "Secretariat <office@liaison.test>"
    assert received["From"] == settings.mail_from and received["Date"] and received["Message-ID"]
    assert received["List-Id"].endswith("<digest.testserver>")
    assert received["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert received["List-Unsubscribe"].startswith("<http://testserver/digest/unsubscribe?token=")
    assert "<img" not in html and "<link" not in html and "fonts.googleapis" not in html
    assert 'style="' in html and "prefers-color-scheme: dark" in html
    assert "View in your browser" in html and "http://testserver/account/digest" in text


async def test_names_in_any_language_and_an_address_beyond_ascii(db, smtp, monkeypatch):
    """Written by hand for speed, the message must still read right in a mail client: encoded
    words for a name in another script, and the email package's own output when an address
    itself is not ASCII."""
    settings = get_settings()
    monkeypatch.setattr(settings, "site_name", "Liaison – Granična suradnja")
    monkeypatch.setattr(settings, "mail_from", "Graničari Liaison <noreply@liaison.test>")
    reader, _, digest = await _digest_for(db)
    mailer = SmtpMailer(f"smtp://127.0.0.1:{smtp.port}")
    mail = message.build(settings, digest)
    assert mail.data.isascii() and b"\r\n\r\n" in mail.data
    await mailer.send_bytes(mail.sender, mail.to, mail.data)
    received = await smtp.wait_for(reader.email, "Granična suradnja digest")
    assert received["From"] == "Graničari Liaison <noreply@liaison.test>"
    assert "Granična suradnja" in received.get_body(("plain",)).get_content()

    monkeypatch.setattr(reader, "email", "čitatelj@liaison.test")
    unicode_address = message.build(settings, digest)
    assert unicode_address.parsed()["To"] == "čitatelj@liaison.test"
    assert "Open talk on e-gates" in unicode_address.parsed().get_body(("html",)).get_content()


async def test_one_click_unsubscribe_needs_no_sign_in_and_only_lowers(client, db):
    settings = get_settings()
    reader, _, digest = await _digest_for(db)
    await service.save_settings(db, reader, DigestFrequency.DAILY, set())
    await db.commit()
    link = message.build(settings, digest).parsed()["List-Unsubscribe"].strip("<>")
    path = urlsplit(link).path + "?" + urlsplit(link).query

    page = await client.get(path)
    assert (
        page.status_code == 200 and "Send it weekly instead" in page.text and "Stop the digest" in page.text
    )
    lowered = await client.post(path, data={"frequency": "weekly"})
    assert lowered.status_code == 200 and "weekly" in lowered.text
    assert (await service.settings_for(db, reader))[0] is DigestFrequency.WEEKLY
    raised = await client.post(path, data={"frequency": "daily"})
    assert raised.status_code == 200
    assert (await service.settings_for(db, reader))[0] is DigestFrequency.WEEKLY

    one_click = await client.post(
        path,
        content=b"List-Unsubscribe=One-Click",
        headers={"Content-Type": "application/x-www-form-urlencoded"},
    )
    assert one_click.status_code == 200 and "will not receive the digest" in one_click.text
    assert (await service.settings_for(db, reader))[0] is DigestFrequency.NEVER

    for bad in ("/digest/unsubscribe?token=forged", "/digest/unsubscribe"):
        assert (await client.get(bad)).status_code == 404
        assert (await client.post(bad)).status_code == 404
    reader.credentials_epoch += 1
    await db.commit()
    assert (await client.get(path)).status_code == 404, "a password reset retires old links"


async def test_view_in_browser_shows_that_digest_to_its_member_only(client, db):
    from tests.support.web import sign_in

    reader, _, digest = await _digest_for(db)
    stranger = await make_member(db)
    await db.commit()
    text = message.build(get_settings(), digest).parsed().get_body(("plain",)).get_content()
    link = next(line.split(": ", 1)[1] for line in text.splitlines() if line.startswith("View this digest"))
    path = link.removeprefix("http://testserver")
    assert path.startswith("/account/digest/view?")
    assert (await client.get(path)).status_code in (303, 401), "signing in comes first"
    await sign_in(client, reader.email)
    page = await client.get(path)
    assert (
        page.status_code == 200 and "Open talk on e-gates" in page.text and "Amber corridor" not in page.text
    )
    assert (await client.get(path.replace("sig=", "sig=0"))).status_code == 404
    await sign_in(client, stranger.email)
    assert (await client.get(path)).status_code == 404
