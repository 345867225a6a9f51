//! The corpus materializer: turns the declarative cases of `tests/corpus/cases.json`
//! into concrete requests (real tokens, minted with the core's own `Hs256Key` and
//! `base64url`) for a given `now`, and asks the native core for its decision.
//!
//! Shared, not duplicated: `examples/corpus.rs` (what every host's runner consumes)
//! and `tests/corpus.rs` (the native runner) both include this file with `#[path]`.
//! Format of the data file and of the output: docs/decisions/conformance.md.
#![allow(dead_code)]

use ed25519_dalek::{Signer, SigningKey};
use jwtgate::{base64url, Gate, GateConfig, Hs256Key, KeySet};
use serde_json::{json, Map, Value};

/// The corpus, compiled in so every materialization reads the same bytes.
pub const CASES_JSON: &str = include_str!("cases.json");

type Res<T> = Result<T, String>;

/// Materializes every case of `source` at time `now` (seconds since the epoch).
///
/// Output: `{"version", "now", "configs": {name: {secret, previousSecrets, …}},
/// "cases": [{id, group, config, method, path, headers: [[name, value]], body, token,
/// expect, hardening, origin, tags}]}`.
pub fn materialize(source: &str, now: u64) -> Res<Value> {
    let doc: Value = serde_json::from_str(source).map_err(|e| format!("cases.json: {e}"))?;
    let secrets = obj(&doc, "secrets")?;
    let ed25519 = ed25519_keys(&doc)?;
    let defaults = obj(&doc, "defaults")?;
    let now = i64::try_from(now).map_err(|_| "now out of range".to_string())?;

    let mut configs = Map::new();
    for (name, cfg) in obj(&doc, "configs")? {
        configs.insert(name.clone(), resolve_config(cfg, secrets, &ed25519)?);
    }

    let cases = doc
        .get("cases")
        .and_then(Value::as_array)
        .ok_or("cases.json: no cases array")?;
    let mut out = Vec::with_capacity(cases.len());
    for case in cases {
        let id = case
            .get("id")
            .and_then(Value::as_str)
            .ok_or("case without id")?;
        out.push(
            materialize_case(case, defaults, secrets, &ed25519, &configs, now)
                .map_err(|e| format!("case {id}: {e}"))?,
        );
    }
    Ok(json!({
        "version": doc.get("version").cloned().unwrap_or(Value::Null),
        "now": now,
        "configs": configs,
        "cases": out,
    }))
}

/// The native core's decision for one materialized case, in the corpus' `expect` shape.
pub fn decide(materialized: &Value, case: &Value) -> Res<Value> {
    let config_name = str_field(case, "config")?;
    let config = materialized
        .get("configs")
        .and_then(|c| c.get(config_name))
        .ok_or_else(|| format!("unknown config {config_name}"))?;
    let gate = gate_for(config)?;
    let method = str_field(case, "method")?;
    let path = str_field(case, "path")?;
    let authorization = case
        .get("headers")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .find(|h| {
            h[0].as_str()
                .is_some_and(|n| n.eq_ignore_ascii_case("authorization"))
        })
        .and_then(|h| h[1].as_str());
    let now = materialized
        .get("now")
        .and_then(Value::as_u64)
        .ok_or("materialized corpus without now")?;
    Ok(match gate.authorize(method, path, authorization, now) {
        Ok(verified) => json!({"allow": true, "user": verified.user_id()}),
        Err(e) => json!({
            "allow": false,
            "status": e.status(),
            "code": e.code(),
            "detail": e.detail(),
        }),
    })
}

