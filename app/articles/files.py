"""The optional PDF of an article's full paper.

Checked by content, never by name or declared type; stored outside the web root under a random
name; served only after the article's own visibility check.
"""

from __future__ import annotations

import secrets
from functools import partial
from pathlib import Path
from typing import Protocol

import anyio
from fastapi.responses import FileResponse
from sqlalchemy.ext.asyncio import AsyncSession

from app.accounts.models import Member
from app.articles import queries, service
from app.articles.models import Article, ArticleStatus
from app.config import Settings
from app.context import RequestContext
from app.db import after_commit, undo_on_rollback
from app.errors import InvalidInput, TooLarge
from app.policy import NotVisible, check_can_edit_article

CHUNK = 64 * 1024
PDF_MAGIC = b"%PDF-"
PDF_VERSIONS = {b"1.0", b"1.1", b"1.2", b"1.3", b"1.4", b"1.5", b"1.6", b"1.7", b"2.0"}


class Upload(Protocol):
    filename: str | None

    async def read(self, size: int = -1) -> bytes: ...


def _looks_like_pdf(head: bytes, tail: bytes) -> bool:
    """A PDF starts with its header (some writers put up to 1 KiB of junk first, which we refuse
    too) and ends with an end-of-file marker near the end."""
    return head.startswith(PDF_MAGIC) and head[5:8] in PDF_VERSIONS and b"%%EOF" in tail


def _clean_name(filename: str | None) -> str:
    name = Path(filename or "paper.pdf").name
    name = "".join(c for c in name if c.isalnum() or c in " ._-()")[:120].strip() or "paper"
    return name if name.lower().endswith(".pdf") else name + ".pdf"


async def attach(
    db: AsyncSession, ctx: RequestContext, member: Member, article_id: int, upload: Upload
) -> Article:
    """Streams to a temporary file, refusing as soon as the limit is passed; the file takes its
    final name only if the content is a PDF. The new file goes if the transaction rolls back. On
    a published article the change is a revision that keeps the old file; on a draft the old file
    goes after commit."""
    settings = ctx.settings
    article = await queries.article(db, member, article_id)
    check_can_edit_article(member, article)
    folder = anyio.Path(settings.uploads_dir)
    await folder.mkdir(parents=True, exist_ok=True)
    stored = secrets.token_hex(16)
    incoming = folder / f"{stored}.part"
    size, head, tail = 0, b"", b""
    try:
        async with await anyio.open_file(incoming, "wb") as out:
            while chunk := await upload.read(CHUNK):
                size += len(chunk)
                if size > settings.article_pdf_max_bytes:
                    raise TooLarge(
                        f"The PDF is larger than {settings.article_pdf_max_bytes // (1024 * 1024)} MiB.",
                        field="pdf",
                    )
                if len(head) < 16:
                    head = (head + chunk)[:16]
                tail = (tail + chunk)[-1024:]
                await out.write(chunk)
        if size == 0 or not _looks_like_pdf(head, tail):
            raise InvalidInput("This file is not a PDF. Only PDF files can be attached.", field="pdf")
        await incoming.rename(folder / stored)
    finally:
        await incoming.unlink(missing_ok=True)
    undo_on_rollback(db, partial((folder / stored).unlink, missing_ok=True))
    await _replace(db, ctx, member, article, (stored, _clean_name(upload.filename), size))
    return article


async def detach(db: AsyncSession, ctx: RequestContext, member: Member, article_id: int) -> Article:
    article = await queries.article(db, member, article_id)
    check_can_edit_article(member, article)
    if article.pdf_stored_name is not None:
        await _replace(db, ctx, member, article, (None, None, None))
    return article


async def _replace(
    db: AsyncSession,
    ctx: RequestContext,
    member: Member,
    article: Article,
    pdf: tuple[str, str, int] | tuple[None, None, None],
) -> None:
    previous = service.snapshot(article, member) if article.status is ArticleStatus.PUBLISHED else None
    if previous is None:
        _forget_after_commit(db, ctx.settings.uploads_dir, article.pdf_stored_name)
    article.pdf_stored_name, article.pdf_filename, article.pdf_size = pdf
    await db.flush()
    if previous is not None:
        await service.keep_revision(db, ctx, member, article, previous)


def _forget_after_commit(db: AsyncSession, folder: Path, stored: str | None) -> None:
    if stored is None:
        return

    async def remove(_: AsyncSession) -> None:
        await anyio.Path(folder / stored).unlink(missing_ok=True)

    after_commit(db, remove)


async def path_for(db: AsyncSession, settings: Settings, member: Member, article_id: int) -> tuple[Path, str]:
    article = await queries.article(db, member, article_id)
    return await _existing(settings, article.pdf_stored_name, article.pdf_filename)


async def revision_path_for(
    db: AsyncSession, settings: Settings, member: Member, article_id: int, number: int
) -> tuple[Path, str]:
    """The PDF an earlier version had, for those who may see earlier versions."""
    _, found = await service.revision(db, member, article_id, number)
    return await _existing(settings, found.pdf_stored_name, found.pdf_filename)


def attachment(found: tuple[Path, str]) -> FileResponse:
    """A stored PDF as a download that the browser must not open in place or sniff as anything
    else, and that no cache keeps."""
    path, filename = found
    return FileResponse(
        path,
        media_type="application/pdf",
        filename=filename,
        content_disposition_type="attachment",
        headers={"X-Content-Type-Options": "nosniff", "Cache-Control": "private, no-store"},
    )


async def _existing(settings: Settings, stored: str | None, filename: str | None) -> tuple[Path, str]:
    if stored is None or filename is None:
        raise NotVisible
    path = settings.uploads_dir / stored
    if not await anyio.Path(path).is_file():
        raise NotVisible
    return path, filename
