//! `ClientId`: a client's public identifier (RFC 6749 §2.2), parsed once at the edge.

use std::fmt;

use serde::{Deserialize, Serialize};

/// A client identifier as this server issues and accepts them: 1 to 128 visible ASCII
/// characters (RFC 6749 Appendix A.1 `VSCHAR`, less the space). Anything longer or
/// stranger can never name a registered client, so it is refused before any lookup.
/// Not a secret: `Debug` and `Display` print it.
#[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(transparent)]
pub struct ClientId(String);

impl ClientId {
    pub const MAX_LEN: usize = 128;

    /// A presented id, if it has the shape of one.
    pub fn parse(raw: &str) -> Option<ClientId> {
        let ok = (1..=Self::MAX_LEN).contains(&raw.len())
            && raw.bytes().all(|b| (0x21..=0x7e).contains(&b));
        ok.then(|| ClientId(raw.to_owned()))
    }

    /// A new id: 128 random bits in lowercase hex. Not base64url: an id starting with `-`
    /// reads as an option to command-line tools (`belf client show -x…`) and to humans.
    pub fn generate() -> ClientId {
        use rand::RngCore;
        let mut bytes = [0u8; 16];
        rand::rng().fill_bytes(&mut bytes);
        ClientId(hex::encode(bytes))
    }

    /// An id read back from our own storage, where only parsed ids are written.
    pub(crate) fn from_stored(s: String) -> ClientId {
        ClientId(s)
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    pub fn into_string(self) -> String {
        self.0
    }
}

impl std::ops::Deref for ClientId {
    type Target = str;
    fn deref(&self) -> &str {
        &self.0
    }
}

impl AsRef<str> for ClientId {
    fn as_ref(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for ClientId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl fmt::Debug for ClientId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "ClientId({})", self.0)
    }
}

impl PartialEq<str> for ClientId {
    fn eq(&self, other: &str) -> bool {
        self.0 == other
    }
}

impl PartialEq<&str> for ClientId {
    fn eq(&self, other: &&str) -> bool {
        self.0 == *other
    }
}

impl PartialEq<String> for ClientId {
    fn eq(&self, other: &String) -> bool {
        &self.0 == other
    }
}

impl PartialEq<ClientId> for String {
    fn eq(&self, other: &ClientId) -> bool {
        *self == other.0
    }
}

impl PartialEq<ClientId> for str {
    fn eq(&self, other: &ClientId) -> bool {
        self == other.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parse_accepts_visible_ascii_up_to_128_and_nothing_else() {
        assert!(ClientId::parse("my-app_1.x").is_some());
        assert!(ClientId::parse(&"a".repeat(128)).is_some());
        assert!(ClientId::parse(&"a".repeat(129)).is_none());
        assert!(ClientId::parse("").is_none());
        assert!(ClientId::parse("has space").is_none());
        assert!(ClientId::parse("tab\t").is_none());
        assert!(ClientId::parse("nul\0").is_none());
        assert!(ClientId::parse("ünï").is_none());
    }

    #[test]
    fn generated_ids_are_hex_and_never_look_like_options() {
        for _ in 0..200 {
            let id = ClientId::generate();
            assert_eq!(id.len(), 32);
            assert!(id.bytes().all(|b| b.is_ascii_hexdigit()));
            assert!(ClientId::parse(&id).is_some());
        }
    }
}
