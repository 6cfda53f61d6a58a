//! One keep-alive HTTP/1.1 connection per worker (hyper 1 client over a tokio TCP
//! stream), a minimal cookie jar, and the few HTML/URL helpers the login pages need.

use std::net::SocketAddr;

use base64::Engine;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper::client::conn::http1::{self, SendRequest};
use hyper::header::{self, HeaderValue};
use hyper::{Method, Request, StatusCode};
use hyper_util::rt::TokioIo;
use sha2::{Digest, Sha256};
use tokio::net::TcpStream;

pub type BoxError = Box<dyn std::error::Error + Send + Sync>;

/// A response, fully read.
pub struct Resp {
    pub status: StatusCode,
    pub location: Option<String>,
    pub body: Bytes,
}

impl Resp {
    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }

    /// `Err` with status and a body snippet unless the status is one of `ok`.
    pub fn expect(self, ok: &[u16]) -> Result<Resp, String> {
        if ok.contains(&self.status.as_u16()) {
            Ok(self)
        } else {
            let text = self.text();
            let snippet: String = text.chars().take(160).collect();
            Err(format!("HTTP {}: {}", self.status.as_u16(), snippet.trim()))
        }
    }

    pub fn json(&self) -> Result<serde_json::Value, String> {
        serde_json::from_slice(&self.body).map_err(|e| format!("bad JSON: {e}"))
    }
}

/// A keep-alive connection to one server, with an optional cookie jar (a "browser").
pub struct Conn {
    addr: SocketAddr,
    host: HeaderValue,
    sender: Option<SendRequest<Full<Bytes>>>,
    pub jar: Option<Jar>,
}

impl Conn {
    pub fn new(addr: SocketAddr, cookies: bool) -> Conn {
        Conn {
            addr,
            host: HeaderValue::from_str(&addr.to_string()).expect("host header"),
            sender: None,
            jar: cookies.then(Jar::default),
        }
    }

    /// The server this connection talks to.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    async fn connect(&mut self) -> Result<&mut SendRequest<Full<Bytes>>, BoxError> {
        if self.sender.as_ref().is_none_or(|s| s.is_closed()) {
            let stream = TcpStream::connect(self.addr).await?;
            stream.set_nodelay(true)?;
            let (sender, conn) = http1::handshake(TokioIo::new(stream)).await?;
            tokio::spawn(async move {
                let _ = conn.await;
            });
            self.sender = Some(sender);
        }
        Ok(self.sender.as_mut().expect("connected"))
    }

    /// Sends one request; on a transport error the connection is dropped (the next request
    /// reconnects) and the error returned.
    pub async fn send(
        &mut self,
        method: Method,
        path: &str,
        headers: &[(header::HeaderName, &str)],
        body: Option<(&'static str, Bytes)>,
    ) -> Result<Resp, String> {
        let mut req = Request::builder()
            .method(method)
            .uri(path)
            .header(header::HOST, self.host.clone());
        for (k, v) in headers {
            req = req.header(k, *v);
        }
        if let Some(jar) = &self.jar
            && let Some(c) = jar.header()
        {
            req = req.header(header::COOKIE, c);
        }
        let body = match body {
            Some((ctype, b)) => {
                req = req.header(header::CONTENT_TYPE, ctype);
                b
            }
            None => Bytes::new(),
        };
        let req = req.body(Full::new(body)).map_err(|e| e.to_string())?;
        let result: Result<Resp, BoxError> = async {
            let sender = self.connect().await?;
            sender.ready().await?;
            let res = sender.send_request(req).await?;
            let (parts, body) = res.into_parts();
            if let Some(jar) = &mut self.jar {
                for v in parts.headers.get_all(header::SET_COOKIE) {
                    if let Ok(v) = v.to_str() {
                        jar.set(v);
                    }
                }
            }
            let location = parts
                .headers
                .get(header::LOCATION)
                .and_then(|v| v.to_str().ok())
                .map(str::to_owned);
            let body = body.collect().await?.to_bytes();
            Ok(Resp {
                status: parts.status,
                location,
                body,
            })
        }
        .await;
        result.map_err(|e| {
            self.sender = None;
            format!("transport: {e}")
        })
    }

    pub async fn get(
        &mut self,
        path: &str,
        headers: &[(header::HeaderName, &str)],
    ) -> Result<Resp, String> {
        self.send(Method::GET, path, headers, None).await
    }

    pub async fn post_form(
        &mut self,
        path: &str,
        headers: &[(header::HeaderName, &str)],
        form: &[(&str, &str)],
    ) -> Result<Resp, String> {
        let body = form_urlencoded::Serializer::new(String::new())
            .extend_pairs(form)
            .finish();
        self.send(
            Method::POST,
            path,
            headers,
            Some(("application/x-www-form-urlencoded", Bytes::from(body))),
        )
        .await
    }

    pub async fn post_json(
        &mut self,
        path: &str,
        headers: &[(header::HeaderName, &str)],
        json: Bytes,
    ) -> Result<Resp, String> {
        self.send(
            Method::POST,
            path,
            headers,
            Some(("application/json", json)),
        )
        .await
    }
}

