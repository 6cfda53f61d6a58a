//! E-mail links in SQL (SQLite and PostgreSQL through sqlx `Any`, one query text).

use async_trait::async_trait;
use sqlx::Row;
use sqlx::any::AnyRow;

use super::{EmailConfirmed, EmailLink, EmailLinkStore, LinkPurpose};
use crate::auth::store::sql::{SqlStore, unavailable};
use crate::auth::store::{StoreError, StoreResult};

fn purpose_of(s: &str) -> StoreResult<LinkPurpose> {
    [
        LinkPurpose::Verify,
        LinkPurpose::ChangeEmail,
        LinkPurpose::PasswordReset,
        LinkPurpose::Invite,
    ]
    .into_iter()
    .find(|p| p.as_str() == s)
    .ok_or_else(|| StoreError::Unavailable(anyhow::anyhow!("unknown link purpose `{s}`")))
}

fn link_from_row(row: &AnyRow) -> StoreResult<EmailLink> {
    let purpose: String = row.try_get("purpose").map_err(unavailable)?;
    Ok(EmailLink {
        token_hash: row.try_get("token_hash").map_err(unavailable)?,
        purpose: purpose_of(&purpose)?,
        user_id: row.try_get("user_id").map_err(unavailable)?,
        email: row.try_get("email").map_err(unavailable)?,
        created_at: row.try_get("created_at").map_err(unavailable)?,
        expires_at: row.try_get("expires_at").map_err(unavailable)?,
    })
}

/// Marks the link used if it is active; returns it then. Inside the caller's transaction.
async fn take_in(
    tx: &mut sqlx::Transaction<'_, sqlx::Any>,
    token_hash: &str,
    purposes: &[LinkPurpose],
    now: i64,
) -> StoreResult<Option<EmailLink>> {
    for purpose in purposes {
        // The conditional UPDATE is the lock: of two concurrent takes one sees a row.
        let taken = sqlx::query(
            "UPDATE email_links SET used_at = $3 WHERE token_hash = $1 AND purpose = $2 \
             AND used_at IS NULL AND expires_at > $3",
        )
        .bind(token_hash)
        .bind(purpose.as_str())
        .bind(now)
        .execute(&mut **tx)
        .await
        .map_err(unavailable)?
        .rows_affected();
        if taken == 1 {
            let row = sqlx::query("SELECT * FROM email_links WHERE token_hash = $1")
                .bind(token_hash)
                .fetch_one(&mut **tx)
                .await
                .map_err(unavailable)?;
            return link_from_row(&row).map(Some);
        }
    }
    Ok(None)
}

#[async_trait]
impl EmailLinkStore for SqlStore {
    async fn insert_link(&self, l: &EmailLink) -> StoreResult<()> {
        let _write = self.writing().await;
        sqlx::query(
            "INSERT INTO email_links (token_hash, purpose, user_id, email, created_at, expires_at) \
             VALUES ($1, $2, $3, $4, $5, $6)",
        )
        .bind(&l.token_hash)
        .bind(l.purpose.as_str())
        .bind(l.user_id.clone())
        .bind(&l.email)
        .bind(l.created_at)
        .bind(l.expires_at)
        .execute(self.pool())
        .await
        .map_err(unavailable)?;
        Ok(())
    }

    async fn find_link(
        &self,
        token_hash: &str,
        purpose: LinkPurpose,
        now: i64,
    ) -> StoreResult<Option<EmailLink>> {
        sqlx::query(
            "SELECT * FROM email_links WHERE token_hash = $1 AND purpose = $2 \
             AND used_at IS NULL AND expires_at > $3",
        )
        .bind(token_hash)
        .bind(purpose.as_str())
        .bind(now)
        .fetch_optional(self.pool())
        .await
        .map_err(unavailable)?
        .map(|r| link_from_row(&r))
        .transpose()
    }

    async fn take_link(
        &self,
        token_hash: &str,
        purpose: LinkPurpose,
        now: i64,
    ) -> StoreResult<Option<EmailLink>> {
        let _write = self.writing().await;
        let mut tx = self.pool().begin().await.map_err(unavailable)?;
        let link = take_in(&mut tx, token_hash, &[purpose], now).await?;
        tx.commit().await.map_err(unavailable)?;
        Ok(link)
    }

