//! The npm host's side of issue 24 (docs/decisions/algorithms.md): which entry this engine is
//! (`jwtgate` without ES256/ES512/RS256/PS256, `jwtgate/full` with them), the one log line per
//! key the entry cannot use, and the host verifier a Node entry may install for the arithmetic
//! of EC and RSA signatures (`setSignatureHost`).

use jwtgate::KeySet;
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;

#[wasm_bindgen]
extern "C" {
    #[wasm_bindgen(js_namespace = console, js_name = warn)]
    fn console_warn(line: &str);
}

std::thread_local! {
    /// Keys already reported by [`log_unavailable`] (kid, algorithm): one line per key and
    /// process, however often the key set is refreshed.
    static LOGGED: std::cell::RefCell<Vec<(Option<String>, jwtgate::Alg)>> =
        const { std::cell::RefCell::new(Vec::new()) };
}

/// Which npm entry this engine is, by what it compiles (docs/decisions/algorithms.md).
pub const ENTRY: &str = if cfg!(all(feature = "es256", feature = "es512", feature = "rsa")) {
    "jwtgate/full"
} else {
    "jwtgate"
};

/// The line logged for a key this entry cannot use (never a secret: a kid and an algorithm).
pub fn unavailable_line(kid: Option<&str>, alg: jwtgate::Alg) -> String {
    let kid = kid.map_or_else(|| String::from("without kid"), |k| format!("\"{k}\""));
    format!(
        "jwtgate: key {kid} ({}) of the key set is skipped: the entry \"{ENTRY}\" verifies HS256 and EdDSA only; \
         import {{ Gate }} from \"jwtgate/full\" for ES256, ES512, RS256 and PS256 (tokens naming this key are refused: alg_not_in_build)",
        alg.name()
    )
}

/// Logs each key of an algorithm this entry leaves out, once (at start-up or in a later refresh).
pub(crate) fn log_unavailable(keys: &KeySet) {
    for key in keys.unavailable() {
        let id = (key.kid().map(String::from), key.alg());
        let new = LOGGED.with(|logged| {
            let mut logged = logged.borrow_mut();
            let new = !logged.contains(&id);
            if new {
                logged.push(id);
            }
            new
        });
        if new {
            console_warn(&unavailable_line(key.kid(), key.alg()));
        }
    }
}

/// Which entry this engine is (`jwtgate` or `jwtgate/full`): the package's tests ask.
#[wasm_bindgen(js_name = engineEntry)]
pub fn engine_entry() -> String {
    String::from(ENTRY)
}

#[wasm_bindgen]
extern "C" {
    /// A JS function `(alg, jwk, message, signature) => boolean` (the Node entry's
    /// node:crypto verifier, pkg-template/host-node-crypto.js).
    pub type HostVerifier;
    #[wasm_bindgen(method, catch, js_name = call)]
    fn call4(
        this: &HostVerifier,
        context: &JsValue,
        alg: &str,
        jwk: &str,
        message: &[u8],
        signature: &[u8],
    ) -> Result<JsValue, JsValue>;
}

std::thread_local! {
    /// The host's verifier, once the entry installed one ([`set_signature_host`]).
    static HOST_VERIFIER: std::cell::RefCell<Option<HostVerifier>> =
        const { std::cell::RefCell::new(None) };
}

/// Installs (a function) or removes (`undefined`/`null`) the host's verifier for EC and RSA
/// signatures: the core still reads and checks keys, pins the algorithm and checks the
/// signature's form; the function does the arithmetic (docs/decisions/algorithms.md).
#[wasm_bindgen(js_name = setSignatureHost)]
pub fn set_signature_host(verifier: JsValue) {
    let verifier = (verifier.is_function()).then(|| verifier.unchecked_into::<HostVerifier>());
    HOST_VERIFIER.with(|slot| *slot.borrow_mut() = verifier);
}

/// The core's [`jwtgate::SignatureHost`] over the installed JS function: `None` (the core
/// verifies) when none is installed, when it throws, or when it answers anything but a boolean.
pub(crate) struct JsHost;

impl jwtgate::SignatureHost for JsHost {
    fn verify(&self, key: &jwtgate::PublicKey, message: &[u8], signature: &[u8]) -> Option<bool> {
        let jwk = key.public_jwk()?;
        HOST_VERIFIER.with(|slot| {
            let slot = slot.borrow();
            let verifier = slot.as_ref()?;
            verifier
                .call4(
                    &JsValue::UNDEFINED,
                    key.alg().name(),
                    jwk,
                    message,
                    signature,
                )
                .ok()?
                .as_bool()
        })
    }
}
