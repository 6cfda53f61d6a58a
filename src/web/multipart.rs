//! A `multipart/form-data` body for the todo API (a done entry with a photo), written by
//! hand: the one shape needed here does not justify reqwest's multipart feature and its
//! extra crates.

use super::session::random_token;

/// A file part.
pub struct FilePart {
    pub field: String,
    pub file_name: String,
    pub content_type: String,
    pub bytes: Vec<u8>,
}

/// The body and its `Content-Type` (with the boundary).
pub fn encode(fields: &[(&str, &str)], file: Option<&FilePart>) -> (String, Vec<u8>) {
    let boundary = format!("belf-{}", random_token());
    let mut body = Vec::new();
    for (name, value) in fields {
        body.extend_from_slice(format!("--{boundary}\r\n").as_bytes());
        body.extend_from_slice(
            format!(
                "Content-Disposition: form-data; name=\"{}\"\r\n\r\n",
                clean(name)
            )
            .as_bytes(),
        );
        body.extend_from_slice(value.as_bytes());
        body.extend_from_slice(b"\r\n");
    }
    if let Some(f) = file {
        body.extend_from_slice(format!("--{boundary}\r\n").as_bytes());
        body.extend_from_slice(
            format!(
                "Content-Disposition: form-data; name=\"{}\"; filename=\"{}\"\r\nContent-Type: {}\r\n\r\n",
                clean(&f.field),
                clean(&f.file_name),
                clean(&f.content_type)
            )
            .as_bytes(),
        );
        body.extend_from_slice(&f.bytes);
        body.extend_from_slice(b"\r\n");
    }
    body.extend_from_slice(format!("--{boundary}--\r\n").as_bytes());
    (format!("multipart/form-data; boundary={boundary}"), body)
}

/// Header-safe: no quotes, backslashes or control characters (a file name comes from the
/// person's browser).
fn clean(s: &str) -> String {
    s.chars()
        .filter(|c| !c.is_control() && *c != '"' && *c != '\\')
        .take(200)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fields_and_a_file_with_a_hostile_name() {
        let file = FilePart {
            field: "photo".into(),
            file_name: "a\"b\r\nX-Evil: 1.jpg".into(),
            content_type: "image/jpeg".into(),
            bytes: vec![0xff, 0xd8, 0xff],
        };
        let (kind, body) = encode(&[("date", "2026-01-05"), ("content", "hi")], Some(&file));
        let boundary = kind
            .strip_prefix("multipart/form-data; boundary=")
            .expect("boundary");
        let text = String::from_utf8_lossy(&body);
        assert!(text.starts_with(&format!("--{boundary}\r\n")));
        assert!(text.contains("name=\"date\"\r\n\r\n2026-01-05\r\n"));
        assert!(text.contains("filename=\"abX-Evil: 1.jpg\"\r\nContent-Type: image/jpeg\r\n\r\n"));
        assert!(text.ends_with(&format!("--{boundary}--\r\n")));
        assert_eq!(text.matches("\r\nX-Evil").count(), 0);
    }
}
