//! SQL storage for SQLite and PostgreSQL through sqlx's `Any` driver.
//!
//! One query text serves both dialects: `$N` placeholders (sqlx binds them by number on
//! SQLite too), `ON CONFLICT … DO UPDATE`, integers for times and flags, JSON text for lists.
//! The dialects differ only in their migrations (`migrations/auth/<dialect>`).

use async_trait::async_trait;
use secrecy::ExposeSecret;
use sqlx::any::AnyRow;
use sqlx::{AnyPool, Row};

use super::sql_refresh_batch::{RefreshWriter, Write};
use super::{
    ConsentStore, RefreshTokenRecord, RefreshTokenStore, Rotation, StoreError, StoreResult,
    UserStore,
};
use crate::auth::accounts::User;
use crate::config::DatabaseConfig;

#[derive(Clone)]
pub struct SqlStore {
    pool: AnyPool,
    /// SQLite has one writer at a time. Queuing writers here, in order, replaces SQLite's
    /// busy-wait retry (sleeps with back-off), which gave refresh rotations second-long
    /// tails under load. PostgreSQL has row locks and needs none.
    write_gate: Option<std::sync::Arc<tokio::sync::Mutex<()>>>,
    /// SQLite: refresh-token inserts and rotations are group-committed by one writer task
    /// (`sql_refresh_batch`). `None` on PostgreSQL.
    refresh_writer: Option<RefreshWriter>,
}

pub use crate::db::{Dialect, connect_pool};

pub(crate) fn unavailable(e: sqlx::Error) -> StoreError {
    if let sqlx::Error::Database(db) = &e
        && db.is_unique_violation()
    {
        return StoreError::Conflict(db.message().to_owned());
    }
    StoreError::Unavailable(e.into())
}

pub(super) fn json_list<T: serde::Serialize>(v: &[T]) -> String {
    serde_json::to_string(v).unwrap_or_else(|_| "[]".to_owned())
}

pub(super) fn parse_list<T: serde::de::DeserializeOwned>(s: &str) -> StoreResult<Vec<T>> {
    serde_json::from_str(s)
        .map_err(|e| StoreError::Unavailable(anyhow::anyhow!("corrupt list: {e}")))
}

impl SqlStore {
    /// Connects and applies the migrations of the URL's dialect.
    pub async fn connect(config: &DatabaseConfig) -> anyhow::Result<SqlStore> {
        let url = config.url.expose_secret();
        let pool = connect_pool(url, config.max_connections).await?;
        let migrator = match Dialect::of(url) {
            Dialect::Sqlite => sqlx::migrate!("migrations/auth/sqlite"),
            Dialect::Postgres => sqlx::migrate!("migrations/auth/postgres"),
        };
        migrator.run(&pool).await?;
        let write_gate = (Dialect::of(url) == Dialect::Sqlite)
            .then(|| std::sync::Arc::new(tokio::sync::Mutex::new(())));
        let refresh_writer = write_gate
            .as_ref()
            .map(|gate| RefreshWriter::spawn(pool.clone(), gate.clone()));
        Ok(SqlStore {
            pool,
            write_gate,
            refresh_writer,
        })
    }

    pub(crate) async fn writing(&self) -> Option<tokio::sync::MutexGuard<'_, ()>> {
        match &self.write_gate {
            Some(gate) => Some(gate.lock().await),
            None => None,
        }
    }

    pub fn pool(&self) -> &AnyPool {
        &self.pool
    }

    /// One batch of an expiry purge (`$1` now, `$2` batch size); how many rows went.
    pub(super) async fn purge_batch(
        &self,
        delete: &'static str,
        now: i64,
        limit: u32,
    ) -> StoreResult<u64> {
        let _write = self.writing().await;
        let n = sqlx::query(delete)
            .bind(now)
            .bind(i64::from(limit))
            .execute(&self.pool)
            .await
            .map_err(unavailable)?
            .rows_affected();
        Ok(n)
    }

    /// Why a rotation of `old_hash` found nothing to spend: spent before (reuse), or not
    /// live at all.
    async fn not_rotated(&self, old_hash: &str) -> StoreResult<Rotation> {
        match self.find_refresh_token(old_hash).await? {
            Some(record) if record.revoked_at.is_none() && record.rotated_at.is_some() => {
                Ok(Rotation::AlreadySpent {
                    record: Box::new(record),
                })
            }
            _ => Ok(Rotation::Invalid),
        }
    }

    pub async fn ping(&self) -> StoreResult<()> {
        sqlx::query("SELECT 1")
            .execute(&self.pool)
            .await
            .map(|_| ())
            .map_err(unavailable)
    }
}

