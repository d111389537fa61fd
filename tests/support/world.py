"""A forum with a thread for every tier and label, each carrying unique canary strings, and one
account of every kind. The leak test reads it as each account; `expected_visible` is the access
model written out independently of the app's SQL, as the specification it is checked against."""

from __future__ import annotations

from dataclasses import dataclass, field, replace

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from app.accounts.models import Member, MemberKind, Role, Status
from app.articles import comments as article_comments
from app.articles import files as article_files
from app.articles import review as article_review
from app.articles import service as article_service
from app.articles.models import Article, ArticleStatus, Comment
from app.articles.schemas import CommentIn, DraftIn
from app.audit import service as audit_service
from app.config import get_settings
from app.context import RequestContext
from app.db import utcnow
from app.forum import moderation
from app.forum import service as forum_service
from app.forum.models import TLP, AccessGrant, Category, Post, Thread, Tier
from app.forum.schemas import ThreadIn
from app.groups.models import GroupMembership, MemberGroup
from app.security.ratelimit import RateLimiter
from tests.support.factories import make_agency, make_member

ACCOUNTS = (
    "pending",
    "supplier",
    "academic",
    "official_a",
    "official_b",
    "wg_member",
    "red_participant",
    "moderator",
    "admin",
)


@dataclass
class Spec:
    key: str
    category: str
    tlp: TLP
    agencies_only: bool = False
    hidden: bool = False
    deleted: bool = False
    red_with: tuple[str, ...] = ()
    moderated: bool = False


SPECS = [
    Spec("comm-clear", "community", TLP.CLEAR, moderated=True),
    Spec("comm-green", "community", TLP.GREEN),
    Spec("comm-stricter", "community", TLP.GREEN, agencies_only=True, moderated=True),
    Spec("comm-hidden", "community", TLP.CLEAR, hidden=True),
    Spec("comm-deleted", "community", TLP.CLEAR, deleted=True),
    Spec("agc-clear", "agencies", TLP.CLEAR),
    Spec("agc-green", "agencies", TLP.GREEN),
    Spec("agc-amber", "agencies", TLP.AMBER, moderated=True),
    Spec("agc-strict", "agencies", TLP.AMBER_STRICT, moderated=True),
    Spec("agc-red", "agencies", TLP.RED, red_with=("red_participant",), moderated=True),
    Spec("wg-clear", "wg", TLP.CLEAR),
    Spec("wg-green", "wg", TLP.GREEN, moderated=True),
    Spec("wg-amber", "wg", TLP.AMBER),
    Spec("wg-strict", "wg", TLP.AMBER_STRICT),
    Spec("wg-red", "wg", TLP.RED, red_with=("wg_member",), moderated=True),
]


ARTICLE_SPECS = [s for s in SPECS if not (s.hidden or s.deleted)]
DRAFT = Spec("art-draft", "community", TLP.CLEAR)
SUBMITTED = Spec("art-submitted", "agencies", TLP.GREEN)
RETURNED = Spec("art-returned", "community", TLP.CLEAR)
UNPUBLISHED = (DRAFT, SUBMITTED, RETURNED)
HIDDEN = Spec("art-hidden", "community", TLP.CLEAR, hidden=True)


