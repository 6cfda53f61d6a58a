//! The profile picture: upload (`POST /account/profile/picture`, multipart), removal
//! (`POST /account/profile/picture/remove`) and serving (`GET /account/picture/{id}`, the
//! URL in the `picture` claim).
//!
//! The upload form sends its CSRF token before the file, and the token is checked before
//! a byte of the file is read; the file is read in chunks and abandoned as soon as it
//! passes `account.max_picture_bytes`.

use axum::extract::multipart::MultipartRejection;
use axum::extract::{Multipart, Path, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use bytes::{Bytes, BytesMut};

use super::{Account, check_csrf, signed_in};
use crate::auth::http::AppState;
use crate::auth::http::extractors::QueryOrForm;
use crate::auth::http::pages::{BrowserRequest, OrUnavailable, PageError, redirect};
use crate::auth::self_service::profile::{self, ProfileError};

/// What a multipart upload came to.
enum Upload {
    Picture(Bytes),
    Refused(ProfileError),
    /// No valid CSRF token before the file.
    Forged,
    /// Not a form this page sent (no file field, broken multipart).
    Malformed,
}

pub async fn upload(
    State(state): State<AppState>,
    browser: BrowserRequest,
    multipart: Result<Multipart, MultipartRejection>,
) -> Result<Response, PageError> {
    let account = match signed_in(&state, &browser).await? {
        Ok(account) => account,
        Err(to_login) => return Ok(to_login),
    };
    let max = state.ctx.config.account.max_picture_bytes;
    let upload = match multipart {
        Ok(multipart) => read_upload(&browser, multipart, max).await,
        Err(_) => Upload::Malformed,
    };
    let refused = match upload {
        Upload::Forged => {
            tracing::warn!(target: "belf::audit", event = "csrf_refused",
                user = %account.user.user_id, "picture upload without a valid CSRF token");
            return Err(PageError::csrf(account.lang));
        }
        Upload::Malformed => ProfileError::PictureEmpty,
        Upload::Refused(e) => e,
        Upload::Picture(bytes) => {
            match profile::set_picture(&state.ctx, &account.user, bytes)
                .await
                .or_unavailable(account.lang)?
            {
                Ok(()) => return Ok(redirect("/account/profile?done=picture")),
                Err(e) => e,
            }
        }
    };
    refuse(&state, &browser, &account, refused).await
}

async fn refuse(
    state: &AppState,
    browser: &BrowserRequest,
    account: &Account,
    e: ProfileError,
) -> Result<Response, PageError> {
    let status = match e {
        ProfileError::PictureTooLarge => StatusCode::PAYLOAD_TOO_LARGE,
        ProfileError::PictureNotAnImage => StatusCode::UNSUPPORTED_MEDIA_TYPE,
        _ => StatusCode::BAD_REQUEST,
    };
    tracing::info!(user = %account.user.user_id, reason = e.message_key(),
        "profile picture refused");
    super::profile::render(
        state,
        browser,
        account,
        status,
        Some((e.message_key(), true)),
        None,
    )
    .await
}

async fn read_upload(browser: &BrowserRequest, mut multipart: Multipart, max: usize) -> Upload {
    let mut csrf_ok = false;
    loop {
        let mut field = match multipart.next_field().await {
            Ok(Some(field)) => field,
            Ok(None) => return Upload::Malformed,
            Err(e) if e.status() == StatusCode::PAYLOAD_TOO_LARGE => {
                return Upload::Refused(ProfileError::PictureTooLarge);
            }
            Err(_) => return Upload::Malformed,
        };
        match field.name() {
            Some("csrf") => {
                let token = field.text().await.unwrap_or_default();
                csrf_ok = browser.csrf_ok(Some(&token));
            }
            Some("picture") if !csrf_ok => return Upload::Forged,
            Some("picture") => {
                let mut bytes = BytesMut::new();
                loop {
                    match field.chunk().await {
                        Ok(Some(chunk)) => {
                            if bytes.len() + chunk.len() > max {
                                return Upload::Refused(ProfileError::PictureTooLarge);
                            }
                            bytes.extend_from_slice(&chunk);
                        }
                        Ok(None) => return Upload::Picture(bytes.freeze()),
                        Err(e) if e.status() == StatusCode::PAYLOAD_TOO_LARGE => {
                            return Upload::Refused(ProfileError::PictureTooLarge);
                        }
                        Err(_) => return Upload::Malformed,
                    }
                }
            }
            _ => {}
        }
    }
}

pub async fn remove(
    State(state): State<AppState>,
    browser: BrowserRequest,
    QueryOrForm(form): QueryOrForm,
) -> Result<Response, PageError> {
    let account = match signed_in(&state, &browser).await? {
        Ok(account) => account,
        Err(to_login) => return Ok(to_login),
    };
    check_csrf(&browser, &form, account.lang)?;
    profile::remove_picture(&state.ctx, &account.user)
        .await
        .or_unavailable(account.lang)?;
    Ok(redirect("/account/profile?done=picture_removed"))
}

/// Serves a picture to anyone who has its URL (relying parties show it). The id is random
/// and changes with every upload, so a cached copy is never a newer picture's; the cache
/// time is short so a removed picture does not linger.
pub async fn serve(State(state): State<AppState>, Path(picture_id): Path<String>) -> Response {
    let well_formed = (16..=64).contains(&picture_id.len())
        && picture_id
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_');
    if !well_formed {
        return StatusCode::NOT_FOUND.into_response();
    }
    let picture = match state.ctx.stores.accounts.get_picture(&picture_id).await {
        Ok(Some(p)) => p,
        Ok(None) => return StatusCode::NOT_FOUND.into_response(),
        Err(e) => {
            tracing::error!(error = %e, "picture unavailable");
            return StatusCode::SERVICE_UNAVAILABLE.into_response();
        }
    };
    let mut res = (StatusCode::OK, picture.bytes).into_response();
    let h = res.headers_mut();
    if let Ok(v) = HeaderValue::from_str(&picture.content_type) {
        h.insert(header::CONTENT_TYPE, v);
    }
    if let Ok(v) = HeaderValue::from_str(&format!("\"{}\"", picture.picture_id)) {
        h.insert(header::ETAG, v);
    }
    h.insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("public, max-age=3600"),
    );
    h.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    h.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static("default-src 'none'; sandbox"),
    );
    h.insert(
        "cross-origin-resource-policy",
        HeaderValue::from_static("cross-origin"),
    );
    res
}
