//! A relying party's back-channel logout endpoint, as small as it gets: an axum server on
//! port 0 that answers `POST /backchannel-logout` and hands every `logout_token` it got to
//! the test. It can also be told to hang, to play a client that never answers.

use std::time::Duration;

use axum::Form;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::routing::post;
use tokio::sync::mpsc;

/// What the receiver does with a request.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Behaviour {
    Accept,
    /// Never answers (the identity server's timeout must end the request).
    Hang,
}

/// One POST as received.
#[derive(Debug)]
pub struct Received {
    pub content_type: String,
    pub logout_token: Option<String>,
}

pub struct LogoutReceiver {
    pub url: String,
    received: mpsc::UnboundedReceiver<Received>,
    _shutdown: tokio::sync::oneshot::Sender<()>,
}

#[derive(Clone)]
struct Shared {
    behaviour: Behaviour,
    tx: mpsc::UnboundedSender<Received>,
}

async fn receive(
    State(shared): State<Shared>,
    headers: HeaderMap,
    Form(form): Form<Vec<(String, String)>>,
) -> StatusCode {
    let _ = shared.tx.send(Received {
        content_type: headers
            .get("content-type")
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
            .to_owned(),
        logout_token: form
            .into_iter()
            .find(|(k, _)| k == "logout_token")
            .map(|(_, v)| v),
    });
    if shared.behaviour == Behaviour::Hang {
        tokio::time::sleep(Duration::from_secs(60)).await;
    }
    StatusCode::OK
}

impl LogoutReceiver {
    pub async fn spawn(behaviour: Behaviour) -> LogoutReceiver {
        let (tx, received) = mpsc::unbounded_channel();
        let app = axum::Router::new()
            .route("/backchannel-logout", post(receive))
            .with_state(Shared { behaviour, tx });
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind");
        let url = format!(
            "http://127.0.0.1:{}/backchannel-logout",
            listener.local_addr().expect("addr").port()
        );
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        tokio::spawn(async move {
            let _ = axum::serve(listener, app)
                .with_graceful_shutdown(async move {
                    let _ = stopped.await;
                })
                .await;
        });
        LogoutReceiver {
            url,
            received,
            _shutdown: stop,
        }
    }

    /// The next POST, waiting at most `within`.
    pub async fn next(&mut self, within: Duration) -> Option<Received> {
        tokio::time::timeout(within, self.received.recv())
            .await
            .ok()
            .flatten()
    }
}

/// A URL where nothing listens (a port bound and released at once).
pub async fn nobody_listens() -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let port = listener.local_addr().expect("addr").port();
    drop(listener);
    format!("http://127.0.0.1:{port}/backchannel-logout")
}
