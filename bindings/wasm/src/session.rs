//! Session mode for the npm host: the options of the core's table that configure it
//! ([`jwtgate::SessionConfig`]), and the cookie decision (`Verdict::Session` /
//! `Verdict::Refresh`) and [`jwtgate::Gate::decide_refreshed`] as JSON verdicts for
//! `pkg-template/session.js`. Every rule is the core's; this file only converts.

use jwtgate::{
    origin_of, CacheStrategy, Error, Field, GateConfig, HostRequest, SessionConfig, SessionRefresh,
    Verdict, VerifiedToken,
};
use wasm_bindgen::prelude::*;

use crate::{
    clock, config_error, core_config_error, entry, json_string, origin_input, write_output,
    GateCore, Options,
};

/// The names [`Options::session`] reads (a test holds them, with the rest, equal to the
/// core's table); every one after the first needs `sessionStrategy`.
pub(crate) const READ: [&str; 7] = [
    "sessionStrategy",
    "baseUrl",
    "trustedOrigins",
    "secureCookies",
    "cacheVersion",
    "sessionMaxAge",
    "getSessionUrl",
];

impl Options<'_> {
    /// `config` with session mode as the options say (`sessionStrategy` absent or `off`:
    /// none; the other session options are then refused, not silently ignored).
    pub(crate) fn session(&self, config: GateConfig) -> Result<GateConfig, JsValue> {
        let strategy = match self.text("sessionStrategy")? {
            Some(text) => CacheStrategy::parse(&text).map_err(|e| core_config_error(&e))?,
            None => None,
        };
        let Some(strategy) = strategy else {
            for name in READ.iter().skip(1) {
                if self.get(name)?.is_some() {
                    return Err(config_error(
                        "invalid_option",
                        name,
                        &format!("{name} is a session mode option: set sessionStrategy too"),
                    ));
                }
            }
            return Ok(config);
        };
        let mut session = SessionConfig::new(strategy);
        if let Some(url) = self.text("baseUrl")? {
            session = session.base_url(url);
        }
        match self.list("trustedOrigins")? {
            Some(Err(list)) => {
                session = session.trusted_origins(
                    list.split(',')
                        .map(str::trim)
                        .filter(|s| !s.is_empty())
                        .map(String::from),
                )
            }
            Some(Ok(origins)) => session = session.trusted_origins(origins),
            None => {}
        }
        session.secure_cookies = self.flag("secureCookies")?;
        if let Some(version) = self.text("cacheVersion")? {
            session.version = version;
        }
        if let Some(seconds) = self.number("sessionMaxAge")? {
            session.max_age_seconds = seconds;
        }
        self.get_session_url(&session)?;
        Ok(config.session(Some(session)))
    }

    /// Where a host without Better Auth in process asks about a session: `getSessionUrl`,
    /// else `{baseUrl}/api/auth/get-session`; an http(s) URL, without credentials in it.
    fn get_session_url(&self, session: &SessionConfig) -> Result<Option<String>, JsValue> {
        let given = self.text("getSessionUrl")?;
        let url = session.get_session_url(given.as_deref());
        if let (Some(text), Some(_)) = (url.as_deref(), given.as_deref()) {
            let authority = text.split_once("://").map_or("", |(_, rest)| rest);
            let userinfo = authority
                .split(['/', '?', '#'])
                .next()
                .unwrap_or("")
                .contains('@');
            if origin_of(text).is_none() || userinfo {
                return Err(config_error(
                    "invalid_option",
                    "getSessionUrl",
                    "getSessionUrl must be an http(s) URL without credentials",
                ));
            }
        }
        Ok(url)
    }
}

