//! The npm options object, read by the core's options table ([`OPTIONS`]): each field by
//! its kind; a wrong type or an unknown name is an error naming the field, crossing as
//! `"code\toption\tmessage"` (gate.js turns it into a `GateConfigError`). The session
//! options are read in `session.rs`.

use jwtgate::options::{OptionKind, OPTIONS};
use jwtgate::{ConfigError, GateConfig, OriginToken, RefreshPolicy};
use wasm_bindgen::prelude::*;

use crate::parse_key_set;

// The few JS built-ins the options reader needs (no js-sys dependency for four calls).
#[wasm_bindgen]
extern "C" {
    #[wasm_bindgen(js_namespace = Object, js_name = keys)]
    fn object_keys(value: &JsValue) -> JsValue;
    #[wasm_bindgen(js_namespace = Reflect, js_name = get, catch)]
    fn reflect_get(target: &JsValue, key: &JsValue) -> Result<JsValue, JsValue>;
    #[wasm_bindgen(js_namespace = Array, js_name = isArray)]
    fn is_array(value: &JsValue) -> bool;
    #[wasm_bindgen(js_namespace = JSON, js_name = stringify, catch)]
    fn json_stringify(value: &JsValue) -> Result<JsValue, JsValue>;
}

/// Options only the npm host reads (gate.js: the clock, the browser entry's opt-in, and
/// `Gate.fromJwksUrl`'s fetch implementation); every other name is the core's
/// ([`OPTIONS`]).
const HOST_OPTIONS: [&str; 3] = ["now", "dangerouslyAllowSecretInBrowser", "getSession"];
/// Options that only make sense for a gate following a key-set URL (`Gate.fromJwksUrl`).
const REMOTE_OPTIONS: [&str; 4] = [
    "fetch",
    "cacheMaxAge",
    "cooldownDuration",
    "timeoutDuration",
];

/// Configuration codes of the npm host itself (the options reader, `Gate.fromJwksUrl`, the
/// browser entry), besides the core's [`ConfigError::CODES`].
pub const HOST_CONFIG_CODES: [&str; 5] = [
    "invalid_option",
    "invalid_number",
    "unknown_option",
    "jwks_unavailable",
    "secret_in_browser",
];

/// Config errors cross as `"code\toption\tmessage"` strings (`option` empty when none); the
/// JS wrapper turns them into `GateConfigError`.
pub(crate) fn config_error(code: &str, option: &str, message: &str) -> JsValue {
    JsValue::from_str(&format!("{code}\t{option}\t{message}"))
}

/// A core configuration error, named the npm way.
pub(crate) fn core_config_error(e: &ConfigError) -> JsValue {
    config_error(
        e.code(),
        e.option().unwrap_or(""),
        &e.message(jwtgate::options::Naming::Js),
    )
}

/// The options object as the core's table names its fields ([`OPTIONS`]): each read by its
/// kind; a wrong type or an unknown name is an error naming the field.
pub(crate) struct Options<'a> {
    object: &'a JsValue,
}

