-- Two-step login (issue 13): a person's second-step methods, one-time recovery codes, and
-- who must use a second step. Each table is keyed by the person, and goes with the account.

-- kind: 'totp' (secret = the RFC 6238 key, base32). last_used_step: the last 30-second
-- step a code was accepted for; a code of that step or an earlier one is refused (RFC 6238
-- §5.2: each code works once).
CREATE TABLE two_step_methods (
    method_id TEXT PRIMARY KEY NOT NULL,
    user_id TEXT NOT NULL REFERENCES users(user_id) ON DELETE CASCADE,
    kind TEXT NOT NULL,
    name TEXT NOT NULL,
    secret TEXT NOT NULL,
    last_used_step BIGINT NOT NULL DEFAULT 0,
    created_at BIGINT NOT NULL,
    last_used_at BIGINT
);
CREATE INDEX two_step_methods_user ON two_step_methods (user_id);

-- Recovery codes by SHA-256 digest only; a used code's row is deleted.
CREATE TABLE two_step_recovery_codes (
    user_id TEXT NOT NULL REFERENCES users(user_id) ON DELETE CASCADE,
    code_digest TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    PRIMARY KEY (user_id, code_digest)
);

-- People an administrator requires a second step of (`belf user require-two-step`).
CREATE TABLE two_step_required (
    user_id TEXT PRIMARY KEY NOT NULL REFERENCES users(user_id) ON DELETE CASCADE,
    since BIGINT NOT NULL
);

-- How the person signed in when a refresh-token family began (RFC 8176 amr, JSON list),
-- so a refreshed ID token names the same methods and acr as the first. NULL: not recorded.
ALTER TABLE refresh_tokens ADD COLUMN amr TEXT;
