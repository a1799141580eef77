"""Alembic environment: the URL comes from ``tenku db upgrade`` (config attribute), not an ini."""

from alembic import context
from sqlalchemy import create_engine

from tenku.store.models import Base

url = context.config.attributes.get("url")
if context.is_offline_mode():
    context.configure(url=url, target_metadata=Base.metadata, literal_binds=True)
    with context.begin_transaction():
        context.run_migrations()
else:
    engine = create_engine(url)
    with engine.connect() as connection:
        context.configure(connection=connection, target_metadata=Base.metadata,
                          render_as_batch=connection.dialect.name == "sqlite")
        with context.begin_transaction():
            if connection.dialect.name == "postgresql":
                # several API servers may start (and upgrade) at once: one migrates, the
                # others wait and then find nothing left to do
                connection.exec_driver_sql("SELECT pg_advisory_xact_lock(7467350)")
            context.run_migrations()
    engine.dispose()
