"""character appearance, height and voice; characters made without a video or an API key

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-29
"""
from alembic import op
import sqlalchemy as sa


revision = '0004'
down_revision = '0003'
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Rows made before this keep working: height defaults to 1.78 m, unset colours are the
    # figure's defaults and an unset voice is picked from the character's id.
    with op.batch_alter_table('characters') as batch:
        batch.alter_column('owner', existing_type=sa.String(length=40), nullable=True)
        batch.alter_column('blob', existing_type=sa.String(length=200), nullable=True)
        batch.alter_column('content_type', existing_type=sa.String(length=80), nullable=True)
        batch.add_column(sa.Column('height', sa.Float(), server_default='1.78', nullable=False))
        for part in ('shirt', 'pants', 'skin', 'hair'):
            batch.add_column(sa.Column(part, sa.String(length=7), nullable=True))
        batch.add_column(sa.Column('voice', sa.String(length=40), nullable=True))
        batch.add_column(sa.Column('voice_pitch', sa.Integer(), nullable=True))
        batch.add_column(sa.Column('voice_rate', sa.Integer(), nullable=True))


def downgrade() -> None:
    # Characters made without a video or a key do not fit the old table: refuse rather
    # than drop them.
    left = op.get_bind().execute(sa.text(
        "SELECT count(*) FROM characters WHERE owner IS NULL OR blob IS NULL")).scalar()
    if left:
        raise RuntimeError(f"{left} character(s) were made with `tenku character create` "
                           "(no API key or video) and would be lost by this downgrade: "
                           "delete them first (`tenku character delete ID`)")
    with op.batch_alter_table('characters') as batch:
        for column in ('voice_rate', 'voice_pitch', 'voice', 'hair', 'skin', 'pants', 'shirt',
                       'height'):
            batch.drop_column(column)
        batch.alter_column('content_type', existing_type=sa.String(length=80), nullable=False)
        batch.alter_column('blob', existing_type=sa.String(length=200), nullable=False)
        batch.alter_column('owner', existing_type=sa.String(length=40), nullable=False)
