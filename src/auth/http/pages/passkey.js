// Belf passkeys: the only script of the identity server's pages, served from
// /static/passkey.js (CSP `script-src 'self'` on the pages that offer passkeys).
//
// A passkey form carries the server's WebAuthn options as JSON in `data-options` and is
// `hidden` until this script finds WebAuthn in the browser; without JavaScript the rest of
// the page works as before. On submit: base64url → bytes for the options, then
// navigator.credentials.create / .get, then bytes → base64url for the answer, which goes
// back in the hidden `credential` field of the same, ordinary form.
(function () {
  "use strict";
  if (!window.PublicKeyCredential || !navigator.credentials) {
    return;
  }

  function bytes(text) {
    var b64 = text.replace(/-/g, "+").replace(/_/g, "/");
    while (b64.length % 4) {
      b64 += "=";
    }
    var raw = atob(b64);
    var out = new Uint8Array(raw.length);
    for (var i = 0; i < raw.length; i++) {
      out[i] = raw.charCodeAt(i);
    }
    return out.buffer;
  }

  function text(buffer) {
    var all = new Uint8Array(buffer);
    var raw = "";
    for (var i = 0; i < all.length; i++) {
      raw += String.fromCharCode(all[i]);
    }
    return btoa(raw).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
  }

  function ids(list) {
    (list || []).forEach(function (c) {
      c.id = bytes(c.id);
    });
  }

  function create(options) {
    var p = options.publicKey;
    p.challenge = bytes(p.challenge);
    p.user.id = bytes(p.user.id);
    ids(p.excludeCredentials);
    return navigator.credentials.create({ publicKey: p }).then(function (c) {
      return {
        id: c.id,
        rawId: text(c.rawId),
        type: c.type,
        response: {
          attestationObject: text(c.response.attestationObject),
          clientDataJSON: text(c.response.clientDataJSON)
        },
        extensions: c.getClientExtensionResults()
      };
    });
  }

  function get(options) {
    var p = options.publicKey;
    p.challenge = bytes(p.challenge);
    ids(p.allowCredentials);
    return navigator.credentials.get({ publicKey: p }).then(function (c) {
      var r = c.response;
      return {
        id: c.id,
        rawId: text(c.rawId),
        type: c.type,
        response: {
          authenticatorData: text(r.authenticatorData),
          clientDataJSON: text(r.clientDataJSON),
          signature: text(r.signature),
          userHandle: r.userHandle ? text(r.userHandle) : null
        },
        extensions: c.getClientExtensionResults()
      };
    });
  }

  document.querySelectorAll("form[data-passkey]").forEach(function (form) {
    form.hidden = false;
    var failed = form.querySelector("[data-passkey-failed]");
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      if (failed) {
        failed.hidden = true;
      }
      var options = JSON.parse(form.getAttribute("data-options"));
      var ceremony = form.getAttribute("data-passkey") === "create" ? create : get;
      ceremony(options).then(
        function (answer) {
          form.elements.credential.value = JSON.stringify(answer);
          form.submit();
        },
        function () {
          if (failed) {
            failed.hidden = false;
          }
        }
      );
    });
  });
})();
