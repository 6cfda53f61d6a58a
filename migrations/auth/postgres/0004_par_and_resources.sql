-- RFC 9126: a client that must push its authorization requests (`--require-par`).
ALTER TABLE clients ADD COLUMN require_par INTEGER NOT NULL DEFAULT 0;
-- RFC 8707: the resources a grant was authorized for (JSON list; NULL: none named), so a
-- refresh can narrow to them and never widen.
ALTER TABLE refresh_tokens ADD COLUMN resources TEXT;
