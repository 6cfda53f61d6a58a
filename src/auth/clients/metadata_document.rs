//! Client ID Metadata Documents (IETF draft `oauth-client-id-metadata-document`, used by
//! MCP clients): a `client_id` that is an https URL names a JSON document of RFC 7591
//! metadata. The server fetches it (`outbound`: checked addresses only, time and size
//! limits), checks that its `client_id` member is the URL itself, that it has
//! `redirect_uris` and that it authenticates with `none` or `private_key_jwt` only, and
//! makes a client of it through the same service as `belf client add`.

use std::time::Duration;

use super::outbound::{self, FetchLimits};
use super::registration_metadata::{self, ClientMetadata};
use super::{Client, ClientId, Provenance, service};
use crate::config::ClientMetadataDocumentConfig;

/// Whether `client_id` is meant as a metadata document URL (and not a registered id).
pub fn is_document_url(client_id: &str) -> bool {
    client_id.starts_with("https://") || client_id.starts_with("http://")
}

/// The rules of the draft (§3) for a client id URL: https, a path, no fragment, no user
/// information, no dot segments, no query (refused here to keep ids canonical). Plain
/// http only on loopback, and only when private addresses are allowed (development).
pub fn check_url(client_id: &str, allow_private: bool) -> Result<url::Url, String> {
    let url = url::Url::parse(client_id).map_err(|_| "not an absolute URL".to_owned())?;
    // Anything the parser would normalise (dot segments, case, default port) is refused:
    // the id must be compared as the exact string it is.
    if url.as_str() != client_id {
        return Err("not in canonical form (dot segments, case or default port)".into());
    }
    let loopback = matches!(
        url.host(),
        Some(url::Host::Ipv4(ip)) if ip.is_loopback()
    ) || matches!(url.host(), Some(url::Host::Ipv6(ip)) if ip.is_loopback());
    match url.scheme() {
        "https" => {}
        "http" if allow_private && loopback => {}
        _ => return Err("must be an https URL".into()),
    }
    if url.path() == "/" || url.path().is_empty() {
        return Err("must have a path".into());
    }
    if url.fragment().is_some() || url.query().is_some() {
        return Err("must not have a query or fragment".into());
    }
    if !url.username().is_empty() || url.password().is_some() {
        return Err("must not have user information".into());
    }
    Ok(url)
}

/// A client made from a fetched document, and how long it may be reused.
pub struct DocumentClient {
    pub client: Client,
    pub cache_secs: u64,
}

/// Fetches and checks the document at `client_id`.
pub async fn fetch(
    client_id: &str,
    config: &ClientMetadataDocumentConfig,
    known_scopes: &[String],
    now: i64,
) -> Result<DocumentClient, String> {
    let id = ClientId::parse(client_id)
        .ok_or_else(|| format!("longer than {} characters", ClientId::MAX_LEN))?;
    check_url(client_id, config.allow_private_addresses)?;
    let limits = FetchLimits {
        timeout: Duration::from_millis(config.fetch_timeout_ms),
        max_bytes: config.max_bytes,
        allow_private: config.allow_private_addresses,
    };
    let fetched = outbound::get(client_id, "application/json", limits)
        .await
        .map_err(|e| e.to_string())?;
    let metadata =
        registration_metadata::parse(&fetched.body).map_err(|e| e.description.into_owned())?;
    let mut client = client_of(client_id, metadata, known_scopes, now)?;
    client.client_id = id;
    if !config.allow_private_addresses {
        outbound::server_fetched_uris_public(&client).await?;
    }
    Ok(DocumentClient {
        client,
        cache_secs: cache_secs(fetched.cache_control.as_deref(), config),
    })
}

/// The document's rules (draft §4.1), then the service's.
fn client_of(
    client_id: &str,
    mut metadata: ClientMetadata,
    known_scopes: &[String],
    now: i64,
) -> Result<Client, String> {
    if metadata.client_id.as_deref() != Some(client_id) {
        return Err("its client_id member is not the document's URL".into());
    }
    if metadata.client_secret.is_some() {
        return Err("a metadata document must not carry a client_secret".into());
    }
    if metadata.redirect_uris.is_empty() {
        return Err("redirect_uris is required".into());
    }
    match metadata.token_endpoint_auth_method.as_deref() {
        None => metadata.token_endpoint_auth_method = Some("none".into()),
        Some("none" | "private_key_jwt") => {}
        Some(_) => {
            return Err(
                "token_endpoint_auth_method must be none or private_key_jwt (no shared secret)"
                    .into(),
            );
        }
    }
    let request = metadata
        .into_new_client(Provenance::MetadataDocument)
        .map_err(|e| e.description.into_owned())?;
    let (client, _no_secret) = service::build(known_scopes, request, now)
        .map_err(|e| registration_metadata::refusal(e).description.into_owned())?;
    Ok(client)
}