/// Name → value; enough for Belf's cookies (one host, one path).
#[derive(Default)]
pub struct Jar(Vec<(String, String)>);

impl Jar {
    fn set(&mut self, set_cookie: &str) {
        let mut attrs = set_cookie.split(';');
        let Some((name, value)) = attrs.next().and_then(|nv| nv.trim().split_once('=')) else {
            return;
        };
        let expired = attrs.any(|a| {
            let a = a.trim().to_ascii_lowercase();
            a == "max-age=0" || a.starts_with("expires=thu, 01 jan 1970")
        });
        self.0.retain(|(n, _)| n != name);
        if !expired && !value.is_empty() {
            self.0.push((name.to_owned(), value.to_owned()));
        }
    }

    pub fn get(&self, name: &str) -> Option<&str> {
        self.0
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }

    fn header(&self) -> Option<String> {
        (!self.0.is_empty()).then(|| {
            self.0
                .iter()
                .map(|(n, v)| format!("{n}={v}"))
                .collect::<Vec<_>>()
                .join("; ")
        })
    }
}

/// The value of a hidden input in a Belf page, e.g. `csrf` or `interaction`.
pub fn hidden_input(html: &str, name: &str) -> Option<String> {
    let marker = format!("name=\"{name}\" value=\"");
    let start = html.find(&marker)? + marker.len();
    let end = html[start..].find('"')? + start;
    Some(
        html[start..end]
            .replace("&#x2f;", "/")
            .replace("&#x27;", "'")
            .replace("&quot;", "\"")
            .replace("&lt;", "<")
            .replace("&gt;", ">")
            .replace("&amp;", "&"),
    )
}

pub fn basic_auth(id: &str, secret: &str) -> String {
    let enc = |s: &str| form_urlencoded::byte_serialize(s.as_bytes()).collect::<String>();
    format!(
        "Basic {}",
        STANDARD.encode(format!("{}:{}", enc(id), enc(secret)))
    )
}

pub fn enc(s: &str) -> String {
    form_urlencoded::byte_serialize(s.as_bytes()).collect()
}

/// A fresh PKCE (verifier, S256 challenge).
pub fn pkce() -> (String, String) {
    let raw: [u8; 32] = rand::random();
    let verifier = URL_SAFE_NO_PAD.encode(raw);
    let challenge = URL_SAFE_NO_PAD.encode(Sha256::digest(verifier.as_bytes()));
    (verifier, challenge)
}

/// A query parameter of an absolute or relative URL.
pub fn query_param(url: &str, name: &str) -> Option<String> {
    let query = url.split_once('?')?.1;
    form_urlencoded::parse(query.as_bytes())
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.into_owned())
}
