//! `belf client add|list|show|update|remove|rotate-secret|registration-token`.

use anyhow::Context;
use clap::{Args, Subcommand};
use serde_json::json;

use super::{OutputArgs, output};
use crate::auth::audit::AuditKind;
use crate::auth::clients::registration::issue_initial_token;
use crate::auth::clients::service::{self, ClientUpdate, NewClient};
use crate::auth::clients::{Client, ClientDisplay, Provenance};
use crate::auth::oauth::scope::known_scopes;
use crate::auth::store::ClientStore;
use crate::auth::store::sql::SqlStore;
use crate::clock::Clock;
use crate::config::Config;

#[derive(Debug, Args)]
pub struct ClientArgs {
    #[command(flatten)]
    pub output: OutputArgs,
    #[command(subcommand)]
    pub command: ClientCommand,
}

// Parsed once per process: boxing the big variant would save nothing worth the noise.
#[allow(clippy::large_enum_variant)]
#[derive(Debug, Subcommand)]
pub enum ClientCommand {
    /// Register a client; prints its client_id and (confidential clients) its secret, once.
    Add(AddArgs),
    /// List registered clients.
    List,
    /// Show one client.
    Show {
        #[arg(allow_hyphen_values = true)]
        client_id: String,
    },
    /// Remove a client with its refresh tokens and consents.
    Remove {
        #[arg(allow_hyphen_values = true)]
        client_id: String,
    },
    /// Change a registered client's back-channel logout settings or ID token algorithm.
    Update(UpdateArgs),
    /// Issue a new secret; the old one stops working at once.
    RotateSecret {
        #[arg(allow_hyphen_values = true)]
        client_id: String,
    },
    /// Issue an initial access token for dynamic client registration (RFC 7591 §3):
    /// shown once; only its digest is stored.
    RegistrationToken(RegistrationTokenArgs),
}

#[derive(Debug, Args)]
pub struct RegistrationTokenArgs {
    /// Lifetime in seconds (default: client_registration.initial_token_ttl_secs).
    #[arg(long = "expires-in", value_name = "SECS")]
    pub expires_in: Option<u64>,
    /// How many registrations the token admits.
    #[arg(long = "max-uses", value_name = "N", default_value_t = 1)]
    pub max_uses: u64,
}

#[derive(Debug, Args)]
pub struct AddArgs {
    /// The name people see on the consent page (1 to 100 characters; unique unless
    /// --allow-duplicate-name).
    #[arg(long)]
    pub name: String,
    /// Register even if another client already has this name (compared ignoring case).
    #[arg(long)]
    pub allow_duplicate_name: bool,
    /// Exact redirect URI (repeatable).
    #[arg(long = "redirect-uri")]
    pub redirect_uris: Vec<String>,
    /// A public client (SPA, native app, CLI): no secret, PKCE required.
    #[arg(long)]
    pub public: bool,
    /// authorization_code, refresh_token, client_credentials or device_code (repeatable).
    #[arg(long = "grant-type")]
    pub grant_types: Vec<String>,
    /// Scopes the client may request (repeatable; default: all known).
    #[arg(long = "scope")]
    pub scopes: Vec<String>,
    /// Where RP-initiated logout may return to (repeatable).
    #[arg(long = "post-logout-redirect-uri")]
    pub post_logout_redirect_uris: Vec<String>,
    /// Algorithm for this client's access tokens (RS256, ES256, EdDSA).
    #[arg(long = "access-token-alg")]
    pub access_token_alg: Option<String>,
    /// Algorithm for this client's ID tokens (RS256, ES256, EdDSA; OIDC Registration
    /// `id_token_signed_response_alg`). Default: keys.id_token_alg (RS256).
    #[arg(long = "id-token-alg", value_name = "ALG")]
    pub id_token_alg: Option<String>,
    /// Where to POST logout tokens when a session the client took part in ends (OIDC
    /// Back-Channel Logout 1.0): https, or http on loopback; no fragment.
    #[arg(long = "backchannel-logout-uri")]
    pub backchannel_logout_uri: Option<String>,
    /// The client needs `sid` in logout tokens (Belf always sends it; recorded and shown).
    #[arg(long)]
    pub backchannel_logout_session_required: bool,
    /// Accept only pushed authorization requests (RFC 9126) from this client.
    #[arg(long = "require-par")]
    pub require_par: bool,
    /// How the client authenticates at the token endpoint: client_secret_basic (default
    /// for confidential clients), none (= --public) or private_key_jwt (with --jwks or
    /// --jwks-uri; no secret is issued).
    #[arg(long = "auth-method")]
    pub auth_method: Option<String>,
    /// private_key_jwt: a file holding the client's public keys as a JWK Set.
    #[arg(long = "jwks", value_name = "FILE")]
    pub jwks: Option<std::path::PathBuf>,
    /// private_key_jwt: where the client publishes its JWK Set (https; http on loopback).
    #[arg(long = "jwks-uri", value_name = "URL")]
    pub jwks_uri: Option<String>,
    /// Every token request of the client must carry a DPoP proof (RFC 9449), so all its
    /// access tokens are DPoP-bound.
    #[arg(long = "dpop-bound-access-tokens")]
    pub dpop_bound_access_tokens: bool,
    /// The client's home page (absolute http(s) URL).
    #[arg(long = "client-uri", value_name = "URL")]
    pub client_uri: Option<String>,
    /// The client's logo (absolute http(s) URL).
    #[arg(long = "logo-uri", value_name = "URL")]
    pub logo_uri: Option<String>,
    /// The client's privacy policy (absolute http(s) URL).
    #[arg(long = "policy-uri", value_name = "URL")]
    pub policy_uri: Option<String>,
    /// The client's terms of service (absolute http(s) URL).
    #[arg(long = "tos-uri", value_name = "URL")]
    pub tos_uri: Option<String>,
}

