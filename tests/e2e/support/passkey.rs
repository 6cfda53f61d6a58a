//! The browser's and the authenticator's part of a passkey ceremony, as `passkey.js` and a
//! platform authenticator play it: read the options a page's passkey form carries
//! (`data-options`), have a software authenticator answer them for the page's origin
//! (1Password's `passkey` client: it checks the RP id against the origin and writes the
//! client data as a browser does), and build the answer the script posts in the form's
//! hidden `credential` field.

use std::sync::{Arc, Mutex};

use passkey::authenticator::{
    Authenticator, CredentialStore, DiscoverabilitySupport, StoreInfo, UiHint, UserCheck,
    UserValidationMethod,
};
use passkey::client::{Client, DefaultClientData};
use passkey::crypto::aws_lc_rs::AwsLcRsBackend;
use passkey::types::Passkey;
use passkey::types::ctap2::make_credential::{
    Options, PublicKeyCredentialRpEntity, PublicKeyCredentialUserEntity,
};
use passkey::types::ctap2::{Aaguid, Ctap2Error, StatusCode};
use passkey::types::webauthn::{
    CredentialCreationOptions, CredentialRequestOptions, PublicKeyCredentialDescriptor,
};
use serde_json::{Value, json};

use super::browser::Page;

/// A passkey form of a page: where it posts, its ceremony and the options it carries.
#[derive(Debug, Clone)]
pub struct PasskeyForm {
    pub action: String,
    pub ceremony: String,
    pub options: String,
}

/// The passkey form posting to `action`, if the page has one.
pub fn passkey_form(page: &Page, action: &str) -> Option<PasskeyForm> {
    let start = page
        .body
        .find(&format!("action=\"{action}\" data-passkey="))?;
    let form = &page.body[start..];
    let form = &form[..form.find("</form>")?];
    let attr = |name: &str| {
        let marker = format!("{name}=\"");
        let from = form.find(&marker)? + marker.len();
        let to = form[from..].find('"')? + from;
        Some(unescape(&form[from..to]))
    };
    let ceremony_marker = "name=\"ceremony\" value=\"";
    let from = form.find(ceremony_marker)? + ceremony_marker.len();
    let to = form[from..].find('"')? + from;
    Some(PasskeyForm {
        action: action.to_owned(),
        ceremony: form[from..to].to_owned(),
        options: attr("data-options")?,
    })
}

/// HTML attribute escaping undone, as a browser reads the attribute.
fn unescape(s: &str) -> String {
    s.replace("&quot;", "\"")
        .replace("&#x27;", "'")
        .replace("&#x2f;", "/")
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&amp;", "&")
}

/// Where the software authenticator keeps its credentials: every one discoverable (it
/// stores the user handle), found by the allow-list when the options name credentials and
/// by RP id when they do not (a password-less sign-in).
#[derive(Clone, Default)]
pub struct Keyring {
    keys: Arc<Mutex<Vec<Passkey>>>,
}

impl Keyring {
    /// How many credentials the device keeps.
    pub fn count(&self) -> usize {
        self.keys.lock().expect("keyring").len()
    }
}

#[async_trait::async_trait]
impl CredentialStore for Keyring {
    type PasskeyItem = Passkey;

    async fn find_credentials(
        &self,
        ids: Option<&[PublicKeyCredentialDescriptor]>,
        rp_id: &str,
        _user_handle: Option<&[u8]>,
    ) -> Result<Vec<Passkey>, StatusCode> {
        let keys = self.keys.lock().expect("keyring");
        let found: Vec<Passkey> = match ids {
            Some(ids) if !ids.is_empty() => keys
                .iter()
                .filter(|k| ids.iter().any(|d| d.id == k.credential_id))
                .cloned()
                .collect(),
            _ => keys.iter().filter(|k| k.rp_id == rp_id).cloned().collect(),
        };
        if found.is_empty() {
            return Err(Ctap2Error::NoCredentials.into());
        }
        Ok(found)
    }

    async fn save_credential(
        &mut self,
        cred: Passkey,
        _user: PublicKeyCredentialUserEntity,
        _rp: PublicKeyCredentialRpEntity,
        _options: Options,
    ) -> Result<(), StatusCode> {
        self.keys.lock().expect("keyring").push(cred);
        Ok(())
    }

