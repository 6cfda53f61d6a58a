//! SQL for [`TwoStepStore`]: one text for SQLite and PostgreSQL.

use async_trait::async_trait;
use sqlx::Row;
use sqlx::any::AnyRow;

use super::sql::{SqlStore, unavailable};
use super::two_step::{MethodKind, TwoStepMethod, TwoStepStore};
use super::{StoreError, StoreResult};

fn method(row: &AnyRow) -> StoreResult<TwoStepMethod> {
    let s = |c: &str| row.try_get::<String, _>(c).map_err(unavailable);
    let i = |c: &str| row.try_get::<i64, _>(c).map_err(unavailable);
    let kind = s("kind")?;
    Ok(TwoStepMethod {
        method_id: s("method_id")?,
        user_id: s("user_id")?,
        kind: MethodKind::parse(&kind).ok_or_else(|| {
            StoreError::Unavailable(anyhow::anyhow!("unknown two-step method kind {kind}"))
        })?,
        name: s("name")?,
        secret: s("secret")?,
        last_used_step: i("last_used_step")?,
        created_at: i("created_at")?,
        last_used_at: row
            .try_get::<Option<i64>, _>("last_used_at")
            .map_err(unavailable)?,
    })
}

/// Read at every password login: does the person have (or need) a second step?
pub(super) const TWO_STEP_METHODS: &str = "SELECT method_id, user_id, kind, name, secret, last_used_step, created_at, \
     last_used_at FROM two_step_methods WHERE user_id = $1 ORDER BY created_at, method_id";
pub(super) const TWO_STEP_REQUIRED: &str =
    "SELECT 1 AS one FROM two_step_required WHERE user_id = $1";

#[async_trait]
impl TwoStepStore for SqlStore {
    async fn list_methods(&self, user_id: &str) -> StoreResult<Vec<TwoStepMethod>> {
        sqlx::query(TWO_STEP_METHODS)
            .bind(user_id)
            .fetch_all(self.pool())
            .await
            .map_err(unavailable)?
            .iter()
            .map(method)
            .collect()
    }

    async fn add_method(&self, m: &TwoStepMethod) -> StoreResult<()> {
        let _write = self.writing().await;
        sqlx::query(
            "INSERT INTO two_step_methods \
             (method_id, user_id, kind, name, secret, last_used_step, created_at, last_used_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
        )
        .bind(m.method_id.clone())
        .bind(m.user_id.clone())
        .bind(m.kind.as_str())
        .bind(m.name.clone())
        .bind(m.secret.clone())
        .bind(m.last_used_step)
        .bind(m.created_at)
        .bind(m.last_used_at)
        .execute(self.pool())
        .await
        .map_err(unavailable)?;
        Ok(())
    }

    async fn accept_totp_step(
        &self,
        user_id: &str,
        method_id: &str,
        step: i64,
        now: i64,
    ) -> StoreResult<bool> {
        let _write = self.writing().await;
        let n = sqlx::query(
            "UPDATE two_step_methods SET last_used_step = $1, last_used_at = $2 \
             WHERE user_id = $3 AND method_id = $4 AND last_used_step < $1",
        )
        .bind(step)
        .bind(now)
        .bind(user_id)
        .bind(method_id)
        .execute(self.pool())
        .await
        .map_err(unavailable)?
        .rows_affected();
        Ok(n == 1)
    }

    async fn rename_method(&self, user_id: &str, method_id: &str, name: &str) -> StoreResult<bool> {
        let _write = self.writing().await;
        let n = sqlx::query(
            "UPDATE two_step_methods SET name = $1 WHERE user_id = $2 AND method_id = $3",
        )
        .bind(name)
        .bind(user_id)
        .bind(method_id)
        .execute(self.pool())
        .await
        .map_err(unavailable)?
        .rows_affected();
        Ok(n == 1)
    }

    async fn remove_method(&self, user_id: &str, method_id: &str) -> StoreResult<bool> {
        let _write = self.writing().await;
        let mut tx = self.pool().begin().await.map_err(unavailable)?;
        let gone =
            sqlx::query("DELETE FROM two_step_methods WHERE user_id = $1 AND method_id = $2")
                .bind(user_id)
                .bind(method_id)
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

    async fn replace_recovery_codes(
        &self,
        user_id: &str,
        digests: &[String],
        now: i64,
    ) -> StoreResult<()> {
        let _write = self.writing().await;
        let mut tx = self.pool().begin().await.map_err(unavailable)?;
        sqlx::query("DELETE FROM two_step_recovery_codes WHERE user_id = $1")
            .bind(user_id)
            .execute(&mut *tx)
            .await
            .map_err(unavailable)?;
        for digest in digests {
            sqlx::query(
                "INSERT INTO two_step_recovery_codes (user_id, code_digest, created_at) \
                 VALUES ($1, $2, $3)",
            )
            .bind(user_id)
            .bind(digest.clone())
            .bind(now)
            .execute(&mut *tx)
            .await
            .map_err(unavailable)?;
        }
        tx.commit().await.map_err(unavailable)?;
        Ok(())
    }

    async fn use_recovery_code(&self, user_id: &str, digest: &str) -> StoreResult<bool> {
        let _write = self.writing().await;
        let n = sqlx::query(
            "DELETE FROM two_step_recovery_codes WHERE user_id = $1 AND code_digest = $2",
        )
        .bind(user_id)
        .bind(digest)
        .execute(self.pool())
        .await
        .map_err(unavailable)?
        .rows_affected();
        Ok(n == 1)
    }

    async fn count_recovery_codes(&self, user_id: &str) -> StoreResult<u64> {
        let n: i64 =
            sqlx::query("SELECT COUNT(*) AS n FROM two_step_recovery_codes WHERE user_id = $1")
                .bind(user_id)
                .fetch_one(self.pool())
                .await
                .map_err(unavailable)?
                .try_get("n")
                .map_err(unavailable)?;
        Ok(u64::try_from(n).unwrap_or(0))
    }

    async fn is_required(&self, user_id: &str) -> StoreResult<bool> {
        let row = sqlx::query(TWO_STEP_REQUIRED)
            .bind(user_id)
            .fetch_optional(self.pool())
            .await
            .map_err(unavailable)?;
        Ok(row.is_some())
    }

    async fn set_required(&self, user_id: &str, required: bool, now: i64) -> StoreResult<()> {
        let _write = self.writing().await;
        let q = if required {
            sqlx::query(
                "INSERT INTO two_step_required (user_id, since) VALUES ($1, $2) \
                 ON CONFLICT (user_id) DO NOTHING",
            )
            .bind(user_id)
            .bind(now)
        } else {
            sqlx::query("DELETE FROM two_step_required WHERE user_id = $1").bind(user_id)
        };
        q.execute(self.pool()).await.map_err(unavailable)?;
        Ok(())
    }
}
