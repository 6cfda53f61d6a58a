//! `belf keys list|rotate`.

use clap::{Args, Subcommand};
use serde_json::json;

use super::{OutputArgs, output};
use crate::auth::tokens::keys::{self, KeyRing};
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
    /// List signing keys (newest per algorithm signs; all are published in the JWKS).
    List,
    /// Generate a new key for one algorithm (or all), and the cookie secret if missing.
    /// Restart the servers to start signing with it; tokens signed by older keys keep
    /// verifying while their files remain.
    Rotate {
        /// Only this algorithm: RS256, ES256 or EdDSA (default: all three).
        #[arg(long, value_name = "ALG")]
        alg: Option<String>,
    },
}

pub fn run(config: Config, cmd: KeysCommand, json: bool) -> anyhow::Result<()> {
    let dir = &config.keys.dir;
    match cmd {
        KeysCommand::List => {
            let ring = KeyRing::load_or_generate(dir)?;
            let list: Vec<serde_json::Value> = ring
                .all()
                .iter()
                .map(|k| {
                    let active = ring.active(k.alg).map(|a| a.kid == k.kid).unwrap_or(false);
                    json!({ "kid": k.kid, "alg": k.alg.as_str(), "active": active, "file": k.path.display().to_string() })
                })
                .collect();
            output(json, &serde_json::Value::Array(list.clone()), || {
                list.iter()
                    .map(|k| {
                        format!(
                            "{}  {:5}  {}",
                            k["kid"].as_str().unwrap_or(""),
                            k["alg"].as_str().unwrap_or(""),
                            if k["active"] == json!(true) {
                                "active"
                            } else {
                                ""
                            }
                        )
                    })
                    .collect::<Vec<_>>()
                    .join("\n")
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
            let mut created = Vec::new();
            for a in algs {
                let path = keys::generate(dir, a)?;
                let key = keys::load_key(&path)?;
                created.push(json!({ "kid": key.kid, "alg": a.as_str() }));
            }
            // A folder that is complete for a server: the cookie secret too (and a key for
            // every algorithm). A deployment mounts this folder read-only (deploy/k8s), where
            // a server that found `cookie.key` missing would fail to write it.
            KeyRing::load_or_generate(dir)?;
            output(json, &serde_json::Value::Array(created.clone()), || {
                format!(
                    "generated {} key(s); restart the servers to sign with them",
                    created.len()
                )
            });
        }
    }
    Ok(())
}
