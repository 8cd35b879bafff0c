"""school register: levels, classes and enrolments; one transcript in force

The grades each school teaches, its classes per school year with their homeroom
teachers, and pupils' enrolments (one live class per pupil and school year). At
most one transcript per pupil, school year and school is published, and at most
one is on its way (draft or homeroom-signed), enforced by partial unique indexes.
A database that already holds two such transcripts stops the upgrade with their
ids: the principal revokes the wrong one first.

Revision ID: 98ccd88bbbef
Revises: b8c9d0e1f2a3
Create Date: 2026-12-06 00:56:11

"""

import sqlalchemy as sa
from alembic import op


# revision identifiers, used by Alembic.
revision = '98ccd88bbbef'
down_revision = "b8c9d0e1f2a3"
branch_labels = None
depends_on = None


_STATES = {
    "published": ("published",),
    "pending": ("draft", "homeroom_signed"),
}


def _refuse_duplicates():
    transcripts = sa.table(
        "transcripts",
        sa.column("id", sa.Uuid()),
        sa.column("pupil_id", sa.Uuid()),
        sa.column("school_id", sa.Uuid()),
        sa.column("school_year", sa.String()),
        sa.column("status", sa.String()),
    )
    key = (transcripts.c.pupil_id, transcripts.c.school_id, transcripts.c.school_year)
    connection = op.get_bind()
    for name, states in _STATES.items():
        twice = connection.execute(
            sa.select(*key)
            .where(transcripts.c.status.in_(states))
            .group_by(*key)
            .having(sa.func.count() > 1)
        ).all()
        if twice:
            raise RuntimeError(
                f"{len(twice)} pupils have more than one {name} transcript for the "
                f"same school year and school (pupil, school, year): {twice[:10]}; "
                "revoke the wrong ones, then upgrade again."
            )


def upgrade():
    _refuse_duplicates()
    op.create_table('school_classes',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('school_id', sa.Uuid(), nullable=False),
    sa.Column('school_year', sa.String(length=9), nullable=False),
    sa.Column('name', sa.String(length=20), nullable=False),
    sa.Column('grade', sa.SmallInteger(), nullable=False),
    sa.Column('homeroom_teacher_id', sa.Uuid(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint('grade BETWEEN 1 AND 12', name=op.f('ck_school_classes_grade')),
    sa.ForeignKeyConstraint(['homeroom_teacher_id'], ['citizens.id'], name=op.f('fk_school_classes_homeroom_teacher_id_citizens')),
    sa.ForeignKeyConstraint(['school_id'], ['organisations.id'], name=op.f('fk_school_classes_school_id_organisations')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_school_classes')),
    sa.UniqueConstraint('id', 'school_id', 'school_year', name=op.f('uq_school_classes_id_school_id_school_year')),
    sa.UniqueConstraint('school_id', 'school_year', 'name', name=op.f('uq_school_classes_school_id_school_year_name'))
    )
    op.create_table('school_levels',
    sa.Column('school_id', sa.Uuid(), nullable=False),
    sa.Column('first_grade', sa.SmallInteger(), nullable=False),
    sa.Column('last_grade', sa.SmallInteger(), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint('first_grade BETWEEN 1 AND 12', name=op.f('ck_school_levels_first_grade')),
    sa.CheckConstraint('last_grade BETWEEN first_grade AND 12', name=op.f('ck_school_levels_last_grade')),
    sa.ForeignKeyConstraint(['school_id'], ['organisations.id'], name=op.f('fk_school_levels_school_id_organisations'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('school_id', name=op.f('pk_school_levels'))
    )
    op.create_table('enrolments',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('class_id', sa.Uuid(), nullable=False),
    sa.Column('school_id', sa.Uuid(), nullable=False),
    sa.Column('school_year', sa.String(length=9), nullable=False),
    sa.Column('pupil_id', sa.Uuid(), nullable=False),
    sa.Column('enrolled_by', sa.Uuid(), nullable=False),
    sa.Column('enrolled_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('withdrawn_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('withdrawal_reason', sa.String(length=500), nullable=True),
    sa.ForeignKeyConstraint(['class_id', 'school_id', 'school_year'], ['school_classes.id', 'school_classes.school_id', 'school_classes.school_year'], name=op.f('fk_enrolments_class_id_school_classes')),
    sa.ForeignKeyConstraint(['enrolled_by'], ['citizens.id'], name=op.f('fk_enrolments_enrolled_by_citizens')),
    sa.ForeignKeyConstraint(['pupil_id'], ['citizens.id'], name=op.f('fk_enrolments_pupil_id_citizens'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_enrolments'))
    )
    with op.batch_alter_table('enrolments', schema=None) as batch_op:
        batch_op.create_index('ix_enrolments_class_id', ['class_id'], unique=False)
        batch_op.create_index('uq_enrolments_pupil_year', ['pupil_id', 'school_year'], unique=True, sqlite_where=sa.text('withdrawn_at IS NULL'), postgresql_where=sa.text('withdrawn_at IS NULL'))

    with op.batch_alter_table('transcripts', schema=None) as batch_op:
        batch_op.create_index('uq_transcripts_pending', ['pupil_id', 'school_id', 'school_year'], unique=True, sqlite_where=sa.text("status IN ('draft', 'homeroom_signed')"), postgresql_where=sa.text("status IN ('draft', 'homeroom_signed')"))
        batch_op.create_index('uq_transcripts_published', ['pupil_id', 'school_id', 'school_year'], unique=True, sqlite_where=sa.text("status = 'published'"), postgresql_where=sa.text("status = 'published'"))



def downgrade():
    with op.batch_alter_table('transcripts', schema=None) as batch_op:
        batch_op.drop_index('uq_transcripts_published', sqlite_where=sa.text("status = 'published'"), postgresql_where=sa.text("status = 'published'"))
        batch_op.drop_index('uq_transcripts_pending', sqlite_where=sa.text("status IN ('draft', 'homeroom_signed')"), postgresql_where=sa.text("status IN ('draft', 'homeroom_signed')"))

    with op.batch_alter_table('enrolments', schema=None) as batch_op:
        batch_op.drop_index('uq_enrolments_pupil_year', sqlite_where=sa.text('withdrawn_at IS NULL'), postgresql_where=sa.text('withdrawn_at IS NULL'))
        batch_op.drop_index('ix_enrolments_class_id')

    op.drop_table('enrolments')
    op.drop_table('school_levels')
    op.drop_table('school_classes')
