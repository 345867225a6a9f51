//! Every algorithm Better Auth's jwt() plugin signs (EdDSA, ES256, ES512, RS256, PS256), with
//! tokens and key sets minted by the REAL better-auth package
//! (`node tests/fixtures/better-auth/mint-algorithms.mjs <file>`; the committed fixture is read
//! unless `JWTGATE_ALGORITHMS_FIXTURE` names a fresh one), and the attacks issue 24 lists, each
//! beside a control that passes (so a refusal is the attack's, not a broken fixture's).
#![cfg(all(feature = "es256", feature = "es512", feature = "rsa"))]

use jwtgate::{base64url, CachedGate, ConfigError, Error, Gate, GateConfig, Hs256Key, KeySet};
use serde_json::{json, Value};

fn fixture() -> Value {
    let path = std::env::var("JWTGATE_ALGORITHMS_FIXTURE").unwrap_or_else(|_| {
        format!(
            "{}/tests/fixtures/better-auth/algorithms.json",
            env!("CARGO_MANIFEST_DIR")
        )
    });
    serde_json::from_str(&std::fs::read_to_string(&path).expect(&path)).expect(&path)
}

const SECRET: &str = "k3Jx9vQ2mW7pL4tZ8rB6nC1yH5sD0fGa";

fn gate_for(jwks: &Value, base: &str) -> Gate {
    let keys = KeySet::parse(jwks.to_string().as_bytes()).expect("the key set parses");
    Gate::new(GateConfig::with_key_set(keys).issuer(base).audience(base)).unwrap()
}

fn segments(token: &str) -> (Value, String, String) {
    let mut parts = token.split('.');
    let header = parts.next().unwrap();
    let header: Value = serde_json::from_slice(&b64d(header)).unwrap();
    (
        header,
        parts.next().unwrap().to_string(),
        parts.next().unwrap().to_string(),
    )
}

fn b64d(s: &str) -> Vec<u8> {
    use base64::Engine;
    base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(s)
        .unwrap()
}

fn iat(token: &str) -> u64 {
    let payload: Value = serde_json::from_slice(&b64d(token.split('.').nth(1).unwrap())).unwrap();
    payload["iat"].as_u64().unwrap()
}

/// The token with another header (same payload and signature).
fn reheader(token: &str, header: &Value) -> String {
    let (_, payload, sig) = segments(token);
    format!(
        "{}.{payload}.{sig}",
        base64url(header.to_string().as_bytes())
    )
}

/// The token with another signature.
fn resign(token: &str, sig: &[u8]) -> String {
    let (h, p, _) = {
        let mut parts = token.split('.');
        (parts.next().unwrap(), parts.next().unwrap(), parts.next())
    };
    format!("{h}.{p}.{}", base64url(sig))
}

#[test]
fn every_algorithm_of_the_jwt_plugin_verifies_with_its_own_key_set() {
    let f = fixture();
    let base = f["baseURL"].as_str().unwrap();
    let apps = f["apps"].as_object().unwrap();
    for alg in ["EdDSA", "ES256", "ES512", "RS256", "PS256"] {
        let app = &apps[alg];
        assert_eq!(app["header"]["alg"], alg);
        let gate = gate_for(&app["jwks"], base);
        let mut cached = CachedGate::new(gate.clone(), 16);
        for t in app["tokens"].as_array().unwrap() {
            let token = t["token"].as_str().unwrap();
            let user = t["userId"].as_str().unwrap();
            let now = iat(token);
            let v = gate
                .verify(token, now)
                .unwrap_or_else(|e| panic!("{alg}: {e}"));
            assert_eq!(v.user_id(), user);
            assert_eq!(v.claims().exp - v.claims().iat, 900);
            assert_eq!(cached.verify(token, now).unwrap().user_id(), user);
            let bearer = format!("Bearer {token}");
            assert!(gate
                .authorize("GET", &format!("/api/v1/{user}/tasks"), Some(&bearer), now)
                .is_ok());
            assert_eq!(
                gate.authorize("GET", "/api/v1/someone-else/tasks", Some(&bearer), now),
                Err(Error::UserMismatch)
            );
            assert_eq!(gate.verify(token, now + 900), Err(Error::TokenExpired));
        }
    }
}

