//! One-time recovery codes: shown once, stored as SHA-256 digests. Each is 50 random bits
//! in ten characters of an alphabet without look-alikes (`xxxxx-xxxxx`); guessing is
//! throttled like passwords, so a digest without a salt or work factor is enough.

use rand::Rng;

use crate::auth::tokens::handles;

/// No 0/O, 1/I/L: read off paper and typed back without doubt.
const ALPHABET: &[u8] = b"23456789abcdefghjkmnpqrstuvwxyz";
const LEN: usize = 10;

/// `count` fresh codes, formatted for people.
pub fn new_codes(count: usize) -> Vec<String> {
    let mut rng = rand::rng();
    (0..count)
        .map(|_| {
            let raw: String = (0..LEN)
                .map(|_| char::from(ALPHABET[rng.random_range(0..ALPHABET.len())]))
                .collect();
            format!("{}-{}", &raw[..LEN / 2], &raw[LEN / 2..])
        })
        .collect()
}

/// The code as typed, without spaces or dashes, in lower case; `None` when it cannot be
/// a recovery code (so no digest is looked up for it).
pub fn normalise(typed: &str) -> Option<String> {
    let code: String = typed
        .chars()
        .filter(|c| !matches!(c, ' ' | '-'))
        .map(|c| c.to_ascii_lowercase())
        .collect();
    (code.len() == LEN && code.bytes().all(|b| ALPHABET.contains(&b))).then_some(code)
}

/// What is stored for a code: the digest of its normalised form.
pub fn digest(code: &str) -> Option<String> {
    normalise(code).map(|c| handles::digest(&c))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_distinct_and_survive_retyping() {
        let codes = new_codes(10);
        assert_eq!(codes.len(), 10);
        for (i, c) in codes.iter().enumerate() {
            assert_eq!(c.len(), 11);
            assert!(codes[i + 1..].iter().all(|o| o != c));
            let retyped = format!(" {} ", c.to_ascii_uppercase().replace('-', " "));
            assert_eq!(digest(&retyped), digest(c));
            assert!(digest(c).is_some());
        }
        assert_eq!(
            normalise("12345-67890"),
            None,
            "0 and 1 are not in the alphabet"
        );
        assert_eq!(normalise("abc"), None);
    }
}
