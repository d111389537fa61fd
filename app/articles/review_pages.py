"""Editors' review queue, and comments on articles."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response

from app.articles import comments, queries, review, service
from app.articles.models import Comment
from app.articles.pages import article_page
from app.articles.schemas import CommentEditIn, CommentIn, HideIn, ReturnIn
from app.deps import Ctx, CurrentMember, DbSession, RequireModerator, verify_csrf
from app.errors import InvalidInput, ServiceError
from app.forms import FORM_LEVEL, form_values, validate
from app.policy import Forbidden, can_moderate
from app.templating import is_htmx, render
from app.web import redirect

router = APIRouter(dependencies=[Depends(verify_csrf)])


@router.get("/editor/articles")
async def queue(request: Request, db: DbSession, editor: RequireModerator) -> Response:
    return render(request, "articles/queue.html", {"articles": await queries.review_queue(db, editor)})


@router.post("/a/{article_id}/publish")
async def publish(
    request: Request, article_id: int, db: DbSession, ctx: Ctx, editor: RequireModerator
) -> Response:
    await review.publish(db, editor, article_id, ctx)
    return redirect(request, f"/a/{article_id}")


@router.post("/a/{article_id}/return")
async def return_draft(
    request: Request, article_id: int, db: DbSession, ctx: Ctx, editor: RequireModerator
) -> Response:
    data, errors = validate(ReturnIn, await form_values(request))
    if data is None:
        raise InvalidInput(
            "Write notes for the authors (3 characters or more): " + next(iter(errors.values()))
        )
    await review.return_to_authors(db, editor, article_id, data.notes, ctx)
    return redirect(request, "/editor/articles")


@router.post("/a/{article_id}/hide")
async def hide_article(
    request: Request, article_id: int, db: DbSession, ctx: Ctx, moderator: RequireModerator
) -> Response:
    data, _ = validate(HideIn, await form_values(request))
    if data is None:
        raise InvalidInput("Give a reason for hiding, which the authors are told (3 characters or more).")
    await review.hide(db, moderator, article_id, data.reason, ctx)
    return redirect(request, f"/a/{article_id}")


@router.post("/a/{article_id}/unhide")
async def unhide_article(
    request: Request, article_id: int, db: DbSession, ctx: Ctx, moderator: RequireModerator
) -> Response:
    await review.hide(db, moderator, article_id, None, ctx)
    return redirect(request, f"/a/{article_id}")


@router.get("/a/{article_id}/revisions")
async def revisions(request: Request, article_id: int, db: DbSession, member: CurrentMember) -> Response:
    article, found = await service.revisions(db, member, article_id)
    return render(request, "articles/revisions.html", {"article": article, "revisions": found, "shown": None})


@router.get("/a/{article_id}/revisions/{number}")
async def revision(
    request: Request, article_id: int, number: int, db: DbSession, member: CurrentMember
) -> Response:
    article, shown = await service.revision(db, member, article_id, number)
    return render(request, "articles/revisions.html", {"article": article, "revisions": [], "shown": shown})


async def _comment_block(
    request: Request, db: DbSession, member: CurrentMember, comment: Comment, block: str = "comment"
) -> Response:
    """One comment card for HTMX to swap in. A new reply goes at the end of its thread of
    replies, inside the comment it answers, as a reload would show it."""
    article = await queries.article(db, member, comment.article_id)
    if not is_htmx(request):
        return redirect(request, f"/a/{article.id}#c{comment.id}")
    placed = block == "new_comment" and comment.parent_id is not None
    return render(
        request,
        "articles/article.html",
        {
            "article": article,
            "cv": queries.present(comment, member),
            "can_moderate": can_moderate(member),
            "can_comment": True,
            "comment_text": "",
            "parent_id": None,
            "errors": {},
        },
        block=block,
        headers={"HX-Retarget": f"#c{comment.parent_id}", "HX-Reswap": "beforeend"} if placed else None,
    )


@router.post("/a/{article_id}/comments")
async def add_comment(
    request: Request, article_id: int, db: DbSession, ctx: Ctx, member: CurrentMember
) -> Response:
    values = await form_values(request)
    data, errors = validate(CommentIn, values)
    status_code = 422
    if data is not None:
        try:
            comment = await comments.add(db, member, article_id, data, ctx)
        except (ServiceError, Forbidden) as exc:
            errors = {FORM_LEVEL: exc.message}
            status_code = 403 if isinstance(exc, Forbidden) else exc.status_code
        else:
            return await _comment_block(request, db, member, comment, block="new_comment")
    parent = values.get("parent_id")
    return await article_page(
        request,
        db,
        ctx,
        member,
        article_id,
        parent_id=int(parent) if isinstance(parent, str) and parent.isdecimal() else None,
        comment_text=str(values.get("body", "")),
        errors=errors,
        status_code=status_code,
    )


@router.get("/ac/{comment_id}")
async def show_comment(request: Request, comment_id: int, db: DbSession, member: CurrentMember) -> Response:
    return await _comment_block(request, db, member, await queries.comment(db, member, comment_id))


@router.get("/ac/{comment_id}/edit")
async def edit_comment_form(
    request: Request, comment_id: int, db: DbSession, member: CurrentMember
) -> Response:
    comment = await comments.editable(db, member, comment_id)
    return render(
        request, "articles/edit_comment.html", {"comment": comment, "body": comment.body_source, "errors": {}}
    )


@router.post("/ac/{comment_id}/edit")
async def edit_comment(request: Request, comment_id: int, db: DbSession, member: CurrentMember) -> Response:
    values = await form_values(request)
    data, errors = validate(CommentEditIn, values)
    status_code = 422
    if data is not None:
        try:
            comment = await comments.edit(db, member, comment_id, data.body)
        except (ServiceError, Forbidden) as exc:
            errors = {FORM_LEVEL: exc.message}
            status_code = 403 if isinstance(exc, Forbidden) else exc.status_code
        else:
            return await _comment_block(request, db, member, comment)
    comment = await queries.comment(db, member, comment_id)
    return render(
        request,
        "articles/edit_comment.html",
        {"comment": comment, "body": values.get("body", ""), "errors": errors},
        status_code=status_code,
    )


@router.post("/ac/{comment_id}/delete")
async def delete_comment(
    request: Request, comment_id: int, db: DbSession, ctx: Ctx, member: CurrentMember
) -> Response:
    comment = await comments.remove(db, member, comment_id, ctx)
    return await _comment_block(request, db, member, comment)


@router.post("/ac/{comment_id}/hide")
async def hide_comment(
    request: Request, comment_id: int, db: DbSession, ctx: Ctx, moderator: RequireModerator
) -> Response:
    data, errors = validate(HideIn, await form_values(request))
    if data is None:
        raise InvalidInput("Give a reason for hiding (3 characters or more).")
    comment = await comments.hide(db, moderator, comment_id, data.reason, ctx)
    return await _comment_block(request, db, moderator, comment)


@router.post("/ac/{comment_id}/unhide")
async def unhide_comment(
    request: Request, comment_id: int, db: DbSession, ctx: Ctx, moderator: RequireModerator
) -> Response:
    comment = await comments.hide(db, moderator, comment_id, None, ctx)
    return await _comment_block(request, db, moderator, comment)
