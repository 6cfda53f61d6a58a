//! What a new password must be: 8 to 1,024 characters, not the account's own name or
//! e-mail address (nor those with a few characters around them), and not one of the
//! 10,000 most common passwords (`common_passwords.txt`, bundled). Applied wherever a
//! password is set: registration, `belf user add|set-password`, change and reset.

use std::collections::HashSet;
use std::sync::LazyLock;

pub const MIN_CHARS: usize = 8;
pub const MAX_CHARS: usize = 1024;

/// Why a password was refused; each has its own words on the pages (`i18n` keys
/// `password_too_short`, …) and in the CLI (`Display`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum PolicyViolation {
    #[error("must be at least 8 characters")]
    TooShort,
    #[error("must be at most 1024 characters")]
    TooLong,
    #[error("must not be (or be built on) the username or e-mail address")]
    LooksLikeAccount,
    #[error("is one of the most common passwords; choose another")]
    Common,
}

impl PolicyViolation {
    /// The page string that explains it.
    pub fn i18n_key(self) -> &'static str {
        match self {
            PolicyViolation::TooShort => "password_too_short",
            PolicyViolation::TooLong => "password_too_long",
            PolicyViolation::LooksLikeAccount => "password_like_account",
            PolicyViolation::Common => "password_common",
        }
    }
}

const COMMON_LIST: &str = include_str!("common_passwords.txt");

/// Read-only data parsed once from the bundled list (no state: a lookup table).
static COMMON: LazyLock<HashSet<String>> = LazyLock::new(|| {
    COMMON_LIST
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .map(str::to_lowercase)
        .collect()
});

pub fn is_common(password: &str) -> bool {
    COMMON.contains(&password.to_lowercase())
}

/// Checks a new password for the account named `username` with address `email`.
pub fn check(password: &str, username: &str, email: &str) -> Result<(), PolicyViolation> {
    let chars = password.chars().count();
    if chars < MIN_CHARS {
        return Err(PolicyViolation::TooShort);
    }
    if chars > MAX_CHARS {
        return Err(PolicyViolation::TooLong);
    }
    let lower = password.to_lowercase();
    let local_part = email.split('@').next().unwrap_or_default();
    for own in [username, email, local_part] {
        if built_on(&lower, &own.trim().to_lowercase()) {
            return Err(PolicyViolation::LooksLikeAccount);
        }
    }
    if is_common(password) {
        return Err(PolicyViolation::Common);
    }
    Ok(())
}

/// Whether `password` is `own` with too little of its own around it: `alice2024!` for
/// `alice` is, `alice's cat sleeps all day` is not (what is left is itself a password of
/// the minimum length). Names shorter than 3 characters are not looked for (they would
/// forbid half the dictionary).
fn built_on(password: &str, own: &str) -> bool {
    if own.chars().count() < 3 || !password.contains(own) {
        return false;
    }
    let rest = password.replacen(own, "", 1);
    rest.trim().chars().count() < MIN_CHARS
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn length_is_counted_in_characters() {
        assert_eq!(
            check("short7!", "u", "u@x.io"),
            Err(PolicyViolation::TooShort)
        );
        // Eight Korean characters are enough (24 bytes, 8 characters).
        assert_eq!(
            check("비밀번호를잘지켜", "user", "user@example.com"),
            Ok(())
        );
        assert_eq!(check(&"가".repeat(1024), "user", "u@x.io"), Ok(()));
        assert_eq!(
            check(&"가".repeat(1025), "user", "u@x.io"),
            Err(PolicyViolation::TooLong)
        );
    }

    #[test]
    fn the_account_name_and_address_are_refused_case_insensitively() {
        let bad = PolicyViolation::LooksLikeAccount;
        assert_eq!(check("AliceSmith", "alicesmith", "a@example.com"), Err(bad));
        assert_eq!(
            check("alicesmith2024", "AliceSmith", "a@example.com"),
            Err(bad)
        );
        assert_eq!(
            check("ALICE@example.com", "al", "alice@example.com"),
            Err(bad)
        );
        assert_eq!(
            check("xyzzy.mail!!", "someone", "xyzzy.mail@example.com"),
            Err(bad)
        );
        // The name inside a password long enough on its own is fine.
        assert_eq!(
            check("alice's cat sleeps all day", "alice", "a@example.com"),
            Ok(())
        );
        // A two-letter name is not looked for.
        assert_eq!(check("jo-jo-banana-boat", "jo", "j@example.com"), Ok(()));
    }

    #[test]
    fn common_passwords_are_refused_in_any_case() {
        assert!(COMMON.len() > 9_000, "{}", COMMON.len());
        for p in [
            "password",
            "PASSWORD1",
            "qwertyuiop",
            "iloveyou",
            "12345678",
        ] {
            assert_eq!(
                check(p, "someone", "s@example.com"),
                Err(PolicyViolation::Common),
                "{p}"
            );
        }
        assert_eq!(
            check("correct horse battery", "someone", "s@example.com"),
            Ok(())
        );
    }
}
