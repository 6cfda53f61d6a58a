//! The web app's client at the identity server, for `belf serve`: registered on first
//! start through the same client service the CLI uses, kept in
//! `{keys.dir}/web-client.json` (mode 0600) and reused by later starts. A file whose
//! client no longer exists (a fresh database) is replaced.

use std::io::Write;
use std::path::{Path, PathBuf};

use anyhow::Context;
use secrecy::SecretString;
use serde::{Deserialize, Serialize};

use crate::auth::clients::service::{self, NewClient};
use crate::auth::store::ClientStore;
use crate::config::Config;

pub const FILE_NAME: &str = "web-client.json";
/// What the web app asks for: sign-in, the person's profile and e-mail, refresh tokens
/// (so a session outlives one access token), and the todo API.
pub const SCOPES: [&str; 6] = [
    "openid",
    "profile",
    "email",
    "offline_access",
    "courses:read",
    "courses:write",
];

#[derive(Serialize, Deserialize)]
struct Saved {
    client_id: String,
    client_secret: String,
    redirect_uri: String,
}

pub fn path(config: &Config) -> PathBuf {
    config.keys.dir.join(FILE_NAME)
}

/// The web app's client id and secret: from `[web]` when set, else from the saved file,
/// else registered now (and saved).
pub async fn ensure(
    config: &Config,
    clients: &dyn ClientStore,
    known_scopes: &[String],
    now: i64,
) -> anyhow::Result<(String, SecretString)> {
    if !config.web.client_id.trim().is_empty() {
        return Ok((
            config.web.client_id.clone(),
            config.web.client_secret.clone(),
        ));
    }
    let public = config.web.public_url.as_str().trim_end_matches('/');
    let redirect_uri = format!("{public}/callback");
    let file = path(config);
    if let Some(saved) = read(&file)?
        && saved.redirect_uri == redirect_uri
        && clients.get_client(&saved.client_id).await?.is_some()
    {
        return Ok((saved.client_id, SecretString::from(saved.client_secret)));
    }
    let (client, secret) = service::register(
        clients,
        known_scopes,
        NewClient {
            name: "Belf web".into(),
            redirect_uris: vec![redirect_uri.clone()],
            post_logout_redirect_uris: vec![format!("{public}/")],
            scopes: SCOPES.iter().map(|s| s.to_string()).collect(),
            // The identity server tells the web app when a sign-in session ends (logout
            // page, password change, account disabled): the matching web sessions end too.
            backchannel_logout_uri: Some(format!("{public}/backchannel-logout")),
            backchannel_logout_session_required: true,
            ..Default::default()
        },
        now,
    )
    .await
    .context("registering the web app as a client of the identity server")?;
    let secret = secret.context("a confidential client has a secret")?;
    let saved = Saved {
        client_id: client.client_id.into_string(),
        client_secret: secret.expose().to_owned(),
        redirect_uri,
    };
    write(&file, &saved)?;
    tracing::info!(client_id = %saved.client_id, file = %file.display(), "web app registered as a client of the identity server");
    Ok((saved.client_id, SecretString::from(saved.client_secret)))
}

fn read(file: &Path) -> anyhow::Result<Option<Saved>> {
    match std::fs::read_to_string(file) {
        Ok(text) => Ok(serde_json::from_str(&text).ok()),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(e).with_context(|| format!("reading {}", file.display())),
    }
}

fn write(file: &Path, saved: &Saved) -> anyhow::Result<()> {
    if let Some(dir) = file.parent() {
        std::fs::create_dir_all(dir)?;
    }
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create(true).truncate(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    let mut f = options
        .open(file)
        .with_context(|| format!("writing {}", file.display()))?;
    f.write_all(serde_json::to_string_pretty(saved)?.as_bytes())?;
    Ok(())
}
