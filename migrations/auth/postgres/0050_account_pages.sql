-- Issue 13, the account pages. Rule for every table keyed by a person: it references
-- users (user_id) ON DELETE CASCADE, so deleting an account removes its rows with it.

-- The profile picture (one per person), metadata already stripped. `picture_id` is random
-- and changes with every upload: it names the picture in its URL
-- (/account/picture/{picture_id}), so the URL says nothing about the person and a cached
-- copy of an old picture is never served for a new one.
CREATE TABLE user_pictures (
    user_id TEXT PRIMARY KEY NOT NULL REFERENCES users (user_id) ON DELETE CASCADE,
    picture_id TEXT NOT NULL UNIQUE,
    content_type TEXT NOT NULL,
    bytes BYTEA NOT NULL,
    updated_at BIGINT NOT NULL
);

-- The person's browser sessions as the account page lists them. The session itself lives
-- in the ephemeral store under `session_key` (the digest of its cookie); a row whose
-- session is gone there is stale and is removed when the list is read.
CREATE TABLE user_sessions (
    sid TEXT PRIMARY KEY NOT NULL,
    user_id TEXT NOT NULL REFERENCES users (user_id) ON DELETE CASCADE,
    session_key TEXT NOT NULL UNIQUE,
    device TEXT NOT NULL,
    ip TEXT NOT NULL,
    started_at BIGINT NOT NULL,
    last_seen_at BIGINT NOT NULL,
    expires_at BIGINT NOT NULL
);
CREATE INDEX user_sessions_user ON user_sessions (user_id);
CREATE INDEX user_sessions_expires ON user_sessions (expires_at);

