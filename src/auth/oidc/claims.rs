//! Which user claims go where: scope → claims (OIDC Core §5.4) plus the `claims` request
//! parameter (§5.5), whose individually requested claims are released even without the scope.

use std::collections::BTreeSet;

use serde_json::{Map, Value, json};

use crate::auth::accounts::User;
use crate::auth::oauth::error::{OAuthError, OAuthResult};
use crate::auth::oauth::scope::Scopes;

/// The parsed `claims` parameter: claim names requested for each target.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct ClaimsRequest {
    #[serde(default)]
    pub userinfo: BTreeSet<String>,
    #[serde(default)]
    pub id_token: BTreeSet<String>,
    /// `acr` requested as essential with values; we can only satisfy ours.
    #[serde(default)]
    pub essential_acr: Option<Vec<String>>,
}

impl ClaimsRequest {
    pub fn parse(raw: Option<&str>) -> OAuthResult<ClaimsRequest> {
        let Some(raw) = raw.filter(|r| !r.trim().is_empty()) else {
            return Ok(ClaimsRequest::default());
        };
        if raw.len() > 4096 {
            return Err(OAuthError::invalid_request("claims parameter is too long"));
        }
        let value: Value = serde_json::from_str(raw)
            .map_err(|_| OAuthError::invalid_request("claims parameter is not valid JSON"))?;
        let obj = value
            .as_object()
            .ok_or_else(|| OAuthError::invalid_request("claims parameter must be a JSON object"))?;
        let mut out = ClaimsRequest::default();
        for (target, set) in [
            ("userinfo", &mut out.userinfo),
            ("id_token", &mut out.id_token),
        ] {
            match obj.get(target) {
                None | Some(Value::Null) => {}
                Some(Value::Object(members)) => {
                    for (name, spec) in members {
                        if !(spec.is_null() || spec.is_object()) {
                            return Err(OAuthError::invalid_request(format!(
                                "claims.{target}.{name} must be null or an object"
                            )));
                        }
                        set.insert(name.clone());
                    }
                }
                Some(_) => {
                    return Err(OAuthError::invalid_request(format!(
                        "claims.{target} must be an object"
                    )));
                }
            }
        }
        if let Some(acr) = obj.get("id_token").and_then(|t| t.get("acr"))
            && acr.get("essential").and_then(Value::as_bool) == Some(true)
        {
            let values: Vec<String> = match (acr.get("value"), acr.get("values")) {
                (Some(Value::String(v)), _) => vec![v.clone()],
                (_, Some(Value::Array(vs))) => vs
                    .iter()
                    .filter_map(|v| v.as_str().map(str::to_owned))
                    .collect(),
                _ => Vec::new(),
            };
            if !values.is_empty() {
                out.essential_acr = Some(values);
            }
        }
        Ok(out)
    }
}

const PROFILE: &[&str] = &[
    "name",
    "given_name",
    "family_name",
    "preferred_username",
    "locale",
    "updated_at",
    // Not on `User`: added from the account store by `self_service::profile`.
    "picture",
];
const EMAIL: &[&str] = &["email", "email_verified"];
const ADDRESS: &[&str] = &["address"];
const PHONE: &[&str] = &["phone_number", "phone_number_verified"];

/// The scopes whose consent covers the individually requested claims: a claim asked for
/// through the `claims` parameter is personal data like any other, so the person is asked
/// for it as if its scope had been requested (OIDC Core §5.5 leaves consent to us).
pub fn scopes_for_requested(claims: &ClaimsRequest) -> BTreeSet<&'static str> {
    let mut scopes = BTreeSet::new();
    for name in claims.userinfo.iter().chain(&claims.id_token) {
        for (scope, list) in [
            ("profile", PROFILE),
            ("email", EMAIL),
            ("address", ADDRESS),
            ("phone", PHONE),
        ] {
            if list.contains(&name.as_str()) {
                scopes.insert(scope);
            }
        }
    }
    scopes
}

/// Claim names released by these scopes.
pub fn names_for_scopes(scopes: &Scopes) -> BTreeSet<&'static str> {
    let mut names = BTreeSet::new();
    for (scope, list) in [
        ("profile", PROFILE),
        ("email", EMAIL),
        ("address", ADDRESS),
        ("phone", PHONE),
    ] {
        if scopes.contains(scope) {
            names.extend(list.iter().copied());
        }
    }
    names
}

/// The value of one claim for this user, if the user has it.
fn claim_value(user: &User, name: &str) -> Option<Value> {
    match name {
        "name" => user.name.clone().map(Value::from),
        "given_name" => user.given_name.clone().map(Value::from),
        "family_name" => user.family_name.clone().map(Value::from),
        "preferred_username" => Some(Value::from(user.username.clone())),
        "locale" => user.locale.clone().map(Value::from),
        "updated_at" => Some(Value::from(user.updated_at)),
        "email" => Some(Value::from(user.email.clone())),
        "email_verified" => Some(Value::from(user.email_verified)),
        "address" => user.address.clone().map(|a| json!({ "formatted": a })),
        "phone_number" => user.phone_number.clone().map(Value::from),
        "phone_number_verified" => user.phone_number.as_ref().map(|_| Value::from(false)),
        _ => None,
    }
}

/// Whether `picture` is released: by the `profile` scope, or asked for by name.
pub fn picture_released(scopes: &Scopes, requested: &BTreeSet<String>) -> bool {
    scopes.contains("profile") || requested.contains("picture")
}

/// `sub` plus every claim the scopes or the explicit request release.
pub fn user_claims(
    user: &User,
    scopes: &Scopes,
    requested: &BTreeSet<String>,
) -> Map<String, Value> {
    let mut out = Map::new();
    out.insert("sub".into(), Value::from(user.user_id.clone()));
    let by_scope = names_for_scopes(scopes);
    let names = by_scope
        .iter()
        .map(|s| s.to_string())
        .chain(requested.iter().cloned());
    for name in names {
        if let Some(v) = claim_value(user, &name) {
            out.insert(name, v);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn claims_parameter_parsing() {
        let c = ClaimsRequest::parse(Some(
            r#"{"userinfo":{"email":{"essential":true},"name":null},"id_token":{"acr":{"essential":true,"values":["1"]}}}"#,
        ))
        .unwrap();
        assert!(c.userinfo.contains("email") && c.userinfo.contains("name"));
        assert_eq!(c.essential_acr, Some(vec!["1".to_string()]));
        assert!(ClaimsRequest::parse(Some("[1]")).is_err());
        assert!(ClaimsRequest::parse(Some("{")).is_err());
        assert!(ClaimsRequest::parse(Some(r#"{"userinfo":{"x":1}}"#)).is_err());
    }
}
