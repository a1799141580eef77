"""provenance marks

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-22
"""
from alembic import op
import sqlalchemy as sa


revision = '0003'
down_revision = '0002'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('marks',
    sa.Column('payload', sa.String(length=16), nullable=False),
    sa.Column('video_id', sa.String(length=40), nullable=True),
    sa.Column('source', sa.String(length=10), nullable=False),
    sa.Column('path', sa.Text(), nullable=True),
    sa.Column('backend', sa.String(length=40), nullable=False),
    sa.Column('model', sa.String(length=80), nullable=False),
    sa.Column('script_sha256', sa.String(length=64), nullable=False),
    sa.Column('parent_video_id', sa.String(length=40), nullable=True),
    sa.Column('visible_mark', sa.Boolean(), nullable=False),
    sa.Column('handle', sa.String(length=40), nullable=True),
    sa.Column('duration', sa.Float(), nullable=False),
    sa.Column('created_at', sa.Float(), nullable=False),
    sa.Column('fingerprint', sa.LargeBinary(), nullable=True),
    sa.PrimaryKeyConstraint('payload')
    )
    op.create_index(op.f('ix_marks_video_id'), 'marks', ['video_id'], unique=False)


def downgrade() -> None:
    op.drop_index(op.f('ix_marks_video_id'), table_name='marks')
    op.drop_table('marks')
