//! `openidconnect`'s HTTP client over the project's reqwest 0.13 (its own `reqwest`
//! feature would pull a second reqwest and ring). Redirects are off: a token endpoint that
//! redirects must not make us send the client secret somewhere else (SSRF).

use std::future::Future;
use std::pin::Pin;
use std::time::Duration;

use openidconnect::{AsyncHttpClient, HttpRequest, HttpResponse};

#[derive(Clone)]
pub struct RpHttp(reqwest::Client);

#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct RpHttpError(String);

impl RpHttp {
    pub fn new() -> anyhow::Result<RpHttp> {
        Ok(RpHttp(
            reqwest::Client::builder()
                .redirect(reqwest::redirect::Policy::none())
                .connect_timeout(Duration::from_secs(3))
                .timeout(Duration::from_secs(10))
                .build()?,
        ))
    }

    pub fn reqwest(&self) -> &reqwest::Client {
        &self.0
    }
}

impl<'c> AsyncHttpClient<'c> for RpHttp {
    type Error = RpHttpError;
    type Future = Pin<Box<dyn Future<Output = Result<HttpResponse, RpHttpError>> + Send + 'c>>;

    fn call(&'c self, request: HttpRequest) -> Self::Future {
        Box::pin(async move {
            let request =
                reqwest::Request::try_from(request).map_err(|e| RpHttpError(e.to_string()))?;
            let response = self
                .0
                .execute(request)
                .await
                .map_err(|e| RpHttpError(e.to_string()))?;
            let mut out = http::Response::builder().status(response.status());
            for (name, value) in response.headers() {
                out = out.header(name, value);
            }
            let body = response
                .bytes()
                .await
                .map_err(|e| RpHttpError(e.to_string()))?;
            out.body(body.to_vec())
                .map_err(|e| RpHttpError(e.to_string()))
        })
    }
}
