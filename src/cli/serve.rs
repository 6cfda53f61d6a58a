//! `belf serve [auth|todo]`.

use clap::{Args, ValueEnum};

use crate::auth::AuthServer;
use crate::config::Config;

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Part {
    /// The identity server only.
    Auth,
    /// The todo/course service only (it waits for its issuer in the background).
    Todo,
}

#[derive(Debug, Args)]
pub struct ServeArgs {
    /// Which part to run; both when omitted.
    pub part: Option<Part>,
}

pub async fn run(config: Config, args: ServeArgs) -> anyhow::Result<()> {
    let run_auth = args.part != Some(Part::Todo);
    let run_todo = args.part != Some(Part::Auth);
    let mut tasks = tokio::task::JoinSet::new();
    // One signal stops both parts: each finishes its in-flight requests.
    let (stop_tx, stop_rx) = tokio::sync::watch::channel(false);
    tokio::spawn(async move {
        crate::telemetry::shutdown_signal().await;
        let _ = stop_tx.send(true);
    });
    let stopped = move || {
        let mut rx = stop_rx.clone();
        async move {
            let _ = rx.wait_for(|s| *s).await;
        }
    };
    if run_auth {
        let server = AuthServer::build(config.clone()).await?;
        let issuer = server.ctx.issuer.clone();
        tracing::info!(port = server.port(), "identity server listening");
        eprintln!(
            "Belf identity server: {issuer}  (discovery: {issuer}/.well-known/openid-configuration)"
        );
        if let (Some(port), Ok(Some(addr))) =
            (server.management_port(), config.management.bind_addr())
        {
            tracing::info!(port, "management listener (metrics) listening");
            eprintln!(
                "Metrics (management listener): http://{}:{port}/metrics",
                addr.ip()
            );
        }
        eprintln!(
            "Register a first client:  belf client add --name my-app --redirect-uri http://127.0.0.1:3000/callback"
        );
        eprintln!(
            "Add a user:               echo 'a-long-password' | belf user add --username alice --email alice@example.com --password-stdin"
        );
        // The same stop signal as the todo service: listening for the OS signal a second
        // time logged "shutdown signal received" twice.
        let stop = stopped();
        tasks.spawn(async move { server.run_until(stop).await.map_err(anyhow::Error::from) });
    }
    if run_todo {
        let todo = crate::todo::TodoServer::build(&config.todo)
            .await?
            .with_limits(crate::serve::ListenerLimits::from_config(&config.server));
        eprintln!(
            "Belf todo/course service: http://{}:{}",
            config.todo.bind.ip(),
            todo.port()
        );
        let stop = stopped();
        tasks.spawn(async move { todo.run_until(stop).await.map_err(anyhow::Error::from) });
    }
    while let Some(done) = tasks.join_next().await {
        done??;
    }
    Ok(())
}
