//! `belf user add|list|disable|enable|set-password|require-two-step`.

use anyhow::Context;
use clap::{Args, Subcommand};
use serde_json::json;
use tokio::io::AsyncReadExt;

use super::{OutputArgs, output};
use crate::auth::accounts::User;
use crate::auth::accounts::password::PasswordHasherPool;
use crate::auth::accounts::users::{self, NewUser, UserError};
use crate::auth::audit::AuditKind;
use crate::auth::store::UserStore;
use crate::auth::store::sql::SqlStore;
use crate::clock::Clock;
use crate::config::Config;

#[derive(Debug, Args)]
pub struct UserArgs {
    #[command(flatten)]
    pub output: OutputArgs,
    #[command(subcommand)]
    pub command: UserCommand,
}

/// Required, and shown in the usage line as such: a password is never an argument (it would
/// land in the shell history and in `ps`).
const PASSWORD_STDIN_HELP: &str =
    "Read the password from standard input (required: passwords are never taken as arguments)";

#[derive(Debug, Subcommand)]
pub enum UserCommand {
    /// Create an account; the password is read from standard input.
    Add(AddArgs),
    /// List accounts.
    List,
    /// Block an account from logging in (existing refresh tokens stop working too).
    Disable {
        /// The account: its id, username or e-mail address.
        user: String,
    },
    /// Allow a disabled account again.
    Enable {
        /// The account: its id, username or e-mail address.
        user: String,
    },
    /// Set a new password, read from standard input.
    SetPassword {
        /// The account: its id, username or e-mail address.
        user: String,
        #[arg(long, required = true, help = PASSWORD_STDIN_HELP)]
        password_stdin: bool,
    },
    /// Require a second step (authenticator app) at this person's sign-in; without one
    /// yet, they set one up right after the password. `--off` lifts the requirement.
    RequireTwoStep {
        /// The account: its id, username or e-mail address.
        user: String,
        /// Lift the requirement (the person's methods stay).
        #[arg(long)]
        off: bool,
    },
    /// Invite someone to register (for `registration.mode = "invite"`): mails a
    /// single-use registration link to EMAIL and prints it.
    Invite {
        /// The address the account will have.
        email: String,
        /// How long the link works: 90m, 48h, 7d (default: email_links.invite_ttl_secs).
        #[arg(long, value_name = "AGE")]
        expires_in: Option<String>,
    },
}

#[derive(Debug, Args)]
pub struct AddArgs {
    /// Login name: 3 to 32 letters, digits, '.', '_' or '-'; unique, ignoring case.
    #[arg(long)]
    pub username: String,
    /// E-mail address; unique, and also accepted as the login name.
    #[arg(long)]
    pub email: String,
    /// Full name, shown to relying parties in the `name` claim.
    #[arg(long)]
    pub name: Option<String>,
    #[arg(long, required = true, help = PASSWORD_STDIN_HELP)]
    pub password_stdin: bool,
}

async fn read_password() -> anyhow::Result<String> {
    let mut buf = String::new();
    tokio::io::stdin()
        .take(4096)
        .read_to_string(&mut buf)
        .await?;
    let pw = buf.trim_end_matches(['\n', '\r']).to_owned();
    if pw.is_empty() {
        anyhow::bail!(
            "invalid password: standard input was empty (pipe the password in, with --password-stdin)"
        );
    }
    Ok(pw)
}

fn user_json(u: &User) -> serde_json::Value {
    json!({
        "user_id": u.user_id, "username": u.username, "email": u.email, "name": u.name,
        "disabled": u.disabled, "created_at": u.created_at,
    })
}

pub async fn run(config: Config, cmd: UserCommand, json: bool) -> anyhow::Result<()> {
    let store = SqlStore::connect(&config.database)
        .await
        .context("database.url: cannot open or migrate the database")?;
    let hasher = || PasswordHasherPool::new(&config.password);
    match cmd {
        UserCommand::Add(a) => {
            let password = read_password().await?;
            let created = users::create_user(
                &store,
                &hasher()?,
                NewUser {
                    username: a.username.clone(),
                    email: a.email.clone(),
                    name: a.name,
                    password,
                },
                Clock::system().now(),
            )
            .await;
            let user = match created {
                Err(UserError::Taken) => {
                    return Err(which_is_taken(&store, &a.username, &a.email).await);
                }
                other => other?,
            };
            super::audit::recorder(&store)
                .record(super::audit::cli_event(AuditKind::AccountCreated).user(&user.user_id))
                .await;
            output(json, &user_json(&user), || {
                format!("user_id: {}\nusername: {}", user.user_id, user.username)
            });
        }
        UserCommand::List => {
            let list = store.list_users().await?;
            let v = serde_json::Value::Array(list.iter().map(user_json).collect());
            output(json, &v, || {
                list.iter()
                    .map(|u| {
                        format!(
                            "{}  {}  {}{}",
                            u.user_id,
                            u.username,
                            u.email,
                            if u.disabled { "  (disabled)" } else { "" }
                        )
                    })
                    .collect::<Vec<_>>()
                    .join("\n")
            });
        }
        UserCommand::Disable { user } => set_disabled(&config, &store, &user, true, json).await?,
        UserCommand::Enable { user } => set_disabled(&config, &store, &user, false, json).await?,
        UserCommand::RequireTwoStep { user, off } => {
            require_two_step(&store, &user, !off, json).await?
        }
        UserCommand::Invite { email, expires_in } => {
            super::invite::run(&config, &store, &email, expires_in.as_deref(), json).await?
        }
        UserCommand::SetPassword { user, .. } => {
            let password = read_password().await?;
            let now_ms = Clock::system().now_millis();
            let u = users::set_password(&store, &hasher()?, &user, password, now_ms).await?;
            super::audit::recorder(&store)
                .record(super::audit::cli_event(AuditKind::PasswordChanged).user(&u.user_id))
                .await;
            let told = tell_clients(&config, &u.user_id, now_ms).await;
            output(
                json,
                &json!({ "user_id": u.user_id, "password_changed": true, "backchannel_logout": told }),
                || format!("password changed for {}{}", u.username, told_text(&told)),
            );
        }
    }
    Ok(())
}