@dataclass
class World:
    accounts: dict[str, Member]
    categories: dict[str, Category]
    threads: dict[str, Thread]
    post_ids: list[int]
    agency_ids: list[int]
    group_id: int
    canaries: dict[str, list[str]] = field(default_factory=dict)
    articles: dict[str, Article] = field(default_factory=dict)
    comment_ids: list[int] = field(default_factory=list)
    staff_only: dict[str, list[str]] = field(default_factory=dict)
    hidden_posts: dict[str, int] = field(default_factory=dict)
    nobody: set[str] = field(default_factory=set)

    def is_staff(self, account: str) -> bool:
        return self.accounts[account].role in (Role.MODERATOR, Role.ADMIN)

    def article_visible(self, account: str, key: str) -> bool:
        """Published articles follow the thread rules; a draft (returned or not) only its author; a
        submitted or hidden one its author and the moderators who could read it if shown."""
        if key in (DRAFT.key, RETURNED.key):
            return account == "official_a" and self.expected_visible(account, DRAFT)
        if key in (SUBMITTED.key, HIDDEN.key):
            spec = SUBMITTED if key == SUBMITTED.key else replace(HIDDEN, hidden=False)
            return (account == "official_a" or self.is_staff(account)) and self.expected_visible(
                account, spec
            )
        spec = next(s for s in ARTICLE_SPECS if "art-" + s.key == key)
        return self.expected_visible(account, spec)

    def expected_visible(self, account: str, spec: Spec) -> bool:
        member = self.accounts[account]
        staff = member.role in (Role.MODERATOR, Role.ADMIN)
        if member.status is not Status.APPROVED or member.suspended_at is not None:
            return False
        if spec.deleted or (spec.hidden and not staff):
            return False
        tiers = [Tier(self.categories[spec.category].tier)] + ([Tier.AGENCIES] if spec.agencies_only else [])
        for tier in tiers:
            official = member.kind is MemberKind.OFFICIAL and member.agency_id is not None
            if tier is Tier.AGENCIES and not (official or staff):
                return False
            if tier is Tier.WORKING_GROUP and not (
                member.agency_id == self.accounts["official_a"].agency_id or account == "wg_member"
            ):
                return False
        if spec.tlp is TLP.AMBER_STRICT and not (
            member.agency_id == self.accounts["official_a"].agency_id or staff
        ):
            return False
        if spec.tlp is TLP.RED and account not in ("official_a", *spec.red_with):
            return False
        return True

    def mail_allowed(self, account: str) -> set[str]:
        """What e-mail (notifications, digests) to this account may name: threads and articles it
        could see when the mail was sent (the deleted thread was deleted afterwards), and only those
        labelled CLEAR or GREEN."""
        threads = {
            c
            for spec in SPECS
            if not spec.tlp.restricted and self.expected_visible(account, replace(spec, deleted=False))
            for c in self.canaries[spec.key]
        }
        articles = {
            c
            for key, article in self.articles.items()
            if not article.tlp.restricted and self.article_visible(account, key)
            for c in self.canaries[key]
        }
        return threads | articles

    def _visible_key(self, account: str, key: str) -> bool:
        spec = next((s for s in SPECS if s.key == key), None)
        return self.expected_visible(account, spec) if spec else self.article_visible(account, key)

    def allowed_canaries(self, account: str) -> set[str]:
        """Hidden posts and comments and earlier versions only for moderators and admins who can
        see what they belong to; deleted ones for no one."""
        threads = {
            c for spec in SPECS if self.expected_visible(account, spec) for c in self.canaries[spec.key]
        }
        articles = {
            c for key in self.articles if self.article_visible(account, key) for c in self.canaries[key]
        }
        moderated = {
            c
            for key, cs in self.staff_only.items()
            if self.is_staff(account) and self._visible_key(account, key)
            for c in cs
        }
        return threads | articles | moderated

    def restricted_canaries(self) -> set[str]:
        """Everything labelled AMBER or stricter: never in e-mail or a digest, whoever reads it."""
        threads = {c for spec in SPECS if spec.tlp.restricted for c in self.canaries[spec.key]}
        articles = {
            c
            for spec in [*ARTICLE_SPECS, *UNPUBLISHED]
            if spec.tlp.restricted
            for c in self.canaries.get(spec.key if spec in UNPUBLISHED else "art-" + spec.key, [])
        }
        return threads | articles | self.moderated_canaries()

    def moderated_canaries(self) -> set[str]:
        """Text moderators hid, authors deleted or revised away: never in any e-mail."""
        return self.nobody | {c for cs in self.staff_only.values() for c in cs}

    def all_canaries(self) -> set[str]:
        return {c for cs in self.canaries.values() for c in cs} | self.moderated_canaries()


def context() -> RequestContext:
    """A request's stand-in for building test data, which posts far faster than any person may."""
    settings = get_settings().model_copy(update={"rate_posting_per_account": "100000/minute"})
    return RequestContext(ip="192.0.2.1", user_agent="world", settings=settings, limiter=RateLimiter(None))


