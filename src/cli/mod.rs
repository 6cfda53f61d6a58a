//! The `belf` command line: `serve`, and admin nouns (`client`, `user`, `keys`, `audit`) that call
//! the same services as the server, directly on its database (no HTTP in between), so they
//! work whether or not the server is running. `--json` gives one JSON document on stdout.

pub mod audit;
pub mod client;
pub mod invite;
pub mod keys;
pub mod serve;
pub mod user;
pub mod web_client;

use std::path::PathBuf;

use clap::{Parser, Subcommand};

use crate::config::Config;

#[derive(Debug, Parser)]
#[command(
    name = "belf",
    version,
    about = "Belf identity server and todo/course service"
)]
pub struct Cli {
    /// Configuration file layered over the built-in defaults (see config/default.toml).
    #[arg(long, global = true, env = "BELF_CONFIG")]
    pub config: Option<PathBuf>,
    /// Machine-readable output of the client, user and keys commands (also accepted after
    /// them): exactly one JSON document on stdout.
    // Not global: `serve` prints logs, not a document, so its help must not offer it.
    #[arg(long)]
    pub json: bool,
    /// Log as JSON lines on stderr, for log collectors (also BELF_LOG_FORMAT=json).
    #[arg(long, global = true)]
    pub log_json: bool,
    #[command(subcommand)]
    pub command: Command,
}

// Parsed once per process: boxing the big variant would save nothing worth the noise.
#[allow(clippy::large_enum_variant)]
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run the servers: both by default, or one of them.
    Serve(serve::ServeArgs),
    /// Register and manage OAuth clients.
    Client(client::ClientArgs),
    /// Manage people's accounts.
    User(user::UserArgs),
    /// Signing keys.
    Keys(keys::KeysArgs),
    /// The audit trail of security events.
    Audit(audit::AuditArgs),
}

/// `--json` of an admin noun: global within it, so it may follow the verb
/// (`belf client add … --json`) as well as precede it.
#[derive(Debug, Clone, Copy, clap::Args)]
pub struct OutputArgs {
    /// Machine-readable output: exactly one JSON document on stdout.
    #[arg(long, global = true)]
    pub json: bool,
}

impl Cli {
    /// Whether logs are JSON lines: `--log-json` or `BELF_LOG_FORMAT=json`.
    pub fn json_logs(&self) -> bool {
        self.log_json || std::env::var("BELF_LOG_FORMAT").is_ok_and(|v| v == "json")
    }
}

/// Runs the parsed command. Errors are printed by `main` and exit non-zero.
pub async fn run(cli: Cli) -> anyhow::Result<()> {
    let json_logs = cli.json_logs();
    if cli.json && matches!(cli.command, Command::Serve(_)) {
        // Parsed only because `belf --json client …` is; refused rather than ignored, so
        // nobody waits for a document that never comes.
        anyhow::bail!("invalid --json: `serve` prints no document (for JSON logs: --log-json)");
    }
    let config = Config::load(cli.config.as_deref())?;
    match cli.command {
        Command::Serve(args) => serve::run(config, args, json_logs).await,
        Command::Client(a) => client::run(config, a.command, cli.json || a.output.json).await,
        Command::User(a) => user::run(config, a.command, cli.json || a.output.json).await,
        Command::Keys(a) => keys::run(config, a.command, cli.json || a.output.json).await,
        Command::Audit(a) => audit::run(config, a.command, cli.json || a.output.json).await,
    }
}

/// The text `main` prints for a failed command: the error and its causes, each once.
///
/// anyhow's `{:#}` appends every cause to its context, but many errors (the `config`
/// crate's, sqlx's, reqwest's) already end their own message with their cause's, which
/// printed the same sentence twice; a cause whose text is already there is skipped.
pub fn error_message(error: &anyhow::Error) -> String {
    let mut message = String::new();
    for cause in error.chain() {
        let text = cause.to_string();
        if message.contains(&text) {
            continue;
        }
        if !message.is_empty() {
            message.push_str(": ");
        }
        message.push_str(&text);
    }
    message
}

/// Prints `value` as JSON, or `human` otherwise.
pub fn output(json: bool, value: &serde_json::Value, human: impl FnOnce() -> String) {
    if json {
        println!("{value}");
    } else {
        println!("{}", human());
    }
}

#[cfg(test)]
mod tests {
    use super::error_message;

    /// An error that repeats its cause in its own message, as sqlx's and reqwest's do.
    #[derive(Debug, thiserror::Error)]
    #[error("cannot open: {0}")]
    struct Repeats(#[source] std::io::Error);

    #[test]
    fn each_cause_is_printed_once() {
        let io = std::io::Error::other("no such file");
        let error = anyhow::Error::new(Repeats(io)).context("database.url");
        assert_eq!(
            error_message(&error),
            "database.url: cannot open: no such file"
        );
        let plain = anyhow::anyhow!("inner").context("outer");
        assert_eq!(error_message(&plain), "outer: inner");
    }
}