#[test]
fn one_app_publishing_several_algorithms_and_its_crv_quirk() {
    let f = fixture();
    let base = f["baseURL"].as_str().unwrap();
    let multi = &f["multi"];
    // Better Auth copies the primary key's crv onto keys without one: its RSA keys say Ed25519.
    let rsa: Vec<&Value> = multi["jwks"]["keys"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|k| k["kty"] == "RSA")
        .collect();
    assert_eq!(rsa.len(), 2);
    assert!(
        rsa.iter().all(|k| k["crv"] == "Ed25519"),
        "the quirk is in the real set"
    );
    let gate = gate_for(&multi["jwks"], base);
    let keys = gate.config().jwks.as_ref().unwrap();
    assert_eq!((keys.keys().len(), keys.skipped()), (5, 0));
    for (alg, t) in multi["tokens"].as_object().unwrap() {
        let token = t["token"].as_str().unwrap();
        assert_eq!(segments(token).0["alg"], alg.as_str());
        let v = gate
            .verify(token, iat(token))
            .unwrap_or_else(|e| panic!("{alg}: {e}"));
        assert_eq!(v.user_id(), t["userId"].as_str().unwrap());
    }
    // Every token's header with every other algorithm of the set, same kid: refused before
    // any signature is checked with the wrong kind of key.
    let tokens = multi["tokens"].as_object().unwrap();
    for (alg, t) in tokens {
        let token = t["token"].as_str().unwrap();
        let (mut header, _, _) = segments(token);
        for other in tokens.keys().filter(|a| *a != alg) {
            header["alg"] = json!(other);
            assert_eq!(
                gate.verify(&reheader(token, &header), iat(token)),
                Err(Error::AlgNotAllowed),
                "{alg} token as {other}"
            );
        }
    }
}

#[test]
fn rotation_adds_a_key_and_old_tokens_keep_verifying() {
    let f = fixture();
    let base = f["baseURL"].as_str().unwrap();
    let r = &f["rotation"];
    let before = r["before"]["token"].as_str().unwrap();
    let after = r["after"]["token"].as_str().unwrap();
    let old = gate_for(&r["jwksBefore"], base);
    assert!(old.verify(before, iat(before)).is_ok());
    // The old set does not know the new kid: unknown_key (a remote set refetches on it).
    assert_eq!(old.verify(after, iat(after)), Err(Error::UnknownKey));
    let new = gate_for(&r["jwksAfter"], base);
    assert!(new.verify(before, iat(before)).is_ok());
    assert!(new.verify(after, iat(after)).is_ok());
    // CachedGate: a refreshed set drops every stored acceptance.
    let mut cached = CachedGate::new(old.clone(), 8);
    assert!(cached.verify(before, iat(before)).is_ok());
    let keys = KeySet::parse(r["jwksAfter"].to_string().as_bytes()).unwrap();
    cached.replace_key_set(keys).unwrap();
    assert!(cached.verify(after, iat(after)).is_ok());
}

#[test]
fn a_key_moved_under_another_kid_verifies_nothing() {
    let f = fixture();
    let base = f["baseURL"].as_str().unwrap();
    let r = &f["rotation"];
    let mut swapped = r["jwksAfter"].clone();
    let keys = swapped["keys"].as_array_mut().unwrap();
    let (a, b) = (keys[0]["kid"].clone(), keys[1]["kid"].clone());
    keys[0]["kid"] = b;
    keys[1]["kid"] = a;
    let gate = gate_for(&swapped, base);
    for t in ["before", "after"] {
        let token = r[t]["token"].as_str().unwrap();
        assert_eq!(
            gate.verify(token, iat(token)),
            Err(Error::InvalidSignature),
            "{t}"
        );
    }
}

/// The attack section: our own keys (node:crypto), a Better Auth-shaped claim set.
struct Attacks {
    f: Value,
}

impl Attacks {
    fn new() -> Self {
        Attacks {
            f: fixture()["attacks"].clone(),
        }
    }
    fn now(&self) -> u64 {
        self.f["now"].as_u64().unwrap()
    }
    fn token(&self, name: &str) -> &str {
        self.f["tokens"][name].as_str().unwrap()
    }
    fn key(&self, name: &str) -> Value {
        self.f["keys"][name].clone()
    }
    fn set(&self, names: &[&str]) -> Value {
        json!({ "keys": names.iter().map(|n| self.key(n)).collect::<Vec<_>>() })
    }
    fn gate(&self, names: &[&str], secret: bool) -> Result<Gate, ConfigError> {
        let base = self.f["baseURL"].as_str().unwrap();
        let keys = KeySet::parse(self.set(names).to_string().as_bytes())?;
        let mut config = GateConfig::with_key_set(keys).issuer(base).audience(base);
        if secret {
            config.secret = SECRET.as_bytes().to_vec();
        }
        Gate::new(config)
    }
    fn verify(&self, gate: &Gate, token: &str) -> Result<(), Error> {
        gate.verify(token, self.now()).map(|_| ())
    }
}

