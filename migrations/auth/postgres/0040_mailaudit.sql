-- Issue 13, part mailaudit: the audit trail, e-mail links, registration invites.
-- Keep in step with ../sqlite/0040_mailaudit.sql.

-- Security events (sign-ins, password changes, consents, client and key changes). Append
-- only; rows older than `audit.retention_days` are purged in batches.
CREATE TABLE audit_events (
    id BIGSERIAL PRIMARY KEY,
    -- Unix milliseconds.
    at_ms BIGINT NOT NULL,
    kind TEXT NOT NULL,
    user_id TEXT,
    client_id TEXT,
    ip TEXT,
    user_agent TEXT,
    -- A JSON object: what else the event knows (method, reason, scopes, kid...).
    detail TEXT NOT NULL
);
CREATE INDEX audit_events_at ON audit_events (at_ms);
CREATE INDEX audit_events_user ON audit_events (user_id, at_ms);

-- Single-use e-mail links (verification, password reset, e-mail change, invites), stored
-- by SHA-256 digest only. `email` is the address the link was mailed to; for an e-mail
-- change, the new address that takes effect when the link is followed.
CREATE TABLE email_links (
    token_hash TEXT PRIMARY KEY NOT NULL,
    purpose TEXT NOT NULL,
    -- NULL for an invitation (no account yet); goes with the account.
    user_id TEXT REFERENCES users (user_id) ON DELETE CASCADE,
    email TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    expires_at BIGINT NOT NULL,
    used_at BIGINT
);
CREATE INDEX email_links_user ON email_links (user_id, purpose);
CREATE INDEX email_links_expires ON email_links (expires_at);