#[async_trait]
impl super::DurableStore for SqlStore {
    async fn ping(&self) -> StoreResult<()> {
        SqlStore::ping(self).await
    }
}

/// The row of a new account, on the pool or inside a transaction (a just-in-time account
/// is inserted with its first upstream link, `sql_upstream.rs`).
pub(super) async fn insert_user_row<'e, E>(executor: E, u: &User) -> StoreResult<()>
where
    E: sqlx::Executor<'e, Database = sqlx::Any>,
{
    sqlx::query(
        "INSERT INTO users (user_id, username, username_lower, email, email_verified, name, \
         given_name, family_name, locale, phone_number, address, password_hash, disabled, \
         created_at, updated_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15)",
    )
    .bind(&u.user_id)
    .bind(&u.username)
    .bind(u.username.to_lowercase())
    .bind(u.email.to_lowercase())
    .bind(i64::from(u.email_verified))
    .bind(u.name.clone())
    .bind(u.given_name.clone())
    .bind(u.family_name.clone())
    .bind(u.locale.clone())
    .bind(u.phone_number.clone())
    .bind(u.address.clone())
    .bind(&u.password_hash)
    .bind(i64::from(u.disabled))
    .bind(u.created_at)
    .bind(u.updated_at)
    .execute(executor)
    .await
    .map_err(unavailable)?;
    Ok(())
}

fn user_from_row(row: &AnyRow) -> StoreResult<User> {
    let s = |c: &str| row.try_get::<String, _>(c).map_err(unavailable);
    let o = |c: &str| row.try_get::<Option<String>, _>(c).map_err(unavailable);
    let i = |c: &str| row.try_get::<i64, _>(c).map_err(unavailable);
    Ok(User {
        user_id: s("user_id")?,
        username: s("username")?,
        email: s("email")?,
        email_verified: i("email_verified")? != 0,
        name: o("name")?,
        given_name: o("given_name")?,
        family_name: o("family_name")?,
        locale: o("locale")?,
        phone_number: o("phone_number")?,
        address: o("address")?,
        password_hash: s("password_hash")?,
        disabled: i("disabled")? != 0,
        sessions_not_before_ms: i("sessions_not_before")?,
        created_at: i("created_at")?,
        updated_at: i("updated_at")?,
    })
}

/// Marks every live refresh token of `user_id` revoked (the access tokens of those grants
/// are refused by introspection and userinfo through `sessions_not_before`).
async fn revoke_user_refresh_tokens(
    tx: &mut sqlx::Transaction<'_, sqlx::Any>,
    user_id: &str,
    now_ms: i64,
) -> StoreResult<u64> {
    let n = sqlx::query(
        "UPDATE refresh_tokens SET revoked_at = $1 WHERE user_id = $2 AND revoked_at IS NULL",
    )
    .bind(now_ms.div_euclid(1000))
    .bind(user_id)
    .execute(&mut **tx)
    .await
    .map_err(unavailable)?
    .rows_affected();
    Ok(n)
}

#[async_trait]
impl UserStore for SqlStore {
    async fn insert_user(&self, u: &User) -> StoreResult<()> {
        let _write = self.writing().await;
        insert_user_row(&self.pool, u).await
    }

    async fn get_user(&self, user_id: &str) -> StoreResult<Option<User>> {
        sqlx::query(USER_BY_ID)
            .bind(user_id)
            .fetch_optional(&self.pool)
            .await
            .map_err(unavailable)?
            .map(|r| user_from_row(&r))
            .transpose()
    }

    async fn find_user(&self, login: &str) -> StoreResult<Option<User>> {
        let login = login.to_lowercase();
        sqlx::query(USER_BY_LOGIN)
            .bind(login)
            .fetch_optional(&self.pool)
            .await
            .map_err(unavailable)?
            .map(|r| user_from_row(&r))
            .transpose()
    }

    async fn list_users(&self) -> StoreResult<Vec<User>> {
        sqlx::query("SELECT * FROM users ORDER BY created_at, username_lower")
            .fetch_all(&self.pool)
            .await
            .map_err(unavailable)?
            .iter()
            .map(user_from_row)
            .collect()
    }

    async fn set_user_disabled(
        &self,
        user_id: &str,
        disabled: bool,
        now_ms: i64,
    ) -> StoreResult<bool> {
        let _write = self.writing().await;
        let mut tx = self.pool.begin().await.map_err(unavailable)?;
        let n = if disabled {
            sqlx::query(
                "UPDATE users SET disabled = 1, sessions_not_before = $1, updated_at = $2 \
                 WHERE user_id = $3",
            )
            .bind(now_ms)
            .bind(now_ms.div_euclid(1000))
            .bind(user_id)
            .execute(&mut *tx)
            .await
            .map_err(unavailable)?
            .rows_affected()
        } else {
            sqlx::query("UPDATE users SET disabled = 0, updated_at = $1 WHERE user_id = $2")
                .bind(now_ms.div_euclid(1000))
                .bind(user_id)
                .execute(&mut *tx)
                .await
                .map_err(unavailable)?
                .rows_affected()
        };
        if disabled {
            revoke_user_refresh_tokens(&mut tx, user_id, now_ms).await?;
        }
        tx.commit().await.map_err(unavailable)?;
        Ok(n > 0)
    }