const ALL_KEYS: [&str; 4] = ["es256", "es512", "rs256", "ps256"];

#[test]
fn controls_verify() {
    let a = Attacks::new();
    let gate = a.gate(&ALL_KEYS, true).unwrap();
    for name in ALL_KEYS {
        assert_eq!(a.verify(&gate, a.token(name)), Ok(()), "{name}");
    }
    // e = 3 and a 4096-bit modulus are in the documented bounds.
    let bounds = a.gate(&["rsa_e3", "rsa4096"], false).unwrap();
    assert_eq!(a.verify(&bounds, a.token("rsa_e3")), Ok(()));
    assert_eq!(a.verify(&bounds, a.token("rsa4096")), Ok(()));
}

#[test]
fn alg_confusion_between_every_pair_is_refused() {
    let a = Attacks::new();
    let gate = a.gate(&ALL_KEYS, true).unwrap();
    let names = [
        ("es256", "ES256"),
        ("es512", "ES512"),
        ("rs256", "RS256"),
        ("ps256", "PS256"),
    ];
    for (name, alg) in names {
        let token = a.token(name);
        let (mut header, _, _) = segments(token);
        for other in ["ES256", "ES512", "RS256", "PS256", "EdDSA", "Ed25519"]
            .into_iter()
            .filter(|o| *o != alg)
        {
            header["alg"] = json!(other);
            assert_eq!(
                a.verify(&gate, &reheader(token, &header)),
                Err(Error::AlgNotAllowed),
                "{alg} as {other}"
            );
        }
        // none, with and without its signature.
        header["alg"] = json!("none");
        let none = reheader(token, &header);
        assert_eq!(a.verify(&gate, &none), Err(Error::AlgNotAllowed));
        let unsigned = format!("{}.", none.rsplit_once('.').unwrap().0);
        assert_eq!(a.verify(&gate, &unsigned), Err(Error::AlgNotAllowed));
    }
    // A real PS256 signature (PKCS#1 v1.5 by the PS256 key) under RS256, and the other way:
    // the key's own algorithm decides.
    assert_eq!(
        a.verify(&gate, a.token("ps256_key_rs256_token")),
        Err(Error::AlgNotAllowed)
    );
    assert_eq!(
        a.verify(&gate, a.token("rs256_key_ps256_token")),
        Err(Error::AlgNotAllowed)
    );
}

#[test]
fn public_keys_as_hmac_secrets_are_refused() {
    let a = Attacks::new();
    let jwks_only = a.gate(&ALL_KEYS, false).unwrap();
    let both = a.gate(&ALL_KEYS, true).unwrap();
    for name in ALL_KEYS {
        let token = a.token(name);
        let (header, payload, _) = segments(token);
        let jwk = a.key(name);
        let mut secrets: Vec<Vec<u8>> = vec![jwk.to_string().into_bytes()];
        for member in ["x", "y", "n", "e"] {
            if let Some(v) = jwk[member].as_str() {
                secrets.push(b64d(v));
                secrets.push(v.as_bytes().to_vec());
            }
        }
        let hs = json!({"alg": "HS256", "kid": header["kid"]});
        let input = format!("{}.{payload}", base64url(hs.to_string().as_bytes()));
        for secret in secrets {
            let tag = Hs256Key::new(&secret).tag(input.as_bytes());
            let forged = format!("{input}.{}", base64url(&tag));
            // A key set alone holds no HMAC key at all.
            assert_eq!(
                a.verify(&jwks_only, &forged),
                Err(Error::AlgNotAllowed),
                "{name}"
            );
            // With a secret, HS256 is checked against the secret only.
            assert_eq!(
                a.verify(&both, &forged),
                Err(Error::InvalidSignature),
                "{name}"
            );
        }
    }
}

