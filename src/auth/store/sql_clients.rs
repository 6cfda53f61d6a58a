//! SQL for [`ClientStore`] and [`RegistrationStore`]: clients, their registration access
//! token digests (RFC 7592) and the initial access tokens of RFC 7591 §3.

use async_trait::async_trait;
use sqlx::Row;
use sqlx::any::AnyRow;

use super::sql::{SqlStore, json_list, parse_list, unavailable};
use super::{ClientStore, RegistrationStore, StoreResult};
use crate::auth::clients::{
    Client, ClientDisplay, ClientId, ClientKeys, GrantType, Provenance, RedirectUri,
};
use crate::config::SigningAlg;

fn client_from_row(row: &AnyRow) -> StoreResult<Client> {
    let get = |c: &str| row.try_get::<String, _>(c).map_err(unavailable);
    let flag = |c: &str| {
        row.try_get::<i64, _>(c)
            .map_err(unavailable)
            .map(|v| v != 0)
    };
    let alg = |c: &str| {
        row.try_get::<Option<String>, _>(c)
            .map_err(unavailable)
            .map(|a| a.as_deref().and_then(SigningAlg::parse))
    };
    let grant_names: Vec<String> = parse_list(&get("grant_types")?)?;
    let display: Option<String> = row.try_get("display_metadata").map_err(unavailable)?;
    Ok(Client {
        client_id: ClientId::from_stored(get("client_id")?),
        name: get("name")?,
        secret_hash: row.try_get("secret_hash").map_err(unavailable)?,
        redirect_uris: parse_list(&get("redirect_uris")?)?,
        post_logout_redirect_uris: parse_list(&get("post_logout_redirect_uris")?)?,
        grant_types: grant_names
            .iter()
            .filter_map(|g| GrantType::parse(g))
            .collect(),
        scopes: parse_list(&get("scopes")?)?,
        access_token_alg: alg("access_token_alg")?,
        id_token_alg: alg("id_token_alg")?,
        backchannel_logout_uri: row
            .try_get::<Option<String>, _>("backchannel_logout_uri")
            .map_err(unavailable)?
            .map(RedirectUri::from_stored),
        backchannel_logout_session_required: flag("backchannel_logout_session_required")?,
        require_par: flag("require_par")?,
        client_keys: ClientKeys::from_columns(
            row.try_get("jwks").map_err(unavailable)?,
            row.try_get("jwks_uri").map_err(unavailable)?,
        ),
        dpop_bound_access_tokens: flag("dpop_bound_access_tokens")?,
        provenance: Provenance::parse(&get("provenance")?),
        display: display
            .and_then(|d| serde_json::from_str(&d).ok())
            .unwrap_or_default(),
        created_at: row.try_get("created_at").map_err(unavailable)?,
    })
}

fn display_json(display: &ClientDisplay) -> Option<String> {
    if display.is_empty() {
        return None;
    }
    serde_json::to_string(display).ok()
}

impl SqlStore {
    async fn insert_client_row(&self, c: &Client, token_hash: Option<&str>) -> StoreResult<()> {
        let _write = self.writing().await;
        let grants: Vec<&str> = c.grant_types.iter().map(|g| g.as_str()).collect();
        sqlx::query(
            "INSERT INTO clients (client_id, name, secret_hash, redirect_uris, \
             post_logout_redirect_uris, grant_types, scopes, access_token_alg, created_at, \
             backchannel_logout_uri, backchannel_logout_session_required, require_par, \
             jwks, jwks_uri, dpop_bound_access_tokens, provenance, display_metadata, \
             registration_token_hash, id_token_alg) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, \
             $17, $18, $19)",
        )
        .bind(c.client_id.as_str())
        .bind(&c.name)
        .bind(c.secret_hash.clone())
        .bind(json_list(&c.redirect_uris))
        .bind(json_list(&c.post_logout_redirect_uris))
        .bind(json_list(&grants))
        .bind(json_list(&c.scopes))
        .bind(c.access_token_alg.map(|a| a.as_str().to_owned()))
        .bind(c.created_at)
        .bind(
            c.backchannel_logout_uri
                .as_ref()
                .map(|u| u.as_str().to_owned()),
        )
        .bind(i64::from(c.backchannel_logout_session_required))
        .bind(i64::from(c.require_par))
        .bind(c.client_keys.as_ref().and_then(ClientKeys::inline_json))
        .bind(c.client_keys.as_ref().and_then(ClientKeys::uri))
        .bind(i64::from(c.dpop_bound_access_tokens))
        .bind(c.provenance.as_str())
        .bind(display_json(&c.display))
        .bind(token_hash.map(str::to_owned))
        .bind(c.id_token_alg.map(|a| a.as_str().to_owned()))
        .execute(self.pool())
        .await
        .map_err(unavailable)?;
        Ok(())
    }
}