    async fn set_password_hash(&self, user_id: &str, hash: &str, now_ms: i64) -> StoreResult<bool> {
        let _write = self.writing().await;
        let mut tx = self.pool.begin().await.map_err(unavailable)?;
        let n = sqlx::query(
            "UPDATE users SET password_hash = $1, updated_at = $2, sessions_not_before = $3 \
             WHERE user_id = $4",
        )
        .bind(hash)
        .bind(now_ms.div_euclid(1000))
        .bind(now_ms)
        .bind(user_id)
        .execute(&mut *tx)
        .await
        .map_err(unavailable)?
        .rows_affected();
        revoke_user_refresh_tokens(&mut tx, user_id, now_ms).await?;
        tx.commit().await.map_err(unavailable)?;
        Ok(n > 0)
    }
}

#[async_trait]
impl ConsentStore for SqlStore {
    async fn granted_scopes(&self, user_id: &str, client_id: &str) -> StoreResult<Vec<String>> {
        let row = sqlx::query(CONSENT_SCOPES)
            .bind(user_id)
            .bind(client_id)
            .fetch_optional(&self.pool)
            .await
            .map_err(unavailable)?;
        match row {
            Some(r) => parse_list(&r.try_get::<String, _>("scopes").map_err(unavailable)?),
            None => Ok(Vec::new()),
        }
    }

    async fn remember_consent(
        &self,
        user_id: &str,
        client_id: &str,
        scopes: &[String],
        now: i64,
    ) -> StoreResult<()> {
        let _write = self.writing().await;
        sqlx::query(
            "INSERT INTO consents (user_id, client_id, scopes, updated_at) VALUES ($1, $2, $3, $4) \
             ON CONFLICT (user_id, client_id) DO UPDATE SET scopes = excluded.scopes, \
             updated_at = excluded.updated_at",
        )
        .bind(user_id)
        .bind(client_id)
        .bind(json_list(scopes))
        .bind(now)
        .execute(&self.pool)
        .await
        .map_err(unavailable)?;
        Ok(())
    }
}

fn refresh_from_row(row: &AnyRow) -> StoreResult<RefreshTokenRecord> {
    let s = |c: &str| row.try_get::<String, _>(c).map_err(unavailable);
    let i = |c: &str| row.try_get::<i64, _>(c).map_err(unavailable);
    let oi = |c: &str| row.try_get::<Option<i64>, _>(c).map_err(unavailable);
    Ok(RefreshTokenRecord {
        token_hash: s("token_hash")?,
        family_id: s("family_id")?,
        client_id: s("client_id")?,
        user_id: s("user_id")?,
        scopes: parse_list(&s("scopes")?)?,
        auth_time: i("auth_time")?,
        claims_json: row.try_get("claims_json").map_err(unavailable)?,
        issued_at: i("issued_at")?,
        expires_at: i("expires_at")?,
        rotated_at: oi("rotated_at")?,
        revoked_at: oi("revoked_at")?,
        sid: row.try_get("sid").map_err(unavailable)?,
        resources: match row
            .try_get::<Option<String>, _>("resources")
            .map_err(unavailable)?
        {
            Some(list) => parse_list(&list)?,
            None => Vec::new(),
        },
        dpop_jkt: row.try_get("dpop_jkt").map_err(unavailable)?,
        amr: match row
            .try_get::<Option<String>, _>("amr")
            .map_err(unavailable)?
        {
            Some(list) => parse_list(&list)?,
            None => Vec::new(),
        },
    })
}

pub(super) const INSERT_REFRESH_COLUMNS: &str = "INSERT INTO refresh_tokens (token_hash, \
     family_id, client_id, user_id, scopes, auth_time, claims_json, issued_at, expires_at, sid, \
     resources, dpop_jkt, amr)";

// Statements of the hot paths, named so the query-plan test (`sql_hot_queries.rs`) explains
// exactly what is sent.
pub(super) const USER_BY_ID: &str = "SELECT * FROM users WHERE user_id = $1";
pub(super) const USER_BY_LOGIN: &str =
    "SELECT * FROM users WHERE username_lower = $1 OR email = $1";
pub(super) const CONSENT_SCOPES: &str =
    "SELECT scopes FROM consents WHERE user_id = $1 AND client_id = $2";
