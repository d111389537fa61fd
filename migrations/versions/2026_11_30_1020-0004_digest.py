"""digest

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-30 10:20:41.604062+00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "digest_deliveries",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("member_id", sa.Integer(), nullable=False),
        sa.Column("period", sa.String(length=16), nullable=False),
        sa.Column(
            "status",
            sa.Enum(
                "claimed",
                "sent",
                "empty",
                "failed",
                "permanent",
                name="deliverystatus",
                native_enum=False,
                length=16,
            ),
            nullable=False,
        ),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("claimed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("next_attempt_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("sent_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(
            ["member_id"],
            ["members.id"],
            name=op.f("fk_digest_deliveries_member_id_members"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_digest_deliveries")),
        sa.UniqueConstraint("member_id", "period", name=op.f("uq_digest_deliveries_member_id_period")),
    )
    with op.batch_alter_table("digest_deliveries", schema=None) as batch_op:
        batch_op.create_index("ix_digest_deliveries_status_next", ["status", "next_attempt_at"], unique=False)

    op.create_table(
        "digest_exclusions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("member_id", sa.Integer(), nullable=False),
        sa.Column("category_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["category_id"],
            ["categories.id"],
            name=op.f("fk_digest_exclusions_category_id_categories"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["member_id"],
            ["members.id"],
            name=op.f("fk_digest_exclusions_member_id_members"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_digest_exclusions")),
        sa.UniqueConstraint(
            "member_id", "category_id", name=op.f("uq_digest_exclusions_member_id_category_id")
        ),
    )
    with op.batch_alter_table("digest_exclusions", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_digest_exclusions_member_id"), ["member_id"], unique=False)

    op.create_table(
        "digest_settings",
        sa.Column("member_id", sa.Integer(), nullable=False),
        sa.Column(
            "frequency",
            sa.Enum("weekly", "daily", "never", name="digestfrequency", native_enum=False, length=16),
            nullable=False,
        ),
        sa.Column("last_sent_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["member_id"],
            ["members.id"],
            name=op.f("fk_digest_settings_member_id_members"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("member_id", name=op.f("pk_digest_settings")),
    )


def downgrade() -> None:
    op.drop_table("digest_settings")
    with op.batch_alter_table("digest_exclusions", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_digest_exclusions_member_id"))

    op.drop_table("digest_exclusions")
    with op.batch_alter_table("digest_deliveries", schema=None) as batch_op:
        batch_op.drop_index("ix_digest_deliveries_status_next")

    op.drop_table("digest_deliveries")
