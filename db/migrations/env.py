"""Alembic environment: the URL comes from the caller, the metadata from db.models."""

from alembic import context

from db.engine import make_engine
from db.models import Base

url = context.config.attributes["database_url"]
engine = make_engine(url)
with engine.connect() as connection:
    context.configure(
        connection=connection,
        target_metadata=Base.metadata,
        render_as_batch=connection.dialect.name == "sqlite",
    )
    with context.begin_transaction():
        context.run_migrations()
engine.dispose()
