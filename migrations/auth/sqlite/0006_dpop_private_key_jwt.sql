-- RFC 7523 / OIDC Core §9 `private_key_jwt`: the client's public keys, inline (JWK Set
-- JSON) or by URL; a client with either authenticates with a signed assertion and has no
-- secret. NULL in both: a secret (or a public client), as before.
ALTER TABLE clients ADD COLUMN jwks TEXT;
ALTER TABLE clients ADD COLUMN jwks_uri TEXT;
-- RFC 9449 §5.2 `dpop_bound_access_tokens`: token requests without a DPoP proof are refused.
ALTER TABLE clients ADD COLUMN dpop_bound_access_tokens INTEGER NOT NULL DEFAULT 0;
-- RFC 9449 §5: a public client's refresh token is bound to the DPoP key (JWK SHA-256
-- thumbprint) it was issued under; a refresh needs a proof with the same key.
ALTER TABLE refresh_tokens ADD COLUMN dpop_jkt TEXT;
