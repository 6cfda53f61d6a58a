-- RFC 7591/7592 dynamic client registration and client ID metadata documents.
-- How each client came to be: 'cli' (belf client add), 'dynamic' (POST to the
-- registration endpoint) or 'metadata_document' (an https client_id whose document was
-- fetched). Existing clients were all made with the CLI.
ALTER TABLE clients ADD COLUMN provenance TEXT NOT NULL DEFAULT 'cli';
-- Hex SHA-256 of the RFC 7592 registration access token; NULL for CLI clients.
ALTER TABLE clients ADD COLUMN registration_token_hash TEXT;
-- Display metadata a registration may carry (client_uri, logo_uri, policy_uri, tos_uri),
-- as a JSON object.
ALTER TABLE clients ADD COLUMN display_metadata TEXT;
-- Initial access tokens (RFC 7591 §3) an administrator hands out; digests only.
CREATE TABLE registration_initial_tokens (
    token_hash TEXT PRIMARY KEY NOT NULL,
    expires_at BIGINT NOT NULL,
    max_uses BIGINT NOT NULL,
    uses BIGINT NOT NULL DEFAULT 0,
    created_at BIGINT NOT NULL
);
