-- Sessions of the web app. `id` is the SHA-256 (hex) of the cookie value, never the value.
CREATE TABLE web_sessions (
    id TEXT PRIMARY KEY,
    subject TEXT,
    sid TEXT,
    data TEXT NOT NULL,
    expires_at BIGINT NOT NULL
);
CREATE INDEX web_sessions_subject ON web_sessions (subject);
CREATE INDEX web_sessions_sid ON web_sessions (sid);
CREATE INDEX web_sessions_expires_at ON web_sessions (expires_at);
