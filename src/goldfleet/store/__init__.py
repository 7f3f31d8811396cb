"""goldfleet's own tables (SQLAlchemy + Alembic): the audit trail, saved plans, shared rate
buckets. SQLite in the state directory by default; PostgreSQL when GOLDFLEET_DATABASE_URL is set."""
