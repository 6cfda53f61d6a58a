//! The real `belf` command line, pointed at a running test server's database, Redis
//! (production mode), keys and issuer: what an administrator runs beside a live server.

use std::process::{Output, Stdio};

use secrecy::ExposeSecret;
use tokio::io::AsyncWriteExt;

use super::TestAuth;

impl TestAuth {
    /// Runs `belf args…` with this server's settings, feeding `stdin` if given.
    pub async fn cli(&self, args: &[&str], stdin: Option<&str>) -> Output {
        let mut cmd = tokio::process::Command::new(env!("CARGO_BIN_EXE_belf"));
        for (k, _) in std::env::vars().filter(|(k, _)| k.starts_with("BELF_")) {
            cmd.env_remove(k);
        }
        let c = &self.config;
        cmd.args(args)
            .env("BELF_DATABASE__URL", c.database.url.expose_secret())
            .env("BELF_REDIS__URL", c.redis.url.expose_secret())
            .env("BELF_REDIS__KEY_PREFIX", &c.redis.key_prefix)
            .env("BELF_KEYS__DIR", &c.keys.dir)
            .env("BELF_MAIL__OUTBOX_DIR", &c.mail.outbox_dir)
            .env("BELF_MAIL__SMTP_URL", c.mail.smtp_url.expose_secret())
            .env("BELF_REGISTRATION__MODE", registration_mode(c))
            .env("BELF_SERVER__ISSUER", c.server.issuer.as_str())
            .env("BELF_PASSWORD__MEMORY_KIB", "1024")
            .env("BELF_PASSWORD__ITERATIONS", "1")
            .env("BELF_MANAGEMENT__BIND", "")
            .env("BELF_LOG", "warn")
            .stdin(if stdin.is_some() {
                Stdio::piped()
            } else {
                Stdio::null()
            })
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        let mut child = cmd.spawn().expect("belf runs");
        if let Some(input) = stdin {
            let mut pipe = child.stdin.take().expect("stdin");
            pipe.write_all(input.as_bytes())
                .await
                .expect("stdin written");
        }
        child.wait_with_output().await.expect("belf finishes")
    }

    /// [`TestAuth::cli`] with `--json`, expecting success: its one JSON document.
    pub async fn cli_json(&self, args: &[&str], stdin: Option<&str>) -> serde_json::Value {
        let mut all = args.to_vec();
        all.push("--json");
        let out = self.cli(&all, stdin).await;
        assert!(
            out.status.success(),
            "belf {args:?} failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
            panic!(
                "belf {args:?} printed no JSON ({e}): {}",
                String::from_utf8_lossy(&out.stdout)
            )
        })
    }
}

fn registration_mode(c: &belf::config::Config) -> &'static str {
    match c.registration.mode {
        belf::config::RegistrationMode::Open => "open",
        belf::config::RegistrationMode::Invite => "invite",
        belf::config::RegistrationMode::Closed => "closed",
    }
}
