//! `belf user add|list|disable|enable|set-password`.

use anyhow::Context;
use clap::{Args, Subcommand};
use serde_json::json;
use tokio::io::AsyncReadExt;

use super::output;
use crate::auth::accounts::User;
use crate::auth::accounts::password::PasswordHasherPool;
use crate::auth::accounts::users::{self, NewUser};
use crate::auth::store::UserStore;
use crate::auth::store::sql::SqlStore;
use crate::clock::Clock;
use crate::config::Config;

#[derive(Debug, Subcommand)]
pub enum UserCommand {
    /// Create an account; the password is read from standard input.
    Add(AddArgs),
    /// List accounts.
    List,
    /// Block an account from logging in (existing refresh tokens stop working too).
    Disable { user: String },
    /// Allow a disabled account again.
    Enable { user: String },
    /// Set a new password, read from standard input.
    SetPassword {
        user: String,
        #[arg(long)]
        password_stdin: bool,
    },
}

#[derive(Debug, Args)]
pub struct AddArgs {
    #[arg(long)]
    pub username: String,
    #[arg(long)]
    pub email: String,
    #[arg(long)]
    pub name: Option<String>,
    /// Read the password from standard input (the only way: never on the command line).
    #[arg(long)]
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
            if !a.password_stdin {
                anyhow::bail!(
                    "invalid --password-stdin: required (passwords are never taken as arguments)"
                );
            }
            let password = read_password().await?;
            let user = users::create_user(
                &store,
                &hasher()?,
                NewUser {
                    username: a.username,
                    email: a.email,
                    name: a.name,
                    password,
                },
                Clock::system().now(),
            )
            .await?;
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
        UserCommand::Disable { user } => set_disabled(&store, &user, true, json).await?,
        UserCommand::Enable { user } => set_disabled(&store, &user, false, json).await?,
        UserCommand::SetPassword {
            user,
            password_stdin,
        } => {
            if !password_stdin {
                anyhow::bail!(
                    "invalid --password-stdin: required (passwords are never taken as arguments)"
                );
            }
            let password = read_password().await?;
            let u = users::set_password(
                &store,
                &hasher()?,
                &user,
                password,
                Clock::system().now_millis(),
            )
            .await?;
            output(
                json,
                &json!({ "user_id": u.user_id, "password_changed": true }),
                || format!("password changed for {}", u.username),
            );
        }
    }
    Ok(())
}

async fn set_disabled(
    store: &SqlStore,
    who: &str,
    disabled: bool,
    json: bool,
) -> anyhow::Result<()> {
    let user = users::lookup(store, who).await?;
    store
        .set_user_disabled(&user.user_id, disabled, Clock::system().now_millis())
        .await?;
    output(
        json,
        &json!({ "user_id": user.user_id, "disabled": disabled }),
        || {
            format!(
                "{} {}",
                user.username,
                if disabled { "disabled" } else { "enabled" }
            )
        },
    );
    Ok(())
}
