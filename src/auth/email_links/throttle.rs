//! How often links may be asked for: fixed windows of `email_links.window_secs`, one
//! counter per source IP and one per address (by digest: the ephemeral store never holds
//! the address). The address counter moves whether or not the address is registered, so
//! the answer tells nothing about it.

use std::net::IpAddr;

use crate::auth::context::AuthContext;
use crate::auth::store::{Namespace, StoreResult};
use crate::auth::tokens::handles;

/// Which counter said no, and for how long at most.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LinkThrottled {
    pub by: &'static str,
    pub retry_after_secs: u64,
}

/// Counts one request for a link to `address` from `ip`; `Err` when either counter is
/// past its allowance (the request is refused and sends nothing). Off with
/// `throttle.enabled = false`.
pub async fn admit(
    ctx: &AuthContext,
    ip: IpAddr,
    address: &str,
) -> StoreResult<Result<(), LinkThrottled>> {
    if !ctx.config.throttle.enabled {
        return Ok(Ok(()));
    }
    let limits = &ctx.config.email_links;
    let window = limits.window_secs;
    let store = &*ctx.stores.ephemeral;
    let by_ip = store
        .incr(Namespace::Throttle, &format!("mail-ip:{ip}"), window)
        .await?;
    if by_ip > limits.max_per_ip {
        return Ok(Err(LinkThrottled {
            by: "ip",
            retry_after_secs: window,
        }));
    }
    let address_key = handles::digest(&address.trim().to_lowercase());
    let by_address = store
        .incr(
            Namespace::Throttle,
            &format!("mail-to:{address_key}"),
            window,
        )
        .await?;
    if by_address > limits.max_per_address {
        return Ok(Err(LinkThrottled {
            by: "address",
            retry_after_secs: window,
        }));
    }
    Ok(Ok(()))
}
