"""Who may act on accounts, and the two refusals every decision ends in."""

from __future__ import annotations

from app.accounts.models import Member, Role


class NotVisible(Exception):
    """Answered as 404: the actor may not know the thing exists."""


class Forbidden(Exception):
    """Answered as 403: the actor may see the thing but not do this."""

    def __init__(self, message: str = "You are not allowed to do this.") -> None:
        super().__init__(message)
        self.message = message


def can_see_content(member: Member | None) -> bool:
    """Pending, rejected and suspended accounts see no member content at all."""
    return member is not None and member.is_active


def can_vet(member: Member | None) -> bool:
    return can_see_content(member) and member is not None and member.is_staff


def can_read_audit(member: Member | None) -> bool:
    return can_vet(member)


def can_administer(member: Member | None) -> bool:
    return can_see_content(member) and member is not None and member.role is Role.ADMIN


def can_see_member_directory(member: Member | None) -> bool:
    return can_see_content(member)


def check_can_see_content(member: Member | None) -> None:
    if not can_see_content(member):
        raise NotVisible


def check_can_vet(member: Member | None) -> None:
    if not can_vet(member):
        raise Forbidden("Only moderators can vet applications.")


def check_can_read_audit(member: Member | None) -> None:
    if not can_read_audit(member):
        raise Forbidden("Only moderators and admins can read the audit log.")


def check_can_administer(member: Member | None) -> None:
    if not can_administer(member):
        raise Forbidden("Only admins can do this.")


def check_can_change_role(actor: Member, target: Member) -> None:
    check_can_administer(actor)
    if target.role is Role.ADMIN:
        raise Forbidden("Admins keep their role; it is not changed from here.")
    if not target.is_active:
        raise Forbidden("Only vetted, active members can become moderators.")


def check_can_suspend(actor: Member, target: Member) -> None:
    check_can_administer(actor)
    if actor.id == target.id:
        raise Forbidden("You cannot suspend your own account.")
    if target.role is Role.ADMIN:
        raise Forbidden("An admin cannot be suspended by another admin from here.")


def check_can_end_session(actor: Member, session_member_id: int) -> None:
    """A member ends only their own sessions; another member's session is simply not there."""
    if actor.id != session_member_id:
        raise NotVisible


class SecondFactorRequired(Forbidden):
    """Staff without a second factor: pages send them to set one up first."""


def needs_second_factor(member: Member | None) -> bool:
    """Moderators and admins can read and decide on everything; a password alone is not enough."""
    return member is not None and member.is_staff and member.second_factor_at is None


def must_enrol_second_factor(member: Member | None, *, everyone: bool) -> bool:
    """Before reading anything: when the site requires a second factor of every member, or the
    member's agency does of its officials (an admin setting on the agency)."""
    if member is None or member.second_factor_at is not None:
        return False
    return everyone or (member.agency is not None and member.agency.second_factor_required)


def check_member_second_factor(member: Member | None, *, everyone: bool) -> None:
    if must_enrol_second_factor(member, everyone=everyone):
        raise SecondFactorRequired("Set up two-step sign-in first: it is required for your account.")


def check_staff_second_factor(member: Member | None) -> None:
    if needs_second_factor(member):
        raise SecondFactorRequired(
            "Moderators and admins must set up a second factor before using staff pages."
        )


WRITE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})


def check_token_allows(scope: str, method: str) -> None:
    """A read-only personal token may read, nothing more."""
    if scope != "write" and method.upper() in WRITE_METHODS:
        raise Forbidden("This token may only read; create a read-and-write token to make changes.")