#[test]
fn ecdsa_signatures_only_in_fixed_size_form_with_r_and_s_in_range() {
    let a = Attacks::new();
    let gate = a.gate(&ALL_KEYS, false).unwrap();
    for (name, der, n) in [
        (
            "es256",
            "es256_der",
            "ffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632551",
        ),
        (
            "es512",
            "es512_der",
            "01ffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff\
             fa51868783bf2f966b7fcc0148f709a5d03bb5c9b8899c47aebb6fb71e91386409",
        ),
    ] {
        // The same key's DER signature (what node:crypto gives by default): refused.
        assert_eq!(
            a.verify(&gate, a.token(der)),
            Err(Error::InvalidSignature),
            "{der}"
        );
        let token = a.token(name);
        let sig = b64d(&segments(token).2);
        let half = sig.len() / 2;
        let n = hex(n);
        assert_eq!(n.len(), half);
        let (r, s) = sig.split_at(half);
        let zero = vec![0u8; half];
        let ones = vec![0xffu8; half];
        for (what, bad) in [
            ("r = 0", [zero.as_slice(), s].concat()),
            ("s = 0", [r, zero.as_slice()].concat()),
            ("r = n", [n.as_slice(), s].concat()),
            ("s = n", [r, n.as_slice()].concat()),
            ("r = 2^k - 1", [ones.as_slice(), s].concat()),
            ("s = 2^k - 1", [r, ones.as_slice()].concat()),
            ("truncated", sig[..sig.len() - 1].to_vec()),
            ("extended", [sig.as_slice(), &[0]].concat()),
        ] {
            assert_eq!(
                a.verify(&gate, &resign(token, &bad)),
                Err(Error::InvalidSignature),
                "{name}: {what}"
            );
        }
        // High S: s' = n − s verifies as well (WebCrypto/jose produce either).
        let high: Vec<u8> = [r, sub(&n, s).as_slice()].concat();
        assert_eq!(
            a.verify(&gate, &resign(token, &high)),
            Ok(()),
            "{name}: n - s"
        );
    }
}

#[test]
fn rsa_bounds_pss_salt_and_tampering() {
    let a = Attacks::new();
    // A 1024-bit key refuses the whole set (a configuration error), never a silent skip.
    assert_eq!(
        a.gate(&["rs256", "rsa1024"], false).unwrap_err(),
        ConfigError::WeakRsaKey { index: 1 }
    );
    let gate = a.gate(&ALL_KEYS, false).unwrap();
    for salt in [0, 20, 64] {
        assert_eq!(
            a.verify(&gate, a.token(&format!("ps256_salt{salt}"))),
            Err(Error::InvalidSignature),
            "PSS salt {salt}"
        );
    }
    // A tampered payload (one claim changed) under each algorithm's valid signature.
    for name in ALL_KEYS {
        let token = a.token(name);
        let (h, p, s) = segments(token);
        let mut claims: Value = serde_json::from_slice(&b64d(&p)).unwrap();
        claims["sub"] = json!("someone-else");
        let tampered = format!(
            "{}.{}.{s}",
            base64url(h.to_string().as_bytes()),
            base64url(claims.to_string().as_bytes())
        );
        // The header was re-encoded: make sure only the payload differs in meaning.
        assert_eq!(
            a.verify(&gate, &tampered),
            Err(Error::InvalidSignature),
            "{name}"
        );
        // Signature bit flipped.
        let mut sig = b64d(&s);
        sig[5] ^= 1;
        assert_eq!(
            a.verify(&gate, &resign(token, &sig)),
            Err(Error::InvalidSignature)
        );
    }
    // A token naming a key the set lacks.
    // (unknown_key: a remote set is refetched on it, since keyPairConfigs mints keys
    // lazily; never a fallback to another key).
    let only_es = a.gate(&["es256"], false).unwrap();
    assert_eq!(a.verify(&only_es, a.token("rs256")), Err(Error::UnknownKey));
    let two_ec = a.gate(&["es256", "es512"], false).unwrap();
    let (mut header, _, _) = segments(a.token("es256"));
    header["kid"] = json!("nobody");
    assert_eq!(
        a.verify(&two_ec, &reheader(a.token("es256"), &header)),
        Err(Error::UnknownKey)
    );
}

fn hex(s: &str) -> Vec<u8> {
    let s: String = s.split_whitespace().collect();
    (0..s.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap())
        .collect()
}

/// a − b for equal-length big-endian numbers, a ≥ b.
fn sub(a: &[u8], b: &[u8]) -> Vec<u8> {
    let mut out = vec![0u8; a.len()];
    let mut borrow = 0i16;
    for i in (0..a.len()).rev() {
        let d = i16::from(a[i]) - i16::from(b[i]) - borrow;
        borrow = i16::from(d < 0);
        out[i] = (d + 256 * borrow) as u8;
    }
    out
}