impl Options<'_> {
    pub(crate) fn kind(js: &str) -> Option<OptionKind> {
        OPTIONS.iter().find(|o| o.js == js).map(|o| o.kind)
    }

    /// The value of `name`; `undefined` and `null` mean "not given".
    pub(crate) fn get(&self, name: &str) -> Result<Option<JsValue>, JsValue> {
        let value = reflect_get(self.object, &JsValue::from_str(name)).map_err(|_| {
            config_error("invalid_option", name, &format!("{name} could not be read"))
        })?;
        Ok((!value.is_undefined() && !value.is_null()).then_some(value))
    }

    /// Every own key is an option of the core's table, of the host, or (for a remote gate)
    /// of `Gate.fromJwksUrl`.
    pub(crate) fn check_names(&self, remote: bool) -> Result<(), JsValue> {
        let keys = object_keys(self.object);
        for i in 0..array_len(&keys) {
            let key = reflect_get(&keys, &JsValue::from_f64(i as f64))
                .ok()
                .and_then(|k| k.as_string())
                .unwrap_or_default();
            let remote_only = REMOTE_OPTIONS.contains(&key.as_str());
            if key == "jwksUrl" {
                return Err(config_error(
                    "invalid_option",
                    "jwksUrl",
                    "jwksUrl: give the key set URL as the first argument of Gate.fromJwksUrl(url, options)",
                ));
            }
            if remote_only && !remote {
                return Err(config_error(
                    "unknown_option",
                    &key,
                    &format!("{key} is an option of Gate.fromJwksUrl(url, options), not of new Gate(options)"),
                ));
            }
            if !(remote_only || HOST_OPTIONS.contains(&key.as_str()) || Self::kind(&key).is_some())
            {
                let shown = JsValue::from_str(&key);
                let quoted = json_stringify(&shown)
                    .ok()
                    .and_then(|v| v.as_string())
                    .unwrap_or(key.clone());
                return Err(config_error(
                    "unknown_option",
                    &key,
                    &format!("unknown option {quoted}"),
                ));
            }
        }
        Ok(())
    }

    pub(crate) fn text(&self, name: &str) -> Result<Option<String>, JsValue> {
        match self.get(name)? {
            None => Ok(None),
            Some(v) => v.as_string().map(Some).ok_or_else(|| {
                config_error("invalid_option", name, &format!("{name} must be a string"))
            }),
        }
    }

    pub(crate) fn number(&self, name: &str) -> Result<Option<u64>, JsValue> {
        match self.get(name)? {
            None => Ok(None),
            Some(v) => match v.as_f64() {
                Some(n)
                    if n.is_finite()
                        && n >= 0.0
                        && n.fract() == 0.0
                        && n <= 9_007_199_254_740_991.0 =>
                {
                    Ok(Some(n as u64))
                }
                _ => Err(config_error(
                    "invalid_number",
                    name,
                    &format!("{name} must be a non-negative integer"),
                )),
            },
        }
    }

    pub(crate) fn flag(&self, name: &str) -> Result<Option<bool>, JsValue> {
        match self.get(name)? {
            None => Ok(None),
            Some(v) => v.as_bool().map(Some).ok_or_else(|| {
                config_error(
                    "invalid_option",
                    name,
                    &format!("{name} must be true or false"),
                )
            }),
        }
    }

    /// A list: an array of strings, or one comma-separated string (`Err(text)`).
    pub(crate) fn list(&self, name: &str) -> Result<Option<Result<Vec<String>, String>>, JsValue> {
        let Some(v) = self.get(name)? else {
            return Ok(None);
        };
        if let Some(text) = v.as_string() {
            return Ok(Some(Err(text)));
        }
        let wrong = || {
            config_error(
                "invalid_option",
                name,
                &format!("{name} must be an array of strings, or one comma-separated string"),
            )
        };
        if !is_array(&v) {
            return Err(wrong());
        }
        let mut items = Vec::new();
        for i in 0..array_len(&v) {
            let item = reflect_get(&v, &JsValue::from_f64(i as f64)).map_err(|_| wrong())?;
            items.push(item.as_string().ok_or_else(wrong)?);
        }
        Ok(Some(Ok(items)))
    }

    /// A key set: a JWKS object or its JSON text.
    pub(crate) fn key_set(&self, name: &str) -> Result<Option<String>, JsValue> {
        let Some(v) = self.get(name)? else {
            return Ok(None);
        };
        if let Some(text) = v.as_string() {
            return Ok(Some(text));
        }
        let wrong = || {
            config_error(
                "invalid_option",
                name,
                &format!("{name} must be a JWKS object or its JSON text"),
            )
        };
        if !v.is_object() || v.is_function() {
            return Err(wrong());
        }
        json_stringify(&v)
            .ok()
            .and_then(|t| t.as_string())
            .map(Some)
            .ok_or_else(wrong)
    }

    /// The configuration (and the cache size): every option of the table, by its kind.
    /// `fetched` is a remote gate's first key set (then `jwks` may not be given).
    pub(crate) fn config(
        &self,
        remote: bool,
        fetched: Option<String>,
    ) -> Result<(GateConfig, usize), JsValue> {
        self.check_names(remote)?;
        let jwks = match (remote, self.key_set("jwks")?) {
            (true, Some(_)) => {
                return Err(config_error(
                    "invalid_option",
                    "jwks",
                    "give either jwks or a key set URL, not both",
                ))
            }
            (_, given) => fetched.or(given),
        };
        // Neither a secret nor a key set: the core's missing_secret.
        let secret = self.text("secret")?.unwrap_or_default();
        let mut config = GateConfig::new(secret);
        match self.list("previousSecrets")? {
            Some(Err(list)) => config = config.previous_secrets_list(&list),
            Some(Ok(items)) => {
                for previous in items {
                    config = config.previous_secret(previous);
                }
            }
            None => {}
        }
        if let Some(issuer) = self.text("issuer")? {
            config = config.issuer(issuer);
        }
        if let Some(audience) = self.text("audience")? {
            config = config.audience(audience);
        }
        if let Some(leeway) = self.number("leewaySeconds")? {
            config = config.leeway_seconds(leeway);
        }
        let min = self
            .number("minLifetimeSeconds")?
            .unwrap_or(config.min_lifetime_seconds);
        let max = self
            .number("maxLifetimeSeconds")?
            .unwrap_or(config.max_lifetime_seconds);
        config = config.lifetime_seconds(min, max);
        if let Some(prefix) = self.text("apiPrefix")? {
            config = config.api_prefix(prefix);
        }
        // Absent: the core's default (`{apiPrefix}me/profile`); `[]` or "": no self route.
        match self.list("selfRoutes")? {
            Some(Err(list)) => config = config.self_routes_list(&list),
            Some(Ok(routes)) => config = config.self_routes(routes),
            None => {}
        }
        if let Some(jwks) = jwks {
            config = config.key_set(parse_key_set(&jwks)?);
        }
        if let Some(mode) = self.text("originToken")? {
            config =
                config.origin_token(OriginToken::parse(&mode).map_err(|e| core_config_error(&e))?);
        }
        if let Some(hops) = self.number("trustedProxies")? {
            let hops = u8::try_from(hops).map_err(|_| {
                config_error(
                    "invalid_number",
                    "trustedProxies",
                    "trustedProxies must be an integer from 0 to 255",
                )
            })?;
            config = config.trusted_proxies(hops);
        }
        if let Some(prefix) = self.text("cookiePrefix")? {
            config = config.cookie_prefix(prefix);
        }
        match self.list("stripCookies")? {
            Some(Err(list)) => {
                config =
                    config.strip_cookies(list.split(',').map(str::trim).filter(|s| !s.is_empty()))
            }
            Some(Ok(names)) => config = config.strip_cookies(names),
            None => {}
        }
        if let Some(keep) = self.flag("forwardAuthCookies")? {
            config = config.forward_auth_cookies(keep);
        }
        config = self.session(config)?;
        let cache = self
            .number("cacheSize")?
            .map_or(jwtgate::DEFAULT_CACHE_ENTRIES, |n| {
                usize::try_from(n).unwrap_or(usize::MAX)
            });
        Ok((config, cache))
    }

    /// The key-set refresh policy: the core's defaults unless given.
    pub(crate) fn refresh_policy(&self) -> Result<RefreshPolicy, JsValue> {
        let mut policy = RefreshPolicy::default();
        if let Some(ms) = self.number("cacheMaxAge")? {
            policy.max_age_ms = ms;
        }
        if let Some(ms) = self.number("cooldownDuration")? {
            policy.cooldown_ms = ms;
        }
        if let Some(ms) = self.number("timeoutDuration")? {
            policy.timeout_ms = ms;
        }
        Ok(policy)
    }
}

