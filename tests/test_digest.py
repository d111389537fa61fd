"""What a member's digest holds: only what they can see, nothing of their own, nothing hidden,
muted or left out, and AMBER-or-stricter material only as a count per category."""

from __future__ import annotations

from datetime import timedelta

from app.accounts.models import MemberKind, Role
from app.db import utcnow
from app.digest import service
from app.digest.models import DigestFrequency, DigestSetting
from app.forum import service as forum_service
from app.forum.models import TLP, Subscription, Tier, WatchLevel
from tests.support.articles import make_article, make_comment
from tests.support.factories import make_agency, make_member
from tests.support.forum import make_category, make_thread
from tests.support.web import post_form, sign_in
from tests.support.world import context


def _titles(items) -> list[str]:
    return [item.title for item in items]


async def test_the_digest_holds_what_the_member_can_see_and_counts_restricted_items(db):
    agency = await make_agency(db)
    community = await make_category(db)
    agencies = await make_category(db, tier=Tier.AGENCIES)
    quiet = await make_category(db)
    reader = await make_member(db, agency=agency)
    other = await make_member(db, agency=agency)
    moderator = await make_member(db, role=Role.MODERATOR)
    academic = await make_member(db, kind=MemberKind.ACADEMIC)

    await make_thread(db, other, community, title="Open thread on e-gates", body="Gates **work** at night.")
    await make_thread(db, other, agencies, title="Amber smuggling route", tlp=TLP.AMBER)
    await make_thread(db, other, agencies, title="Second amber route", tlp=TLP.AMBER)
    await make_thread(db, reader, community, title="My own thread")
    hidden = await make_thread(db, other, community, title="Hidden thread")
    hidden.hidden_at = utcnow()
    muted = await make_thread(db, other, community, title="Muted thread")
    db.add(Subscription(member_id=reader.id, thread_id=muted.id, level=WatchLevel.MUTED))
    await make_thread(db, other, quiet, title="Thread in a left-out category")
    await service.save_settings(db, reader, DigestFrequency.WEEKLY, {quiet.id})
    watched = await make_thread(db, reader, community, title="Watched by the reader")
    await forum_service.reply(db, other, watched.id, "A reply worth **reading**.", context())
    await forum_service.reply(db, other, watched.id, "And another.", context())
    await make_article(db, academic, community, title="Published study of gates", publish_as=moderator)
    await make_article(db, academic, community, title="Unpublished draft study")
    mine = await make_article(db, reader, community, title="The reader's own article", publish_as=moderator)
    await make_comment(db, academic, mine, "Good point about lighting.")
    await db.flush()

    digest = await service.compose(db, reader, utcnow() + timedelta(seconds=1))
    assert _titles(digest.new_threads) == ["Open thread on e-gates"]
    assert (
        digest.new_threads[0].excerpt == "Gates work at night."
        and digest.new_threads[0].author == other.display_name
    )
    assert _titles(digest.active_threads) == ["Watched by the reader"] and digest.active_threads[0].count == 2
    assert _titles(digest.watched_replies) == ["Watched by the reader"] * 2
    assert _titles(digest.new_articles) == ["Published study of gates"]
    assert _titles(digest.comments_on_yours) == ["The reader's own article"]
    assert digest.restricted == {agencies.name: 2}
    everything = str(digest)
    for absent in ("Amber", "My own thread", "Muted thread", "left-out", "Unpublished", "Hidden thread"):
        assert absent not in everything, absent
    staff = await service.compose(db, moderator, utcnow() + timedelta(seconds=1))
    assert "Hidden thread" not in str(staff) and "Open thread on e-gates" in _titles(staff.new_threads)

    outsider = await make_member(db, kind=MemberKind.SUPPLIER)
    theirs = await service.compose(db, outsider, utcnow() + timedelta(seconds=1))
    assert theirs.restricted == {} and "Open thread on e-gates" in _titles(theirs.new_threads)


async def test_the_window_starts_at_the_last_digest_and_reaches_back_a_month_at_most(db):
    member = await make_member(db)
    now = utcnow()
    assert service.window(DigestFrequency.WEEKLY, None, now) == now - timedelta(days=7)
    assert service.window(DigestFrequency.DAILY, None, now) == now - timedelta(days=1)
    assert service.window(DigestFrequency.WEEKLY, now - timedelta(days=2), now) == now - timedelta(days=2)
    assert service.window(DigestFrequency.WEEKLY, now - timedelta(days=90), now) == now - timedelta(days=30)
    db.add(
        DigestSetting(
            member_id=member.id, frequency=DigestFrequency.DAILY, last_sent_at=now - timedelta(hours=3)
        )
    )
    await db.flush()
    digest = await service.compose(db, member, now)
    assert digest.since == now - timedelta(hours=3) and digest.is_empty


async def test_inactive_accounts_get_an_empty_digest(db):
    category = await make_category(db)
    author = await make_member(db)
    await make_thread(db, author, category, title="Visible to the vetted only")
    for member in (await make_member(db, status="pending"), await make_member(db, suspended=True)):
        digest = await service.compose(db, member, utcnow() + timedelta(seconds=1))
        assert digest.is_empty


async def test_settings_page_saves_frequency_and_left_out_categories(client, db):
    kept = await make_category(db)
    left_out = await make_category(db)
    hidden_from_member = await make_category(db, tier=Tier.AGENCIES)
    member = await make_member(db, kind=MemberKind.ACADEMIC)
    await db.commit()
    await sign_in(client, member.email)
    page = await client.get("/account/digest")
    assert page.status_code == 200 and 'value="weekly" checked' in page.text
    assert hidden_from_member.name not in page.text and "Nothing new" in page.text
    token_page = await post_form(
        client,
        "/account/digest",
        {"frequency": "daily", "exclude": str(left_out.id)},
        page="/account/digest",
        htmx=True,
    )
    assert token_page.status_code == 200 and "Saved." in token_page.text and "<html" not in token_page.text
    frequency, _, excluded = await service.settings_for(db, member)
    assert frequency is DigestFrequency.DAILY and excluded == {left_out.id}
    sneaky = await post_form(
        client,
        "/account/digest",
        {"frequency": "never", "exclude": str(hidden_from_member.id)},
        page="/account/digest",
    )
    assert sneaky.status_code == 200
    assert (await service.settings_for(db, member))[2] == set()
    bad = await post_form(client, "/account/digest", {"frequency": "hourly"}, page="/account/digest")
    assert bad.status_code == 422
    assert kept.id not in excluded