/// A host verifier that answers with the core's own verifier (so answers must agree) and
/// counts what it was asked; `decline` makes it answer `None`.
struct Recording {
    calls: std::sync::Mutex<Vec<String>>,
    decline: bool,
    lie: bool,
}

impl jwtgate::SignatureHost for Recording {
    fn verify(&self, key: &jwtgate::PublicKey, message: &[u8], signature: &[u8]) -> Option<bool> {
        let jwk: Value = serde_json::from_str(key.public_jwk()?).unwrap();
        self.calls.lock().unwrap().push(format!(
            "{} {}",
            key.alg().name(),
            jwk["kty"].as_str().unwrap()
        ));
        if self.decline {
            return None;
        }
        Some(self.lie || key.verify_message(message, signature))
    }
}

#[test]
fn a_host_verifier_gets_only_well_formed_ec_and_rsa_signatures() {
    let a = Attacks::new();
    let f = fixture();
    let base = f["baseURL"].as_str().unwrap();
    let with = |decline: bool, lie: bool| {
        let host = std::sync::Arc::new(Recording {
            calls: Default::default(),
            decline,
            lie,
        });
        let mut keys = a.set(&ALL_KEYS);
        keys["keys"]
            .as_array_mut()
            .unwrap()
            .push(f["multi"]["jwks"]["keys"][0].clone()); // the EdDSA key
        let keys = KeySet::parse(keys.to_string().as_bytes())
            .unwrap()
            .with_signature_host(host.clone());
        let gate = Gate::new(GateConfig::with_key_set(keys).issuer(base).audience(base)).unwrap();
        (gate, host)
    };
    let (gate, host) = with(false, false);
    for name in ALL_KEYS {
        assert_eq!(a.verify(&gate, a.token(name)), Ok(()), "{name}");
    }
    assert_eq!(
        *host.calls.lock().unwrap(),
        ["ES256 EC", "ES512 EC", "RS256 RSA", "PS256 RSA"]
    );
    // Malformed signatures are refused before the host is asked; alg confusion before too.
    host.calls.lock().unwrap().clear();
    for name in [
        "es256_der",
        "es512_der",
        "ps256_key_rs256_token",
        "rs256_key_ps256_token",
    ] {
        assert!(a.verify(&gate, a.token(name)).is_err(), "{name}");
    }
    let token = a.token("es256");
    let sig = b64d(&segments(token).2);
    let zero_r = [vec![0u8; 32], sig[32..].to_vec()].concat();
    assert_eq!(
        a.verify(&gate, &resign(token, &zero_r)),
        Err(Error::InvalidSignature)
    );
    assert!(
        host.calls.lock().unwrap().is_empty(),
        "{:?}",
        host.calls.lock().unwrap()
    );
    // PSS salts are the host's arithmetic: asked, and refused.
    assert_eq!(
        a.verify(&gate, a.token("ps256_salt20")),
        Err(Error::InvalidSignature)
    );
    assert_eq!(host.calls.lock().unwrap().len(), 1);
    // The EdDSA key is never delegated.
    let ed = &f["multi"]["tokens"]["EdDSA"]["token"];
    let ed = ed.as_str().unwrap();
    let base_gate = Gate::new(
        GateConfig::with_key_set(
            KeySet::parse(f["multi"]["jwks"].to_string().as_bytes())
                .unwrap()
                .with_signature_host(host.clone()),
        )
        .issuer(base)
        .audience(base),
    )
    .unwrap();
    host.calls.lock().unwrap().clear();
    assert!(base_gate.verify(ed, iat(ed)).is_ok());
    assert!(host.calls.lock().unwrap().is_empty());
    // A host that declines: the core verifies. A host that says yes to everything: its answer
    // stands (the host is trusted with the arithmetic, never with the rules).
    let (declining, _) = with(true, false);
    assert_eq!(a.verify(&declining, a.token("es256")), Ok(()));
    assert_eq!(
        a.verify(&declining, a.token("ps256_salt0")),
        Err(Error::InvalidSignature)
    );
    let (lying, _) = with(false, true);
    assert_eq!(a.verify(&lying, a.token("ps256_salt0")), Ok(()));
    assert_eq!(
        a.verify(&lying, a.token("es256_der")),
        Err(Error::InvalidSignature)
    );
}
