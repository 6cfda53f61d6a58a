//! Authenticator-app codes (TOTP, RFC 6238: HMAC-SHA-1, 6 digits, 30-second steps — what
//! every app understands), their `otpauth://` enrolment link and its QR code.

use rand::RngCore;
use totp_rs::{Algorithm, Builder, Secret, Totp};

/// RFC 4226 §4 asks for at least 128 bits and recommends 160.
const SECRET_BYTES: usize = 20;
const STEP_SECS: u64 = 30;

/// A fresh key, base32 (what the person types into an app that cannot scan).
pub fn new_secret() -> String {
    let mut bytes = [0u8; SECRET_BYTES];
    rand::rng().fill_bytes(&mut bytes);
    Secret::from(bytes).to_base32()
}

fn totp(secret: &str, skew: u16, issuer: Option<&str>, account: &str) -> Option<Totp> {
    let key = Secret::try_from_base32(secret).ok()?;
    Builder::new()
        .with_algorithm(Algorithm::SHA1)
        .with_digits(6)
        .with_step_duration(STEP_SECS)
        .with_skew(skew)
        .with_secret(key)
        .with_issuer(issuer)
        .with_account_name(account)
        .build()
        .ok()
}

/// The step (30-second window number) `code` is valid for at `now`, within `skew` steps.
/// `None` for a wrong or malformed code (anything but six digits).
pub fn matching_step(secret: &str, code: &str, now: i64, skew: u16) -> Option<i64> {
    if code.len() != 6 || !code.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let now = u64::try_from(now).ok()?;
    let step = totp(secret, skew, None, "")?.check(code, now)?;
    i64::try_from(step).ok()
}

/// The link an authenticator app scans: `otpauth://totp/Issuer:account?secret=…`.
pub fn enrolment_url(secret: &str, issuer: &str, account: &str) -> Option<String> {
    // ':' separates issuer and account in the label; usernames cannot hold one.
    let account = account.replace(':', "_");
    totp(secret, 0, Some(issuer), &account)?.to_url().ok()
}

/// The enrolment link as an SVG QR code, drawn here (no image request, no script).
pub fn qr_svg(url: &str) -> Option<String> {
    let qr = fast_qr::QRBuilder::new(url).build().ok()?;
    Some(fast_qr::convert::svg::SvgBuilder::default().to_str(&qr))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rfc_6238_sha1_vector_and_step_window() {
        // RFC 6238 Appendix B: key "12345678901234567890", T = 59 → 94287082 (8 digits);
        // the last six digits are the 6-digit code.
        let secret = Secret::from(*b"12345678901234567890").to_base32();
        assert_eq!(matching_step(&secret, "287082", 59, 0), Some(1));
        assert_eq!(matching_step(&secret, "287082", 59 + 30, 1), Some(1));
        assert_eq!(matching_step(&secret, "287082", 59 + 60, 1), None);
        assert_eq!(matching_step(&secret, "28708", 59, 1), None);
        assert_eq!(matching_step(&secret, "28708x", 59, 1), None);
        assert_eq!(matching_step("not base32!", "287082", 59, 1), None);
    }

    #[test]
    fn enrolment_link_and_qr() {
        let secret = new_secret();
        assert_eq!(secret.len(), 32);
        let url = enrolment_url(&secret, "Belf", "alice").expect("url");
        assert!(url.starts_with("otpauth://totp/Belf:alice?"), "{url}");
        assert!(url.contains(&secret));
        let svg = qr_svg(&url).expect("svg");
        assert!(svg.starts_with("<svg"), "{svg}");
        assert!(
            !svg.contains(&secret),
            "the QR drawing does not spell the key"
        );
    }
}