async def build(db: AsyncSession) -> World:
    agency_a = await make_agency(db, name="Croatian Border Police", country="Croatia", domains=("a.example",))
    agency_b = await make_agency(db, name="Finnish Customs", country="Finland", domains=("b.example",))
    group = MemberGroup(name="Western Balkans land borders")
    db.add(group)
    await db.flush()
    accounts = {
        "pending": await make_member(db, status=Status.PENDING, name="Pending Applicant"),
        "supplier": await make_member(db, kind=MemberKind.SUPPLIER, name="Sam Supplier"),
        "academic": await make_member(db, kind=MemberKind.ACADEMIC, name="Ada Academic"),
        "official_a": await make_member(db, agency=agency_a, name="Olga OfficialA"),
        "official_b": await make_member(db, agency=agency_b, name="Otto OfficialB"),
        "wg_member": await make_member(db, kind=MemberKind.ACADEMIC, name="Walter Workinggroup"),
        "red_participant": await make_member(db, agency=agency_b, name="Rita Redparticipant"),
        "moderator": await make_member(db, role=Role.MODERATOR, name="Mona Moderator"),
        "admin": await make_member(db, role=Role.ADMIN, name="Adam Admin"),
    }
    for member in accounts.values():
        member.email_notifications = True
    db.add(GroupMembership(group_id=group.id, member_id=accounts["wg_member"].id))
    categories = {
        "community": Category(
            slug="community", name="Community square", tier=Tier.COMMUNITY, default_tlp=TLP.CLEAR
        ),
        "agencies": Category(
            slug="agencies", name="Agencies room", tier=Tier.AGENCIES, default_tlp=TLP.GREEN
        ),
        "wg": Category(
            slug="wg",
            name="Balkan working group",
            tier=Tier.WORKING_GROUP,
            default_tlp=TLP.AMBER,
            grants=[AccessGrant(agency_id=agency_a.id), AccessGrant(group_id=group.id)],
        ),
    }
    db.add_all(categories.values())
    await db.flush()

    ctx = context()
    author = accounts["official_a"]
    everyone = " ".join("@" + m.username for m in accounts.values())
    threads: dict[str, Thread] = {}
    canaries: dict[str, list[str]] = {}
    post_ids: list[int] = []
    for n, spec in enumerate(SPECS):
        tag = f"CANARY{n:02d}X{spec.key.replace('-', '').upper()}"
        canaries[spec.key] = [f"{tag}TITLE", f"{tag}BODY", f"{tag}REPLY"]
        thread = await forum_service.create_thread(
            db,
            author,
            ThreadIn(
                category_id=categories[spec.category].id,
                title=f"Thread {tag}TITLE",
                body=f"Opening {tag}BODY",
                tlp=spec.tlp,
                agencies_only=spec.agencies_only,
                participants=[accounts[k].username for k in spec.red_with],
            ),
            ctx,
        )
        opening = await db.scalar(select(Post).where(Post.thread_id == thread.id, Post.number == 1))
        post_ids.append(opening.id)
        if spec.hidden:
            await moderation.hide_post(db, accounts["admin"], opening.id, "canary test", ctx)
        replier = accounts["admin"] if spec.hidden else author
        reply = await forum_service.reply(db, replier, thread.id, f"Reply {tag}REPLY to {everyone}", ctx)
        post_ids.append(reply.id)
        threads[spec.key] = await db.get(Thread, thread.id)
        if spec.deleted:
            await forum_service.delete_post(db, author, opening.id)
    world = World(
        accounts, categories, threads, sorted(post_ids), [agency_a.id, agency_b.id], group.id, canaries
    )
    for n, spec in enumerate(SPECS):
        if spec.moderated:
            await _moderate_thread(db, world, threads[spec.key].id, spec.key, f"CANARY{n:02d}X", ctx)
    world.post_ids.sort()
    await _add_articles(db, world, ctx)
    await _record_hiding(db, world)
    await db.commit()
    return world


def _hide(item: Post | Comment) -> None:
    """Set directly: staff may not see what they hide here (working groups, TLP:RED), and the
    test is of reading, not of the hiding form."""
    item.hidden_at = utcnow()
    item.hidden_reason = "canary test"


async def _moderate_thread(
    db: AsyncSession, world: World, thread_id: int, key: str, tag: str, ctx: RequestContext
) -> None:
    """A reply hidden by a moderator, one deleted by its author and one edited (its first wording
    kept as a revision): their text is only for moderators who can see the thread (a deleted post
    stays in its edit history for their records)."""
    author = world.accounts["official_a"]
    hidden = await forum_service.reply(db, author, thread_id, f"Aside {tag}MODHIDDEN", ctx)
    _hide(hidden)
    gone = await forum_service.reply(db, author, thread_id, f"Slip {tag}GONE", ctx)
    await forum_service.delete_post(db, author, gone.id)
    edited = await forum_service.reply(db, author, thread_id, f"First {tag}FIRSTDRAFT", ctx)
    await forum_service.edit_post(db, author, edited.id, "Corrected wording", ctx)
    world.post_ids += [hidden.id, gone.id, edited.id]
    world.staff_only[key] = [f"{tag}MODHIDDEN", f"{tag}FIRSTDRAFT", f"{tag}GONE", f"{tag}HIDEREASON"]
    world.hidden_posts[key] = hidden.id


