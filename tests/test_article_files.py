"""The article PDF: checked by content, limited in size, stored outside the web root, served
only through the article's access check."""

from __future__ import annotations

import os

import pytest

from app.accounts.models import MemberKind, Role
from app.config import get_settings
from app.forum.models import Tier
from tests.support.articles import make_article
from tests.support.factories import make_agency, make_member
from tests.support.forum import make_category
from tests.support.web import api_token, csrf_token, sign_in

PDF = b"%PDF-1.7\n1 0 obj << >> endobj\ntrailer << >>\n%%EOF\n"


def _stored() -> set[str]:
    folder = get_settings().uploads_dir
    return set(os.listdir(folder)) if folder.exists() else set()


async def _upload(client, article_id: int, name: str, content: bytes):
    token = await csrf_token(client, f"/a/{article_id}/edit")
    return await client.post(
        f"/a/{article_id}/pdf",
        data={"csrf_token": token},
        files={"pdf": (name, content, "application/pdf")},
    )


async def test_a_pdf_is_stored_under_a_generated_name_and_served_as_an_attachment(client, other_client, db):
    category = await make_category(db)
    author = await make_member(db, kind=MemberKind.ACADEMIC)
    article = await make_article(db, author, category)
    await db.commit()
    await sign_in(client, author.email)
    before = _stored()
    response = await _upload(client, article.id, "../../etc/My paper.pdf", PDF)
    assert response.status_code == 303
    added = _stored() - before
    assert len(added) == 1 and not any(".pdf" in name or "paper" in name for name in added)
    assert "static" not in get_settings().uploads_dir.parts
    download = await client.get(f"/a/{article.id}/pdf")
    assert download.status_code == 200 and download.content == PDF
    assert download.headers["content-type"] == "application/pdf"
    assert download.headers["content-disposition"].startswith("attachment;")
    assert "My%20paper.pdf" in download.headers["content-disposition"]
    assert download.headers["x-content-type-options"] == "nosniff"

    stranger = await make_member(db, kind=MemberKind.ACADEMIC)
    await db.commit()
    await sign_in(other_client, stranger.email)
    assert (await other_client.get(f"/a/{article.id}/pdf")).status_code == 404


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("setup.pdf", b"MZ\x90\x00" + b"\x00" * 200, "not a PDF"),
        ("page.pdf", b"<!doctype html><script>alert(1)</script>", "not a PDF"),
        ("truncated.pdf", b"%PDF-1.4\nno end marker", "not a PDF"),
        ("empty.pdf", b"", "not a PDF"),
    ],
)
async def test_files_that_are_not_pdfs_are_refused_and_nothing_is_stored(client, db, name, content, message):
    author = await make_member(db, kind=MemberKind.ACADEMIC)
    article = await make_article(db, author, await make_category(db))
    await db.commit()
    await sign_in(client, author.email)
    before = _stored()
    response = await _upload(client, article.id, name, content)
    assert response.status_code == 422 and message in response.text
    assert _stored() == before
    await db.refresh(article)
    assert article.pdf_stored_name is None


async def test_a_pdf_over_the_limit_is_refused_with_413(client, db, monkeypatch):
    settings = get_settings()
    monkeypatch.setattr(settings, "article_pdf_max_bytes", 4096)
    author = await make_member(db, kind=MemberKind.ACADEMIC)
    article = await make_article(db, author, await make_category(db))
    await db.commit()
    await sign_in(client, author.email)
    before = _stored()
    response = await _upload(client, article.id, "big.pdf", b"%PDF-1.7\n" + b"0" * 5000 + b"\n%%EOF\n")
    assert response.status_code == 413 and "larger than" in response.text
    assert _stored() == before


async def test_only_authors_attach_and_restricted_pdfs_stay_restricted(client, db):
    agency = await make_agency(db)
    official = await make_member(db, agency=agency)
    academic = await make_member(db, kind=MemberKind.ACADEMIC)
    moderator = await make_member(db, role=Role.MODERATOR)
    article = await make_article(
        db, official, await make_category(db, tier=Tier.AGENCIES), publish_as=moderator
    )
    await db.commit()
    await sign_in(client, academic.email)
    token = await csrf_token(client, "/articles")
    response = await client.post(
        f"/a/{article.id}/pdf", data={"csrf_token": token}, files={"pdf": ("x.pdf", PDF, "application/pdf")}
    )
    assert response.status_code == 404
    await sign_in(client, moderator.email)
    token = await csrf_token(client, "/articles")
    response = await client.post(
        f"/a/{article.id}/pdf", data={"csrf_token": token}, files={"pdf": ("x.pdf", PDF, "application/pdf")}
    )
    assert response.status_code == 403


