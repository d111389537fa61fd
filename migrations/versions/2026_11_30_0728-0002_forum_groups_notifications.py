"""forum groups notifications

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-30 07:28:54.960112+00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "categories",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("slug", sa.String(length=80), nullable=False),
        sa.Column("name", sa.String(length=120), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column(
            "tier",
            sa.Enum("community", "agencies", "working_group", name="tier", native_enum=False, length=16),
            nullable=False,
        ),
        sa.Column(
            "default_tlp",
            sa.Enum(
                "clear", "green", "amber", "amber_strict", "red", name="tlp", native_enum=False, length=16
            ),
            nullable=False,
        ),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_categories")),
        sa.UniqueConstraint("slug", name=op.f("uq_categories_slug")),
    )
    op.create_table(
        "member_groups",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=120), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_member_groups")),
        sa.UniqueConstraint("name", name=op.f("uq_member_groups_name")),
    )
    op.create_table(
        "access_grants",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("category_id", sa.Integer(), nullable=False),
        sa.Column("agency_id", sa.Integer(), nullable=True),
        sa.Column("group_id", sa.Integer(), nullable=True),
        sa.CheckConstraint(
            "(agency_id IS NULL) <> (group_id IS NULL)", name=op.f("ck_access_grants_one_grantee")
        ),
        sa.ForeignKeyConstraint(
            ["agency_id"],
            ["agencies.id"],
            name=op.f("fk_access_grants_agency_id_agencies"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["category_id"],
            ["categories.id"],
            name=op.f("fk_access_grants_category_id_categories"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["group_id"],
            ["member_groups.id"],
            name=op.f("fk_access_grants_group_id_member_groups"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_access_grants")),
        sa.UniqueConstraint(
            "category_id",
            "agency_id",
            "group_id",
            name=op.f("uq_access_grants_category_id_agency_id_group_id"),
        ),
    )
    with op.batch_alter_table("access_grants", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_access_grants_category_id"), ["category_id"], unique=False)

    op.create_table(
        "group_memberships",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("group_id", sa.Integer(), nullable=False),
        sa.Column("member_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["group_id"],
            ["member_groups.id"],
            name=op.f("fk_group_memberships_group_id_member_groups"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["member_id"],
            ["members.id"],
            name=op.f("fk_group_memberships_member_id_members"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_group_memberships")),
        sa.UniqueConstraint("group_id", "member_id", name=op.f("uq_group_memberships_group_id_member_id")),
    )
    with op.batch_alter_table("group_memberships", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_group_memberships_member_id"), ["member_id"], unique=False)

    op.create_table(
        "threads",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("category_id", sa.Integer(), nullable=False),
        sa.Column("author_id", sa.Integer(), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
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
        sa.Column("pinned", sa.Boolean(), nullable=False),
        sa.Column("locked", sa.Boolean(), nullable=False),
        sa.Column("closed", sa.Boolean(), nullable=False),
        sa.Column("post_count", sa.Integer(), nullable=False),
        sa.Column("last_number", sa.Integer(), nullable=False),
        sa.Column("last_post_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("hidden_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("deleted_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["author_id"], ["members.id"], name=op.f("fk_threads_author_id_members"), ondelete="RESTRICT"
        ),
        sa.ForeignKeyConstraint(
            ["category_id"],
            ["categories.id"],
            name=op.f("fk_threads_category_id_categories"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["owner_agency_id"],
            ["agencies.id"],
            name=op.f("fk_threads_owner_agency_id_agencies"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_threads")),
    )
    with op.batch_alter_table("threads", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_threads_author_id"), ["author_id"], unique=False)
        batch_op.create_index(
            "ix_threads_category_listing", ["category_id", "pinned", "last_post_at"], unique=False
        )
        batch_op.create_index("ix_threads_last_post_at", ["last_post_at"], unique=False)
        batch_op.create_index(
            "ix_threads_red_category",
            ["category_id"],
            unique=False,
            sqlite_where=sa.text("tlp = 'red'"),
            postgresql_where=sa.text("tlp = 'red'"),
        )
        batch_op.create_index(
            "ix_threads_visibility_groups",
            [
                "category_id",
                "tier",
                "tlp",
                "owner_agency_id",
                "hidden_at",
                "deleted_at",
                "post_count",
                "last_post_at",
            ],
            unique=False,
        )

    op.create_table(
        "posts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("thread_id", sa.Integer(), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
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
            ["author_id"], ["members.id"], name=op.f("fk_posts_author_id_members"), ondelete="RESTRICT"
        ),
        sa.ForeignKeyConstraint(
            ["thread_id"], ["threads.id"], name=op.f("fk_posts_thread_id_threads"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_posts")),
        sa.UniqueConstraint("thread_id", "number", name=op.f("uq_posts_thread_id_number")),
    )
    with op.batch_alter_table("posts", schema=None) as batch_op:
        batch_op.create_index("ix_posts_author_created", ["author_id", "created_at"], unique=False)

    op.create_table(
        "read_marks",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("member_id", sa.Integer(), nullable=False),
        sa.Column("thread_id", sa.Integer(), nullable=False),
        sa.Column("last_read_number", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["member_id"], ["members.id"], name=op.f("fk_read_marks_member_id_members"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["thread_id"], ["threads.id"], name=op.f("fk_read_marks_thread_id_threads"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_read_marks")),
        sa.UniqueConstraint("member_id", "thread_id", name=op.f("uq_read_marks_member_id_thread_id")),
    )
    with op.batch_alter_table("read_marks", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_read_marks_thread_id"), ["thread_id"], unique=False)

    op.create_table(
        "subscriptions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("member_id", sa.Integer(), nullable=False),
        sa.Column("thread_id", sa.Integer(), nullable=True),
        sa.Column("category_id", sa.Integer(), nullable=True),
        sa.Column(
            "level",
            sa.Enum("watching", "muted", name="watchlevel", native_enum=False, length=16),
            nullable=False,
        ),
        sa.CheckConstraint(
            "(thread_id IS NULL) <> (category_id IS NULL)", name=op.f("ck_subscriptions_one_target")
        ),
        sa.ForeignKeyConstraint(
            ["category_id"],
            ["categories.id"],
            name=op.f("fk_subscriptions_category_id_categories"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["member_id"], ["members.id"], name=op.f("fk_subscriptions_member_id_members"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["thread_id"], ["threads.id"], name=op.f("fk_subscriptions_thread_id_threads"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_subscriptions")),
        sa.UniqueConstraint(
            "member_id",
            "thread_id",
            "category_id",
            name=op.f("uq_subscriptions_member_id_thread_id_category_id"),
        ),
    )
    with op.batch_alter_table("subscriptions", schema=None) as batch_op:
        batch_op.create_index("ix_subscriptions_category", ["category_id", "level"], unique=False)
        batch_op.create_index("ix_subscriptions_thread", ["thread_id", "level"], unique=False)

    op.create_table(
        "thread_participants",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("thread_id", sa.Integer(), nullable=False),
        sa.Column("member_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["member_id"],
            ["members.id"],
            name=op.f("fk_thread_participants_member_id_members"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["thread_id"],
            ["threads.id"],
            name=op.f("fk_thread_participants_thread_id_threads"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_thread_participants")),
        sa.UniqueConstraint(
            "thread_id", "member_id", name=op.f("uq_thread_participants_thread_id_member_id")
        ),
    )
    with op.batch_alter_table("thread_participants", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_thread_participants_member_id"), ["member_id"], unique=False)

    op.create_table(
        "notifications",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("member_id", sa.Integer(), nullable=False),
        sa.Column(
            "kind",
            sa.Enum("mention", "reply", "new_thread", name="notificationkind", native_enum=False, length=16),
            nullable=False,
        ),
        sa.Column("thread_id", sa.Integer(), nullable=False),
        sa.Column("post_id", sa.Integer(), nullable=True),
        sa.Column("actor_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("read_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["actor_id"], ["members.id"], name=op.f("fk_notifications_actor_id_members"), ondelete="SET NULL"
        ),
        sa.ForeignKeyConstraint(
            ["member_id"], ["members.id"], name=op.f("fk_notifications_member_id_members"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["post_id"], ["posts.id"], name=op.f("fk_notifications_post_id_posts"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["thread_id"], ["threads.id"], name=op.f("fk_notifications_thread_id_threads"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_notifications")),
    )
    with op.batch_alter_table("notifications", schema=None) as batch_op:
        batch_op.create_index(
            "ix_notifications_member_unread", ["member_id", "read_at", "created_at"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_notifications_thread_id"), ["thread_id"], unique=False)

    op.create_table(
        "post_revisions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("post_id", sa.Integer(), nullable=False),
        sa.Column("editor_id", sa.Integer(), nullable=False),
        sa.Column("body_source", sa.Text(), nullable=False),
        sa.Column("replaced_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["editor_id"],
            ["members.id"],
            name=op.f("fk_post_revisions_editor_id_members"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["post_id"], ["posts.id"], name=op.f("fk_post_revisions_post_id_posts"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_post_revisions")),
    )
    with op.batch_alter_table("post_revisions", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_post_revisions_post_id"), ["post_id"], unique=False)

    with op.batch_alter_table("members", schema=None) as batch_op:
        batch_op.add_column(sa.Column("username", sa.String(length=40), nullable=True))
        batch_op.add_column(
            sa.Column("email_notifications", sa.Boolean(), nullable=False, server_default=sa.false())
        )
    # Existing members get a handle from their id; they are unique and can be changed later.
    op.execute("UPDATE members SET username = 'member' || CAST(id AS VARCHAR(20))")
    with op.batch_alter_table("members", schema=None) as batch_op:
        batch_op.alter_column("username", existing_type=sa.String(length=40), nullable=False)
        batch_op.alter_column("email_notifications", existing_type=sa.Boolean(), server_default=None)
        batch_op.create_unique_constraint(batch_op.f("uq_members_username"), ["username"])


def downgrade() -> None:
    with op.batch_alter_table("members", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("uq_members_username"), type_="unique")
        batch_op.drop_column("email_notifications")
        batch_op.drop_column("username")

    with op.batch_alter_table("post_revisions", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_post_revisions_post_id"))

    op.drop_table("post_revisions")
    with op.batch_alter_table("notifications", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_notifications_thread_id"))
        batch_op.drop_index("ix_notifications_member_unread")

    op.drop_table("notifications")
    with op.batch_alter_table("thread_participants", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_thread_participants_member_id"))

    op.drop_table("thread_participants")
    with op.batch_alter_table("subscriptions", schema=None) as batch_op:
        batch_op.drop_index("ix_subscriptions_thread")
        batch_op.drop_index("ix_subscriptions_category")

    op.drop_table("subscriptions")
    with op.batch_alter_table("read_marks", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_read_marks_thread_id"))

    op.drop_table("read_marks")
    with op.batch_alter_table("posts", schema=None) as batch_op:
        batch_op.drop_index("ix_posts_author_created")

    op.drop_table("posts")
    with op.batch_alter_table("threads", schema=None) as batch_op:
        batch_op.drop_index("ix_threads_visibility_groups")
        batch_op.drop_index(
            "ix_threads_red_category",
            sqlite_where=sa.text("tlp = 'red'"),
            postgresql_where=sa.text("tlp = 'red'"),
        )
        batch_op.drop_index("ix_threads_last_post_at")
        batch_op.drop_index("ix_threads_category_listing")
        batch_op.drop_index(batch_op.f("ix_threads_author_id"))

    op.drop_table("threads")
    with op.batch_alter_table("group_memberships", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_group_memberships_member_id"))

    op.drop_table("group_memberships")
    with op.batch_alter_table("access_grants", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_access_grants_category_id"))

    op.drop_table("access_grants")
    op.drop_table("member_groups")
    op.drop_table("categories")
