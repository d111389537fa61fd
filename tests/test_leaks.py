"""The leak test: every page and API route, as every kind of account, against a world with a
thread for every tier and label. A canary may appear only in responses to accounts allowed to
see it; counts must match what each account may see; e-mail never carries restricted content.

Routes come from the app's route table, so routes added later are requested too."""

from __future__ import annotations

import itertools
import re
from datetime import timedelta

import pytest
from sqlalchemy import select

from app.config import get_settings
from app.db import utcnow
from app.digest import sending
from app.forum.models import TLP, Thread
from app.mail.service import SmtpMailer
from app.main import route_table
from app.notifications.models import Notification
from app.policy import ThreadKind, visible_thread_kinds, visible_threads
from tests.support import world as world_module
from tests.support.forum import deliver_mail
from tests.support.web import api_token, csrf_token, sign_in

SAFE = {"GET"}


def _values(world: world_module.World, notification_ids: list[int]) -> dict[str, list[str]]:
    return {
        "thread_id": [str(t.id) for t in world.threads.values()],
        "post_id": [str(p) for p in world.post_ids],
        "slug": list(world.categories) + ["missing"],
        "member_id": [str(m.id) for m in world.accounts.values()],
        "agency_id": [str(a) for a in world.agency_ids],
        "category_id": [str(c.id) for c in world.categories.values()],
        "group_id": [str(world.group_id)],
        "notification_id": [str(n) for n in notification_ids],
        "session_id": ["unknown"],
        "action": ["pin"],
        "article_id": [str(a.id) for a in world.articles.values()] + ["999999"],
        "comment_id": [str(c) for c in world.comment_ids],
        "number": ["1"],
        "token_id": ["1", "999999"],
    }


def _urls(path: str, values: dict[str, list[str]]) -> list[str]:
    names = re.findall(r"\{([^}]+)\}", path)
    if not names:
        return [path]
    urls = []
    for combo in itertools.product(*(values[n] for n in names)):
        url = path
        for name, value in zip(names, combo, strict=True):
            url = url.replace("{" + name + "}", value)
        urls.append(url)
    return urls


def _mail_text(message) -> str:  # type: ignore[no-untyped-def]
    """Headers and every text part decoded: transfer encodings may wrap a canary across lines."""
    parts = [p.get_content() for p in message.walk() if p.get_content_maintype() == "text"]
    return "\n".join([str(v) for _, v in message.items()] + parts)


def _assert_clean(text: str, forbidden: set[str], where: str) -> None:
    leaked = sorted(c for c in forbidden if c in text)
    assert not leaked, f"{where} leaked {leaked}"


@pytest.mark.parametrize("account", world_module.ACCOUNTS)
async def test_nothing_reaches_anyone_not_allowed(account, app, client, db, smtp):
    world = await world_module.build(db)
    await deliver_mail(db, app)
    assert len(smtp.messages) > 20, "the world sends notification mail to every account allowed to see"
    mailer = SmtpMailer(f"smtp://127.0.0.1:{smtp.port}")
    digests = await sending.send_due(
        app.state.sessionmaker, get_settings(), mailer, utcnow() + timedelta(minutes=1)
    )
    assert digests.sent >= 6 and digests.inactive == 1, digests.line()
    digested = {m["X-Envelope-To"] for m in smtp.messages if "digest" in str(m["Subject"])}
    assert len(digested) == digests.sent
    member = world.accounts[account]
    allowed = world.allowed_canaries(account)
    forbidden = world.all_canaries() - allowed

    for message in smtp.messages:
        recipient = next(k for k, m in world.accounts.items() if m.email == message["X-Envelope-To"])
        _assert_clean(
            _mail_text(message), world.all_canaries() - world.mail_allowed(recipient), f"mail to {recipient}"
        )
    mailed = {message["X-Envelope-To"] for message in smtp.messages}
    assert (member.email in mailed) == any(
        world.expected_visible(account, s) for s in world_module.SPECS if not s.deleted
    ) or account == "official_a"

    notification_ids = list(await db.scalars(select(Notification.id)))
    await sign_in(client, member.email)
    bearer = await api_token(client, member.email)
    values = _values(world, notification_ids)
    await _check_counts(client, world, account, bearer)
    await _check_search(client, world, account, bearer, forbidden)
    await _check_thread_kinds(db, member)
    seen: set[str] = set()
    routes = list(route_table())
    reads = [(p, r) for p, r in routes if r.methods & SAFE]
    writes = [(p, r) for p, r in routes if not r.methods & SAFE]
    assert len(reads) > 20 and len(writes) > 20

    for path, _route in reads:
        for url in _urls(path, values):
            headers = bearer if url.startswith("/api/") else {}
            response = await client.get(
                url, headers=headers, params={"q": ""} if "mentionable" in url else None
            )
            assert response.status_code < 500, url
            _assert_clean(response.text, forbidden, f"GET {url} as {account}")
            seen |= {c for c in allowed if c in response.text}
    assert seen == allowed, f"{account} could not find {sorted(allowed - seen)}"
    if member.is_active:
        digest = await client.get("/account/digest")
        assert digest.status_code == 200
        _assert_clean(digest.text, world.restricted_canaries(), f"digest preview of {account}")
        if account != "official_a":
            sent = _mail_text(next(m for m in smtp.to(member.email) if "digest" in str(m["Subject"])))
            assert world.mail_allowed(account) & {c for c in allowed if c in sent}, account
            assert "new restricted item" in sent or not (allowed & world.restricted_canaries())

    token = await csrf_token(client, "/account")
    for path, route in writes:
        method = sorted(route.methods)[0]
        for n, url in enumerate(_urls(path, values)[:40]):
            if url.startswith("/api/"):
                response = await client.request(method, url, headers=bearer, json={})
            else:
                # Forms are posted with and without HTMX, as a browser without JavaScript would.
                htmx = {"HX-Request": "true"} if n % 2 else {}
                response = await client.request(method, url, data={"csrf_token": token}, headers=htmx)
            assert response.status_code < 500, (method, url)
            _assert_clean(response.text, forbidden, f"{method} {url} as {account}")