/// `Cache-Control: max-age` within the configured floor and ceiling; `no-store`,
/// `no-cache` or no max-age: the floor.
fn cache_secs(cache_control: Option<&str>, config: &ClientMetadataDocumentConfig) -> u64 {
    let max_age = cache_control.and_then(|cc| {
        let directives: Vec<String> = cc
            .split(',')
            .map(|d| d.trim().to_ascii_lowercase())
            .collect();
        if directives
            .iter()
            .any(|d| d == "no-store" || d == "no-cache")
        {
            return None;
        }
        directives.iter().find_map(|d| {
            d.strip_prefix("max-age=")?
                .trim_matches('"')
                .parse::<u64>()
                .ok()
        })
    });
    max_age
        .unwrap_or(config.min_cache_secs)
        .clamp(config.min_cache_secs, config.max_cache_secs)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn config() -> ClientMetadataDocumentConfig {
        ClientMetadataDocumentConfig {
            enabled: true,
            allow_private_addresses: false,
            fetch_timeout_ms: 1000,
            max_bytes: 5120,
            min_cache_secs: 60,
            max_cache_secs: 3600,
        }
    }

    #[test]
    fn client_id_urls_follow_the_draft() {
        assert!(check_url("https://app.example/client.json", false).is_ok());
        for bad in [
            "https://app.example/",
            "https://app.example",
            "https://app.example/a#f",
            "https://app.example/a?q=1",
            "https://u:p@app.example/a",
            "https://app.example/a/../b",
            "https://APP.example/a",
            "http://app.example/a",
            "http://127.0.0.1:8080/a",
            "ftp://app.example/a",
        ] {
            assert!(check_url(bad, false).is_err(), "{bad}");
        }
        assert!(check_url("http://127.0.0.1:8080/a", true).is_ok());
        assert!(check_url("http://app.example/a", true).is_err());
    }

    #[test]
    fn cache_lifetime_is_max_age_within_floor_and_ceiling() {
        let c = config();
        assert_eq!(cache_secs(Some("public, max-age=300"), &c), 300);
        assert_eq!(cache_secs(Some("max-age=5"), &c), 60);
        assert_eq!(cache_secs(Some("max-age=999999"), &c), 3600);
        assert_eq!(cache_secs(Some("no-store"), &c), 60);
        assert_eq!(cache_secs(Some("max-age=300, no-cache"), &c), 60);
        assert_eq!(cache_secs(None, &c), 60);
        assert_eq!(cache_secs(Some("max-age=abc"), &c), 60);
    }

    #[test]
    fn documents_must_name_themselves_and_use_no_secret() {
        let url = "https://app.example/c.json";
        let scopes = vec!["openid".to_owned()];
        let doc = |v: serde_json::Value| {
            registration_metadata::parse(v.to_string().as_bytes()).expect("parses")
        };
        let good = serde_json::json!({
            "client_id": url, "client_name": "App",
            "redirect_uris": ["https://app.example/cb"],
        });
        let client = client_of(url, doc(good.clone()), &scopes, 0).expect("accepted");
        assert!(client.is_public());
        assert_eq!(client.provenance, Provenance::MetadataDocument);
        let mut other = good.clone();
        other["client_id"] = "https://evil.example/c.json".into();
        assert!(client_of(url, doc(other), &scopes, 0).is_err());
        let mut secret = good.clone();
        secret["token_endpoint_auth_method"] = "client_secret_basic".into();
        assert!(client_of(url, doc(secret), &scopes, 0).is_err());
        let mut no_redirect = good;
        no_redirect["redirect_uris"] = serde_json::json!([]);
        assert!(client_of(url, doc(no_redirect), &scopes, 0).is_err());
    }
}