/// Builds a `Gate` from a resolved config (the JS surface's option names).
pub fn gate_for(config: &Value) -> Res<Gate> {
    // `secret` is optional next to `jwks` (the JSON text of a key set).
    let secret = config.get("secret").and_then(Value::as_str).unwrap_or("");
    let mut c = GateConfig::new(secret.as_bytes());
    if let Some(jwks) = config.get("jwks").and_then(Value::as_str) {
        c = c.key_set(KeySet::parse(jwks.as_bytes()).map_err(|e| format!("jwks refused: {e}"))?);
    }
    for p in config
        .get("previousSecrets")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
    {
        c = c.previous_secret(
            p.as_str()
                .ok_or("previousSecrets: not a string")?
                .as_bytes(),
        );
    }
    if let Some(l) = config.get("leewaySeconds").and_then(Value::as_u64) {
        c = c.leeway_seconds(l);
    }
    if let Some(i) = config.get("issuer").and_then(Value::as_str) {
        c = c.issuer(i);
    }
    if let Some(a) = config.get("audience").and_then(Value::as_str) {
        c = c.audience(a);
    }
    if let Some(p) = config.get("apiPrefix").and_then(Value::as_str) {
        c = c.api_prefix(p);
    }
    if let Some(routes) = config.get("selfRoutes").and_then(Value::as_array) {
        let routes = routes
            .iter()
            .map(|r| r.as_str().ok_or("selfRoutes: not a string"))
            .collect::<Result<Vec<_>, _>>()?;
        c = c.self_routes(routes);
    }
    Gate::new(c).map_err(|e| format!("config refused: {e}"))
}

/// Does a decision meet a case's expectation? `None` when it does, else why not.
pub fn mismatch(expect: &Value, got: &Value) -> Option<String> {
    let want_allow = expect
        .get("allow")
        .and_then(Value::as_bool)
        .unwrap_or(false);
    let ok = if want_allow {
        got["allow"] == true && got["user"] == expect["user"]
    } else {
        got["allow"] == false && got["status"] == expect["status"] && got["code"] == expect["code"]
    };
    (!ok).then(|| format!("expected {expect}, core decided {got}"))
}

/// Named Ed25519 signing keys (`ed25519_keys`: name → 32-byte seed, hex).
fn ed25519_keys(doc: &Value) -> Res<Vec<(String, SigningKey)>> {
    let Some(keys) = doc.get("ed25519_keys").and_then(Value::as_object) else {
        return Ok(Vec::new());
    };
    let mut out = Vec::new();
    for (name, seed) in keys.iter().filter(|(n, _)| !n.starts_with('$')) {
        let hex = seed.as_str().ok_or("ed25519 seed is not a string")?;
        let bytes: Vec<u8> = (0..hex.len())
            .step_by(2)
            .map(|i| u8::from_str_radix(hex.get(i..i + 2).unwrap_or("zz"), 16))
            .collect::<Result<_, _>>()
            .map_err(|e| format!("ed25519 seed {name}: {e}"))?;
        let seed: [u8; 32] = bytes
            .try_into()
            .map_err(|_| format!("ed25519 seed {name}: not 32 bytes"))?;
        out.push((name.clone(), SigningKey::from_bytes(&seed)));
    }
    Ok(out)
}

fn resolve_config(
    cfg: &Value,
    secrets: &Map<String, Value>,
    ed25519: &[(String, SigningKey)],
) -> Res<Value> {
    let mut out = cfg.as_object().ok_or("config is not an object")?.clone();
    // `jwks`: key names → the key set's JSON text (kid = the name), as Better Auth publishes it.
    if let Some(names) = out.get("jwks").and_then(Value::as_array).cloned() {
        let mut keys = Vec::new();
        for name in &names {
            let name = name.as_str().ok_or("jwks: not a key name")?;
            let (_, key) = ed25519
                .iter()
                .find(|(n, _)| n == name)
                .ok_or_else(|| format!("unknown ed25519 key {name}"))?;
            keys.push(json!({
                "alg": "EdDSA", "crv": "Ed25519", "kty": "OKP", "kid": name,
                "x": base64url(key.verifying_key().as_bytes()),
            }));
        }
        out.insert("jwks".into(), json!({ "keys": keys }).to_string().into());
        if out.get("secret").is_none() {
            return Ok(Value::Object(out));
        }
    }
    let secret = |name: &Value| -> Res<Value> {
        let n = name.as_str().ok_or("secret name is not a string")?;
        secrets
            .get(n)
            .cloned()
            .ok_or_else(|| format!("unknown secret {n}"))
    };
    let main = secret(out.get("secret").ok_or("config without secret")?)?;
    out.insert("secret".into(), main);
    if let Some(prev) = out
        .get("previousSecrets")
        .and_then(Value::as_array)
        .cloned()
    {
        let resolved = prev.iter().map(secret).collect::<Res<Vec<_>>>()?;
        out.insert("previousSecrets".into(), Value::Array(resolved));
    }
    Ok(Value::Object(out))
}