    async fn update_credential(&mut self, cred: &Passkey) -> Result<(), StatusCode> {
        let mut keys = self.keys.lock().expect("keyring");
        if let Some(k) = keys
            .iter_mut()
            .find(|k| k.credential_id == cred.credential_id)
        {
            *k = cred.clone();
        }
        Ok(())
    }

    async fn get_info(&self) -> StoreInfo {
        StoreInfo {
            discoverability: DiscoverabilitySupport::ForcedDiscoverable,
        }
    }
}

/// The person at the authenticator: present, and verified (a PIN, a fingerprint).
struct VerifiedPerson;

#[async_trait::async_trait]
impl UserValidationMethod for VerifiedPerson {
    type PasskeyItem = Passkey;

    async fn check_user<'a>(
        &self,
        _hint: UiHint<'a, Passkey>,
        _presence: bool,
        _verification: bool,
    ) -> Result<UserCheck, Ctap2Error> {
        Ok(UserCheck {
            presence: true,
            verification: true,
        })
    }

    fn is_presence_enabled(&self) -> bool {
        true
    }

    fn is_verification_enabled(&self) -> Option<bool> {
        Some(true)
    }
}

/// A device with a platform authenticator, browsing `origin`.
#[derive(Clone)]
pub struct Device {
    pub keyring: Keyring,
    origin: url::Url,
}

impl Device {
    pub fn new(origin: &str) -> Device {
        Device {
            keyring: Keyring::default(),
            origin: url::Url::parse(origin).expect("origin"),
        }
    }

    fn authenticator(&self) -> Authenticator<Keyring, VerifiedPerson, AwsLcRsBackend> {
        Authenticator::new(
            Aaguid::new_empty(),
            self.keyring.clone(),
            VerifiedPerson,
            AwsLcRsBackend,
        )
    }

    /// `navigator.credentials.create` with the options of a form, and the answer as
    /// passkey.js posts it.
    pub async fn create(&self, options: &str) -> Result<String, String> {
        let request: CredentialCreationOptions =
            serde_json::from_str(options).map_err(|e| format!("options: {e}"))?;
        // http is allowed for localhost only, as in browsers.
        let mut client = Client::new(self.authenticator()).allows_insecure_localhost(true);
        let created = client
            .register(&self.origin, request, DefaultClientData)
            .await
            .map_err(|e| format!("{e:?}"))?;
        let c = serde_json::to_value(&created).map_err(|e| e.to_string())?;
        Ok(json!({
            "id": c["id"], "rawId": c["rawId"], "type": c["type"],
            "response": {
                "attestationObject": c["response"]["attestationObject"],
                "clientDataJSON": c["response"]["clientDataJSON"],
            },
            "extensions": extensions(&c),
        })
        .to_string())
    }

    /// `navigator.credentials.get` with the options of a form, and the answer as
    /// passkey.js posts it.
    pub async fn get(&self, options: &str) -> Result<String, String> {
        let request: CredentialRequestOptions =
            serde_json::from_str(options).map_err(|e| format!("options: {e}"))?;
        let mut client = Client::new(self.authenticator()).allows_insecure_localhost(true);
        let got = client
            .authenticate(&self.origin, request, DefaultClientData)
            .await
            .map_err(|e| format!("{e:?}"))?;
        let c = serde_json::to_value(&got).map_err(|e| e.to_string())?;
        Ok(json!({
            "id": c["id"], "rawId": c["rawId"], "type": c["type"],
            "response": {
                "authenticatorData": c["response"]["authenticatorData"],
                "clientDataJSON": c["response"]["clientDataJSON"],
                "signature": c["response"]["signature"],
                "userHandle": c["response"]["userHandle"],
            },
            "extensions": extensions(&c),
        })
        .to_string())
    }
}

/// `getClientExtensionResults()`: what the client reports (credProps among them).
fn extensions(c: &Value) -> Value {
    c.get("clientExtensionResults")
        .filter(|v| !v.is_null())
        .cloned()
        .unwrap_or_else(|| json!({}))
}
