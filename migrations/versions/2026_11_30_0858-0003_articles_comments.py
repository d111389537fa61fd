"""articles comments

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-30 08:58:37.993730+00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "articles",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("category_id", sa.Integer(), nullable=False),
        sa.Column(
            "tier",
            sa.Enum("community", "agencies", "working_group", name="tier", native_enum=False, length=16),
            nullable=True,
        ),
        sa.Column(
            "tlp",
            sa.Enum(
                "clear", "green", "amber", "amber_strict", "red", name="tlp", native_enum=False, length=16
            ),
            nullable=False,
        ),
        sa.Column("owner_agency_id", sa.Integer(), nullable=True),
        sa.Column(
            "status",
            sa.Enum(
                "draft",
                "submitted",
                "returned",
                "published",
                name="articlestatus",
                native_enum=False,
                length=16,
            ),
            nullable=False,
        ),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("abstract", sa.Text(), nullable=False),
        sa.Column("body_source", sa.Text(), nullable=False),
        sa.Column("body_html", sa.Text(), nullable=False),
        sa.Column("render_version", sa.Integer(), nullable=False),
        sa.Column("reading_minutes", sa.Integer(), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("submitted_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("published_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("revised_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("revision_count", sa.Integer(), nullable=False),
        sa.Column("editor_notes", sa.Text(), nullable=True),
        sa.Column("comment_count", sa.Integer(), nullable=False),
        sa.Column("pdf_stored_name", sa.String(length=64), nullable=True),
        sa.Column("pdf_filename", sa.String(length=200), nullable=True),
        sa.Column("pdf_size", sa.Integer(), nullable=True),
        sa.Column("hidden_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("deleted_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["category_id"],
            ["categories.id"],
            name=op.f("fk_articles_category_id_categories"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["created_by_id"],
            ["members.id"],
            name=op.f("fk_articles_created_by_id_members"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["owner_agency_id"],
            ["agencies.id"],
            name=op.f("fk_articles_owner_agency_id_agencies"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_articles")),
    )
    with op.batch_alter_table("articles", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_articles_category_id"), ["category_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_articles_created_by_id"), ["created_by_id"], unique=False)
        batch_op.create_index("ix_articles_status_published", ["status", "published_at"], unique=False)

    op.create_table(
        "article_authors",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("article_id", sa.Integer(), nullable=False),
        sa.Column("member_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["article_id"],
            ["articles.id"],
            name=op.f("fk_article_authors_article_id_articles"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["member_id"],
            ["members.id"],
            name=op.f("fk_article_authors_member_id_members"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_article_authors")),
        sa.UniqueConstraint("article_id", "member_id", name=op.f("uq_article_authors_article_id_member_id")),
    )
    with op.batch_alter_table("article_authors", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_article_authors_member_id"), ["member_id"], unique=False)

    op.create_table(
        "article_comments",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("article_id", sa.Integer(), nullable=False),
        sa.Column("parent_id", sa.Integer(), nullable=True),
        sa.Column("author_id", sa.Integer(), nullable=False),
        sa.Column("body_source", sa.Text(), nullable=False),
        sa.Column("body_html", sa.Text(), nullable=False),
        sa.Column("render_version", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("edited_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("deleted_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("hidden_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("hidden_reason", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(
            ["article_id"],
            ["articles.id"],
            name=op.f("fk_article_comments_article_id_articles"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["author_id"],
            ["members.id"],
            name=op.f("fk_article_comments_author_id_members"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["parent_id"],
            ["article_comments.id"],
            name=op.f("fk_article_comments_parent_id_article_comments"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_article_comments")),
    )
    with op.batch_alter_table("article_comments", schema=None) as batch_op:
        batch_op.create_index(
            "ix_article_comments_article_created", ["article_id", "created_at"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_article_comments_author_id"), ["author_id"], unique=False)

    op.create_table(
        "article_keywords",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("article_id", sa.Integer(), nullable=False),
        sa.Column("keyword", sa.String(length=60), nullable=False),
        sa.ForeignKeyConstraint(
            ["article_id"],
            ["articles.id"],
            name=op.f("fk_article_keywords_article_id_articles"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_article_keywords")),
        sa.UniqueConstraint("article_id", "keyword", name=op.f("uq_article_keywords_article_id_keyword")),
    )
    with op.batch_alter_table("article_keywords", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_article_keywords_keyword"), ["keyword"], unique=False)

    op.create_table(
        "article_participants",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("article_id", sa.Integer(), nullable=False),
        sa.Column("member_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["article_id"],
            ["articles.id"],
            name=op.f("fk_article_participants_article_id_articles"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["member_id"],
            ["members.id"],
            name=op.f("fk_article_participants_member_id_members"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_article_participants")),
        sa.UniqueConstraint(
            "article_id", "member_id", name=op.f("uq_article_participants_article_id_member_id")
        ),
    )
    with op.batch_alter_table("article_participants", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_article_participants_member_id"), ["member_id"], unique=False)

    op.create_table(
        "article_revisions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("article_id", sa.Integer(), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("abstract", sa.Text(), nullable=False),
        sa.Column("body_source", sa.Text(), nullable=False),
        sa.Column("body_html", sa.Text(), nullable=False),
        sa.Column("published_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("replaced_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("replaced_by_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["article_id"],
            ["articles.id"],
            name=op.f("fk_article_revisions_article_id_articles"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["replaced_by_id"],
            ["members.id"],
            name=op.f("fk_article_revisions_replaced_by_id_members"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_article_revisions")),
        sa.UniqueConstraint("article_id", "number", name=op.f("uq_article_revisions_article_id_number")),
    )
    with op.batch_alter_table("notifications", schema=None) as batch_op:
        batch_op.add_column(sa.Column("article_id", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("comment_id", sa.Integer(), nullable=True))
        batch_op.alter_column("thread_id", existing_type=sa.INTEGER(), nullable=True)
        batch_op.create_index(batch_op.f("ix_notifications_article_id"), ["article_id"], unique=False)
        batch_op.create_foreign_key(
            batch_op.f("fk_notifications_article_id_articles"),
            "articles",
            ["article_id"],
            ["id"],
            ondelete="CASCADE",
        )
        batch_op.create_foreign_key(
            batch_op.f("fk_notifications_comment_id_article_comments"),
            "article_comments",
            ["comment_id"],
            ["id"],
            ondelete="CASCADE",
        )
        batch_op.create_check_constraint("one_subject", "(thread_id IS NULL) <> (article_id IS NULL)")


def downgrade() -> None:
    with op.batch_alter_table("notifications", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("ck_notifications_one_subject"), type_="check")
        batch_op.drop_constraint(
            batch_op.f("fk_notifications_comment_id_article_comments"), type_="foreignkey"
        )
        batch_op.drop_constraint(batch_op.f("fk_notifications_article_id_articles"), type_="foreignkey")
        batch_op.drop_index(batch_op.f("ix_notifications_article_id"))
        batch_op.alter_column("thread_id", existing_type=sa.INTEGER(), nullable=False)
        batch_op.drop_column("comment_id")
        batch_op.drop_column("article_id")

    op.drop_table("article_revisions")
    with op.batch_alter_table("article_participants", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_article_participants_member_id"))

    op.drop_table("article_participants")
    with op.batch_alter_table("article_keywords", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_article_keywords_keyword"))

    op.drop_table("article_keywords")
    with op.batch_alter_table("article_comments", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_article_comments_author_id"))
        batch_op.drop_index("ix_article_comments_article_created")

    op.drop_table("article_comments")
    with op.batch_alter_table("article_authors", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_article_authors_member_id"))

    op.drop_table("article_authors")
    with op.batch_alter_table("articles", schema=None) as batch_op:
        batch_op.drop_index("ix_articles_status_published")
        batch_op.drop_index(batch_op.f("ix_articles_created_by_id"))
        batch_op.drop_index(batch_op.f("ix_articles_category_id"))

    op.drop_table("articles")