fn materialize_case(
    case: &Value,
    defaults: &Map<String, Value>,
    secrets: &Map<String, Value>,
    ed25519: &[(String, SigningKey)],
    configs: &Map<String, Value>,
    now: i64,
) -> Res<Value> {
    let field = |name: &str| case.get(name).or_else(|| defaults.get(name));
    let config = field("config").and_then(Value::as_str).ok_or("no config")?;
    if !configs.contains_key(config) {
        return Err(format!("unknown config {config}"));
    }
    let token_spec = case.get("token").cloned().unwrap_or_else(|| json!({}));
    let default_token = defaults.get("token").ok_or("defaults without token")?;
    let token = build_token(&token_spec, default_token, secrets, ed25519, now)?;

    // Absent key → default template; explicit null → no Authorization header at all.
    let authorization = match case.get("authorization") {
        Some(Value::Null) => None,
        Some(v) => Some(v.as_str().ok_or("authorization is not a string")?),
        None => defaults.get("authorization").and_then(Value::as_str),
    };
    let mut headers = Vec::new();
    if let Some(template) = authorization {
        let name = field("authorization_name")
            .and_then(Value::as_str)
            .unwrap_or("Authorization");
        headers.push(json!([name, template.replace("{token}", &token)]));
    }
    // Extra request headers, verbatim (e.g. a CORS preflight's Origin).
    for h in case
        .get("extra_headers")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
    {
        headers.push(h.clone());
    }
    let body = case.get("body").cloned().unwrap_or(Value::Null);
    if !body.is_null() {
        headers.push(json!(["Content-Type", "application/json"]));
    }
    Ok(json!({
        "id": case["id"],
        "group": case.get("group").cloned().unwrap_or(Value::Null),
        "config": config,
        "method": field("method").and_then(Value::as_str).ok_or("no method")?,
        "path": field("path").and_then(Value::as_str).ok_or("no path")?,
        "headers": headers,
        "body": body,
        "token": token,
        "expect": case.get("expect").cloned().ok_or("no expect")?,
        "hardening": case.get("hardening").cloned().unwrap_or(Value::Null),
        "origin": case.get("origin").cloned().unwrap_or(Value::Null),
        "tags": case.get("tags").cloned().unwrap_or_else(|| json!([])),
    }))
}

