-- OIDC Registration `id_token_signed_response_alg` (issue 15): the algorithm of the
-- client's ID tokens (and back-channel logout tokens). NULL: the server's
-- `keys.id_token_alg` (RS256 unless configured), as OIDC requires when a client names none.
ALTER TABLE clients ADD COLUMN id_token_alg TEXT;
