-- Identity server schema (PostgreSQL). Keep in step with ../sqlite/0020_upstream_identities.sql.
-- Accounts at upstream providers ([[upstream]]: Kakao, Google, GitHub, any OpenID
-- provider) linked to local people. One local account per upstream account
-- (provider, subject), and one account of each provider per person (user_id, provider).
CREATE TABLE upstream_identities (
    provider TEXT NOT NULL,
    subject TEXT NOT NULL,
    user_id TEXT NOT NULL,
    email TEXT,
    linked_at BIGINT NOT NULL,
    PRIMARY KEY (provider, subject)
);
CREATE UNIQUE INDEX upstream_identities_user_provider ON upstream_identities (user_id, provider);
