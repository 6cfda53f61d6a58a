-- Browser sessions started, and access tokens issued, before this instant (Unix time in
-- milliseconds) no longer count: set when the password changes or the account is
-- disabled, so neither an old session nor a re-enabled account revives them.
ALTER TABLE users ADD COLUMN sessions_not_before BIGINT NOT NULL DEFAULT 0;
-- Revoking every grant of one person (password change, disable) looks them up by user.
CREATE INDEX refresh_tokens_user ON refresh_tokens (user_id);
