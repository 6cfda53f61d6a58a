//! SQL for [`PasskeyStore`]: one text for SQLite and PostgreSQL.

use async_trait::async_trait;
use sqlx::Row;
use sqlx::any::AnyRow;

use super::passkeys::{PasskeyStore, StoredPasskey};
use super::sql::{SqlStore, unavailable};
use super::{StoreError, StoreResult};

/// The columns every query reads, in `passkey`'s names (a macro: sqlx takes literal SQL).
macro_rules! columns {
    () => {
        "passkey_id, user_id, credential_id, name, credential, discoverable, created_at, \
         last_used_at"
    };
}

fn passkey(row: &AnyRow) -> StoreResult<StoredPasskey> {
    let s = |c: &str| row.try_get::<String, _>(c).map_err(unavailable);
    let i = |c: &str| row.try_get::<i64, _>(c).map_err(unavailable);
    Ok(StoredPasskey {
        passkey_id: s("passkey_id")?,
        user_id: s("user_id")?,
        credential_id: s("credential_id")?,
        name: s("name")?,
        credential: s("credential")?,
        discoverable: i("discoverable")? != 0,
        created_at: i("created_at")?,
        last_used_at: row
            .try_get::<Option<i64>, _>("last_used_at")
            .map_err(unavailable)?,
    })
}

#[async_trait]
impl PasskeyStore for SqlStore {
    async fn list_passkeys(&self, user_id: &str) -> StoreResult<Vec<StoredPasskey>> {
        sqlx::query(concat!(
            "SELECT ",
            columns!(),
            " FROM passkeys WHERE user_id = $1 ORDER BY created_at, passkey_id"
        ))
        .bind(user_id)
        .fetch_all(self.pool())
        .await
        .map_err(unavailable)?
        .iter()
        .map(passkey)
        .collect()
    }

    async fn add_passkey(&self, p: &StoredPasskey) -> StoreResult<()> {
        let _write = self.writing().await;
        let done = sqlx::query(concat!(
            "INSERT INTO passkeys (",
            columns!(),
            ") VALUES ($1, $2, $3, $4, $5, $6, $7, $8) ON CONFLICT (credential_id) DO NOTHING"
        ))
        .bind(p.passkey_id.clone())
        .bind(p.user_id.clone())
        .bind(p.credential_id.clone())
        .bind(p.name.clone())
        .bind(p.credential.clone())
        .bind(i64::from(p.discoverable))
        .bind(p.created_at)
        .bind(p.last_used_at)
        .execute(self.pool())
        .await
        .map_err(unavailable)?;
        if done.rows_affected() == 0 {
            return Err(StoreError::Conflict("passkey credential id".into()));
        }
        Ok(())
    }

    async fn find_passkey(&self, credential_id: &str) -> StoreResult<Option<StoredPasskey>> {
        sqlx::query(concat!(
            "SELECT ",
            columns!(),
            " FROM passkeys WHERE credential_id = $1"
        ))
        .bind(credential_id)
        .fetch_optional(self.pool())
        .await
        .map_err(unavailable)?
        .as_ref()
        .map(passkey)
        .transpose()
    }

    async fn passkey_used(
        &self,
        user_id: &str,
        passkey_id: &str,
        credential: &str,
        now: i64,
    ) -> StoreResult<bool> {
        let _write = self.writing().await;
        let n = sqlx::query(
            "UPDATE passkeys SET credential = $1, last_used_at = $2 \
             WHERE user_id = $3 AND passkey_id = $4",
        )
        .bind(credential)
        .bind(now)
        .bind(user_id)
        .bind(passkey_id)
        .execute(self.pool())
        .await
        .map_err(unavailable)?
        .rows_affected();
        Ok(n == 1)
    }

    async fn rename_passkey(
        &self,
        user_id: &str,
        passkey_id: &str,
        name: &str,
    ) -> StoreResult<bool> {
        let _write = self.writing().await;
        let n = sqlx::query("UPDATE passkeys SET name = $1 WHERE user_id = $2 AND passkey_id = $3")
            .bind(name)
            .bind(user_id)
            .bind(passkey_id)
            .execute(self.pool())
            .await
            .map_err(unavailable)?
            .rows_affected();
        Ok(n == 1)
    }

    async fn remove_passkey(&self, user_id: &str, passkey_id: &str) -> StoreResult<bool> {
        let _write = self.writing().await;
        let mut tx = self.pool().begin().await.map_err(unavailable)?;
        let gone = sqlx::query("DELETE FROM passkeys WHERE user_id = $1 AND passkey_id = $2")
            .bind(user_id)
            .bind(passkey_id)
            .execute(&mut *tx)
            .await
            .map_err(unavailable)?
            .rows_affected();
        sqlx::query(
            "DELETE FROM two_step_recovery_codes WHERE user_id = $1 \
             AND NOT EXISTS (SELECT 1 FROM two_step_methods WHERE user_id = $1) \
             AND NOT EXISTS (SELECT 1 FROM passkeys WHERE user_id = $1)",
        )
        .bind(user_id)
        .execute(&mut *tx)
        .await
        .map_err(unavailable)?;
        tx.commit().await.map_err(unavailable)?;
        Ok(gone == 1)
    }
}
