//! The profile: the display name (`name` claim) and the picture (`picture` claim), which
//! the identity server stores and serves itself.

use bytes::Bytes;

use crate::auth::accounts::User;
use crate::auth::context::AuthContext;
use crate::auth::oauth::error::OAuthResult;
use crate::auth::store::account::StoredPicture;
use crate::auth::tokens::handles;
use crate::photo::{CleanPhoto, PhotoError};

/// The path pictures are served under; the full URL is the issuer plus this plus the id.
pub const PICTURE_PATH: &str = "/account/picture";
pub const MAX_NAME_CHARS: usize = 100;

/// Why a profile change was refused: each has a message on the page.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ProfileError {
    NameTooLong,
    NameHasControlCharacters,
    PictureTooLarge,
    PictureEmpty,
    PictureNotAnImage,
    PictureUnreadable,
}

impl ProfileError {
    /// The key of the message shown next to the form.
    pub fn message_key(self) -> &'static str {
        match self {
            ProfileError::NameTooLong => "account_name_too_long",
            ProfileError::NameHasControlCharacters => "account_name_invalid",
            ProfileError::PictureTooLarge => "account_picture_too_large",
            ProfileError::PictureEmpty => "account_picture_empty",
            ProfileError::PictureNotAnImage => "account_picture_wrong_type",
            ProfileError::PictureUnreadable => "account_picture_unreadable",
        }
    }
}

/// A display name as typed: trimmed; empty means none.
pub fn parse_name(typed: &str) -> Result<Option<String>, ProfileError> {
    let name = typed.trim();
    if name.chars().count() > MAX_NAME_CHARS {
        return Err(ProfileError::NameTooLong);
    }
    if name.chars().any(char::is_control) {
        return Err(ProfileError::NameHasControlCharacters);
    }
    Ok(Some(name.to_owned()).filter(|n| !n.is_empty()))
}

pub async fn set_name(
    ctx: &AuthContext,
    user: &User,
    typed: &str,
) -> OAuthResult<Result<(), ProfileError>> {
    let name = match parse_name(typed) {
        Ok(name) => name,
        Err(e) => return Ok(Err(e)),
    };
    ctx.stores
        .accounts
        .set_display_name(&user.user_id, name.as_deref(), ctx.clock.now())
        .await?;
    tracing::info!(target: "belf::audit", event = "profile_name_changed", user = %user.user_id,
        "display name changed");
    Ok(Ok(()))
}

/// Checks an uploaded picture (size, then type by its bytes) and strips its metadata.
pub fn clean_picture(max_bytes: usize, raw: Bytes) -> Result<CleanPhoto, ProfileError> {
    if raw.is_empty() {
        return Err(ProfileError::PictureEmpty);
    }
    if raw.len() > max_bytes {
        return Err(ProfileError::PictureTooLarge);
    }
    CleanPhoto::from_upload(raw).map_err(|e| match e {
        PhotoError::UnknownType => ProfileError::PictureNotAnImage,
        PhotoError::Unreadable(_) => ProfileError::PictureUnreadable,
    })
}

/// Stores a new picture (replacing the old one, whose URL stops working).
pub async fn set_picture(
    ctx: &AuthContext,
    user: &User,
    raw: Bytes,
) -> OAuthResult<Result<(), ProfileError>> {
    let clean = match clean_picture(ctx.config.account.max_picture_bytes, raw) {
        Ok(clean) => clean,
        Err(e) => return Ok(Err(e)),
    };
    let picture = StoredPicture {
        user_id: user.user_id.clone(),
        picture_id: handles::new_id(),
        content_type: clean.kind.content_type().to_owned(),
        bytes: clean.bytes,
        updated_at: ctx.clock.now(),
    };
    ctx.stores.accounts.put_picture(&picture).await?;
    tracing::info!(target: "belf::audit", event = "profile_picture_changed",
        user = %user.user_id, bytes = picture.bytes.len(), "profile picture changed");
    Ok(Ok(()))
}

pub async fn remove_picture(ctx: &AuthContext, user: &User) -> OAuthResult<bool> {
    let removed = ctx.stores.accounts.delete_picture(&user.user_id).await?;
    if removed {
        tracing::info!(target: "belf::audit", event = "profile_picture_removed",
            user = %user.user_id, "profile picture removed");
    }
    Ok(removed)
}

/// The picture's URL for `picture_id`.
pub fn picture_url(ctx: &AuthContext, picture_id: &str) -> String {
    format!(
        "{}{PICTURE_PATH}/{picture_id}",
        ctx.issuer.trim_end_matches('/')
    )
}

/// Adds the `picture` claim to `claims` when the person has a picture and the claim is
/// released (`profile` scope, or asked for by name): `claims` holds `name`-like profile
/// claims only then, so `released` is decided by the caller from the scopes.
pub async fn add_picture_claim(
    ctx: &AuthContext,
    user_id: &str,
    released: bool,
    claims: &mut serde_json::Map<String, serde_json::Value>,
) -> OAuthResult<()> {
    if !released {
        return Ok(());
    }
    if let Some(id) = ctx.stores.accounts.picture_id(user_id).await? {
        claims.insert("picture".into(), picture_url(ctx, &id).into());
    }
    Ok(())
}
