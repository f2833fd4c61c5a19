-- PostgreSQL for cluster mode (psql as a superuser: sudo -u postgres psql -f postgresql.sql).
-- ledgerbridge creates its own tables (`ledgerbridge db upgrade`) and Procrastinate's queue tables (at the
-- first `serve --cluster` / `worker`), so the role owns its database and needs nothing more.
CREATE ROLE ledgerbridge LOGIN PASSWORD 'CHANGE-ME';
CREATE DATABASE ledgerbridge OWNER ledgerbridge ENCODING 'UTF8' TEMPLATE template0;
REVOKE ALL ON DATABASE ledgerbridge FROM PUBLIC;
-- Then, in /etc/ledgerbridge/ledgerbridge.env:
--   LEDGERBRIDGE_DATABASE_URL=postgresql+psycopg://ledgerbridge:CHANGE-ME@DBHOST:5432/ledgerbridge
--   LEDGERBRIDGE_SECRET_KEY=<ledgerbridge admin new-key>   (the same in every process)
-- Connections: every process (serve, each intake process, each worker) holds at most 24 of the store's
-- own (a pool of 8 plus 16 at peaks), plus Procrastinate's and the call budgets' few; max_connections = 100
-- is plenty for two or three workers (raise it, or put PgBouncer in front, for more).