/// The host's session settings, for `session.js`: `{"strategy","getSessionUrl","maxAge"}`
/// (`null` without session mode). Throws like `new GateCore`.
#[wasm_bindgen(js_name = sessionSettings)]
pub fn session_settings(options: &JsValue) -> Result<String, JsValue> {
    let options = crate::options_object(options)?;
    let config = options.session(GateConfig::new(String::new()))?;
    let Some(session) = &config.session else {
        return Ok(String::from("null"));
    };
    let url = options.get_session_url(session)?;
    Ok(format!(
        "{{\"strategy\":{},\"getSessionUrl\":{},\"maxAge\":{}}}",
        json_string(session.strategy.name()),
        url.as_deref().map_or(String::from("null"), json_string_any),
        session.max_age_seconds
    ))
}

/// A JSON string literal of any text (control characters escaped).
fn json_string_any(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 2);
    out.push('"');
    for c in text.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            c if (c as u32) < 0x20 => out.push_str(&format!("\\u{:04x}", c as u32)),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// A request as `session.js` hands it over: method, target, and the four headers.
struct Parts {
    method: String,
    target: String,
    authorization: Option<String>,
    cookie: Option<String>,
    origin: Option<String>,
    referer: Option<String>,
}

impl Parts {
    /// `[method, target, authorization, cookie, origin, referer]`, `present` bit `i` set
    /// when header `i` (0: authorization … 3: referer) was sent.
    fn read(parts: Vec<String>, present: u8) -> Parts {
        let mut it = parts.into_iter();
        let mut next = |bit: Option<u8>| {
            let value = it.next();
            match bit {
                Some(bit) if present & (1 << bit) == 0 => None,
                _ => value,
            }
        };
        let method = next(None).unwrap_or_default();
        let target = next(None).unwrap_or_default();
        Parts {
            method,
            target,
            authorization: next(Some(0)),
            // As it came: a Fetch `Headers` joins repeated lines with ", ", which the core
            // reads as a separator.
            cookie: next(Some(1)),
            origin: next(Some(2)),
            referer: next(Some(3)),
        }
    }

    fn request(&self) -> HostRequest<'_> {
        fn field(v: &Option<String>) -> Field<'_> {
            v.as_deref().map_or(Field::Absent, Field::Value)
        }
        HostRequest::new(&self.method, &self.target, field(&self.authorization)).with_cookies(
            field(&self.cookie),
            field(&self.origin),
            field(&self.referer),
        )
    }
}

/// A verdict as JSON: `{"verdict":"pass"}`, `{"verdict":"allow"|"session","payload":{…}}`,
/// `{"verdict":"refresh","error":i,"key":"…","rememberSeconds":n}`,
/// `{"verdict":"refuse","error":i}` (`i`: index into [`crate::error_table`]).
fn verdict_json(verdict: &Verdict<&VerifiedToken>) -> String {
    match verdict {
        Verdict::Pass => String::from("{\"verdict\":\"pass\"}"),
        Verdict::Allow(v) => format!("{{\"verdict\":\"allow\",\"payload\":{}}}", v.payload_json()),
        Verdict::Session(v) => {
            format!(
                "{{\"verdict\":\"session\",\"payload\":{}}}",
                v.payload_json()
            )
        }
        Verdict::Refresh(r) => format!("{{\"verdict\":\"refresh\",{}}}", refresh_members(r)),
        Verdict::Refuse(e) => refuse_json(*e),
    }
}

/// `"error":i,"key":"…","rememberSeconds":n` of a refresh verdict.
fn refresh_members(r: &SessionRefresh) -> String {
    format!(
        "\"error\":{},\"key\":{},\"rememberSeconds\":{}",
        r.reason.index(),
        json_string_any(&r.key),
        r.remember_seconds
    )
}

fn refuse_json(e: Error) -> String {
    format!("{{\"verdict\":\"refuse\",\"error\":{}}}", e.index())
}

fn owned(verdict: Verdict<VerifiedToken>) -> String {
    match verdict {
        Verdict::Pass => verdict_json(&Verdict::Pass),
        Verdict::Allow(v) => verdict_json(&Verdict::Allow(&v)),
        Verdict::Session(v) => verdict_json(&Verdict::Session(&v)),
        Verdict::Refresh(r) => verdict_json(&Verdict::Refresh(r)),
        Verdict::Refuse(e) => refuse_json(e),
    }
}