async def _check_counts(client, world, account, bearer) -> None:
    response = await client.get("/api/v1/categories", headers=bearer)
    if not world.accounts[account].is_active:
        assert response.status_code == 403
        return
    counts = {c["slug"]: c["thread_count"] for c in response.json()}
    for slug in world.categories:
        expected = sum(
            1 for s in world_module.SPECS if s.category == slug and world.expected_visible(account, s)
        )
        if expected == 0 and slug not in counts:
            continue
        assert counts.get(slug) == expected, (account, slug, counts)
    listed = (await client.get("/api/v1/articles", headers=bearer)).json()
    expected_articles = {
        a.id
        for key, a in world.articles.items()
        if key.startswith("art-") and world.article_visible(account, key)
    } - {world.articles[s.key].id for s in world_module.UNPUBLISHED}
    assert {a["id"] for a in listed} == expected_articles, (account, listed)
    notifications = (await client.get("/api/v1/notifications", headers=bearer)).json()
    visible_titles = {
        f"Thread {world.canaries[s.key][0]}" for s in world_module.SPECS if world.expected_visible(account, s)
    } | {f"Article {world.canaries[k][0]}" for k in world.articles if world.article_visible(account, k)}
    assert {n["title"] for n in notifications["notifications"]} <= visible_titles
    expected = sum(
        1
        for s in world_module.SPECS
        if world.expected_visible(account, s) and account != ("admin" if s.hidden else "official_a")
    ) + 2 * (account == "official_a")  # official_a's draft was returned and an article hidden
    assert notifications["unread"] == expected, (account, notifications["unread"], expected)


async def _check_search(client, world, account, bearer, forbidden) -> None:
    """Every canary, and pieces of it, searched for through the API, the page and the suggestions:
    only what the account may see comes back, and the counts are of that alone."""
    member = world.accounts[account]
    if not member.is_active:
        assert (await client.get("/api/v1/search", params={"q": "thread"}, headers=bearer)).status_code == 403
        return
    live = [
        s for s in world_module.SPECS if world.expected_visible(account, s) and not (s.hidden or s.deleted)
    ]
    found = (await client.get("/api/v1/search", params={"q": "thread"}, headers=bearer)).json()
    assert (found["found"], found["exhaustive"]) == (len(live), True), (account, found["summary"])
    titles = {r["title"] for r in found["results"]}
    assert titles == {f"Thread {world.canaries[s.key][0]}" for s in live}, account
    articles = (
        await client.get("/api/v1/search", params={"q": "abstract", "kind": "article"}, headers=bearer)
    ).json()
    unpublished = {s.key for s in (*world_module.UNPUBLISHED, world_module.HIDDEN)}
    readable = [
        k
        for k in world.articles
        if k.startswith("art-") and k not in unpublished and world.article_visible(account, k)
    ]
    got = {k for k in readable if any(world.canaries[k][0] in r["title"] for r in articles["results"])}
    assert articles["found"] == len(readable), (account, sorted(set(readable) - got))
    for canary in sorted(world.all_canaries()):
        for q in (canary, canary.lower(), f'"{canary[:-2]}"', f"thread -{canary}"):
            response = await client.get("/api/v1/search", params={"q": q}, headers=bearer)
            assert response.status_code in (200, 422), (q, response.status_code)
            _assert_clean(response.text, forbidden, f"API search {q!r} as {account}")
    for q in ("thread", "opening", "reply", "comment", "article", "canaries borders", '"of this study"'):
        page = await client.get("/search", params={"q": q}, headers={"HX-Request": "true"})
        _assert_clean(page.text, forbidden, f"search page {q!r} as {account}")
    for prefix in ("thread canary", "thread canary0", "thread canary1", "article artcanary", "art", "th"):
        typed = await client.get("/search/suggest", params={"q": prefix}, headers={"HX-Request": "true"})
        _assert_clean(typed.text, forbidden, f"suggestions for {prefix!r} as {account}")
        listed = await client.get("/api/v1/search/suggest", params={"q": prefix}, headers=bearer)
        _assert_clean(listed.text, forbidden, f"API suggestions for {prefix!r} as {account}")


async def _check_thread_kinds(db, member) -> None:
    """The digest's per-kind visibility admits exactly the live threads `visible_threads` does."""
    live = list(
        await db.scalars(select(Thread).where(Thread.hidden_at.is_(None), Thread.deleted_at.is_(None)))
    )
    kind = {t.id: ThreadKind(t.category_id, t.tier, t.tlp, t.owner_agency_id) for t in live}
    red = [t.id for t in live if t.tlp is TLP.RED]
    kinds, named = await visible_thread_kinds(db, member, set(kind.values()), red)
    admitted = {t.id for t in live if (t.tlp is not TLP.RED and kind[t.id] in kinds) or t.id in named}
    expected = set(
        await db.scalars(
            visible_threads(member).with_only_columns(Thread.id).where(Thread.hidden_at.is_(None))
        )
    )
    assert admitted == expected
