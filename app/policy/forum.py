"""Who may do what in the forum."""

from __future__ import annotations

from app.accounts.models import Member
from app.forum.models import TLP, Category, Post, Thread, Tier
from app.policy.base import Forbidden, can_see_content, can_vet, check_can_administer


def can_see_hidden_posts(member: Member | None) -> bool:
    """Moderators and admins see hidden posts and threads (of tiers they can see) to review them."""
    return can_see_content(member) and member is not None and member.is_staff


def can_see_edit_history(member: Member | None) -> bool:
    return can_see_hidden_posts(member)


def can_moderate(member: Member | None) -> bool:
    return can_vet(member)


def check_can_moderate(member: Member | None) -> None:
    if not can_moderate(member):
        raise Forbidden("Only moderators can do this.")


def check_label_fits_category(tlp: TLP, category: Category) -> None:
    if tlp.restricted and category.tier is Tier.COMMUNITY:
        raise Forbidden(
            f"{tlp.label} cannot be used in a Community category; choose an agencies-only "
            "or working-group category."
        )


def check_thread_tier(category: Category, tier: Tier | None) -> None:
    """A thread can be stricter than its category, never looser."""
    if tier is not None and tier.rank < category.tier.rank:
        raise Forbidden("A thread cannot be more open than its category.")


def check_can_reply(thread: Thread) -> None:
    if thread.locked:
        raise Forbidden("This thread is locked: no new replies.")
    if thread.closed:
        raise Forbidden("This thread is closed: no new replies.")


def check_can_edit_post(member: Member, post: Post, thread: Thread) -> None:
    """The edit form shows the post's source, so this guards reading it as much as changing it:
    a hidden post's text is for moderators, a deleted one's for no one."""
    if member.id != post.author_id:
        raise Forbidden("You can only edit your own posts.")
    if post.deleted_at is not None:
        raise Forbidden("This post was deleted.")
    if post.hidden_at is not None:
        raise Forbidden("A moderator hid this post; it cannot be edited.")
    if thread.locked:
        raise Forbidden("This thread is locked: posts cannot be edited.")


def check_can_delete_post(member: Member, author_id: int) -> None:
    if member.id != author_id and not can_moderate(member):
        raise Forbidden("You can only delete your own posts.")


def check_can_move(thread: Thread, source: Category, target: Category) -> None:
    """A move may not widen who sees restricted material."""
    check_label_fits_category(thread.tlp, target)
    if thread.tlp.restricted:
        if target.tier.rank < source.tier.rank:
            raise Forbidden(f"A {thread.tlp.label} thread cannot move to a more open category.")
        if source.tier is Tier.WORKING_GROUP:
            source_grants = {(g.agency_id, g.group_id) for g in source.grants}
            target_grants = {(g.agency_id, g.group_id) for g in target.grants}
            if not target_grants <= source_grants:
                raise Forbidden(
                    f"A {thread.tlp.label} thread cannot move to a working group with other members."
                )


def check_can_manage_forum(member: Member | None) -> None:
    check_can_administer(member)