/// A client by id: every client authentication whose client is not in the per-process cache.
pub(super) const CLIENT_BY_ID: &str = "SELECT * FROM clients WHERE client_id = $1";

#[async_trait]
impl ClientStore for SqlStore {
    async fn insert_client(&self, c: &Client) -> StoreResult<()> {
        self.insert_client_row(c, None).await
    }

    async fn get_client(&self, client_id: &str) -> StoreResult<Option<Client>> {
        sqlx::query(CLIENT_BY_ID)
            .bind(client_id)
            .fetch_optional(self.pool())
            .await
            .map_err(unavailable)?
            .map(|r| client_from_row(&r))
            .transpose()
    }

    async fn list_clients(&self) -> StoreResult<Vec<Client>> {
        sqlx::query("SELECT * FROM clients ORDER BY created_at, client_id")
            .fetch_all(self.pool())
            .await
            .map_err(unavailable)?
            .iter()
            .map(client_from_row)
            .collect()
    }

    async fn delete_client(&self, client_id: &str) -> StoreResult<bool> {
        let _write = self.writing().await;
        // The client's grants go with it: its refresh tokens and remembered consents.
        let mut tx = self.pool().begin().await.map_err(unavailable)?;
        for q in [
            "DELETE FROM refresh_tokens WHERE client_id = $1",
            "DELETE FROM consents WHERE client_id = $1",
        ] {
            sqlx::query(q)
                .bind(client_id)
                .execute(&mut *tx)
                .await
                .map_err(unavailable)?;
        }
        let gone = sqlx::query("DELETE FROM clients WHERE client_id = $1")
            .bind(client_id)
            .execute(&mut *tx)
            .await
            .map_err(unavailable)?
            .rows_affected();
        tx.commit().await.map_err(unavailable)?;
        Ok(gone > 0)
    }

    async fn set_client_secret_hash(&self, client_id: &str, hash_hex: &str) -> StoreResult<bool> {
        let _write = self.writing().await;
        let n = sqlx::query(
            "UPDATE clients SET secret_hash = $1 WHERE client_id = $2 AND secret_hash IS NOT NULL",
        )
        .bind(hash_hex)
        .bind(client_id)
        .execute(self.pool())
        .await
        .map_err(unavailable)?
        .rows_affected();
        Ok(n > 0)
    }

    async fn set_client_settings(&self, c: &Client) -> StoreResult<bool> {
        let _write = self.writing().await;
        let n = sqlx::query(
            "UPDATE clients SET backchannel_logout_uri = $1, \
             backchannel_logout_session_required = $2, id_token_alg = $3 WHERE client_id = $4",
        )
        .bind(
            c.backchannel_logout_uri
                .as_ref()
                .map(|u| u.as_str().to_owned()),
        )
        .bind(i64::from(c.backchannel_logout_session_required))
        .bind(c.id_token_alg.map(|a| a.as_str().to_owned()))
        .bind(c.client_id.as_str())
        .execute(self.pool())
        .await
        .map_err(unavailable)?
        .rows_affected();
        Ok(n > 0)
    }

