"""Articles and their comments as JSON under /api/v1, through the same services and policy."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, UploadFile
from fastapi.responses import FileResponse, Response

from app.articles import comments, files, queries, review, service
from app.articles.models import Article
from app.articles.schemas import (
    ArticleOut,
    ArticleSummaryOut,
    CommentEditIn,
    CommentIn,
    CommentOut,
    DraftIn,
    HideIn,
    PeopleRole,
    ReturnIn,
    RevisionOut,
    RevisionTextOut,
)
from app.deps import ApiMember, ApiModerator, Ctx, DbSession
from app.forum.schemas import AuthorOut

router = APIRouter(prefix="/articles", tags=["articles"])
Page = Annotated[int, Query(ge=1, le=10_000)]


def _summary_fields(a: Article) -> dict[str, object]:
    return {
        "id": a.id,
        "title": a.title,
        "abstract": a.abstract,
        "status": a.status,
        "tlp": a.tlp,
        "tlp_label": a.tlp.label,
        "tier": a.effective_tier,
        "category_id": a.category_id,
        "authors": [AuthorOut.model_validate(m) for m in a.author_members],
        "keywords": a.keyword_list,
        "published_at": a.published_at,
        "revised_at": a.revised_at,
        "comment_count": a.comment_count,
        "url": f"/a/{a.id}",
    }


def _article(a: Article) -> ArticleOut:
    return ArticleOut(
        **_summary_fields(a),  # type: ignore[arg-type]
        body_source=a.body_source,
        body_html=a.body_html,
        reading_minutes=a.reading_minutes,
        has_pdf=a.pdf_stored_name is not None,
        editor_notes=a.editor_notes,
        hidden=a.hidden_at is not None,
        hidden_reason=a.hidden_reason,
    )


def _comment(view: queries.CommentView) -> CommentOut:
    c = view.comment
    return CommentOut(
        id=c.id,
        parent_id=c.parent_id,
        author=AuthorOut.model_validate(c.author),
        created_at=c.created_at,
        edited=c.edited_at is not None,
        deleted=c.deleted_at is not None,
        hidden=c.hidden_at is not None,
        hidden_reason=c.hidden_reason if c.hidden_at and not view.hidden_for_viewer else None,
        body_html=view.body_html,
    )


@router.get("", response_model=list[ArticleSummaryOut])
async def list_articles(
    db: DbSession,
    member: ApiMember,
    keyword: Annotated[str | None, Query(max_length=60)] = None,
    author: Annotated[str | None, Query(max_length=41)] = None,
    page: Page = 1,
) -> list[ArticleSummaryOut]:
    listed = await queries.published(db, member, keyword=keyword, author=author, page=page)
    return [ArticleSummaryOut(**_summary_fields(a)) for a in listed.articles]  # type: ignore[arg-type]


@router.post("", response_model=ArticleOut, status_code=201)
async def create(body: DraftIn, db: DbSession, ctx: Ctx, member: ApiMember) -> ArticleOut:
    return _article(await service.create_draft(db, member, body, ctx))


@router.get("/review-queue", response_model=list[ArticleSummaryOut])
async def review_queue(db: DbSession, editor: ApiModerator) -> list[ArticleSummaryOut]:
    return [ArticleSummaryOut(**_summary_fields(a)) for a in await queries.review_queue(db, editor)]  # type: ignore[arg-type]


@router.get("/people", response_model=list[AuthorOut])
async def people(
    db: DbSession,
    member: ApiMember,
    category_id: int,
    q: Annotated[str, Query(max_length=41)] = "",
    role: PeopleRole = "coauthors",
) -> list[AuthorOut]:
    """Who may be named as a co-author (or TLP:RED participant) of an article in the category."""
    return [AuthorOut.model_validate(m) for m in await service.people(db, member, category_id, q, role)]


@router.get("/{article_id}", response_model=ArticleOut)
async def get(article_id: int, db: DbSession, member: ApiMember) -> ArticleOut:
    return _article(await queries.article(db, member, article_id))


@router.put("/{article_id}", response_model=ArticleOut)
async def save(article_id: int, body: DraftIn, db: DbSession, ctx: Ctx, member: ApiMember) -> ArticleOut:
    return _article(await service.save(db, member, article_id, body, ctx))


@router.delete("/{article_id}", status_code=204)
async def delete(article_id: int, db: DbSession, ctx: Ctx, member: ApiMember) -> Response:
    await service.delete_draft(db, member, article_id, ctx)
    return Response(status_code=204)


@router.post("/{article_id}/submit", response_model=ArticleOut)
async def submit(article_id: int, db: DbSession, ctx: Ctx, member: ApiMember) -> ArticleOut:
    return _article(await service.submit(db, member, article_id, ctx))


@router.post("/{article_id}/publish", response_model=ArticleOut)
async def publish(article_id: int, db: DbSession, ctx: Ctx, editor: ApiModerator) -> ArticleOut:
    return _article(await review.publish(db, editor, article_id, ctx))


@router.post("/{article_id}/return", response_model=ArticleOut)
async def return_draft(
    article_id: int, body: ReturnIn, db: DbSession, ctx: Ctx, editor: ApiModerator
) -> ArticleOut:
    return _article(await review.return_to_authors(db, editor, article_id, body.notes, ctx))


@router.post("/{article_id}/hide", response_model=ArticleOut)
async def hide(article_id: int, body: HideIn, db: DbSession, ctx: Ctx, moderator: ApiModerator) -> ArticleOut:
    return _article(await review.hide(db, moderator, article_id, body.reason, ctx))


@router.post("/{article_id}/unhide", response_model=ArticleOut)
async def unhide(article_id: int, db: DbSession, ctx: Ctx, moderator: ApiModerator) -> ArticleOut:
    return _article(await review.hide(db, moderator, article_id, None, ctx))


@router.get("/{article_id}/revisions", response_model=list[RevisionOut])
async def revisions(article_id: int, db: DbSession, member: ApiMember) -> list[RevisionOut]:
    _, found = await service.revisions(db, member, article_id)
    return [RevisionOut.model_validate(r) for r in found]


@router.get("/{article_id}/revisions/{number}", response_model=RevisionTextOut)
async def revision(article_id: int, number: int, db: DbSession, member: ApiMember) -> RevisionTextOut:
    _, found = await service.revision(db, member, article_id, number)
    return RevisionTextOut.model_validate(found)


@router.put("/{article_id}/pdf", response_model=ArticleOut)
async def upload_pdf(
    article_id: int, pdf: UploadFile, db: DbSession, ctx: Ctx, member: ApiMember
) -> ArticleOut:
    return _article(await files.attach(db, ctx, member, article_id, pdf))


@router.delete("/{article_id}/pdf", status_code=204)
async def remove_pdf(article_id: int, db: DbSession, ctx: Ctx, member: ApiMember) -> Response:
    await files.detach(db, ctx, member, article_id)
    return Response(status_code=204)


@router.get("/{article_id}/pdf", response_class=FileResponse)
async def download_pdf(article_id: int, db: DbSession, ctx: Ctx, member: ApiMember) -> FileResponse:
    return files.attachment(await files.path_for(db, ctx.settings, member, article_id))


@router.get("/{article_id}/revisions/{number}/pdf", response_class=FileResponse)
async def download_revision_pdf(
    article_id: int, number: int, db: DbSession, ctx: Ctx, member: ApiMember
) -> FileResponse:
    return files.attachment(await files.revision_path_for(db, ctx.settings, member, article_id, number))


@router.get("/{article_id}/comments", response_model=list[CommentOut])
async def list_comments(article_id: int, db: DbSession, member: ApiMember) -> list[CommentOut]:
    view = await queries.article_view(db, member, article_id)
    return [_comment(v) for top in view.comments for v in (top, *top.replies)]


@router.post("/{article_id}/comments", response_model=CommentOut, status_code=201)
async def add_comment(
    article_id: int, body: CommentIn, db: DbSession, ctx: Ctx, member: ApiMember
) -> CommentOut:
    comment = await comments.add(db, member, article_id, body, ctx)
    return _comment(queries.present(comment, member))


@router.put("/comments/{comment_id}", response_model=CommentOut)
async def edit_comment(comment_id: int, body: CommentEditIn, db: DbSession, member: ApiMember) -> CommentOut:
    return _comment(queries.present(await comments.edit(db, member, comment_id, body.body), member))


@router.delete("/comments/{comment_id}", status_code=204)
async def delete_comment(comment_id: int, db: DbSession, ctx: Ctx, member: ApiMember) -> Response:
    await comments.remove(db, member, comment_id, ctx)
    return Response(status_code=204)


@router.post("/comments/{comment_id}/hide", response_model=CommentOut)
async def hide_comment(
    comment_id: int, body: HideIn, db: DbSession, ctx: Ctx, moderator: ApiModerator
) -> CommentOut:
    return _comment(
        queries.present(await comments.hide(db, moderator, comment_id, body.reason, ctx), moderator)
    )


@router.post("/comments/{comment_id}/unhide", response_model=CommentOut)
async def unhide_comment(comment_id: int, db: DbSession, ctx: Ctx, moderator: ApiModerator) -> CommentOut:
    return _comment(queries.present(await comments.hide(db, moderator, comment_id, None, ctx), moderator))
