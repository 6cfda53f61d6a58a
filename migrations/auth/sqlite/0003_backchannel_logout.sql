-- OpenID Connect Back-Channel Logout 1.0: where a client wants to hear that a session of
-- its user ended, and whether it needs the session id (`sid`) in the logout token.
ALTER TABLE clients ADD COLUMN backchannel_logout_uri TEXT;
ALTER TABLE clients ADD COLUMN backchannel_logout_session_required BIGINT NOT NULL DEFAULT 0;
-- The browser session (`sid`) a grant began in: ID tokens minted on refresh carry it too.
ALTER TABLE refresh_tokens ADD COLUMN sid TEXT;
-- Which clients took part in which browser session: read (and deleted) when the session
-- ends, by session (logout) or by person (password change, disable). Shared by every
-- instance, so a logout at one reaches the clients a session used at another.
CREATE TABLE session_clients (
    sid TEXT NOT NULL,
    client_id TEXT NOT NULL,
    user_id TEXT NOT NULL,
    started_at_ms BIGINT NOT NULL,
    expires_at BIGINT NOT NULL,
    PRIMARY KEY (sid, client_id)
);
CREATE INDEX session_clients_user ON session_clients (user_id);
CREATE INDEX session_clients_expires ON session_clients (expires_at);
