//! The queue of ended sessions in front of the back-channel logout worker
//! (`backchannel_logout.rs`). Kept apart from the worker so that `AuthContext` can hold
//! the queue without naming the worker, which needs the whole context.

use std::sync::{Arc, Mutex};

use tokio::sync::{mpsc, oneshot};

use crate::config::BackchannelLogoutConfig;
use crate::metrics::Metrics;

const LOG_TARGET: &str = "belf::auth::backchannel_logout";

/// What the worker is asked to do.
#[derive(Debug)]
pub(super) enum Job {
    /// Session `sid` ended.
    Session(String),
    /// Every session of `user_id` started before `before_ms` ended (password change,
    /// disabled account).
    UserSessions { user_id: String, before_ms: i64 },
    /// Answer once every job queued before this one is delivered or given up.
    Flush(oneshot::Sender<()>),
}

/// The queue in front of the delivery worker. Cheap to clone; every clone feeds the same
/// worker.
#[derive(Clone)]
pub struct Backchannel {
    enabled: bool,
    tx: mpsc::Sender<Job>,
    /// Taken once, by [`spawn_worker`].
    rx: Arc<Mutex<Option<mpsc::Receiver<Job>>>>,
}

impl Backchannel {
    pub fn new(config: &BackchannelLogoutConfig) -> Self {
        let (tx, rx) = mpsc::channel(config.queue_capacity.max(1));
        Backchannel {
            enabled: config.enabled,
            tx,
            rx: Arc::new(Mutex::new(Some(rx))),
        }
    }

    /// Session `sid` ended: its clients are told in the background.
    pub fn session_ended(&self, metrics: &Metrics, sid: &str) {
        self.enqueue(metrics, Job::Session(sid.to_owned()));
    }

    /// Every session of `user_id` started before `before_ms` ended.
    pub fn user_sessions_ended(&self, metrics: &Metrics, user_id: &str, before_ms: i64) {
        self.enqueue(
            metrics,
            Job::UserSessions {
                user_id: user_id.to_owned(),
                before_ms,
            },
        );
    }

    fn enqueue(&self, metrics: &Metrics, job: Job) {
        if !self.enabled {
            return;
        }
        if let Err(e) = self.tx.try_send(job) {
            metrics.backchannel_logout_failed.inc();
            tracing::warn!(target: LOG_TARGET, reason = %e,
                "back-channel logout not queued (queue full or no worker); its clients are not told");
        }
    }

    /// The worker's end of the queue: once, and only when the feature is on.
    pub(super) fn take_receiver(&self) -> Option<mpsc::Receiver<Job>> {
        if !self.enabled {
            return None;
        }
        self.rx.lock().unwrap_or_else(|p| p.into_inner()).take()
    }

    /// Waits until everything queued so far is delivered or given up (the CLI, before it
    /// exits). Needs a running worker.
    pub async fn flush(&self) {
        let (done, wait) = oneshot::channel();
        if self.tx.send(Job::Flush(done)).await.is_ok() {
            let _ = wait.await;
        }
    }
}
