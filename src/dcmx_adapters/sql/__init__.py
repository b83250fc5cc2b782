"""SQL read models: SQLAlchemy 2 tables and repositories, on PostgreSQL (psycopg 3) or SQLite,
with Alembic migrations shipped inside the package."""