#[derive(Debug, Args)]
pub struct UpdateArgs {
    #[arg(allow_hyphen_values = true)]
    pub client_id: String,
    /// New back-channel logout URI; an empty value removes it.
    #[arg(long = "backchannel-logout-uri")]
    pub backchannel_logout_uri: Option<String>,
    /// Whether the client needs `sid` in logout tokens.
    #[arg(long, value_name = "BOOL")]
    pub backchannel_logout_session_required: Option<bool>,
    /// Algorithm for this client's ID tokens (RS256, ES256, EdDSA); an empty value
    /// returns it to keys.id_token_alg.
    #[arg(long = "id-token-alg", value_name = "ALG")]
    pub id_token_alg: Option<String>,
}

pub fn client_json(c: &Client) -> serde_json::Value {
    json!({
        "client_id": c.client_id,
        "name": c.name,
        "public": c.is_public(),
        "redirect_uris": c.redirect_uris,
        "post_logout_redirect_uris": c.post_logout_redirect_uris,
        "grant_types": c.grant_types,
        "scopes": c.scopes,
        "access_token_alg": c.access_token_alg,
        "id_token_alg": c.id_token_alg,
        "backchannel_logout_uri": c.backchannel_logout_uri,
        "backchannel_logout_session_required": c.backchannel_logout_session_required,
        "require_pushed_authorization_requests": c.require_par,
        "token_endpoint_auth_method": c.token_endpoint_auth_method(),
        "jwks_uri": c.client_keys.as_ref().and_then(|k| k.uri()),
        "jwks": c.client_keys.as_ref().and_then(|k| k.inline_json())
            .and_then(|j| serde_json::from_str::<serde_json::Value>(&j).ok()),
        "dpop_bound_access_tokens": c.dpop_bound_access_tokens,
        "created_by": c.provenance.as_str(),
        "client_uri": c.display.client_uri,
        "logo_uri": c.display.logo_uri,
        "policy_uri": c.display.policy_uri,
        "tos_uri": c.display.tos_uri,
        "created_at": c.created_at,
    })
}

fn client_text(c: &Client) -> String {
    format!(
        "client_id:     {}\nname:          {}\ncreated_by:    {}\ntype:          {}\nauth_method:   {}\nredirect_uris: {}\ngrant_types:   {}\nscopes:        {}\nrequire_par:   {}\nid_token_alg:  {}\ndpop_bound_access_tokens: {}\nbackchannel_logout_uri: {}{}",
        c.client_id,
        c.name,
        c.provenance.as_str(),
        if c.is_public() {
            "public"
        } else {
            "confidential"
        },
        c.token_endpoint_auth_method(),
        c.redirect_uris
            .iter()
            .map(|u| u.as_str())
            .collect::<Vec<_>>()
            .join(" "),
        c.grant_types
            .iter()
            .map(|g| g.as_str())
            .collect::<Vec<_>>()
            .join(" "),
        c.scopes.join(" "),
        c.require_par,
        c.id_token_alg.map_or("default", |a| a.as_str()),
        c.dpop_bound_access_tokens,
        c.backchannel_logout_uri
            .as_ref()
            .map_or("-", |u| u.as_str()),
        if c.backchannel_logout_session_required {
            " (sid required)"
        } else {
            ""
        },
    )
}

/// Two clients with one name look the same on the consent page, so a person cannot tell
/// which one asks for access: refused unless asked for explicitly.
async fn refuse_duplicate_name(store: &SqlStore, name: &str) -> anyhow::Result<()> {
    let wanted = name.trim().to_lowercase();
    let clients = store.list_clients().await?;
    if let Some(same) = clients
        .iter()
        .find(|c| c.name.trim().to_lowercase() == wanted)
    {
        anyhow::bail!(
            "invalid --name: client {} is already named `{}` (people could not tell the two apart \
             on the consent page); choose another name, or pass --allow-duplicate-name",
            same.client_id,
            same.name
        );
    }
    Ok(())
}