/// One token from its declarative description (see conformance.md for every key).
fn build_token(
    spec: &Value,
    default: &Value,
    secrets: &Map<String, Value>,
    ed25519: &[(String, SigningKey)],
    now: i64,
) -> Res<String> {
    if let Some(raw) = spec.get("raw") {
        return Ok(raw.as_str().ok_or("raw is not a string")?.to_string());
    }
    let mutation = spec.get("mutation").and_then(Value::as_str).unwrap_or("");
    let secret_name = spec
        .get("secret")
        .or_else(|| default.get("secret"))
        .and_then(Value::as_str)
        .ok_or("no secret")?;
    // A secret name that names an Ed25519 key signs with EdDSA.
    let ed_key = ed25519
        .iter()
        .find(|(n, _)| n == secret_name)
        .map(|(_, k)| k);
    let key = match secret_name {
        "none" => None,
        _ if ed_key.is_some() => None,
        name => Some(Hs256Key::new(
            secrets
                .get(name)
                .and_then(Value::as_str)
                .ok_or_else(|| format!("unknown secret {name}"))?
                .as_bytes(),
        )),
    };

    let header_b64 = match (spec.get("header_raw"), spec.get("header")) {
        (Some(raw), _) => base64url(fill_times(raw.as_str().ok_or("header_raw")?, now)?.as_bytes()),
        (None, Some(h)) => base64url(to_json(h, now)?.as_bytes()),
        (None, None) => base64url(to_json(&default["header"], now)?.as_bytes()),
    };
    let claims_for = |set: Option<&Value>, nonce: Option<u32>| -> Res<String> {
        if let Some(b64) = spec.get("claims_b64") {
            return Ok(b64.as_str().ok_or("claims_b64")?.to_string());
        }
        if let Some(raw) = spec.get("claims_raw") {
            return Ok(base64url(
                fill_times(raw.as_str().ok_or("claims_raw")?, now)?.as_bytes(),
            ));
        }
        let mut claims = spec
            .get("claims")
            .unwrap_or(&default["claims"])
            .as_object()
            .ok_or("claims is not an object")?
            .clone();
        for (k, v) in set.and_then(Value::as_object).into_iter().flatten() {
            claims.insert(k.clone(), v.clone());
        }
        for k in spec
            .get("unset")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
        {
            claims.remove(k.as_str().ok_or("unset: not a string")?);
        }
        if let Some(n) = nonce {
            claims.insert("nonce".into(), json!(n));
        }
        Ok(base64url(to_json(&Value::Object(claims), now)?.as_bytes()))
    };
    let sign = |input: &str| -> String {
        if let Some(ed) = ed_key {
            return base64url(&ed.sign(input.as_bytes()).to_bytes());
        }
        key.as_ref()
            .map(|k| base64url(&k.tag(input.as_bytes())))
            .unwrap_or_default()
    };

    let mut payload_b64 = claims_for(spec.get("set"), None)?;
    let mut input = format!("{header_b64}.{payload_b64}");
    let mut sig = sign(&input);
    if mutation == "std_alphabet" {
        // Re-mint with a nonce claim until the signature has a '-' or '_' to translate.
        let mut n = 0;
        while !sig.contains(['-', '_']) {
            payload_b64 = claims_for(spec.get("set"), Some(n))?;
            input = format!("{header_b64}.{payload_b64}");
            sig = sign(&input);
            n += 1;
        }
    }
    let sig_bytes = || -> Res<Vec<u8>> {
        use base64::Engine;
        base64::engine::general_purpose::URL_SAFE_NO_PAD
            .decode(&sig)
            .map_err(|e| e.to_string())
    };
    Ok(match mutation {
        "" => format!("{input}.{sig}"),
        "empty_signature" => format!("{input}."),
        "pad_signature" => format!("{input}.{sig}="),
        "pad_header" => format!("{header_b64}=.{payload_b64}.{sig}"),
        "std_alphabet" => format!("{input}.{}", sig.replace('-', "+").replace('_', "/")),
        "noncanonical_last_char" => {
            // 43 characters carry 256 bits + 2 spare bits: set a spare bit.
            const ALPHABET: &[u8] =
                b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
            let last = *sig.as_bytes().last().ok_or("empty signature")?;
            let pos = ALPHABET.iter().position(|c| *c == last).ok_or("bad char")?;
            let sibling = ALPHABET[pos ^ 1] as char;
            format!("{input}.{}{sibling}", &sig[..sig.len() - 1])
        }
        "truncate_signature" => format!("{input}.{}", &sig[..40]),
        "short_signature_16" => format!("{input}.{}", base64url(&sig_bytes()?[..16])),
        "extend_signature" => {
            let mut b = sig_bytes()?;
            b.push(0);
            format!("{input}.{}", base64url(&b))
        }
        "flip_signature_bit" => {
            let mut b = sig_bytes()?;
            b[0] ^= 1;
            format!("{input}.{}", base64url(&b))
        }
        "flip_payload_bit" => {
            use base64::Engine;
            let mut p = base64::engine::general_purpose::URL_SAFE_NO_PAD
                .decode(&payload_b64)
                .map_err(|e| e.to_string())?;
            let last = p.len() - 2; // inside the last value, keeps the JSON shape
            p[last] ^= 1;
            format!("{header_b64}.{}.{sig}", base64url(&p))
        }
        "swap_payload" => format!(
            "{header_b64}.{}.{sig}",
            claims_for(spec.get("swap_set"), None)?
        ),
        "swap_header" => format!(
            "{}.{payload_b64}.{sig}",
            base64url(to_json(spec.get("swap_header").ok_or("no swap_header")?, now)?.as_bytes())
        ),
        "space_in_signature" => format!("{input}.{} {}", &sig[..20], &sig[20..]),
        "junk_in_payload" => format!("{header_b64}.{payload_b64}?.{sig}"),
        "drop_signature_segment" => input,
        "drop_header_segment" => format!("{payload_b64}.{sig}"),
        "extra_segment" => format!("{input}.{sig}.e30"),
        "extra_empty_segment" => format!("{input}.{sig}."),
        "leading_dot" => format!(".{input}.{sig}"),
        other => return Err(format!("unknown mutation {other}")),
    })
}