/// The names [`Options::config`] and [`Options::refresh_policy`] read (a test holds this
/// equal to the core's table: a new option cannot be forgotten here).
#[cfg(test)]
const READ: [&str; 20] = [
    "secret",
    "previousSecrets",
    "issuer",
    "audience",
    "leewaySeconds",
    "minLifetimeSeconds",
    "maxLifetimeSeconds",
    "apiPrefix",
    "selfRoutes",
    "jwks",
    "jwksUrl",
    "originToken",
    "trustedProxies",
    "cookiePrefix",
    "stripCookies",
    "forwardAuthCookies",
    "cacheSize",
    "cacheMaxAge",
    "cooldownDuration",
    "timeoutDuration",
];

fn array_len(array: &JsValue) -> usize {
    reflect_get(array, &JsValue::from_str("length"))
        .ok()
        .and_then(|n| n.as_f64())
        .map_or(0, |n| n.clamp(0.0, 1_000_000.0) as usize)
}

pub(crate) fn options_object(options: &JsValue) -> Result<Options<'_>, JsValue> {
    if !options.is_object() || is_array(options) || options.is_function() {
        return Err(config_error(
            "invalid_option",
            "",
            "new Gate(options) needs an options object with a secret or a jwks",
        ));
    }
    Ok(Options { object: options })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_options_reader_reads_every_option_of_the_core_table() {
        let mut table: Vec<&str> = OPTIONS.iter().map(|o| o.js).collect();
        let mut read = READ.to_vec();
        read.extend(crate::session::READ);
        table.sort_unstable();
        read.sort_unstable();
        assert_eq!(read, table);
    }
}
