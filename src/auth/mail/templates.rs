//! The words of each message, in English and Korean (the language of the request that
//! caused it; for `belf user invite`, `pages.default_locale`).

use super::Mail;
use crate::auth::http::pages::i18n::Lang;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MailKind {
    /// Confirm the address given at registration.
    Verify,
    /// Confirm a new address before it replaces the old one.
    ChangeEmail,
    PasswordReset,
    Invite,
}

/// `ttl_secs` is shown rounded to minutes or hours.
pub fn render(kind: MailKind, lang: Lang, to: &str, link: &str, ttl_secs: u64) -> Mail {
    let valid_for = duration_words(lang, ttl_secs);
    let (subject, lead, ignore) = match (kind, lang) {
        (MailKind::Verify, Lang::En) => (
            "Confirm your e-mail address for Belf",
            "Follow this link to confirm your e-mail address:",
            "If you did not create a Belf account, ignore this message.",
        ),
        (MailKind::Verify, Lang::Ko) => (
            "Belf 이메일 주소 확인",
            "아래 링크를 열어 이메일 주소를 확인하세요.",
            "Belf 계정을 만든 적이 없다면 이 메일을 무시하세요.",
        ),
        (MailKind::ChangeEmail, Lang::En) => (
            "Confirm your new e-mail address for Belf",
            "Follow this link to make this your account's e-mail address:",
            "If you did not ask for this change, ignore this message: nothing changes.",
        ),
        (MailKind::ChangeEmail, Lang::Ko) => (
            "Belf 새 이메일 주소 확인",
            "아래 링크를 열면 이 주소가 계정의 이메일 주소가 됩니다.",
            "변경을 요청한 적이 없다면 이 메일을 무시하세요. 아무것도 바뀌지 않습니다.",
        ),
        (MailKind::PasswordReset, Lang::En) => (
            "Reset your Belf password",
            "Follow this link to choose a new password:",
            "If you did not ask for this, ignore this message: your password stays as it is.",
        ),
        (MailKind::PasswordReset, Lang::Ko) => (
            "Belf 비밀번호 재설정",
            "아래 링크를 열어 새 비밀번호를 정하세요.",
            "요청한 적이 없다면 이 메일을 무시하세요. 비밀번호는 그대로입니다.",
        ),
        (MailKind::Invite, Lang::En) => (
            "You are invited to Belf",
            "Follow this link to create your Belf account:",
            "If you did not expect this invitation, ignore this message.",
        ),
        (MailKind::Invite, Lang::Ko) => (
            "Belf 초대",
            "아래 링크를 열어 Belf 계정을 만드세요.",
            "초대를 기다리지 않았다면 이 메일을 무시하세요.",
        ),
    };
    let expiry = match lang {
        Lang::En => format!("The link works once, for {valid_for}."),
        Lang::Ko => format!("이 링크는 한 번만, {valid_for} 동안 쓸 수 있습니다."),
    };
    Mail {
        to: to.to_owned(),
        subject: subject.to_owned(),
        body: format!("{lead}\n\n{link}\n\n{expiry}\n{ignore}\n"),
    }
}

fn duration_words(lang: Lang, secs: u64) -> String {
    let (n, unit_en, unit_ko) = if secs >= 86_400 && secs.is_multiple_of(86_400) {
        (secs / 86_400, "day", "일")
    } else if secs >= 3_600 {
        (secs.div_ceil(3_600), "hour", "시간")
    } else {
        (secs.div_ceil(60).max(1), "minute", "분")
    };
    match lang {
        Lang::En if n == 1 => format!("1 {unit_en}"),
        Lang::En => format!("{n} {unit_en}s"),
        Lang::Ko => format!("{n}{unit_ko}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn messages_carry_the_link_and_its_lifetime_in_both_languages() {
        let m = render(
            MailKind::PasswordReset,
            Lang::En,
            "a@example.com",
            "https://x/r?token=t",
            1800,
        );
        assert!(m.body.contains("https://x/r?token=t"));
        assert!(m.body.contains("30 minutes"));
        let k = render(
            MailKind::Verify,
            Lang::Ko,
            "a@example.com",
            "https://x/v?token=t",
            86_400,
        );
        assert!(k.body.contains("1일"));
        assert!(k.subject.contains("이메일"));
        assert_eq!(duration_words(Lang::En, 7_200), "2 hours");
    }
}