/// [`GateCore::decide_session_input`]'s answer when the verdict does not fit the output
/// buffer: the JS side asks again through the string path.
pub(crate) const TOO_LARGE: i32 = i32::MIN;

/// `len` bytes of `input` from `*at` (moving `*at` past them); `None` for a negative `len`
/// (an absent header) or one beyond the input.
fn field(value: Option<&str>) -> Field<'_> {
    value.map_or(Field::Absent, Field::Value)
}

fn take<'a>(input: &'a [u8], at: &mut usize, len: i32) -> Result<Option<&'a str>, ()> {
    let Ok(len) = usize::try_from(len) else {
        return Ok(None);
    };
    let end = at.checked_add(len).ok_or(())?;
    let bytes = input.get(*at..end).ok_or(())?;
    *at = end;
    core::str::from_utf8(bytes).map(Some).map_err(|_| ())
}

#[wasm_bindgen]
impl GateCore {
    /// The whole host decision with cookies ([`jwtgate::CachedGate::decide`]): `parts` and
    /// `present` as [`Parts::read`] says. Returns the verdict JSON ([`verdict_json`]).
    #[wasm_bindgen(js_name = decideRequest)]
    pub fn decide_request(&mut self, parts: Vec<String>, present: u8, now: f64) -> String {
        let parts = Parts::read(parts, present);
        verdict_json(&self.gate.decide(&parts.request(), clock(now)))
    }

    /// [`GateCore::decide_request`] for a request without `Authorization` whose `Cookie`,
    /// method, target, `Origin` and `Referer` are in the input scratch back to back, in
    /// that order (each header's length negative when it was not sent). The hot path of
    /// session mode: nothing crosses but numbers.
    ///
    /// Returns `-1 - index` of a refusal, or the length of what the output buffer holds,
    /// with the [`crate::entry`] record saying what that is: a session's payload JSON (and
    /// which session cache entry answered, and the `now` its payload was built at), a
    /// refresh verdict's JSON (`{"error","key","rememberSeconds"}`), or nothing for
    /// "pass". [`TOO_LARGE`]: ask [`GateCore::decide_request`] instead.
    #[wasm_bindgen(js_name = decideSessionInput)]
    pub fn decide_session_input(
        &mut self,
        cookie_len: i32,
        method_len: i32,
        target_len: i32,
        origin_len: i32,
        referer_len: i32,
        now: f64,
    ) -> i32 {
        let mut at = 0;
        let input = self.input.as_slice();
        let read = (|| {
            let cookie = take(input, &mut at, cookie_len)?;
            Ok::<_, ()>((
                cookie,
                take(input, &mut at, method_len)?.ok_or(())?,
                take(input, &mut at, target_len)?.ok_or(())?,
                take(input, &mut at, origin_len)?,
                take(input, &mut at, referer_len)?,
            ))
        })();
        let Ok((cookie, method, target, origin, referer)) = read else {
            // The JS side wrote what it passes; anything else is refused, never read.
            self.set_entry(None, entry::KIND_PASS, 0.0);
            return -1 - i32::from(Error::InvalidMethod.index());
        };
        let request = HostRequest::new(method, target, Field::Absent).with_cookies(
            field(cookie),
            field(origin),
            field(referer),
        );
        let now = clock(now);
        let (answer, kind, built_at) = match self.gate.decide(&request, now) {
            Verdict::Session(v) => (
                write_output(&mut self.output, v.payload_json()),
                entry::KIND_SESSION,
                v.claims().iat as f64,
            ),
            Verdict::Refresh(r) => (
                write_output(&mut self.output, &format!("{{{}}}", refresh_members(&r))),
                entry::KIND_REFRESH,
                0.0,
            ),
            Verdict::Pass => (Some(0), entry::KIND_PASS, 0.0),
            // Not reached without Authorization; answered like a refusal to read it.
            Verdict::Allow(_) => (None, entry::KIND_PASS, 0.0),
            Verdict::Refuse(e) => {
                self.last_error.set(e.index());
                self.set_entry(None, entry::KIND_PASS, 0.0);
                return -1 - i32::from(e.index());
            }
        };
        let id = match kind {
            k if k == entry::KIND_SESSION => self.gate.last_session_entry(),
            _ => None,
        };
        self.set_entry(id, kind, built_at);
        answer.unwrap_or(TOO_LARGE)
    }

