//! Requests the server makes to URLs clients chose (`jwks_uri`, client ID metadata
//! documents): resolved once by us, every address checked, and the connection made to the
//! checked address only, so a DNS answer that changes between check and connect (DNS
//! rebinding) cannot reach an internal address. Time- and size-limited, no redirects.

use std::net::{IpAddr, SocketAddr};
use std::time::Duration;

#[derive(Debug, thiserror::Error)]
pub enum FetchError {
    #[error("not an acceptable URL: {0}")]
    BadUri(String),
    #[error("the host resolves to a loopback, private or link-local address")]
    PrivateAddress,
    #[error("fetch failed: {0}")]
    Http(String),
    #[error("the document is larger than the limit")]
    TooLarge,
    #[error("the document: {0}")]
    BadDocument(String),
}

/// Limits of one outbound GET.
#[derive(Debug, Clone, Copy)]
pub struct FetchLimits {
    pub timeout: Duration,
    pub max_bytes: usize,
    /// Allow internal addresses (development and tests).
    pub allow_private: bool,
}

/// A fetched body and the response's `Cache-Control` header.
pub struct Fetched {
    pub body: Vec<u8>,
    pub cache_control: Option<String>,
}

/// Addresses a client must not make the server reach: loopback, private, link-local,
/// unspecified, multicast, shared (CGNAT) and IPv6 unique-local ranges.
pub fn is_internal(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(v4) => {
            v4.is_loopback()
                || v4.is_private()
                || v4.is_link_local()
                || v4.is_unspecified()
                || v4.is_multicast()
                || v4.is_broadcast()
                || (v4.octets()[0] == 100 && (v4.octets()[1] & 0xc0) == 64)
        }
        IpAddr::V6(v6) => {
            if let Some(v4) = v6.to_ipv4_mapped() {
                return is_internal(IpAddr::V4(v4));
            }
            v6.is_loopback()
                || v6.is_unspecified()
                || v6.is_multicast()
                || (v6.segments()[0] & 0xfe00) == 0xfc00
                || (v6.segments()[0] & 0xffc0) == 0xfe80
        }
    }
}

/// Resolves `url`'s host and returns the address to connect to, refusing hosts with any
/// internal address unless `allow_private`.
pub async fn resolve_checked(
    url: &url::Url,
    timeout: Duration,
    allow_private: bool,
) -> Result<(String, SocketAddr), FetchError> {
    let host = url
        .host_str()
        .ok_or_else(|| FetchError::BadUri("no host".into()))?
        .trim_start_matches('[')
        .trim_end_matches(']')
        .to_owned();
    let port = url
        .port_or_known_default()
        .ok_or_else(|| FetchError::BadUri("no port".into()))?;
    let addrs: Vec<SocketAddr> =
        tokio::time::timeout(timeout, tokio::net::lookup_host((host.as_str(), port)))
            .await
            .map_err(|_| FetchError::Http("name resolution timed out".into()))?
            .map_err(|e| FetchError::Http(e.to_string()))?
            .collect();
    let Some(addr) = addrs.first().copied() else {
        return Err(FetchError::Http("host has no address".into()));
    };
    if !allow_private && addrs.iter().any(|a| is_internal(a.ip())) {
        return Err(FetchError::PrivateAddress);
    }
    Ok((host, addr))
}

/// GETs `uri` under `limits`, connecting only to the address checked here.
pub async fn get(uri: &str, accept: &str, limits: FetchLimits) -> Result<Fetched, FetchError> {
    let url = url::Url::parse(uri).map_err(|e| FetchError::BadUri(e.to_string()))?;
    // One deadline for the whole fetch: resolution, connection, headers and body.
    tokio::time::timeout(limits.timeout, get_checked(url, accept, limits))
        .await
        .map_err(|_| FetchError::Http("timed out".into()))?
}

async fn get_checked(
    url: url::Url,
    accept: &str,
    limits: FetchLimits,
) -> Result<Fetched, FetchError> {
    let (host, addr) = resolve_checked(&url, limits.timeout, limits.allow_private).await?;
    let http = reqwest::Client::builder()
        .timeout(limits.timeout)
        .connect_timeout(limits.timeout)
        .redirect(reqwest::redirect::Policy::none())
        .resolve(&host, addr)
        .build()
        .map_err(|e| FetchError::Http(e.to_string()))?;
    let mut response = http
        .get(url)
        .header(reqwest::header::ACCEPT, accept)
        .send()
        .await
        .and_then(reqwest::Response::error_for_status)
        .map_err(|e| FetchError::Http(e.without_url().to_string()))?;
    let limit = limits.max_bytes;
    if response
        .content_length()
        .is_some_and(|n| n as usize > limit)
    {
        return Err(FetchError::TooLarge);
    }
    let cache_control = response
        .headers()
        .get(reqwest::header::CACHE_CONTROL)
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    let mut body = Vec::new();
    while let Some(chunk) = response
        .chunk()
        .await
        .map_err(|e| FetchError::Http(e.without_url().to_string()))?
    {
        if body.len() + chunk.len() > limit {
            return Err(FetchError::TooLarge);
        }
        body.extend_from_slice(&chunk);
    }
    Ok(Fetched {
        body,
        cache_control,
    })
}

/// Time allowed to resolve one registered host.
const RESOLVE_TIMEOUT: Duration = Duration::from_secs(3);

/// `Ok` if every URI the server will itself fetch or POST to for `client` (`jwks_uri`,
/// `backchannel_logout_uri`) names a host whose every address is public; else why not,
/// named by metadata member. A host that does not resolve is refused too.
pub async fn server_fetched_uris_public(client: &super::Client) -> Result<(), String> {
    let jwks_uri = client.client_keys.as_ref().and_then(|k| k.uri());
    let backchannel = client
        .backchannel_logout_uri
        .as_ref()
        .map(|u| u.as_str().to_owned());
    for (member, uri) in [
        ("jwks_uri", jwks_uri),
        ("backchannel_logout_uri", backchannel),
    ] {
        let Some(uri) = uri else { continue };
        let url = url::Url::parse(&uri).map_err(|_| format!("{member}: not an absolute URL"))?;
        match resolve_checked(&url, RESOLVE_TIMEOUT, false).await {
            Ok(_) => {}
            Err(FetchError::PrivateAddress) => {
                return Err(format!(
                    "{member}: must not be a loopback, private, link-local or unique-local address"
                ));
            }
            Err(_) => return Err(format!("{member}: its host does not resolve")),
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn internal_addresses_are_recognised() {
        for internal in [
            "127.0.0.1",
            "10.1.2.3",
            "192.168.0.1",
            "169.254.169.254",
            "::1",
            "fd00::1",
            "fe80::1",
            "::ffff:127.0.0.1",
            "100.64.0.1",
            "0.0.0.0",
        ] {
            assert!(is_internal(internal.parse().unwrap()), "{internal}");
        }
        for public in ["93.184.216.34", "2606:2800:220:1::1"] {
            assert!(!is_internal(public.parse().unwrap()), "{public}");
        }
    }
}