/// The administrator may know what the registration page must not say (it would tell a
/// stranger which accounts exist): whether the username, the e-mail address or both are
/// taken.
async fn which_is_taken(store: &SqlStore, username: &str, email: &str) -> anyhow::Error {
    // Usernames cannot contain '@', so neither look-up can find the other kind.
    let taken = async |login: &str| store.find_user(login).await.ok().flatten().is_some();
    let username = username.trim();
    let email = email.trim().to_ascii_lowercase();
    match (taken(username).await, taken(&email).await) {
        (true, true) => anyhow::anyhow!(
            "invalid --username and --email: `{username}` and `{email}` are both already registered"
        ),
        (true, false) => anyhow::anyhow!(
            "invalid --username: `{username}` is already registered (usernames are unique, ignoring case)"
        ),
        (false, true) => {
            anyhow::anyhow!("invalid --email: `{email}` is already registered to another account")
        }
        // Removed again between the two queries: say what the service said.
        (false, false) => UserError::Taken.into(),
    }
}

async fn require_two_step(
    store: &SqlStore,
    who: &str,
    required: bool,
    json: bool,
) -> anyhow::Result<()> {
    use crate::auth::store::two_step::TwoStepStore;
    let user = users::lookup(store, who).await?;
    store
        .set_required(&user.user_id, required, Clock::system().now())
        .await?;
    let methods = store.list_methods(&user.user_id).await?.len();
    tracing::info!(target: "belf::audit", event = "two_step_requirement_changed",
        user = %user.user_id, required, "two-step requirement changed by an administrator");
    output(
        json,
        &json!({ "user_id": user.user_id, "two_step_required": required, "methods": methods }),
        || {
            let state = if required { "required" } else { "not required" };
            let hint = if required && methods == 0 {
                " (no method yet: set up at the next sign-in)"
            } else {
                ""
            };
            format!("two-step login {state} for {}{hint}", user.username)
        },
    );
    Ok(())
}

async fn set_disabled(
    config: &Config,
    store: &SqlStore,
    who: &str,
    disabled: bool,
    json: bool,
) -> anyhow::Result<()> {
    let user = users::lookup(store, who).await?;
    let now_ms = Clock::system().now_millis();
    store
        .set_user_disabled(&user.user_id, disabled, now_ms)
        .await?;
    let told = if disabled {
        tell_clients(config, &user.user_id, now_ms).await
    } else {
        serde_json::Value::Null
    };
    output(
        json,
        &json!({ "user_id": user.user_id, "disabled": disabled, "backchannel_logout": told }),
        || {
            format!(
                "{} {}{}",
                user.username,
                if disabled { "disabled" } else { "enabled" },
                told_text(&told)
            )
        },
    );
    Ok(())
}

/// The person's sessions started before `before_ms` have just been voided: tells the
/// clients that took part in them (OIDC Back-Channel Logout), from this process, and waits
/// for the deliveries (at most `max_attempts` × `timeout_secs` plus back-off) so nothing
/// is lost when the command exits. Returns `{"delivered":n,"failed":m}`, or null when
/// back-channel logout is off. A failure here never fails the command: the account change
/// is already committed.
async fn tell_clients(config: &Config, user_id: &str, before_ms: i64) -> serde_json::Value {
    if !config.backchannel_logout.enabled {
        return serde_json::Value::Null;
    }
    match tell_clients_inner(config, user_id, before_ms).await {
        Ok(v) => v,
        Err(e) => {
            tracing::warn!(error = %e, "back-channel logout not sent");
            json!({ "delivered": 0, "failed": 0, "error": e.to_string() })
        }
    }
}

async fn tell_clients_inner(
    config: &Config,
    user_id: &str,
    before_ms: i64,
) -> anyhow::Result<serde_json::Value> {
    use crate::auth::context::AuthContext;
    use crate::auth::oidc::backchannel_logout;
    use crate::auth::store::Stores;
    use crate::auth::tokens::keys::{KeyPolicy, KeyRing};
    let clock = Clock::system();
    let keys = KeyRing::load_or_generate(
        &config.keys.dir,
        KeyPolicy::from_config(config),
        clock.now(),
    )?;
    let stores = Stores::connect(config).await?;
    let ctx = AuthContext::new(
        std::sync::Arc::new(config.clone()),
        stores,
        std::sync::Arc::new(keys),
        clock,
    )?;
    let worker = backchannel_logout::spawn_worker(ctx.clone());
    ctx.backchannel
        .user_sessions_ended(&ctx.metrics, user_id, before_ms);
    ctx.backchannel.flush().await;
    if let Some(worker) = worker {
        worker.abort();
    }
    Ok(json!({
        "delivered": ctx.metrics.backchannel_logout_delivered.get(),
        "failed": ctx.metrics.backchannel_logout_failed.get(),
    }))
}

fn told_text(told: &serde_json::Value) -> String {
    match (told["delivered"].as_u64(), told["failed"].as_u64()) {
        (Some(0), Some(0)) | (None, _) => String::new(),
        (Some(d), Some(f)) => format!(" (back-channel logout: {d} delivered, {f} failed)"),
        _ => String::new(),
    }
}
