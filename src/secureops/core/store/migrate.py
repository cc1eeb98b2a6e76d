"""Run the packaged Alembic migrations (``secureops db upgrade``)."""

from __future__ import annotations

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy.engine import Engine

__all__ = ["alembic_config", "current_revision", "head_revision", "upgrade"]

SCRIPT_LOCATION = "secureops.core.store:migrations"


def alembic_config() -> Config:
    """An Alembic configuration pointing at the migrations shipped inside the package (no alembic.ini)."""
    config = Config()
    config.set_main_option("script_location", SCRIPT_LOCATION)
    return config


def upgrade(engine: Engine, revision: str = "head") -> None:
    """Migrate the database behind ``engine`` to ``revision``, in one transaction.

    On PostgreSQL this needs the table owner's privileges (the first run also creates the ``secureops_app`` and
    ``secureops_admin`` roles, which needs a role with CREATEROLE — see docs/store.md).
    """
    config = alembic_config()
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, revision)


def downgrade(engine: Engine, revision: str) -> None:
    """Migrate the database behind ``engine`` down to ``revision`` (``base`` drops everything)."""
    config = alembic_config()
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.downgrade(config, revision)


def current_revision(engine: Engine) -> str | None:
    """The revision the database is at, or ``None`` for an empty database."""
    with engine.connect() as connection:
        return MigrationContext.configure(connection).get_current_revision()


def head_revision() -> str | None:
    """The newest revision this version of SecureOps ships."""
    return ScriptDirectory.from_config(alembic_config()).get_current_head()
