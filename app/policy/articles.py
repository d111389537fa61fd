"""Who may do what with articles and their comments."""

from __future__ import annotations

from app.accounts.models import Member, MemberKind
from app.articles.models import Article, ArticleStatus, Comment
from app.forum.models import TLP, Tier
from app.policy.base import Forbidden, can_see_content
from app.policy.forum import can_moderate, can_see_hidden_posts

WRITER_KINDS = (MemberKind.ACADEMIC, MemberKind.OFFICIAL)


def can_write_articles(member: Member | None) -> bool:
    """Academics and agency officials write articles; suppliers do not."""
    return can_see_content(member) and member is not None and member.kind in WRITER_KINDS


def check_can_write_articles(member: Member | None) -> None:
    if not can_write_articles(member):
        raise Forbidden("Articles are written by academics and agency officials.")


def is_article_author(member: Member | None, article: Article) -> bool:
    return member is not None and any(a.member_id == member.id for a in article.authors)


def can_edit_article(member: Member | None, article: Article) -> bool:
    """Authors edit drafts and returned drafts, and revise what is published; a submitted draft
    waits for its editor."""
    return (
        can_see_content(member)
        and is_article_author(member, article)
        and article.status is not ArticleStatus.SUBMITTED
    )


def check_can_edit_article(member: Member | None, article: Article) -> None:
    if not is_article_author(member, article):
        raise Forbidden("Only the article's authors can change it.")
    if article.status is ArticleStatus.SUBMITTED:
        raise Forbidden("This article is waiting for review and cannot be changed now.")


def check_can_submit_article(member: Member | None, article: Article) -> None:
    if not is_article_author(member, article):
        raise Forbidden("Only the article's authors can submit it.")
    if article.status not in (ArticleStatus.DRAFT, ArticleStatus.RETURNED):
        raise Forbidden("Only a draft can be submitted for review.")


def can_review_articles(member: Member | None) -> bool:
    return can_moderate(member)


def check_can_review_article(member: Member | None, article: Article) -> None:
    if not can_review_articles(member):
        raise Forbidden("Only editors can publish or return articles.")
    if article.status is not ArticleStatus.SUBMITTED:
        raise Forbidden("This article is not waiting for review.")
    if is_article_author(member, article):
        raise Forbidden("Editors do not review their own articles.")


def can_see_article_history(member: Member | None) -> bool:
    return can_see_hidden_posts(member)


def can_comment(member: Member | None, article: Article) -> bool:
    return can_see_content(member) and article.status is ArticleStatus.PUBLISHED and article.hidden_at is None


def check_can_comment(member: Member | None, article: Article) -> None:
    if not can_comment(member, article):
        raise Forbidden("Comments are open while the article is published and shown.")


def check_can_hide_article(member: Member | None, article: Article) -> None:
    """Moderators take a published article out of readers' sight, which its authors cannot do."""
    if not can_moderate(member):
        raise Forbidden("Only moderators can hide articles.")
    if article.status is not ArticleStatus.PUBLISHED:
        raise Forbidden("Only a published article can be hidden.")


def check_can_reply_to_comment(member: Member, parent: Comment) -> None:
    """A reply would notify the author of a comment the replier cannot see, and hang under a
    placeholder."""
    if parent.deleted_at is not None or (parent.hidden_at is not None and not can_see_hidden_posts(member)):
        raise Forbidden("That comment is no longer shown; comment on the article instead.")


def check_can_edit_comment(member: Member, comment: Comment) -> None:
    """Guards the edit form's view of the source too: see `check_can_edit_post`."""
    if member.id != comment.author_id:
        raise Forbidden("You can only edit your own comments.")
    if comment.deleted_at is not None:
        raise Forbidden("This comment was deleted.")
    if comment.hidden_at is not None:
        raise Forbidden("A moderator hid this comment; it cannot be edited.")


def check_can_delete_comment(member: Member, comment: Comment) -> None:
    if member.id != comment.author_id and not can_moderate(member):
        raise Forbidden("You can only delete your own comments.")


def check_can_see_article_history(member: Member | None) -> None:
    if not can_see_article_history(member):
        raise Forbidden("Earlier revisions are shown to moderators.")


def check_revision_keeps_access(article: Article, category_id: int, tier: Tier | None, tlp: TLP) -> None:
    """A published article may become stricter in a revision, never more open: readers and
    agencies relied on the label it was published under."""
    if category_id != article.category_id:
        raise Forbidden("A published article stays in its category.")
    order = list(TLP)
    if order.index(tlp) < order.index(article.tlp) or (article.tier is not None and tier is None):
        raise Forbidden("A revision cannot make a published article more open than it was.")
