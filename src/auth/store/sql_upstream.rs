//! SQL for [`UpstreamIdentityStore`]: one text for SQLite and PostgreSQL.

use async_trait::async_trait;
use sqlx::Row;
use sqlx::any::AnyRow;

use super::sql::{SqlStore, insert_user_row, unavailable};
use super::{StoreResult, UpstreamIdentity, UpstreamIdentityStore};
use crate::auth::accounts::User;

fn identity(row: &AnyRow) -> StoreResult<UpstreamIdentity> {
    let s = |c: &str| row.try_get::<String, _>(c).map_err(unavailable);
    Ok(UpstreamIdentity {
        provider: s("provider")?,
        subject: s("subject")?,
        user_id: s("user_id")?,
        email: row
            .try_get::<Option<String>, _>("email")
            .map_err(unavailable)?,
        linked_at: row.try_get::<i64, _>("linked_at").map_err(unavailable)?,
    })
}

const INSERT: &str = "INSERT INTO upstream_identities (provider, subject, user_id, email, linked_at) \
     VALUES ($1, $2, $3, $4, $5)";

#[async_trait]
impl UpstreamIdentityStore for SqlStore {
    async fn link_identity(&self, i: &UpstreamIdentity) -> StoreResult<()> {
        let _write = self.writing().await;
        sqlx::query(INSERT)
            .bind(i.provider.clone())
            .bind(i.subject.clone())
            .bind(i.user_id.clone())
            .bind(i.email.clone())
            .bind(i.linked_at)
            .execute(self.pool())
            .await
            .map_err(unavailable)?;
        Ok(())
    }

    async fn insert_user_with_identity(
        &self,
        user: &User,
        i: &UpstreamIdentity,
    ) -> StoreResult<()> {
        let _write = self.writing().await;
        let mut tx = self.pool().begin().await.map_err(unavailable)?;
        // The link first: of two first sign-ins of one upstream account at once, the
        // second stops here, before it has made an account nobody can sign in to.
        sqlx::query(INSERT)
            .bind(i.provider.clone())
            .bind(i.subject.clone())
            .bind(i.user_id.clone())
            .bind(i.email.clone())
            .bind(i.linked_at)
            .execute(&mut *tx)
            .await
            .map_err(unavailable)?;
        insert_user_row(&mut *tx, user).await?;
        tx.commit().await.map_err(unavailable)
    }

    async fn find_identity(
        &self,
        provider: &str,
        subject: &str,
    ) -> StoreResult<Option<UpstreamIdentity>> {
        sqlx::query("SELECT * FROM upstream_identities WHERE provider = $1 AND subject = $2")
            .bind(provider)
            .bind(subject)
            .fetch_optional(self.pool())
            .await
            .map_err(unavailable)?
            .map(|r| identity(&r))
            .transpose()
    }

    async fn identities_of(&self, user_id: &str) -> StoreResult<Vec<UpstreamIdentity>> {
        sqlx::query("SELECT * FROM upstream_identities WHERE user_id = $1 ORDER BY provider")
            .bind(user_id)
            .fetch_all(self.pool())
            .await
            .map_err(unavailable)?
            .iter()
            .map(identity)
            .collect()
    }

    async fn unlink_identity(&self, user_id: &str, provider: &str) -> StoreResult<bool> {
        let _write = self.writing().await;
        let done =
            sqlx::query("DELETE FROM upstream_identities WHERE user_id = $1 AND provider = $2")
                .bind(user_id)
                .bind(provider)
                .execute(self.pool())
                .await
                .map_err(unavailable)?;
        Ok(done.rows_affected() > 0)
    }
}