    async fn replace_client(&self, c: &Client) -> StoreResult<bool> {
        let _write = self.writing().await;
        let grants: Vec<&str> = c.grant_types.iter().map(|g| g.as_str()).collect();
        let n = sqlx::query(
            "UPDATE clients SET name = $1, secret_hash = $2, redirect_uris = $3, \
             post_logout_redirect_uris = $4, grant_types = $5, scopes = $6, \
             access_token_alg = $7, backchannel_logout_uri = $8, \
             backchannel_logout_session_required = $9, require_par = $10, jwks = $11, \
             jwks_uri = $12, dpop_bound_access_tokens = $13, display_metadata = $14, \
             id_token_alg = $15 WHERE client_id = $16",
        )
        .bind(&c.name)
        .bind(c.secret_hash.clone())
        .bind(json_list(&c.redirect_uris))
        .bind(json_list(&c.post_logout_redirect_uris))
        .bind(json_list(&grants))
        .bind(json_list(&c.scopes))
        .bind(c.access_token_alg.map(|a| a.as_str().to_owned()))
        .bind(
            c.backchannel_logout_uri
                .as_ref()
                .map(|u| u.as_str().to_owned()),
        )
        .bind(i64::from(c.backchannel_logout_session_required))
        .bind(i64::from(c.require_par))
        .bind(c.client_keys.as_ref().and_then(ClientKeys::inline_json))
        .bind(c.client_keys.as_ref().and_then(ClientKeys::uri))
        .bind(i64::from(c.dpop_bound_access_tokens))
        .bind(display_json(&c.display))
        .bind(c.id_token_alg.map(|a| a.as_str().to_owned()))
        .bind(c.client_id.as_str())
        .execute(self.pool())
        .await
        .map_err(unavailable)?
        .rows_affected();
        Ok(n > 0)
    }
}

#[async_trait]
impl RegistrationStore for SqlStore {
    async fn insert_initial_token(
        &self,
        token_hash: &str,
        expires_at: i64,
        max_uses: u64,
        now: i64,
    ) -> StoreResult<()> {
        let _write = self.writing().await;
        sqlx::query(
            "INSERT INTO registration_initial_tokens (token_hash, expires_at, max_uses, uses, \
             created_at) VALUES ($1, $2, $3, 0, $4)",
        )
        .bind(token_hash)
        .bind(expires_at)
        .bind(i64::try_from(max_uses).unwrap_or(i64::MAX))
        .bind(now)
        .execute(self.pool())
        .await
        .map_err(unavailable)?;
        Ok(())
    }

    async fn use_initial_token(&self, token_hash: &str, now: i64) -> StoreResult<bool> {
        let _write = self.writing().await;
        // One statement: of two registrations racing for the last use, one gets it.
        let n = sqlx::query(
            "UPDATE registration_initial_tokens SET uses = uses + 1 \
             WHERE token_hash = $1 AND expires_at > $2 AND uses < max_uses",
        )
        .bind(token_hash)
        .bind(now)
        .execute(self.pool())
        .await
        .map_err(unavailable)?
        .rows_affected();
        Ok(n > 0)
    }

    async fn insert_registered_client(&self, client: &Client, token_hash: &str) -> StoreResult<()> {
        self.insert_client_row(client, Some(token_hash)).await
    }

    async fn registration_token_hash(&self, client_id: &str) -> StoreResult<Option<String>> {
        let row = sqlx::query("SELECT registration_token_hash FROM clients WHERE client_id = $1")
            .bind(client_id)
            .fetch_optional(self.pool())
            .await
            .map_err(unavailable)?;
        match row {
            Some(r) => r.try_get("registration_token_hash").map_err(unavailable),
            None => Ok(None),
        }
    }

    async fn rotate_registration_token(
        &self,
        client_id: &str,
        old_hash: &str,
        new_hash: &str,
    ) -> StoreResult<bool> {
        let _write = self.writing().await;
        let n = sqlx::query(
            "UPDATE clients SET registration_token_hash = $1 \
             WHERE client_id = $2 AND registration_token_hash = $3",
        )
        .bind(new_hash)
        .bind(client_id)
        .bind(old_hash)
        .execute(self.pool())
        .await
        .map_err(unavailable)?
        .rows_affected();
        Ok(n > 0)
    }
}
