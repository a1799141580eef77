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
            context.run_migrations()
    engine.dispose()
