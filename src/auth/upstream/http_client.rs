//! Outbound HTTP to upstream providers: `openidconnect`'s client trait over the project's
//! reqwest, with a timeout per call, no redirects (a token endpoint that redirects must not
//! carry our client secret elsewhere) and a cap on how much of an answer is read.

use std::future::Future;
use std::pin::Pin;
use std::time::Duration;

use openidconnect::{AsyncHttpClient, HttpRequest, HttpResponse};

use crate::config::UpstreamLoginConfig;

#[derive(Clone)]
pub struct UpstreamHttp {
    client: reqwest::Client,
    max_bytes: usize,
}

#[derive(Debug, thiserror::Error)]
pub enum UpstreamHttpError {
    #[error("request failed: {0}")]
    Transport(String),
    #[error("answer larger than {0} bytes")]
    TooLarge(usize),
}

impl UpstreamHttp {
    pub fn new(config: &UpstreamLoginConfig) -> anyhow::Result<UpstreamHttp> {
        let timeout = Duration::from_secs(config.timeout_secs);
        Ok(UpstreamHttp {
            client: reqwest::Client::builder()
                .redirect(reqwest::redirect::Policy::none())
                .connect_timeout(timeout)
                .timeout(timeout)
                .user_agent("belf-identity-server")
                .build()?,
            max_bytes: config.max_response_bytes,
        })
    }

    pub fn reqwest(&self) -> &reqwest::Client {
        &self.client
    }

    /// Sends `request` and reads at most `max_response_bytes` of the answer.
    pub async fn send(
        &self,
        request: reqwest::RequestBuilder,
    ) -> Result<(reqwest::StatusCode, http::HeaderMap, Vec<u8>), UpstreamHttpError> {
        let transport = |e: reqwest::Error| UpstreamHttpError::Transport(e.to_string());
        let mut response = request.send().await.map_err(transport)?;
        if response
            .content_length()
            .is_some_and(|n| n > self.max_bytes as u64)
        {
            return Err(UpstreamHttpError::TooLarge(self.max_bytes));
        }
        let status = response.status();
        let headers = response.headers().clone();
        let mut body = Vec::new();
        while let Some(chunk) = response.chunk().await.map_err(transport)? {
            if body.len() + chunk.len() > self.max_bytes {
                return Err(UpstreamHttpError::TooLarge(self.max_bytes));
            }
            body.extend_from_slice(&chunk);
        }
        Ok((status, headers, body))
    }
}

impl<'c> AsyncHttpClient<'c> for UpstreamHttp {
    type Error = UpstreamHttpError;
    type Future =
        Pin<Box<dyn Future<Output = Result<HttpResponse, UpstreamHttpError>> + Send + 'c>>;

    fn call(&'c self, request: HttpRequest) -> Self::Future {
        Box::pin(async move {
            let request = reqwest::Request::try_from(request)
                .map_err(|e| UpstreamHttpError::Transport(e.to_string()))?;
            let builder = reqwest::RequestBuilder::from_parts(self.client.clone(), request);
            let (status, headers, body) = self.send(builder).await?;
            let mut out = http::Response::builder().status(status);
            for (name, value) in &headers {
                out = out.header(name, value);
            }
            out.body(body)
                .map_err(|e| UpstreamHttpError::Transport(e.to_string()))
        })
    }
}