    /// [`jwtgate::Gate::decide_refreshed`]: the decision of a request whose verdict was
    /// `refresh`, with Better Auth's get-session answer `body` (JSON; `null`: no session).
    #[wasm_bindgen(js_name = decideRefreshed)]
    pub fn decide_refreshed(
        &self,
        parts: Vec<String>,
        present: u8,
        body: &str,
        now: f64,
    ) -> String {
        let parts = Parts::read(parts, present);
        owned(
            self.gate
                .gate()
                .decide_refreshed(&parts.request(), body, clock(now)),
        )
    }

    /// The origin plan ([`crate::GateCore::origin_plan`]'s JSON) for a request allowed by
    /// its session cookies: the session is decided again (from the cache, or from
    /// `refreshed`, the get-session answer that allowed it) and held to `user_id`.
    /// `headers` as for `originPlan`. `undefined` with `lastError` set when it no longer
    /// allows.
    #[wasm_bindgen(js_name = sessionOriginPlan)]
    pub fn session_origin_plan(
        &mut self,
        parts: Vec<String>,
        present: u8,
        refreshed: Option<String>,
        user_id: &str,
        headers: Vec<String>,
        now: f64,
    ) -> Option<String> {
        let parts = Parts::read(parts, present);
        let request = parts.request();
        let now = clock(now);
        let verdict: Verdict<VerifiedToken> = match refreshed.as_deref() {
            Some(body) => self.gate.gate().decide_refreshed(&request, body, now),
            None => match self.gate.decide(&request, now) {
                Verdict::Session(v) => Verdict::Session(v.clone()),
                Verdict::Refresh(r) => Verdict::Refuse(r.reason),
                Verdict::Refuse(e) => Verdict::Refuse(e),
                // A bearer verdict is not this method's: originPlan handles it.
                Verdict::Allow(_) | Verdict::Pass => Verdict::Refuse(Error::MissingAuthorization),
            },
        };
        let verified = match verdict {
            Verdict::Session(v) if v.user_id() == user_id => v,
            Verdict::Session(_) => return self.refused(Error::UserMismatch),
            Verdict::Refuse(e) => return self.refused(e),
            Verdict::Refresh(r) => return self.refused(r.reason),
            Verdict::Allow(_) | Verdict::Pass => return self.refused(Error::MissingAuthorization),
        };
        Some(
            self.gate
                .gate()
                .origin_plan(&origin_input(&headers), Some(&verified))
                .to_json(),
        )
    }

    fn refused(&self, e: Error) -> Option<String> {
        self.last_error.set(e.index());
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parts_read_absent_headers_by_their_bit() {
        let parts = Parts::read(
            vec![
                "POST".into(),
                "/api/v1/x".into(),
                String::new(),
                "a=b, c=d".into(),
                "https://o".into(),
                String::new(),
            ],
            0b0110,
        );
        assert_eq!(parts.authorization, None);
        assert_eq!(parts.cookie.as_deref(), Some("a=b, c=d"));
        assert_eq!(parts.origin.as_deref(), Some("https://o"));
        assert_eq!(parts.referer, None);
        // Fewer parts than bits: absent, never a panic.
        let short = Parts::read(vec!["GET".into()], 0b1111);
        assert_eq!((short.target.as_str(), short.cookie), ("", None));
    }

    #[test]
    fn json_strings_escape_control_characters() {
        assert_eq!(json_string_any("a\"b\\c\n"), "\"a\\\"b\\\\c\\u000a\"");
    }
}
