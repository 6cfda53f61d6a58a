//! `belf keys list|rotate`.

use clap::{Args, Subcommand};
use serde_json::json;

use super::{OutputArgs, output};
use crate::auth::tokens::keys::{self, KeyPolicy, KeyRing, ScheduledKey};
use crate::clock::Clock;
use crate::config::{Config, SigningAlg};

#[derive(Debug, Args)]
pub struct KeysArgs {
    #[command(flatten)]
    pub output: OutputArgs,
    #[command(subcommand)]
    pub command: KeysCommand,
}

#[derive(Debug, Subcommand)]
pub enum KeysCommand {
    /// List signing keys with their state (next, active, retiring, retired) and dates,
    /// derived from the key dates and the current time.
    List,
    /// Generate a new key for one algorithm (or all), and the cookie secret if missing.
    /// Running servers publish it at their next reload (`keys.reload_interval_secs`) and
    /// sign with it once `keys.pre_publication_secs` have passed; no restart.
    Rotate {
        /// Only this algorithm: RS256, ES256 or EdDSA (default: all three).
        #[arg(long, value_name = "ALG")]
        alg: Option<String>,
    },
}

/// One key as listed: its state now and every date of its schedule (Unix seconds and
/// RFC 3339).
fn key_json(s: &ScheduledKey, now: i64) -> serde_json::Value {
    let when = |t: Option<i64>| match t {
        Some(t) => json!({ "unix": t, "utc": rfc3339(t) }),
        None => serde_json::Value::Null,
    };
    json!({
        "kid": s.key.kid,
        "alg": s.key.alg.as_str(),
        "state": s.dates.state(now).as_str(),
        "created_at": when(Some(s.dates.created_at)),
        "activates_at": when(s.dates.activates_at),
        "superseded_at": when(s.dates.superseded_at),
        "retired_at": when(s.dates.retired_at),
        "file": s.key.path.display().to_string(),
    })
}

fn rfc3339(t: i64) -> String {
    time::OffsetDateTime::from_unix_timestamp(t)
        .ok()
        .and_then(|d| {
            d.format(&time::format_description::well_known::Rfc3339)
                .ok()
        })
        .unwrap_or_default()
}

fn human(list: &[serde_json::Value]) -> String {
    let date = |v: &serde_json::Value| v["utc"].as_str().unwrap_or("-").to_owned();
    list.iter()
        .map(|k| {
            format!(
                "{}  {:5}  {:8}  created {}  signs from {}  superseded {}  retired {}",
                k["kid"].as_str().unwrap_or(""),
                k["alg"].as_str().unwrap_or(""),
                k["state"].as_str().unwrap_or(""),
                date(&k["created_at"]),
                match &k["activates_at"] {
                    serde_json::Value::Null => "creation".to_owned(),
                    v => date(v),
                },
                date(&k["superseded_at"]),
                date(&k["retired_at"]),
            )
        })
        .collect::<Vec<_>>()
        .join("\n")
}

pub async fn run(config: Config, cmd: KeysCommand, json: bool) -> anyhow::Result<()> {
    let dir = &config.keys.dir;
    let policy = KeyPolicy::from_config(&config);
    let now = Clock::system().now();
    match cmd {
        KeysCommand::List => {
            let ring = KeyRing::load_or_generate(dir, policy, now)?;
            let mut keys = ring.scheduled();
            keys.sort_by(|a, b| {
                (a.key.alg.as_str(), a.key.created).cmp(&(b.key.alg.as_str(), b.key.created))
            });
            let list: Vec<serde_json::Value> = keys.iter().map(|k| key_json(k, now)).collect();
            output(json, &serde_json::Value::Array(list.clone()), || {
                human(&list)
            });
        }
        KeysCommand::Rotate { alg } => {
            let algs: Vec<SigningAlg> = match alg.as_deref() {
                None => SigningAlg::ALL.to_vec(),
                Some(a) => vec![SigningAlg::parse(a).ok_or_else(|| {
                    anyhow::anyhow!("invalid --alg: must be RS256, ES256 or EdDSA")
                })?],
            };
            std::fs::create_dir_all(dir)?;
            let mut paths = Vec::new();
            for a in algs {
                paths.push(keys::generate(dir, a)?);
            }
            // A folder that is complete for a server: the cookie secret too (and a key for
            // every algorithm). A deployment mounts this folder read-only (deploy/k8s), where
            // a server that found `cookie.key` missing would fail to write it.
            let ring = KeyRing::load_or_generate(dir, policy, now)?;
            let created: Vec<serde_json::Value> = ring
                .scheduled()
                .iter()
                .filter(|s| paths.contains(&s.key.path))
                .map(|s| key_json(s, now))
                .collect();
            record_rotation(&config, &created).await;
            output(json, &serde_json::Value::Array(created.clone()), || {
                format!(
                    "generated {} key(s), published by running servers within {} s; they sign with them {} s after creation (no restart)\n{}",
                    created.len(),
                    config.keys.reload_interval_secs,
                    config.keys.pre_publication_secs,
                    human(&created)
                )
            });
        }
    }
    Ok(())
}

/// Records the rotation in the audit trail. The keys are written whatever happens here:
/// a database that cannot be reached is reported, not fatal. A SQLite file that does not
/// exist yet is not created for it (`keys rotate` prepares a key folder, often before any
/// database exists, e.g. for a read-only mount).
async fn record_rotation(config: &Config, created: &[serde_json::Value]) {
    use crate::auth::audit::AuditKind;
    use secrecy::ExposeSecret;
    let kids: Vec<&serde_json::Value> = created.iter().map(|k| &k["kid"]).collect();
    let mut database = config.database.clone();
    let existing_only = database.url.expose_secret().replace("mode=rwc", "mode=rw");
    database.url = existing_only.into();
    match crate::auth::store::sql::SqlStore::connect(&database).await {
        Ok(store) => {
            super::audit::recorder(&store)
                .record(
                    super::audit::cli_event(AuditKind::KeysRotated)
                        .detail(json!({ "via": "cli", "kids": kids })),
                )
                .await
        }
        Err(e) => tracing::warn!(target: crate::auth::audit::LOG_TARGET, error = %e,
            "keys rotated, but the audit event could not be stored (database.url)"),
    }
}