/// Serializes a JSON template: `{"$now": n}` → now + n (integer; `"$as": "string" |
/// "float"` for type confusion), `{"$repeat": s, "len": n}` → s repeated to n chars,
/// `{"$raw": text}` → the JSON text inserted verbatim (e.g. duplicate members).
fn to_json(template: &Value, now: i64) -> Res<String> {
    let mut raws = Vec::new();
    let resolved = resolve(template, now, &mut raws)?;
    let mut text = serde_json::to_string(&resolved).map_err(|e| e.to_string())?;
    for (i, raw) in raws.iter().enumerate() {
        text = text.replace(&format!("\"__raw_{i}__\""), raw);
    }
    Ok(text)
}

fn resolve(v: &Value, now: i64, raws: &mut Vec<String>) -> Res<Value> {
    Ok(match v {
        Value::Object(m) if m.contains_key("$now") => {
            let t = now + m["$now"].as_i64().ok_or("$now is not an integer")?;
            match m.get("$as").and_then(Value::as_str) {
                None => json!(t),
                Some("string") => json!(t.to_string()),
                Some("float") => json!(t as f64),
                Some(other) => return Err(format!("unknown $as {other}")),
            }
        }
        Value::Object(m) if m.contains_key("$repeat") => {
            let s = m["$repeat"].as_str().ok_or("$repeat is not a string")?;
            let len = m
                .get("len")
                .and_then(Value::as_u64)
                .ok_or("$repeat without len")?;
            json!(s.repeat(len as usize / s.len().max(1)))
        }
        Value::Object(m) if m.contains_key("$raw") => {
            raws.push(
                m["$raw"]
                    .as_str()
                    .ok_or("$raw is not a string")?
                    .to_string(),
            );
            json!(format!("__raw_{}__", raws.len() - 1))
        }
        Value::Object(m) => {
            let mut out = Map::new();
            for (k, v) in m {
                out.insert(k.clone(), resolve(v, now, raws)?);
            }
            Value::Object(out)
        }
        Value::Array(a) => Value::Array(
            a.iter()
                .map(|x| resolve(x, now, raws))
                .collect::<Res<_>>()?,
        ),
        other => other.clone(),
    })
}

/// Fills `{now}`, `{now+N}` and `{now-N}` in raw JSON text.
fn fill_times(raw: &str, now: i64) -> Res<String> {
    let mut out = String::with_capacity(raw.len());
    let mut rest = raw;
    while let Some(start) = rest.find("{now") {
        out.push_str(&rest[..start]);
        let end = rest[start..].find('}').ok_or("unterminated {now")? + start;
        let offset = &rest[start + 4..end];
        let delta: i64 = match offset.strip_prefix('+') {
            _ if offset.is_empty() => 0,
            Some(n) => n.parse().map_err(|_| format!("bad offset {offset}"))?,
            None => offset.parse().map_err(|_| format!("bad offset {offset}"))?,
        };
        out.push_str(&(now + delta).to_string());
        rest = &rest[end + 1..];
    }
    out.push_str(rest);
    Ok(out)
}

fn obj<'a>(doc: &'a Value, key: &str) -> Res<&'a Map<String, Value>> {
    doc.get(key)
        .and_then(Value::as_object)
        .ok_or_else(|| format!("cases.json: no {key} object"))
}

fn str_field<'a>(v: &'a Value, key: &str) -> Res<&'a str> {
    v.get(key)
        .and_then(Value::as_str)
        .ok_or_else(|| format!("no string field {key}"))
}
