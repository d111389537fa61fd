"""Reading and writing articles."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import JSONResponse, Response
from starlette.datastructures import UploadFile

from app.articles import files, queries, service
from app.articles.models import Article, ArticleStatus
from app.articles.schemas import DraftIn, PeopleRole
from app.deps import Ctx, CurrentMember, DbSession, verify_csrf
from app.errors import ServiceError
from app.forms import FORM_LEVEL, form_values, validate
from app.forum.models import TLP
from app.policy import (
    Forbidden,
    NotVisible,
    can_comment,
    can_edit_article,
    can_moderate,
    can_see_article_history,
    can_write_articles,
    check_can_edit_article,
    check_can_write_articles,
    visible_categories,
)
from app.templating import is_htmx, render
from app.web import redirect

router = APIRouter(dependencies=[Depends(verify_csrf)])


@router.get("/articles")
async def index(
    request: Request,
    db: DbSession,
    member: CurrentMember,
    keyword: str | None = None,
    author: str | None = None,
    page: int = 1,
) -> Response:
    keyword = (keyword or "").strip()[:60] or None
    author = (author or "").strip()[:41] or None
    page = max(1, min(page, 10_000))
    listed = await queries.published(db, member, keyword=keyword, author=author, page=page)
    return render(
        request,
        "articles/index.html",
        {
            "articles": listed.articles,
            "total": listed.total,
            "page": listed.page,
            "pages": listed.pages,
            "keyword": keyword or "",
            "author": author or "",
            "drafts": await queries.own_drafts(db, member) if can_write_articles(member) else [],
            "can_write": can_write_articles(member),
        },
        block="results",
    )


def _draft_values(article: Article, participants: list[str]) -> dict[str, Any]:
    return {
        "category_id": str(article.category_id),
        "title": article.title,
        "abstract": article.abstract,
        "body": article.body_source,
        "tlp": article.tlp.value,
        "agencies_only": "on" if article.tier is not None else "",
        "keywords": ", ".join(article.keyword_list),
        "coauthors": ", ".join("@" + m.username for m in article.author_members[1:]),
        "participants": ", ".join("@" + p for p in participants),
    }


async def _form(
    request: Request,
    db: DbSession,
    member: CurrentMember,
    article: Article | None,
    values: dict[str, Any],
    errors: dict[str, str],
    status_code: int = 200,
) -> Response:
    return render(
        request,
        "articles/edit.html",
        {
            "article": article,
            "values": values,
            "errors": errors,
            "categories": list(await db.scalars(visible_categories(member))),
            "labels": list(TLP),
            "saved": None,
            "message": "",
        },
        status_code=status_code,
    )


@router.get("/articles/new")
async def new(request: Request, db: DbSession, member: CurrentMember) -> Response:
    check_can_write_articles(member)
    return await _form(request, db, member, None, {"tlp": ""}, {})


def _errors(exc: ServiceError | Forbidden) -> dict[str, str]:
    return {getattr(exc, "field", None) or FORM_LEVEL: exc.message}


@router.post("/articles/new")
async def create(request: Request, db: DbSession, ctx: Ctx, member: CurrentMember) -> Response:
    check_can_write_articles(member)
    values = await form_values(request)
    data, errors = validate(DraftIn, values)
    if data is not None:
        try:
            article = await service.create_draft(db, member, data, ctx)
        except (ServiceError, Forbidden) as exc:
            errors = _errors(exc)
        else:
            return redirect(request, f"/a/{article.id}/edit")
    return await _form(request, db, member, None, values, errors, 422)


@router.get("/articles/people")
async def people(
    db: DbSession, member: CurrentMember, category_id: int, q: str = "", role: PeopleRole = "coauthors"
) -> JSONResponse:
    """Suggestions for the co-author and participant fields, with each member's affiliation."""
    found = await service.people(db, member, category_id, q, role)
    return JSONResponse(
        [{"username": m.username, "name": m.display_name, "affiliation": m.affiliation} for m in found]
    )


async def article_page(
    request: Request,
    db: DbSession,
    ctx: Ctx,
    member: CurrentMember,
    article_id: int,
    *,
    parent_id: int | None = None,
    comment_text: str = "",
    errors: dict[str, str] | None = None,
    status_code: int = 200,
) -> Response:
    """The whole article page; when a comment was refused, an HTMX request gets the comment form
    alone, with the message and the text."""
    view = await queries.article_view(db, member, article_id)
    return render(
        request,
        "articles/article.html",
        {
            "view": view,
            "article": view.article,
            "permalink": ctx.settings.url(f"/a/{view.article.id}"),
            "can_edit": can_edit_article(member, view.article),
            "can_comment": can_comment(member, view.article),
            "can_moderate": can_moderate(member),
            "can_see_history": can_see_article_history(member),
            "comment_text": comment_text,
            "parent_id": parent_id,
            "errors": errors or {},
        },
        block="comment_form" if errors else None,
        status_code=status_code,
        headers={"HX-Retarget": "#comment-form", "HX-Reswap": "outerHTML"} if errors else None,
    )


