//! `belf audit list`: the audit trail, newest first, straight from the identity server's
//! database. Also the helper the other admin commands record their own events with.

use std::sync::Arc;

use anyhow::Context;
use clap::{Args, Subcommand};
use serde_json::json;

use super::{OutputArgs, output};
use crate::auth::accounts::users;
use crate::auth::audit::{Audit, AuditEvent, AuditKind, AuditQuery, AuditRecord};
use crate::auth::store::sql::SqlStore;
use crate::clock::Clock;
use crate::config::Config;

#[derive(Debug, Args)]
pub struct AuditArgs {
    #[command(flatten)]
    pub output: OutputArgs,
    #[command(subcommand)]
    pub command: AuditCommand,
}

#[derive(Debug, Subcommand)]
pub enum AuditCommand {
    /// Security events, newest first.
    List {
        /// Only this person's events: user id, username or e-mail address.
        #[arg(long, value_name = "USER")]
        user: Option<String>,
        /// Only events since this instant: RFC 3339 (2026-01-31T09:00:00Z) or an age
        /// such as 90s, 30m, 24h, 7d.
        #[arg(long, value_name = "T")]
        since: Option<String>,
        /// Only events of this kind (e.g. sign_in_failed, password_reset, client_created).
        #[arg(long, value_name = "KIND")]
        kind: Option<String>,
        /// At most this many events (1 to 10000).
        #[arg(long, default_value_t = 100, value_name = "N")]
        limit: u32,
    },
}

/// How an admin command records what it did: events from the command line carry
/// `detail.via = "cli"` and no IP.
pub fn recorder(store: &SqlStore) -> Audit {
    Audit::new(Arc::new(store.clone()), Clock::system())
}

pub fn cli_event(kind: AuditKind) -> AuditEvent {
    AuditEvent::new(kind).detail(json!({ "via": "cli" }))
}

/// `--since`: RFC 3339, or an age (`<n>s|m|h|d`) counted back from `now_ms`.
pub fn parse_since(raw: &str, now_ms: i64) -> anyhow::Result<i64> {
    let raw = raw.trim();
    if let Ok(t) = time::OffsetDateTime::parse(raw, &time::format_description::well_known::Rfc3339)
    {
        let ms = t.unix_timestamp_nanos() / 1_000_000;
        return i64::try_from(ms).context("invalid --since: out of range");
    }
    let bad = || {
        anyhow::anyhow!(
            "invalid --since `{raw}`: use RFC 3339 (2026-01-31T09:00:00Z) or an age like 30m, 24h, 7d"
        )
    };
    let split = raw.len().checked_sub(1).ok_or_else(bad)?;
    let (number, unit) = raw.split_at(split);
    let n: i64 = number.parse().map_err(|_| bad())?;
    let unit_ms: i64 = match unit {
        "s" => 1_000,
        "m" => 60_000,
        "h" => 3_600_000,
        "d" => 86_400_000,
        _ => return Err(bad()),
    };
    if n < 0 {
        return Err(bad());
    }
    Ok(now_ms.saturating_sub(n.saturating_mul(unit_ms)))
}

fn rfc3339_ms(ms: i64) -> String {
    time::OffsetDateTime::from_unix_timestamp_nanos(i128::from(ms) * 1_000_000)
        .ok()
        .and_then(|d| {
            d.format(&time::format_description::well_known::Rfc3339)
                .ok()
        })
        .unwrap_or_default()
}

fn record_json(r: &AuditRecord) -> serde_json::Value {
    json!({
        "id": r.id,
        "time": rfc3339_ms(r.at_ms),
        "at_ms": r.at_ms,
        "kind": r.kind,
        "user": r.user,
        "client": r.client,
        "ip": r.ip,
        "user_agent": r.user_agent,
        "detail": r.detail,
    })
}

fn record_text(r: &AuditRecord) -> String {
    let dash = |v: &Option<String>| v.clone().unwrap_or_else(|| "-".to_owned());
    format!(
        "{}  {:<30}  user={}  client={}  ip={}  {}",
        rfc3339_ms(r.at_ms),
        r.kind,
        dash(&r.user),
        dash(&r.client),
        dash(&r.ip),
        r.detail
    )
}

pub async fn run(config: Config, cmd: AuditCommand, json: bool) -> anyhow::Result<()> {
    let AuditCommand::List {
        user,
        since,
        kind,
        limit,
    } = cmd;
    if !(1..=crate::auth::audit::sql::MAX_LIST).contains(&limit) {
        anyhow::bail!("invalid --limit: must be between 1 and 10000");
    }
    let kind = match kind.as_deref() {
        None => None,
        Some(k) => Some(AuditKind::parse(k).ok_or_else(|| {
            let known: Vec<&str> = AuditKind::ALL.iter().map(|k| k.as_str()).collect();
            anyhow::anyhow!("invalid --kind `{k}`: one of {}", known.join(", "))
        })?),
    };
    let since_ms = match since.as_deref() {
        Some(s) => Some(parse_since(s, Clock::system().now_millis())?),
        None => None,
    };
    let store = SqlStore::connect(&config.database)
        .await
        .context("database.url: cannot open or migrate the database")?;
    // A name or address is resolved to the id events carry; an account that is gone
    // (deleted) is still searched by the id as typed.
    let user = match user {
        Some(who) => Some(match users::lookup(&store, &who).await {
            Ok(u) => u.user_id,
            Err(users::UserError::NotFound(_)) => who,
            Err(e) => return Err(e.into()),
        }),
        None => None,
    };
    let query = AuditQuery {
        user,
        kind,
        since_ms,
        limit,
    };
    let records = crate::auth::audit::AuditStore::list(&store, &query).await?;
    let v = serde_json::Value::Array(records.iter().map(record_json).collect());
    output(json, &v, || {
        if records.is_empty() {
            "no events".to_owned()
        } else {
            records
                .iter()
                .map(record_text)
                .collect::<Vec<_>>()
                .join("\n")
        }
    });
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::parse_since;

    #[test]
    fn since_takes_rfc3339_or_an_age() {
        let now = 1_700_000_000_000;
        assert_eq!(parse_since("24h", now).expect("24h"), now - 86_400_000);
        assert_eq!(parse_since("90s", now).expect("90s"), now - 90_000);
        assert_eq!(parse_since("7d", now).expect("7d"), now - 7 * 86_400_000);
        assert_eq!(
            parse_since("2023-11-14T22:13:20Z", now).expect("rfc3339"),
            1_700_000_000_000
        );
        for bad in ["", "h", "24", "-5h", "24x", "yesterday", "2023-11-14"] {
            assert!(parse_since(bad, now).is_err(), "{bad}");
        }
    }
}
