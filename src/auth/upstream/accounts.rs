//! Which local person an upstream account is: the linked one; or, for a first sign-in,
//! the one with the same e-mail address (only when the provider says it is verified AND
//! `link_by_verified_email` allows it — never silently otherwise); or a new account made
//! just in time. And linking and unlinking from `/account/providers`.

use super::{Purpose, UpstreamFailure, UpstreamProfile};
use crate::auth::accounts::User;
use crate::auth::accounts::users;
use crate::auth::context::AuthContext;
use crate::auth::store::{StoreError, UpstreamIdentity};
use crate::config::UpstreamConfig;

/// Accounts made just in time without an e-mail address the provider vouches for get an
/// address under this reserved domain (RFC 2606): the column is required and unique, the
/// address reaches nobody, and claims leave it out.
pub const NO_EMAIL_DOMAIN: &str = "no-email.invalid";

/// Whether `email` is a stand-in for "no address" (see [`NO_EMAIL_DOMAIN`]).
pub fn is_placeholder_email(email: &str) -> bool {
    email
        .rsplit_once('@')
        .is_some_and(|(_, domain)| domain == NO_EMAIL_DOMAIN)
}

/// A person with no password signs in only through linked providers.
pub fn has_password(user: &User) -> bool {
    !user.password_hash.is_empty()
}

/// How the upstream account was matched, for the log.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Matched {
    /// Linked before.
    Linked,
    /// Linked now, to the account with the same verified e-mail address.
    ByVerifiedEmail,
    /// A new account, made now.
    Created,
    /// Linked now, from `/account/providers`.
    LinkedBySignedInPerson,
}

impl Matched {
    pub fn as_str(self) -> &'static str {
        match self {
            Matched::Linked => "linked",
            Matched::ByVerifiedEmail => "verified_email",
            Matched::Created => "created",
            Matched::LinkedBySignedInPerson => "linked_from_account_page",
        }
    }
}

pub async fn resolve(
    ctx: &AuthContext,
    provider: &UpstreamConfig,
    profile: &UpstreamProfile,
    purpose: &Purpose,
) -> Result<(User, Matched), UpstreamFailure> {
    let store = &ctx.stores.upstream_identities;
    let now = ctx.clock.now();
    let existing = store.find_identity(&provider.id, &profile.subject).await?;
    if let Purpose::Link { user_id } = purpose {
        return link(ctx, provider, profile, user_id, existing, now).await;
    }
    if let Some(identity) = existing {
        let user = ctx
            .stores
            .users
            .get_user(&identity.user_id)
            .await?
            .ok_or(UpstreamFailure::NoAccount)?;
        if user.disabled {
            return Err(UpstreamFailure::Disabled);
        }
        return Ok((user, Matched::Linked));
    }
    let identity = |user_id: &str| UpstreamIdentity {
        provider: provider.id.clone(),
        subject: profile.subject.clone(),
        user_id: user_id.to_owned(),
        email: profile.email.clone(),
        linked_at: now,
    };
    if let Some(email) = &profile.email
        && let Some(owner) = ctx.stores.users.find_user(email).await?
        && !is_placeholder_email(&owner.email)
    {
        if !(profile.email_verified && provider.link_by_verified_email) {
            return Err(UpstreamFailure::AccountExists);
        }
        if owner.disabled {
            return Err(UpstreamFailure::Disabled);
        }
        store
            .link_identity(&identity(&owner.user_id))
            .await
            .map_err(conflict_as(UpstreamFailure::ProviderAlreadyLinked))?;
        return Ok((owner, Matched::ByVerifiedEmail));
    }
    if !ctx.config.upstream_login.create_accounts {
        return Err(UpstreamFailure::NoAccount);
    }
    let user = new_account(provider, profile, now);
    match store
        .insert_user_with_identity(&user, &identity(&user.user_id))
        .await
    {
        Ok(()) => Ok((user, Matched::Created)),
        // Another first sign-in of the same upstream account won the race: use its account.
        Err(StoreError::Conflict(_)) => {
            let winner = store
                .find_identity(&provider.id, &profile.subject)
                .await?
                .ok_or(UpstreamFailure::AccountExists)?;
            let user = ctx
                .stores
                .users
                .get_user(&winner.user_id)
                .await?
                .ok_or(UpstreamFailure::NoAccount)?;
            Ok((user, Matched::Linked))
        }
        Err(e) => Err(e.into()),
    }
}

async fn link(
    ctx: &AuthContext,
    provider: &UpstreamConfig,
    profile: &UpstreamProfile,
    user_id: &str,
    existing: Option<UpstreamIdentity>,
    now: i64,
) -> Result<(User, Matched), UpstreamFailure> {
    let user = ctx
        .stores
        .users
        .get_user(user_id)
        .await?
        .filter(|u| !u.disabled)
        .ok_or(UpstreamFailure::Disabled)?;
    match existing {
        Some(identity) if identity.user_id == user.user_id => return Ok((user, Matched::Linked)),
        Some(_) => return Err(UpstreamFailure::LinkedElsewhere),
        None => {}
    }
    ctx.stores
        .upstream_identities
        .link_identity(&UpstreamIdentity {
            provider: provider.id.clone(),
            subject: profile.subject.clone(),
            user_id: user.user_id.clone(),
            email: profile.email.clone(),
            linked_at: now,
        })
        .await
        .map_err(conflict_as(UpstreamFailure::ProviderAlreadyLinked))?;
    Ok((user, Matched::LinkedBySignedInPerson))
}

/// Removes the person's link to `provider`, unless it is their last way to sign in.
pub async fn unlink(
    ctx: &AuthContext,
    user: &User,
    provider: &str,
) -> Result<bool, UpstreamFailure> {
    let store = &ctx.stores.upstream_identities;
    let linked = store.identities_of(&user.user_id).await?;
    if !linked.iter().any(|i| i.provider == provider) {
        return Ok(false);
    }
    if !has_password(user) && linked.len() <= 1 {
        return Err(UpstreamFailure::LastMethod);
    }
    Ok(store.unlink_identity(&user.user_id, provider).await?)
}

fn conflict_as(failure: UpstreamFailure) -> impl FnOnce(StoreError) -> UpstreamFailure {
    move |e| match e {
        StoreError::Conflict(_) => failure,
        other => other.into(),
    }
}

/// A new account for an upstream person: a generated username (`<provider>-<random>`), no
/// password, and the provider's e-mail address only if it says the address is verified
/// (an unverified one would lock its real owner out of registering it).
fn new_account(provider: &UpstreamConfig, profile: &UpstreamProfile, now: i64) -> User {
    let user_id = uuid::Uuid::new_v4().to_string();
    let random = uuid::Uuid::new_v4().simple().to_string();
    let username = format!("{}-{}", provider.id, &random[..10]);
    let vouched = profile
        .email
        .as_ref()
        .filter(|e| profile.email_verified && users::check_email(e).is_ok());
    let (email, email_verified) = match vouched {
        Some(e) => (e.clone(), true),
        None => (format!("{user_id}@{NO_EMAIL_DOMAIN}"), false),
    };
    User {
        user_id,
        username,
        email,
        email_verified,
        name: profile.name.clone(),
        given_name: None,
        family_name: None,
        locale: None,
        phone_number: None,
        address: None,
        password_hash: String::new(),
        disabled: false,
        sessions_not_before_ms: 0,
        created_at: now,
        updated_at: now,
    }
}