async def test_a_pdf_written_by_a_request_that_fails_afterwards_is_not_kept(app, db):
    """The request's transaction (get_db) rolls back on any error after the upload; the file it
    wrote goes with it, and a committed upload stays."""
    from starlette.requests import Request

    from app.articles import files
    from app.deps import get_db
    from tests.support.world import InMemoryUpload, context

    author = await make_member(db, kind=MemberKind.ACADEMIC)
    article = await make_article(db, author, await make_category(db))
    await db.commit()
    request = Request({"type": "http", "method": "POST", "app": app, "headers": [], "path": "/"})
    before = _stored()

    failing = get_db(request)
    session = await failing.__anext__()
    member = await session.get(type(author), author.id)
    await files.attach(session, context(), member, article.id, InMemoryUpload(PDF))
    assert len(_stored() - before) == 1
    with pytest.raises(RuntimeError):
        await failing.athrow(RuntimeError("a later step failed"))
    assert _stored() == before

    succeeding = get_db(request)
    session = await succeeding.__anext__()
    member = await session.get(type(author), author.id)
    await files.attach(session, context(), member, article.id, InMemoryUpload(PDF))
    with pytest.raises(StopAsyncIteration):
        await succeeding.__anext__()
    assert len(_stored() - before) == 1


async def test_a_draft_replacing_its_pdf_leaves_only_the_new_file(client, db):
    author = await make_member(db, kind=MemberKind.ACADEMIC)
    article = await make_article(db, author, await make_category(db))
    await db.commit()
    await sign_in(client, author.email)
    before = _stored()
    await _upload(client, article.id, "first.pdf", PDF)
    await _upload(client, article.id, "second.pdf", PDF.replace(b"<< >>", b"<< /Second true >>", 1))
    assert len(_stored() - before) == 1
    await db.refresh(article)
    assert article.pdf_filename == "second.pdf" and article.revision_count == 0


async def test_a_published_pdf_replaced_or_removed_is_kept_with_the_revision(client, other_client, db):
    moderator = await make_member(db, role=Role.MODERATOR)
    author = await make_member(db, kind=MemberKind.ACADEMIC)
    article = await make_article(db, author, await make_category(db), publish_as=moderator)
    await db.commit()
    await sign_in(client, author.email)
    first, second = PDF, PDF.replace(b"<< >>", b"<< /Second true >>", 1)
    await _upload(client, article.id, "first.pdf", first)
    await db.refresh(article)
    assert article.revision_count == 1, "adding the paper to a published article is a revision"
    before = _stored()
    assert (await _upload(client, article.id, "second.pdf", second)).status_code == 303
    assert len(_stored() - before) == 1 and before <= _stored(), "the first file stays"
    assert (await client.get(f"/a/{article.id}/pdf")).content == second
    token = await csrf_token(client, f"/a/{article.id}/edit")
    assert (await client.post(f"/a/{article.id}/pdf/delete", data={"csrf_token": token})).status_code == 303
    await db.refresh(article)
    assert article.pdf_stored_name is None and article.revision_count == 3 and article.revised_at is not None
    assert (await client.get(f"/a/{article.id}/revisions/2/pdf")).status_code == 403, "authors: no history"

    await sign_in(other_client, moderator.email)
    old = await other_client.get(f"/a/{article.id}/revisions/2/pdf")
    assert old.status_code == 200 and old.content == first
    assert old.headers["content-disposition"].startswith("attachment;")
    assert old.headers["x-content-type-options"] == "nosniff"
    assert (await other_client.get(f"/a/{article.id}/revisions/3/pdf")).content == second
    assert (await other_client.get(f"/a/{article.id}/revisions/1/pdf")).status_code == 404, "it had none"
    page = (await other_client.get(f"/a/{article.id}/revisions/2")).text
    assert f'href="/a/{article.id}/revisions/2/pdf"' in page
    token = await api_token(other_client, moderator.email)
    listed = (await other_client.get(f"/api/v1/articles/{article.id}/revisions", headers=token)).json()
    assert [r["pdf_filename"] for r in listed] == ["second.pdf", "first.pdf", None]
    api = await other_client.get(f"/api/v1/articles/{article.id}/revisions/3/pdf", headers=token)
    assert api.content == second
