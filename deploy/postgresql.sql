-- PostgreSQL for cluster mode (psql as a superuser: sudo -u postgres psql -f postgresql.sql).
-- ledgerbridge creates its own tables (`ledgerbridge db upgrade`) and Procrastinate's queue tables (at the
-- first `serve --cluster` / `worker`), so the role owns its database and needs nothing more.
CREATE ROLE ledgerbridge LOGIN PASSWORD 'CHANGE-ME';
CREATE DATABASE ledgerbridge OWNER ledgerbridge ENCODING 'UTF8' TEMPLATE template0;
REVOKE ALL ON DATABASE ledgerbridge FROM PUBLIC;
-- Then, in /etc/ledgerbridge/ledgerbridge.env:
--   LEDGERBRIDGE_DATABASE_URL=postgresql+psycopg://ledgerbridge:CHANGE-ME@DBHOST:5432/ledgerbridge
--   LEDGERBRIDGE_SECRET_KEY=<ledgerbridge admin new-key>   (the same in every process)
-- Connections: serve uses a small pool, each worker up to --concurrency + 2; max_connections = 100 is
-- plenty for a few workers.