pub async fn run(config: Config, cmd: ClientCommand, json: bool) -> anyhow::Result<()> {
    let store = SqlStore::connect(&config.database)
        .await
        .context("database.url: cannot open or migrate the database")?;
    match cmd {
        ClientCommand::Add(a) => {
            if !a.allow_duplicate_name {
                refuse_duplicate_name(&store, &a.name).await?;
            }
            let jwks =
                match &a.jwks {
                    Some(path) => Some(std::fs::read_to_string(path).with_context(|| {
                        format!("invalid --jwks: cannot read {}", path.display())
                    })?),
                    None => None,
                };
            let (client, secret) = service::register(
                &store,
                &known_scopes(&config),
                NewClient {
                    name: a.name,
                    redirect_uris: a.redirect_uris,
                    post_logout_redirect_uris: a.post_logout_redirect_uris,
                    public: a.public,
                    grant_types: a.grant_types,
                    scopes: a.scopes,
                    access_token_alg: a.access_token_alg,
                    id_token_alg: a.id_token_alg,
                    backchannel_logout_uri: a.backchannel_logout_uri,
                    backchannel_logout_session_required: a.backchannel_logout_session_required,
                    require_par: a.require_par,
                    auth_method: a.auth_method,
                    jwks,
                    jwks_uri: a.jwks_uri,
                    dpop_bound_access_tokens: a.dpop_bound_access_tokens,
                    provenance: Provenance::Cli,
                    display: ClientDisplay {
                        client_uri: a.client_uri,
                        logo_uri: a.logo_uri,
                        policy_uri: a.policy_uri,
                        tos_uri: a.tos_uri,
                    },
                },
                Clock::system().now(),
            )
            .await?;
            let audit = super::audit::recorder(&store);
            audit
                .record(
                    super::audit::cli_event(AuditKind::ClientCreated)
                        .client(client.client_id.as_str()),
                )
                .await;
            let mut v = json!({ "client_id": client.client_id });
            if let Some(s) = &secret {
                v["client_secret"] = json!(s.expose());
            }
            output(json, &v, || {
                let mut out = format!("client_id:     {}", client.client_id);
                if let Some(s) = &secret {
                    out.push_str(&format!(
                        "\nclient_secret: {}\n(shown once: store it now; `belf client rotate-secret` issues a new one)",
                        s.expose()
                    ));
                }
                out
            });
        }
        ClientCommand::List => {
            let clients = store.list_clients().await?;
            let v = serde_json::Value::Array(clients.iter().map(client_json).collect());
            output(json, &v, || {
                clients
                    .iter()
                    .map(|c| {
                        format!(
                            "{}  {}  {:<20}  {}",
                            c.client_id,
                            if c.is_public() {
                                "public      "
                            } else {
                                "confidential"
                            },
                            c.provenance.as_str(),
                            c.name
                        )
                    })
                    .collect::<Vec<_>>()
                    .join("\n")
            });
        }
        ClientCommand::Show { client_id } => {
            let c = store
                .get_client(&client_id)
                .await?
                .ok_or_else(|| anyhow::anyhow!("no client with id `{client_id}`"))?;
            output(json, &client_json(&c), || client_text(&c));
        }
        ClientCommand::Remove { client_id } => {
            if !store.delete_client(&client_id).await? {
                anyhow::bail!("no client with id `{client_id}`");
            }
            super::audit::recorder(&store)
                .record(super::audit::cli_event(AuditKind::ClientRemoved).client(&client_id))
                .await;
            output(json, &json!({ "removed": client_id }), || {
                format!("removed {client_id}")
            });
        }
        ClientCommand::Update(u) => {
            let c = service::update(
                &store,
                &u.client_id,
                ClientUpdate {
                    backchannel_logout_uri: u.backchannel_logout_uri,
                    backchannel_logout_session_required: u.backchannel_logout_session_required,
                    id_token_alg: u.id_token_alg,
                },
            )
            .await?;
            super::audit::recorder(&store)
                .record(super::audit::cli_event(AuditKind::ClientUpdated).client(&u.client_id))
                .await;
            output(json, &client_json(&c), || client_text(&c));
        }
        ClientCommand::RotateSecret { client_id } => {
            let secret = service::rotate_secret(&store, &client_id).await?;
            super::audit::recorder(&store)
                .record(super::audit::cli_event(AuditKind::ClientSecretRotated).client(&client_id))
                .await;
            output(
                json,
                &json!({ "client_id": client_id, "client_secret": secret.expose() }),
                || {
                    format!(
                        "client_id:     {client_id}\nclient_secret: {}",
                        secret.expose()
                    )
                },
            );
        }
        ClientCommand::RegistrationToken(t) => {
            let ttl = t
                .expires_in
                .unwrap_or(config.client_registration.initial_token_ttl_secs);
            if ttl == 0 || t.max_uses == 0 {
                anyhow::bail!("invalid --expires-in/--max-uses: both must be at least 1");
            }
            let now = Clock::system().now();
            let token = issue_initial_token(&store, ttl, t.max_uses, now).await?;
            let v = json!({
                "initial_access_token": token,
                "expires_at": now.saturating_add(i64::try_from(ttl).unwrap_or(i64::MAX)),
                "max_uses": t.max_uses,
            });
            output(json, &v, || {
                format!(
                    "initial_access_token: {token}\n(shown once; admits {} registration(s) within {ttl} s)",
                    t.max_uses
                )
            });
        }
    }
    Ok(())
}