@router.get("/a/{article_id}")
async def show(
    request: Request,
    article_id: int,
    db: DbSession,
    ctx: Ctx,
    member: CurrentMember,
    reply: int | None = None,
) -> Response:
    return await article_page(
        request, db, ctx, member, article_id, parent_id=reply if reply and reply > 0 else None
    )


@router.get("/a/{article_id}/comment-form")
async def comment_form(
    request: Request, article_id: int, db: DbSession, member: CurrentMember, reply: int
) -> Response:
    """The comment form set to reply to one comment, for HTMX to swap in; without HTMX, the page
    with that form."""
    article = await queries.article(db, member, article_id)
    parent = await queries.comment(db, member, reply)
    if parent.article_id != article.id:
        raise NotVisible
    if not is_htmx(request):
        return redirect(request, f"/a/{article.id}?reply={parent.id}#comment-form")
    return render(
        request,
        "articles/article.html",
        {
            "article": article,
            "can_comment": can_comment(member, article),
            "comment_text": "",
            "parent_id": parent.id,
            "errors": {},
        },
        block="comment_form",
    )


@router.get("/a/{article_id}/edit")
async def edit_form(request: Request, article_id: int, db: DbSession, member: CurrentMember) -> Response:
    article = await queries.article(db, member, article_id)
    if not can_edit_article(member, article):
        raise Forbidden("Only the article's authors can change it, and not while it waits for review.")
    values = _draft_values(article, await queries.named_participants(db, article))
    return await _form(request, db, member, article, values, {})


@router.post("/a/{article_id}/edit")
async def save(request: Request, article_id: int, db: DbSession, ctx: Ctx, member: CurrentMember) -> Response:
    values = await form_values(request)
    data, errors = validate(DraftIn, values)
    if data is not None:
        try:
            article = await service.save(db, member, article_id, data, ctx)
        except (ServiceError, Forbidden) as exc:
            errors = _errors(exc)
        else:
            target = (
                f"/a/{article.id}" if article.status is ArticleStatus.PUBLISHED else f"/a/{article.id}/edit"
            )
            return redirect(request, target)
    article = await queries.article(db, member, article_id)
    return await _form(request, db, member, article, values, errors, 422)


@router.post("/a/{article_id}/autosave")
async def autosave(
    request: Request, article_id: int, db: DbSession, ctx: Ctx, member: CurrentMember
) -> Response:
    """HTMX posts the whole form a moment after typing stops; the answer is a status line. The
    same post without HTMX is an ordinary save, answered with a page."""
    if not is_htmx(request):
        return await save(request, article_id, db, ctx, member)
    values = await form_values(request)
    data, errors = validate(DraftIn, values)
    message, saved = "", None
    if data is None:
        message = "Not saved yet: " + next(iter(errors.values()))
    else:
        try:
            saved = await service.autosave(db, member, article_id, data)
        except (ServiceError, Forbidden) as exc:
            message = "Not saved: " + exc.message
    return render(
        request, "articles/edit.html", {"saved": saved, "message": message}, block="autosave_status"
    )


@router.post("/a/{article_id}/submit")
async def submit(
    request: Request, article_id: int, db: DbSession, ctx: Ctx, member: CurrentMember
) -> Response:
    await service.submit(db, member, article_id, ctx)
    return redirect(request, f"/a/{article_id}")


@router.post("/a/{article_id}/delete")
async def delete(
    request: Request, article_id: int, db: DbSession, ctx: Ctx, member: CurrentMember
) -> Response:
    await service.delete_draft(db, member, article_id, ctx)
    return redirect(request, "/articles")


@router.post("/a/{article_id}/pdf")
async def upload_pdf(
    request: Request, article_id: int, db: DbSession, ctx: Ctx, member: CurrentMember
) -> Response:
    form = await request.form()
    upload = form.get("pdf")
    article = await queries.article(db, member, article_id)
    check_can_edit_article(member, article)
    status = 422
    if not isinstance(upload, UploadFile) or not upload.filename:
        errors = {"pdf": "Choose a PDF file to attach."}
    else:
        try:
            await files.attach(db, ctx, member, article_id, upload)
        except ServiceError as exc:
            errors, status = _errors(exc), exc.status_code
        else:
            return redirect(request, f"/a/{article_id}/edit")
    values = _draft_values(article, await queries.named_participants(db, article))
    return await _form(request, db, member, article, values, errors, status)


@router.post("/a/{article_id}/pdf/delete")
async def remove_pdf(
    request: Request, article_id: int, db: DbSession, ctx: Ctx, member: CurrentMember
) -> Response:
    await files.detach(db, ctx, member, article_id)
    return redirect(request, f"/a/{article_id}/edit")


@router.get("/a/{article_id}/pdf")
async def download_pdf(article_id: int, db: DbSession, ctx: Ctx, member: CurrentMember) -> Response:
    return files.attachment(await files.path_for(db, ctx.settings, member, article_id))


@router.get("/a/{article_id}/revisions/{number}/pdf")
async def download_revision_pdf(
    article_id: int, number: int, db: DbSession, ctx: Ctx, member: CurrentMember
) -> Response:
    return files.attachment(await files.revision_path_for(db, ctx.settings, member, article_id, number))
