//! Outgoing e-mail: a [`Mailer`] trait with two implementations chosen at start from
//! `[mail]` — SMTP (`lettre`, production) and an outbox folder of `.eml` files (the
//! embedded default) — and [`MailService`], which sends in the background so that a
//! page answers in the same time whether or not it sent anything (no account
//! enumeration by timing).

pub mod templates;

use std::sync::Arc;
use std::time::Duration;

use anyhow::Context;
use async_trait::async_trait;
use lettre::message::header::ContentType;
use lettre::message::{Mailbox, Message};
use lettre::{AsyncFileTransport, AsyncSmtpTransport, AsyncTransport, Tokio1Executor};
use secrecy::ExposeSecret;

use crate::config::MailConfig;

/// One message as Belf writes it: to one person, plain text.
#[derive(Clone)]
pub struct Mail {
    pub to: String,
    pub subject: String,
    pub body: String,
}

/// The body holds single-use links: never printed by `Debug`.
impl std::fmt::Debug for Mail {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Mail")
            .field("subject", &self.subject)
            .finish_non_exhaustive()
    }
}

#[async_trait]
pub trait Mailer: Send + Sync {
    async fn send(&self, message: Message) -> anyhow::Result<()>;
    /// Where mail goes, for the start banner and logs (never a password).
    fn describe(&self) -> String;
}

pub struct SmtpMailer {
    transport: AsyncSmtpTransport<Tokio1Executor>,
    server: String,
}

impl SmtpMailer {
    pub fn new(url: &str, timeout: Duration) -> anyhow::Result<SmtpMailer> {
        let transport = AsyncSmtpTransport::<Tokio1Executor>::from_url(url)
            .context("mail.smtp_url: not an SMTP URL (smtp://host:port or smtps://...)")?
            .timeout(Some(timeout))
            .build();
        let server = url::Url::parse(url)
            .ok()
            .and_then(|u| Some(format!("{}:{}", u.host_str()?, u.port().unwrap_or(25))))
            .unwrap_or_else(|| "SMTP".to_owned());
        Ok(SmtpMailer { transport, server })
    }
}

#[async_trait]
impl Mailer for SmtpMailer {
    async fn send(&self, message: Message) -> anyhow::Result<()> {
        self.transport.send(message).await?;
        Ok(())
    }

    fn describe(&self) -> String {
        format!("SMTP server {}", self.server)
    }
}

/// The embedded default: one `<id>.eml` file per message in a folder.
pub struct OutboxMailer {
    dir: std::path::PathBuf,
    transport: AsyncFileTransport<Tokio1Executor>,
}

impl OutboxMailer {
    pub fn new(dir: &std::path::Path) -> OutboxMailer {
        OutboxMailer {
            dir: dir.to_owned(),
            transport: AsyncFileTransport::new(dir),
        }
    }
}

#[async_trait]
impl Mailer for OutboxMailer {
    async fn send(&self, message: Message) -> anyhow::Result<()> {
        tokio::fs::create_dir_all(&self.dir)
            .await
            .with_context(|| format!("mail.outbox_dir: cannot create {}", self.dir.display()))?;
        self.transport.send(message).await?;
        Ok(())
    }

    fn describe(&self) -> String {
        format!("outbox folder {}", self.dir.display())
    }
}

/// Sends [`Mail`] from `[mail] from` through the configured [`Mailer`].
#[derive(Clone)]
pub struct MailService {
    mailer: Arc<dyn Mailer>,
    from: Mailbox,
    /// At most this many messages on their way at once; more wait for a slot.
    in_flight: Arc<tokio::sync::Semaphore>,
}

impl MailService {
    pub fn from_config(config: &MailConfig) -> anyhow::Result<MailService> {
        let url = config.smtp_url.expose_secret();
        let mailer: Arc<dyn Mailer> = if url.trim().is_empty() {
            Arc::new(OutboxMailer::new(&config.outbox_dir))
        } else {
            Arc::new(SmtpMailer::new(
                url,
                Duration::from_secs(config.timeout_secs),
            )?)
        };
        let from = config
            .from
            .parse()
            .context("mail.from: not an e-mail address")?;
        Ok(MailService::new(mailer, from))
    }

    pub fn new(mailer: Arc<dyn Mailer>, from: Mailbox) -> MailService {
        MailService {
            mailer,
            from,
            in_flight: Arc::new(tokio::sync::Semaphore::new(16)),
        }
    }

    pub fn describe(&self) -> String {
        self.mailer.describe()
    }

    /// Builds and sends `mail` now; the error says why it was not sent.
    pub async fn send_now(&self, mail: Mail) -> anyhow::Result<()> {
        let to: Mailbox = mail.to.parse().context("not a deliverable address")?;
        let message = Message::builder()
            .from(self.from.clone())
            .to(to)
            .subject(mail.subject)
            .header(ContentType::TEXT_PLAIN)
            .body(mail.body)
            .context("message could not be built")?;
        let _slot = self.in_flight.acquire().await;
        self.mailer.send(message).await
    }

    /// Sends in the background: the caller's answer does not wait for (or tell about)
    /// delivery. Failures are logged with the mailer, never with the link.
    pub fn send_later(&self, mail: Mail) {
        let service = self.clone();
        tokio::spawn(async move {
            let subject = mail.subject.clone();
            match service.send_now(mail).await {
                Ok(()) => tracing::info!(%subject, via = %service.describe(), "mail sent"),
                Err(e) => tracing::warn!(%subject, via = %service.describe(), error = %e,
                    "mail not sent"),
            }
        });
    }
}
