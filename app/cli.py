"""The `liaison` command: migrations, the first admin, demo data and the server."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Annotated, TypeVar

import typer
from pydantic import ValidationError
from sqlalchemy.ext.asyncio import AsyncSession

from app.config import ROOT, get_settings

cli = typer.Typer(help="Liaison: members-only forum for border management.", no_args_is_help=True)
T = TypeVar("T")


def _in_transaction(work: Callable[[AsyncSession], Awaitable[T]]) -> T:
    from app.db import create_engine, create_sessionmaker

    async def run() -> T:
        engine = create_engine(get_settings().database_url)
        try:
            async with create_sessionmaker(engine)() as db, db.begin():
                return await work(db)
        finally:
            await engine.dispose()

    return asyncio.run(run())


def _alembic_config(url: str | None = None):  # type: ignore[no-untyped-def]
    from alembic.config import Config

    config = Config(str(ROOT / "alembic.ini"))
    config.set_main_option("script_location", str(ROOT / "migrations"))
    if url:
        config.attributes["url"] = url
    return config


@cli.command()
def migrate() -> None:
    """Bring the database schema up to date (the only way the schema is made)."""
    from alembic import command

    settings = get_settings()
    if settings.database_url.startswith("sqlite"):
        Path(settings.database_url.split("///", 1)[-1]).parent.mkdir(parents=True, exist_ok=True)
    command.upgrade(_alembic_config(), "head")


@cli.command("create-admin")
def create_admin(
    email: Annotated[str, typer.Option(prompt=True, help="The admin's e-mail address")],
    name: Annotated[str, typer.Option(prompt=True, help="The admin's full name")],
    organisation: Annotated[
        str, typer.Option(help="Shown as the admin's affiliation")
    ] = "Liaison secretariat",
    password: Annotated[
        str,
        typer.Option(
            prompt=True,
            hide_input=True,
            confirmation_prompt=True,
            envvar="LIAISON_ADMIN_PASSWORD",
            help="Prompted for when not given",
        ),
    ] = "",
) -> None:
    """Create the first admin: vetted, verified, and able to appoint moderators."""
    from pydantic import TypeAdapter

    from app.accounts import repository
    from app.accounts import service as accounts_service
    from app.accounts.models import Member, MemberKind, Role, Status
    from app.accounts.schemas import Email, NewPassword
    from app.db import utcnow
    from app.security import passwords

    try:
        address = TypeAdapter(Email).validate_python(email)
        TypeAdapter(NewPassword).validate_python(password)
    except ValidationError as exc:
        typer.secho(exc.errors()[0]["msg"].removeprefix("Value error, "), fg="red", err=True)
        raise typer.Exit(2) from None

    async def work(db: AsyncSession) -> None:
        if await repository.get_member_by_email(db, address) is not None:
            typer.secho(f"{address} already has an account.", fg="red", err=True)
            raise typer.Exit(1)
        now = utcnow()
        db.add(
            Member(
                email=address,
                display_name=name.strip(),
                username=await accounts_service.unique_username(db, name),
                kind=MemberKind.ACADEMIC,
                organisation=organisation,
                role=Role.ADMIN,
                status=Status.APPROVED,
                password_hash=passwords.hash_password(passwords.hasher(), password),
                email_verified_at=now,
                decided_at=now,
            )
        )

    _in_transaction(work)
    typer.secho(f"Admin {address} created.", fg="green")


@cli.command()
def demo() -> None:
    """Load demo data once (demo mode only) and print the demo accounts and their passwords."""
    from app import demo as demo_data

    if not get_settings().demo:
        typer.secho("Demo data is only loaded with LIAISON_DEMO=true.", fg="red", err=True)
        raise typer.Exit(2)
    credentials = _in_transaction(demo_data.load)
    if credentials is not None:
        demo_data.save_credentials(credentials)
    path = demo_data.credentials_file()
    if path.exists():
        typer.echo(f"\nDemo accounts (e-mail, password) — also in {path}:")
        typer.echo(path.read_text())


forum_cli = typer.Typer(help="Forum maintenance.")
cli.add_typer(forum_cli, name="forum")
digest_cli = typer.Typer(help="The digest e-mail.")
cli.add_typer(digest_cli, name="digest")
search_cli = typer.Typer(help="The search index.")
cli.add_typer(search_cli, name="search")


@search_cli.command("reindex")
def search_reindex() -> None:
    """Rebuild the search index from every post, article and comment (after restoring a backup,
    or loading data with something other than Liaison)."""
    from sqlalchemy import func, select

    from app.articles.models import Article, Comment
    from app.db import create_engine, create_sessionmaker
    from app.forum.models import Post
    from app.search import indexing

    settings = get_settings()

    async def run() -> int:
        engine = create_engine(settings.database_url)
        try:
            async with create_sessionmaker(engine)() as db:
                total = 0
                for model in (Post, Article, Comment):
                    total += (
                        await db.scalar(select(func.count(model.id)).where(model.deleted_at.is_(None))) or 0
                    )
                with typer.progressbar(length=total, label="Indexing") as bar:
                    written = await indexing.rebuild(db, bar.update)
                await db.commit()
                return written
        finally:
            await engine.dispose()

    typer.echo(f"indexed {asyncio.run(run())} documents")


@digest_cli.command("send")
def digest_send(
    processes: Annotated[
        int | None,
        typer.Option(min=1, max=64, help="Processes to compose in (default LIAISON_DIGEST_PROCESSES)"),
    ] = None,
) -> None:
    """Send every digest that is due. Run it hourly from cron, a systemd timer or a Kubernetes
    CronJob: running it twice, or on two machines at once, sends no digest twice."""
    from app.db import create_engine, create_sessionmaker, utcnow
    from app.digest import processes as digest_processes
    from app.digest import sending

    settings = get_settings()
    count = processes or settings.digest_processes
    now = utcnow()

    async def planned() -> sending.Plan:
        engine = create_engine(settings.database_url)
        try:
            async with create_sessionmaker(engine)() as db:
                return await sending.plan(db)
        finally:
            await engine.dispose()

    plan = asyncio.run(planned())
    with typer.progressbar(length=len(plan.recipients), label="Digests") as bar:
        if count > 1:
            summary = digest_processes.send_in_processes(settings, now, plan, count, bar.update)
        else:
            summary = digest_processes.send_here(settings, now, plan, bar.update)
    typer.echo(summary.line())
    if summary.failed or summary.permanent:
        raise typer.Exit(code=1)


@forum_cli.command("rerender")
def rerender(
    all_posts: Annotated[
        bool, typer.Option("--all", help="Also posts already at the current version")
    ] = False,
) -> None:
    """Re-render stored posts, articles and comments from their Markdown source after the
    sanitizer policy changed."""
    from sqlalchemy import select

    from app.articles.models import Article, Comment
    from app.forum import markdown
    from app.forum.models import Post

    async def work(db: AsyncSession) -> dict[str, int]:
        counts = {"posts": 0, "articles": 0, "comments": 0}
        for label, model in (("posts", Post), ("articles", Article), ("comments", Comment)):
            query = select(model).execution_options(yield_per=500)
            if not all_posts:
                query = query.where(model.render_version != markdown.RENDER_VERSION)
            async for row in await db.stream_scalars(query):
                if isinstance(row, Article):
                    rendered = markdown.render_article(row.body_source)
                    row.body_html, row.reading_minutes = rendered.html, rendered.reading_minutes
                else:
                    row.body_html = markdown.render(row.body_source).html
                row.render_version = markdown.RENDER_VERSION
                counts[label] += 1
        return counts

    counts = _in_transaction(work)
    summary = ", ".join(f"{n} {label}" for label, n in counts.items())
    typer.echo(f"Re-rendered {summary} (render version {_render_version()}).")


def _render_version() -> int:
    from app.forum import markdown

    return markdown.RENDER_VERSION


@cli.command()
def serve(host: str = "127.0.0.1", port: int = 8000, workers: int = 1) -> None:
    """Serve the app with uvicorn (use several workers in production)."""
    import uvicorn

    uvicorn.run("app.asgi:app", host=host, port=port, workers=workers, proxy_headers=True)


def main() -> None:
    cli()


if __name__ == "__main__":
    main()
