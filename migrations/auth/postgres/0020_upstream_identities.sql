-- Identity server schema (PostgreSQL). Keep in step with ../sqlite/0020_upstream_identities.sql.
-- Accounts at upstream providers ([[upstream]]: Kakao, Google, GitHub, any OpenID
-- provider) linked to local people. One local account per upstream account
-- (provider, subject), and one account of each provider per person (user_id, provider).
CREATE TABLE upstream_identities (
    provider TEXT NOT NULL,
    subject TEXT NOT NULL,
    -- Checked at commit: a first sign-in writes the link before the account (see sql_upstream.rs).
    user_id TEXT NOT NULL REFERENCES users (user_id) ON DELETE CASCADE DEFERRABLE INITIALLY DEFERRED,
    email TEXT,
    linked_at BIGINT NOT NULL,
    PRIMARY KEY (provider, subject)
);
CREATE UNIQUE INDEX upstream_identities_user_provider ON upstream_identities (user_id, provider);
