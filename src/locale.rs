//! Korean and English: which one a request gets, and a string catalogue looked up by key.
//! Shared ground: the identity server's pages and the web app each keep their own words
//! (their own `STRINGS` tables) and use this for the choosing and the lookup.

use std::collections::HashMap;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Lang {
    En,
    Ko,
}

impl Lang {
    pub fn code(self) -> &'static str {
        match self {
            Lang::En => "en",
            Lang::Ko => "ko",
        }
    }

    /// `ko`, `ko-KR`, `en_US`, …: the primary subtag decides.
    pub fn from_tag(tag: &str) -> Option<Lang> {
        let primary = tag
            .trim()
            .split(['-', '_', ';'])
            .next()?
            .to_ascii_lowercase();
        match primary.as_str() {
            "en" => Some(Lang::En),
            "ko" => Some(Lang::Ko),
            _ => None,
        }
    }

    /// `ui_locales` (space-separated, in order of preference) wins; then `Accept-Language`
    /// by q-value (the first 20 entries); then `default`; then English.
    pub fn choose(ui_locales: Option<&str>, accept_language: Option<&str>, default: &str) -> Lang {
        if let Some(l) = ui_locales.and_then(|u| u.split(' ').find_map(Lang::from_tag)) {
            return l;
        }
        let mut best: Option<(f32, Lang)> = None;
        for part in accept_language.unwrap_or_default().split(',').take(20) {
            let mut pieces = part.split(';');
            let tag = pieces.next().unwrap_or("");
            let q = pieces
                .find_map(|p| p.trim().strip_prefix("q="))
                .and_then(|q| q.parse::<f32>().ok())
                .unwrap_or(1.0);
            if let Some(l) = Lang::from_tag(tag)
                && best.is_none_or(|(bq, _)| q > bq)
            {
                best = Some((q, l));
            }
        }
        best.map(|(_, l)| l)
            .or_else(|| Lang::from_tag(default))
            .unwrap_or(Lang::En)
    }
}

pub type Table = HashMap<&'static str, &'static str>;

/// One table per language, built once from `(key, English, Korean)` rows.
pub struct Catalog {
    en: Table,
    ko: Table,
}

impl Catalog {
    pub fn new(rows: &[(&'static str, &'static str, &'static str)]) -> Catalog {
        Catalog {
            en: rows.iter().map(|(k, en, _)| (*k, *en)).collect(),
            ko: rows.iter().map(|(k, _, ko)| (*k, *ko)).collect(),
        }
    }

    /// For templates (`t.sign_in`).
    pub fn table(&self, lang: Lang) -> &Table {
        match lang {
            Lang::En => &self.en,
            Lang::Ko => &self.ko,
        }
    }

    /// One string; a missing key is empty rather than a failure (a test per catalogue
    /// checks that every key has both languages).
    pub fn text(&self, lang: Lang, key: &str) -> &'static str {
        self.table(lang).get(key).copied().unwrap_or("")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn chooses_language() {
        assert_eq!(Lang::choose(Some("fr ko-KR"), Some("en"), "en"), Lang::Ko);
        assert_eq!(
            Lang::choose(None, Some("fr, ko;q=0.8, en;q=0.5"), "en"),
            Lang::Ko
        );
        assert_eq!(
            Lang::choose(None, Some("ko-KR,ko;q=0.9,en;q=0.8"), "en"),
            Lang::Ko
        );
        assert_eq!(
            Lang::choose(None, Some("fr, en;q=0.5, ko;q=0.4"), "ko"),
            Lang::En
        );
        assert_eq!(Lang::choose(None, Some("de"), "ko"), Lang::Ko);
        assert_eq!(Lang::choose(None, None, "en"), Lang::En);
        assert_eq!(Lang::choose(None, None, "fr"), Lang::En);
    }

    #[test]
    fn catalogue_looks_up_by_language() {
        let c = Catalog::new(&[("hi", "Hello", "안녕하세요")]);
        assert_eq!(c.text(Lang::Ko, "hi"), "안녕하세요");
        assert_eq!(c.text(Lang::En, "hi"), "Hello");
        assert_eq!(c.text(Lang::En, "missing"), "");
    }
}
