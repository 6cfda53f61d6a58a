//! The `openidconnect` crate as a real relying party, over reqwest.

use std::future::Future;
use std::pin::Pin;

use openidconnect::{HttpRequest, HttpResponse};

#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct RpHttpError(String);

/// An HTTP client function for `openidconnect`'s `request_async`.
pub fn http_client()
-> impl Fn(HttpRequest) -> Pin<Box<dyn Future<Output = Result<HttpResponse, RpHttpError>> + Send>> {
    let client = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .expect("client");
    move |req: HttpRequest| {
        let client = client.clone();
        Box::pin(async move {
            let req = reqwest::Request::try_from(req).map_err(|e| RpHttpError(e.to_string()))?;
            let res = client
                .execute(req)
                .await
                .map_err(|e| RpHttpError(e.to_string()))?;
            let mut out = http::Response::builder().status(res.status());
            for (k, v) in res.headers() {
                out = out.header(k, v);
            }
            let body = res.bytes().await.map_err(|e| RpHttpError(e.to_string()))?;
            out.body(body.to_vec())
                .map_err(|e| RpHttpError(e.to_string()))
        })
    }
}
