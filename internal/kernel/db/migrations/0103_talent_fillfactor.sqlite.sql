-- SQLite has no fill factor; see the PostgreSQL variant.
SELECT 1;
