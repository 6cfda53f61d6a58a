-- Passkeys (WebAuthn, issue 13): a person's public-key credentials, usable as the second
-- step of a login and, where the authenticator keeps them discoverable, to sign in
-- without a password. Keyed by the person, and goes with the account.

-- credential_id: the WebAuthn credential id, base64url; unique, so one credential belongs
-- to one account and a password-less sign-in finds its owner. credential: webauthn-rs's
-- `Passkey` as JSON (public key, signature counter, backup state); no secret.
-- discoverable: the authenticator said it keeps the credential (credProps rk).
CREATE TABLE passkeys (
    passkey_id TEXT PRIMARY KEY NOT NULL,
    user_id TEXT NOT NULL REFERENCES users(user_id) ON DELETE CASCADE,
    credential_id TEXT NOT NULL UNIQUE,
    name TEXT NOT NULL,
    credential TEXT NOT NULL,
    discoverable BIGINT NOT NULL DEFAULT 0,
    created_at BIGINT NOT NULL,
    last_used_at BIGINT
);
CREATE INDEX passkeys_user ON passkeys (user_id);