pub(super) const REFRESH_BY_HASH: &str = "SELECT * FROM refresh_tokens WHERE token_hash = $1";
pub(super) const REFRESH_SPEND: &str = "UPDATE refresh_tokens SET rotated_at = $1 \
     WHERE token_hash = $2 AND rotated_at IS NULL AND revoked_at IS NULL AND expires_at > $1";
pub(super) const REVOKE_FAMILY: &str =
    "UPDATE refresh_tokens SET revoked_at = $1 WHERE family_id = $2 AND revoked_at IS NULL";

const INSERT_REFRESH: &str = "INSERT INTO refresh_tokens (token_hash, family_id, client_id, \
     user_id, scopes, auth_time, claims_json, issued_at, expires_at, sid, resources, dpop_jkt, \
     amr) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)";

pub(super) fn bind_refresh<'q>(
    q: sqlx::query::Query<'q, sqlx::Any, sqlx::any::AnyArguments>,
    r: &RefreshTokenRecord,
) -> sqlx::query::Query<'q, sqlx::Any, sqlx::any::AnyArguments> {
    q.bind(r.token_hash.clone())
        .bind(r.family_id.clone())
        .bind(r.client_id.clone())
        .bind(r.user_id.clone())
        .bind(json_list(&r.scopes))
        .bind(r.auth_time)
        .bind(r.claims_json.clone())
        .bind(r.issued_at)
        .bind(r.expires_at)
        .bind(r.sid.clone())
        .bind((!r.resources.is_empty()).then(|| json_list(&r.resources)))
        .bind(r.dpop_jkt.clone())
        .bind((!r.amr.is_empty()).then(|| json_list(&r.amr)))
}

#[async_trait]
impl RefreshTokenStore for SqlStore {
    async fn insert_refresh_token(&self, record: &RefreshTokenRecord) -> StoreResult<()> {
        if let Some(writer) = &self.refresh_writer {
            writer.submit(Write::Insert(record.clone())).await?;
            return Ok(());
        }
        let _write = self.writing().await;
        bind_refresh(sqlx::query(INSERT_REFRESH), record)
            .execute(&self.pool)
            .await
            .map_err(unavailable)?;
        Ok(())
    }

    async fn find_refresh_token(
        &self,
        token_hash: &str,
    ) -> StoreResult<Option<RefreshTokenRecord>> {
        sqlx::query(REFRESH_BY_HASH)
            .bind(token_hash)
            .fetch_optional(&self.pool)
            .await
            .map_err(unavailable)?
            .map(|r| refresh_from_row(&r))
            .transpose()
    }

    async fn rotate_refresh_token(
        &self,
        old_hash: &str,
        new: &RefreshTokenRecord,
        now: i64,
    ) -> StoreResult<Rotation> {
        if let Some(writer) = &self.refresh_writer {
            let rotated = writer
                .submit(Write::Rotate {
                    old_hash: old_hash.to_owned(),
                    new: new.clone(),
                    now,
                })
                .await?;
            return if rotated {
                Ok(Rotation::Rotated)
            } else {
                self.not_rotated(old_hash).await
            };
        }
        let _write = self.writing().await;
        let mut tx = self.pool.begin().await.map_err(unavailable)?;
        // The conditional UPDATE is the lock: of two concurrent rotations of one token,
        // exactly one sees rows_affected = 1.
        let spent = sqlx::query(REFRESH_SPEND)
            .bind(now)
            .bind(old_hash)
            .execute(&mut *tx)
            .await
            .map_err(unavailable)?
            .rows_affected();
        if spent == 1 {
            bind_refresh(sqlx::query(INSERT_REFRESH), new)
                .execute(&mut *tx)
                .await
                .map_err(unavailable)?;
            tx.commit().await.map_err(unavailable)?;
            return Ok(Rotation::Rotated);
        }
        tx.rollback().await.map_err(unavailable)?;
        drop(_write);
        self.not_rotated(old_hash).await
    }

    async fn revoke_family(&self, family_id: &str, now: i64) -> StoreResult<u64> {
        let _write = self.writing().await;
        let n = sqlx::query(REVOKE_FAMILY)
            .bind(now)
            .bind(family_id)
            .execute(&self.pool)
            .await
            .map_err(unavailable)?
            .rows_affected();
        Ok(n)
    }

    async fn purge_refresh_tokens(&self, now: i64, limit: u32) -> StoreResult<u64> {
        self.purge_batch(
            "DELETE FROM refresh_tokens WHERE token_hash IN \
             (SELECT token_hash FROM refresh_tokens WHERE expires_at < $1 LIMIT $2)",
            now,
            limit,
        )
        .await
    }
}
