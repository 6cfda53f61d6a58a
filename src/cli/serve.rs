//! `belf serve [auth|todo|web]`: the composition root, the one place that knows all three
//! parts (the web app reaches the other two over HTTP only).

use std::net::{IpAddr, SocketAddr};

use anyhow::Context;
use clap::{Args, ValueEnum};

use crate::auth::AuthServer;
use crate::auth::store::Stores;
use crate::config::Config;

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Part {
    /// The identity server only.
    Auth,
    /// The todo/course service only (it waits for its issuer in the background).
    Todo,
    /// The web app only: its client id and secret, issuer and todo URL from `[web]`.
    Web,
}

#[derive(Debug, Args)]
pub struct ServeArgs {
    /// Which part to run; all three when omitted.
    pub part: Option<Part>,
}

/// `json_logs`: the logs are JSON lines, so nothing may be written beside them (a plain
/// banner line would break every collector that parses stderr line by line).
pub async fn run(config: Config, args: ServeArgs, json_logs: bool) -> anyhow::Result<()> {
    let run_auth = args.part.is_none_or(|p| p == Part::Auth);
    let run_todo = args.part.is_none_or(|p| p == Part::Todo);
    let run_web = args.part.is_none_or(|p| p == Part::Web);
    let mut config = config;
    let mut tasks = tokio::task::JoinSet::new();
    // One signal stops both parts: each finishes its in-flight requests. Only this task
    // listens for it (the servers' `run_until_stopped` would each listen, and log, again).
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
        let stores = Stores::connect(&config).await?;
        if run_web {
            // The web app is a client like any other, registered through the same service
            // the CLI uses; its credentials are kept for later starts.
            let (id, secret) = crate::cli::web_client::ensure(
                &config,
                &*stores.clients,
                &crate::auth::oauth::scope::known_scopes(&config),
                crate::clock::Clock::system().now(),
            )
            .await?;
            config.web.client_id = id;
            config.web.client_secret = secret;
        }
        let listener = tokio::net::TcpListener::bind(config.server.bind)
            .await
            .with_context(|| format!("server.bind: cannot listen on {}", config.server.bind))?;
        let server = AuthServer::build_on(config.clone(), stores, listener).await?;
        let address = SocketAddr::new(config.server.bind.ip(), server.port());
        let issuer = server.ctx.issuer.clone();
        let discovery = format!("{issuer}/.well-known/openid-configuration");
        tracing::info!(%address, %issuer, %discovery, "identity server listening");
        if let Some(problem) = issuer_mismatch(&config.server.issuer, address) {
            tracing::warn!(%address, %issuer, "server.issuer {problem}");
        }
        if run_todo && config.todo.issuer.as_str().trim_end_matches('/') != &*issuer {
            tracing::warn!(
                todo_issuer = %config.todo.issuer,
                %issuer,
                "todo.issuer is not this identity server's issuer: the todo service will not \
                 accept its tokens (set BELF_TODO__ISSUER={issuer})"
            );
        }
        let management = match (server.management_port(), config.management.bind_addr()) {
            (Some(port), Ok(Some(addr))) => Some(SocketAddr::new(addr.ip(), port)),
            _ => None,
        };
        if let Some(management) = management {
            tracing::info!(address = %management, "management listener (metrics) listening");
        }
        let mail_to = server.ctx.mail.describe();
        tracing::info!(via = %mail_to, "e-mail (verification, password reset, invitations)");
        if !json_logs {
            eprintln!("Belf identity server: listening on {address}, issuer {issuer}");
            eprintln!("  discovery: {discovery}");
            if let Some(management) = management {
                eprintln!("  metrics (management listener): http://{management}/metrics");
            }
            // The embedded default sends nothing: the links people need are in this folder.
            eprintln!("  e-mail goes to the {mail_to} (one .eml file per message)");
            eprintln!(
                "  register a first client:  belf client add --name my-app --redirect-uri http://127.0.0.1:3000/callback"
            );
            eprintln!(
                "  add a user:               echo 'a-long-password' | belf user add --username alice --email alice@example.com --password-stdin"
            );
        }
        let stop = stopped();
        tasks.spawn(async move { server.run_until(stop).await.map_err(anyhow::Error::from) });
    }
    if run_todo {
        let todo = crate::todo::TodoServer::build(&config.todo)
            .await?
            .with_limits(crate::serve::ListenerLimits::from_config(&config.server));
        if run_web {
            // In one process the web app calls this todo service on its actual port.
            let ip = match config.todo.bind.ip() {
                ip if ip.is_unspecified() => IpAddr::from([127, 0, 0, 1]),
                ip => ip,
            };
            if let Ok(url) = format!("http://{}", SocketAddr::new(ip, todo.port())).parse() {
                config.web.todo_url = url;
            }
        }
        // The todo service logs its own "listening" event; the banner is for people only.
        if !json_logs {
            eprintln!(
                "Belf todo/course service: listening on {}, trusting issuer {}",
                SocketAddr::new(config.todo.bind.ip(), todo.port()),
                config.todo.issuer.as_str().trim_end_matches('/')
            );
        }
        let stop = stopped();
        tasks.spawn(async move { todo.run_until(stop).await.map_err(anyhow::Error::from) });
    }
    if run_web {
        let web = crate::web::WebServer::build(&config.web, &config.redis)
            .await?
            .with_limits(crate::serve::ListenerLimits::from_config(&config.server));
        let address = SocketAddr::new(config.web.bind.ip(), web.port());
        if let Some(problem) = issuer_mismatch(&config.web.public_url, address) {
            tracing::warn!(%address, "web.public_url {}", problem.replace("BELF_SERVER__ISSUER", "BELF_WEB__PUBLIC_URL"));
        }
        if !json_logs {
            eprintln!(
                "Belf web: open {} (listening on {address}, signing in with {})",
                config.web.public_url.as_str().trim_end_matches('/'),
                config.web.issuer
            );
        }
        let stop = stopped();
        tasks.spawn(async move { web.run_until(stop).await.map_err(anyhow::Error::from) });
    }
    while let Some(done) = tasks.join_next().await {
        done??;
    }
    Ok(())
}