    async fn void_links(&self, user_id: &str, purpose: LinkPurpose, now: i64) -> StoreResult<u64> {
        let _write = self.writing().await;
        let n = sqlx::query(
            "UPDATE email_links SET used_at = $1 \
             WHERE user_id = $2 AND purpose = $3 AND used_at IS NULL",
        )
        .bind(now)
        .bind(user_id)
        .bind(purpose.as_str())
        .execute(self.pool())
        .await
        .map_err(unavailable)?
        .rows_affected();
        Ok(n)
    }

    async fn confirm_email(
        &self,
        token_hash: &str,
        now: i64,
    ) -> StoreResult<Option<EmailConfirmed>> {
        let _write = self.writing().await;
        let mut tx = self.pool().begin().await.map_err(unavailable)?;
        let purposes = [LinkPurpose::Verify, LinkPurpose::ChangeEmail];
        let Some(link) = take_in(&mut tx, token_hash, &purposes, now).await? else {
            tx.rollback().await.map_err(unavailable)?;
            return Ok(None);
        };
        let Some(user_id) = link.user_id.clone() else {
            tx.commit().await.map_err(unavailable)?;
            return Ok(Some(EmailConfirmed::Stale));
        };
        let outcome = match link.purpose {
            LinkPurpose::ChangeEmail => {
                let changed = sqlx::query(
                    "UPDATE users SET email = $1, email_verified = 1, updated_at = $2 \
                     WHERE user_id = $3",
                )
                .bind(&link.email)
                .bind(now)
                .bind(&user_id)
                .execute(&mut *tx)
                .await;
                match changed {
                    Ok(r) if r.rows_affected() == 1 => EmailConfirmed::Changed {
                        user_id,
                        email: link.email.clone(),
                    },
                    Ok(_) => EmailConfirmed::Stale,
                    Err(e) => match unavailable(e) {
                        // Someone registered the address in between: the link is spent,
                        // the account keeps its old address.
                        StoreError::Conflict(_) => {
                            tx.rollback().await.map_err(unavailable)?;
                            self.mark_used(token_hash, now).await?;
                            return Ok(Some(EmailConfirmed::Taken));
                        }
                        other => return Err(other),
                    },
                }
            }
            _ => {
                // Only the address the link was mailed to is confirmed: after a change
                // of address an old link verifies nothing.
                let n = sqlx::query(
                    "UPDATE users SET email_verified = 1, updated_at = $1 \
                     WHERE user_id = $2 AND email = $3",
                )
                .bind(now)
                .bind(&user_id)
                .bind(&link.email)
                .execute(&mut *tx)
                .await
                .map_err(unavailable)?
                .rows_affected();
                if n == 1 {
                    EmailConfirmed::Verified { user_id }
                } else {
                    EmailConfirmed::Stale
                }
            }
        };
        tx.commit().await.map_err(unavailable)?;
        Ok(Some(outcome))
    }

    async fn mark_email_verified(&self, user_id: &str, email: &str, now: i64) -> StoreResult<bool> {
        let _write = self.writing().await;
        let n = sqlx::query(
            "UPDATE users SET email_verified = 1, updated_at = $1 WHERE user_id = $2 AND email = $3",
        )
        .bind(now)
        .bind(user_id)
        .bind(email)
        .execute(self.pool())
        .await
        .map_err(unavailable)?
        .rows_affected();
        Ok(n == 1)
    }

    async fn purge_links(&self, now: i64, limit: u32) -> StoreResult<u64> {
        let _write = self.writing().await;
        let n = sqlx::query(
            "DELETE FROM email_links WHERE token_hash IN \
             (SELECT token_hash FROM email_links WHERE expires_at < $1 LIMIT $2)",
        )
        .bind(now)
        .bind(i64::from(limit.max(1)))
        .execute(self.pool())
        .await
        .map_err(unavailable)?
        .rows_affected();
        Ok(n)
    }
}

impl SqlStore {
    async fn mark_used(&self, token_hash: &str, now: i64) -> StoreResult<()> {
        sqlx::query("UPDATE email_links SET used_at = $1 WHERE token_hash = $2")
            .bind(now)
            .bind(token_hash)
            .execute(self.pool())
            .await
            .map_err(unavailable)?;
        Ok(())
    }
}
