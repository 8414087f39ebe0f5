"""Storage: SQLAlchemy models, engine factory, migrations and repositories."""