async def _record_hiding(db: AsyncSession, world: World) -> None:
    """The audit entries hiding would have written, with reasons that quote the hidden reply: the
    audit log may show them only to staff who can see the thread. Recorded last, so that they are
    on the log's first page."""
    for n, spec in enumerate(SPECS):
        if spec.key in world.hidden_posts:
            await audit_service.record(
                db,
                action="post.hide",
                actor_id=world.accounts["admin"].id,
                ip=None,
                target_type="post",
                target_id=world.hidden_posts[spec.key],
                details={"reason": f"Quotes CANARY{n:02d}XHIDEREASON"},
            )


class InMemoryUpload:
    def __init__(self, content: bytes) -> None:
        self.filename = "paper.pdf"
        self._content = content

    async def read(self, size: int = -1) -> bytes:
        chunk, self._content = (
            self._content[: max(size, 0) or None],
            self._content[max(size, 0) or len(self._content) :],
        )
        return chunk


async def _add_articles(db: AsyncSession, world: World, ctx: RequestContext) -> None:
    """One published article per thread spec (with a comment and a PDF), then a draft, a submitted,
    a returned and a hidden one; each carries canaries in its title, abstract, body, comment, PDF
    content and editor's notes. The moderated specs' articles also get `_moderate_article`."""
    author = world.accounts["official_a"]
    specs = [replace(s, key="art-" + s.key) for s in ARTICLE_SPECS]
    for n, spec in enumerate([*specs, *UNPUBLISHED, HIDDEN]):
        tag = f"ARTCANARY{n:02d}X{spec.key.replace('-', '').upper()}"
        world.canaries[spec.key] = [f"{tag}TITLE", f"{tag}ABSTRACT", f"{tag}BODY", f"{tag}PDF"]
        draft = DraftIn(
            category_id=world.categories[spec.category].id,
            title=f"Article {tag}TITLE",
            abstract=f"Abstract {tag}ABSTRACT of this study of borders.",
            body=f"## Findings\n\nBody {tag}BODY " + "words " * 20,
            tlp=spec.tlp,
            agencies_only=spec.agencies_only,
            participants=[world.accounts[k].username for k in spec.red_with],
            keywords=["canaries"],
        )
        first = draft.model_copy(update={"body": f"{draft.body}\n\nSince revised {tag}OLDBODY"})
        article = await article_service.create_draft(db, author, first if spec.moderated else draft, ctx)
        pdf = b"%PDF-1.7\n" + f"{tag}PDF".encode() + b"\n%%EOF\n"
        await article_files.attach(db, ctx, author, article.id, InMemoryUpload(pdf))
        world.articles[spec.key] = article
        if spec in UNPUBLISHED:
            if spec is not DRAFT:
                await article_service.submit(db, author, article.id, ctx)
            if spec is RETURNED:
                notes = f"Please tighten {tag}NOTES"
                await article_review.return_to_authors(
                    db, world.accounts["moderator"], article.id, notes, ctx
                )
                world.canaries[spec.key].append(f"{tag}NOTES")
            continue
        article.status = ArticleStatus.PUBLISHED
        article.published_at = utcnow()
        await db.flush()
        comment = await article_comments.add(
            db, author, article.id, CommentIn(body=f"Comment {tag}COMMENT"), ctx
        )
        world.comment_ids.append(comment.id)
        world.canaries[spec.key].append(f"{tag}COMMENT")
        if spec.moderated:
            await _moderate_article(db, world, article, draft, spec.key, tag, ctx)
        if spec is HIDDEN:
            await article_review.hide(db, world.accounts["moderator"], article.id, "canary test", ctx)


async def _moderate_article(
    db: AsyncSession, world: World, article: Article, text: DraftIn, key: str, tag: str, ctx: RequestContext
) -> None:
    """A comment hidden by a moderator, one deleted by its author, and a revision whose earlier
    text only moderators may read."""
    author = world.accounts["official_a"]
    await article_service.save(db, author, article.id, text, ctx)
    hidden = await article_comments.add(
        db, author, article.id, CommentIn(body=f"Remark {tag}HIDDENCOMMENT"), ctx
    )
    _hide(hidden)
    gone = await article_comments.add(db, author, article.id, CommentIn(body=f"Typo {tag}GONECOMMENT"), ctx)
    await article_comments.remove(db, author, gone.id, ctx)
    await db.flush()
    world.comment_ids += [hidden.id, gone.id]
    world.staff_only[key] = [f"{tag}OLDBODY", f"{tag}HIDDENCOMMENT"]
    world.nobody.add(f"{tag}GONECOMMENT")
