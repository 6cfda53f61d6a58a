//! The service that creates and changes people's accounts (CLI and pages share it); the
//! `User` model itself lives in `accounts/mod.rs`.

use super::User;
use super::password::{PasswordError, PasswordHasherPool};
use super::password_policy::{self, PolicyViolation};
use crate::auth::store::{StoreError, UserStore};

#[derive(Debug, Clone, Default)]
pub struct NewUser {
    pub username: String,
    pub email: String,
    pub name: Option<String>,
    pub password: String,
}

#[derive(Debug, thiserror::Error)]
pub enum UserError {
    #[error("invalid {field}: {reason}")]
    Invalid { field: &'static str, reason: String },
    #[error("that username or e-mail address is already registered")]
    Taken,
    #[error("no user `{0}`")]
    NotFound(String),
    #[error(transparent)]
    Store(StoreError),
    #[error(transparent)]
    Password(#[from] PasswordError),
    /// The new password breaks the policy (`password_policy.rs`).
    #[error("invalid password: {0}")]
    WeakPassword(PolicyViolation),
}

impl From<StoreError> for UserError {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::Conflict(_) => UserError::Taken,
            other => UserError::Store(other),
        }
    }
}

fn invalid(field: &'static str, reason: &str) -> UserError {
    UserError::Invalid {
        field,
        reason: reason.to_owned(),
    }
}

/// The longest password accepted for a login, in bytes: the policy's 1,024 characters
/// of up to 4 bytes each. Argon2 takes any length, but a megabyte "password" is a
/// denial-of-service attempt.
pub const MAX_PASSWORD_BYTES: usize = 4 * password_policy::MAX_CHARS;

pub fn check_username(username: &str) -> Result<(), UserError> {
    let ok_len = (3..=32).contains(&username.chars().count());
    let ok_chars = username
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-'));
    if !ok_len || !ok_chars {
        return Err(invalid(
            "username",
            "must be 3 to 32 characters of letters, digits, '.', '_' or '-'",
        ));
    }
    Ok(())
}

pub fn check_email(email: &str) -> Result<(), UserError> {
    let parts: Vec<&str> = email.split('@').collect();
    let ok = email.len() <= 254
        && parts.len() == 2
        && !parts[0].is_empty()
        && parts[1].contains('.')
        && !parts[1].starts_with('.')
        && !parts[1].ends_with('.')
        && !email.chars().any(|c| c.is_whitespace() || c.is_control());
    if !ok {
        return Err(invalid("email", "is not an e-mail address"));
    }
    Ok(())
}

pub async fn create_user(
    store: &dyn UserStore,
    hasher: &PasswordHasherPool,
    new: NewUser,
    now: i64,
) -> Result<User, UserError> {
    let username = new.username.trim().to_owned();
    let email = new.email.trim().to_ascii_lowercase();
    check_username(&username)?;
    check_email(&email)?;
    password_policy::check(&new.password, &username, &email).map_err(UserError::WeakPassword)?;
    let name = new
        .name
        .map(|n| n.trim().to_owned())
        .filter(|n| !n.is_empty());
    if name.as_ref().is_some_and(|n| n.chars().count() > 100) {
        return Err(invalid("name", "must be at most 100 characters"));
    }
    if store.find_user(&username).await?.is_some() || store.find_user(&email).await?.is_some() {
        return Err(UserError::Taken);
    }
    let password_hash = hasher.hash(new.password).await?;
    let user = User {
        user_id: uuid::Uuid::new_v4().to_string(),
        username,
        email,
        email_verified: false,
        name,
        given_name: None,
        family_name: None,
        locale: None,
        phone_number: None,
        address: None,
        password_hash,
        disabled: false,
        sessions_not_before_ms: 0,
        created_at: now,
        updated_at: now,
    };
    store.insert_user(&user).await?;
    Ok(user)
}

/// Finds a user by id, username or e-mail (what an administrator types).
pub async fn lookup(store: &dyn UserStore, who: &str) -> Result<User, UserError> {
    if let Some(u) = store.get_user(who).await? {
        return Ok(u);
    }
    store
        .find_user(who)
        .await?
        .ok_or_else(|| UserError::NotFound(who.to_owned()))
}

pub async fn set_password(
    store: &dyn UserStore,
    hasher: &PasswordHasherPool,
    who: &str,
    password: String,
    now_ms: i64,
) -> Result<User, UserError> {
    let user = lookup(store, who).await?;
    password_policy::check(&password, &user.username, &user.email)
        .map_err(UserError::WeakPassword)?;
    let hash = hasher.hash(password).await?;
    // The store also signs out every session and revokes every grant (Keycloak's "sign
    // out other sessions", always on): whoever knew the old password is out.
    store
        .set_password_hash(&user.user_id, &hash, now_ms)
        .await?;
    Ok(user)
}

/// The form a typed login takes for lookups and for the login throttle: trimmed and lower
/// case (usernames and e-mail addresses are case-insensitive). Both must agree, or
/// `"  Alice\t"` would be a fresh throttle key for the account `alice`.
pub fn normalise_login(login: &str) -> String {
    login.trim().to_lowercase()
}

/// Why a login was refused. Never shown (the page says "wrong username or password" for
/// all of them, after the same amount of hashing work); logged as a reason class.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LoginRefusal {
    UnknownAccount,
    WrongPassword,
    Disabled,
    /// A name or password too long to be real.
    Malformed,
}

impl LoginRefusal {
    pub fn as_str(self) -> &'static str {
        match self {
            LoginRefusal::UnknownAccount => "unknown_account",
            LoginRefusal::WrongPassword => "wrong_password",
            LoginRefusal::Disabled => "disabled",
            LoginRefusal::Malformed => "malformed",
        }
    }
}

/// Checks a login; `login` as typed or already normalised. An unknown account, a wrong
/// password and a disabled account cost the same hashing work, so the answer's timing does
/// not tell them apart.
pub async fn authenticate(
    store: &dyn UserStore,
    hasher: &PasswordHasherPool,
    login: &str,
    password: String,
) -> Result<Result<User, LoginRefusal>, UserError> {
    let login = normalise_login(login);
    if login.len() > 254 || password.len() > MAX_PASSWORD_BYTES {
        return Ok(Err(LoginRefusal::Malformed));
    }
    let user = store.find_user(&login).await?;
    let ok = hasher
        .verify(user.as_ref().map(|u| u.password_hash.clone()), password)
        .await?;
    Ok(match user {
        None => Err(LoginRefusal::UnknownAccount),
        Some(_) if !ok => Err(LoginRefusal::WrongPassword),
        Some(u) if u.disabled => Err(LoginRefusal::Disabled),
        Some(u) => Ok(u),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn logins_normalise_like_the_lookup() {
        assert_eq!(normalise_login("  Victim\t"), "victim");
        assert_eq!(normalise_login("ALICE@Example.COM "), "alice@example.com");
        assert_eq!(normalise_login("bob"), "bob");
    }
}