/// Why `issuer` cannot reach a server listening on `bound`, when both are on this machine
/// (`None` otherwise). The issuer is the URL clients and browsers use: a default left at
/// port 8080 while the server listens on 9090 makes discovery, every redirect and every
/// token's `iss` name a port nothing answers on. A non-loopback issuer is a public name in
/// front of a proxy or load balancer, where any bind address may be right.
pub fn issuer_mismatch(issuer: &url::Url, bound: SocketAddr) -> Option<String> {
    let issuer_ip = match issuer.host()? {
        url::Host::Domain(d) if d.eq_ignore_ascii_case("localhost") => None,
        url::Host::Domain(_) => return None,
        url::Host::Ipv4(ip) => Some(IpAddr::V4(ip)),
        url::Host::Ipv6(ip) => Some(IpAddr::V6(ip)),
    };
    if issuer_ip.is_some_and(|ip| !ip.is_loopback()) {
        return None;
    }
    let issuer_port = issuer.port_or_known_default()?;
    let host = issuer.host_str().unwrap_or_default();
    if issuer_port != bound.port() {
        let mut suggested = issuer.clone();
        let _ = suggested.set_port(Some(bound.port()));
        return Some(format!(
            "names port {issuer_port}, but the server listens on {bound}: set BELF_SERVER__ISSUER={}",
            suggested.as_str().trim_end_matches('/')
        ));
    }
    // A wildcard bind answers on every loopback address; `localhost` may resolve to
    // 127.0.0.1 or ::1, either of which a loopback bind of that family answers.
    let reachable = bound.ip().is_unspecified()
        || match issuer_ip {
            Some(ip) => ip == bound.ip(),
            None => bound.ip().is_loopback(),
        };
    if reachable {
        None
    } else {
        Some(format!(
            "names host {host}, but the server listens on {bound} only"
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::issuer_mismatch;

    fn check(issuer: &str, bound: &str) -> Option<String> {
        issuer_mismatch(
            &url::Url::parse(issuer).expect("url"),
            bound.parse().expect("socket address"),
        )
    }

    #[test]
    fn a_loopback_issuer_must_name_the_bound_port_and_host() {
        assert_eq!(check("http://127.0.0.1:8080", "127.0.0.1:8080"), None);
        assert_eq!(check("http://localhost:8080", "127.0.0.1:8080"), None);
        assert_eq!(check("http://127.0.0.1:8080", "0.0.0.0:8080"), None);
        assert_eq!(check("http://[::1]:8080", "[::1]:8080"), None);
        let port = check("http://127.0.0.1:8080", "127.0.0.1:9090").expect("warned");
        assert!(
            port.contains("8080") && port.contains("127.0.0.1:9090"),
            "{port}"
        );
        assert!(
            port.contains("BELF_SERVER__ISSUER=http://127.0.0.1:9090"),
            "{port}"
        );
        let host = check("http://127.0.0.2:8080", "127.0.0.1:8080").expect("warned");
        assert!(host.contains("127.0.0.2"), "{host}");
        let localhost = check("http://localhost", "0.0.0.0:9090").expect("warned");
        assert!(
            localhost.contains("BELF_SERVER__ISSUER=http://localhost:9090"),
            "{localhost}"
        );
    }

    #[test]
    fn a_public_issuer_is_a_proxy_setup_and_not_checked() {
        assert_eq!(check("https://id.example.com", "0.0.0.0:8080"), None);
        assert_eq!(check("https://id.example.com", "127.0.0.1:9090"), None);
        assert_eq!(check("http://10.0.0.5:8080", "127.0.0.1:9090"), None);
    }
}
