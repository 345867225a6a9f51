//! Arbitrary bytes through the Wasm bindings' entry points, in process (a gate in
//! session mode): the string methods and the buffer methods the JS wrapper uses, with
//! lengths straight from the input (including lengths past the buffer). Never a panic; a refusal is always a
//! valid error index, and an acceptance returns the payload it wrote.
#![no_main]

use jwtgate::Error;
use jwtgate_wasm::GateCore;
use libfuzzer_sys::fuzz_target;

const SECRET: &str = "k3Jx9vQ2mW7pL4tZ8rB6nC1yH5sD0fGa";

fn check(result: i32) {
    if result < 0 {
        let index = u8::try_from(-1 - result).expect("error index fits a byte");
        assert!(
            Error::from_index(index).is_some(),
            "unknown error index {index}"
        );
    }
}

fuzz_target!(|data: &[u8]| {
    let session = jwtgate::SessionConfig::new(jwtgate::CacheStrategy::Compact)
        .base_url("https://app.example");
    let config = jwtgate::GateConfig::new(SECRET).session(Some(session));
    let Ok(mut core) = GateCore::from_config(config, 4) else {
        panic!("valid config refused");
    };
    let text = String::from_utf8_lossy(data);
    let now = f64::from(data.first().copied().unwrap_or(0)) * 1e7;
    let _ = core.verify(&text, now);
    let _ = core.authorize("GET", &text, Some(text.to_string()), now);
    let _ = core.protects(&text);

    let (lens, rest) = data.split_at(data.len().min(6));
    let len = |i: usize| {
        usize::from(*lens.get(i).unwrap_or(&0)) * 64 + usize::from(*lens.get(i + 1).unwrap_or(&0))
    };
    let scratch = core.input_scratch();
    let n = rest.len().min(scratch.len());
    scratch[..n].copy_from_slice(&rest[..n]);
    check(core.verify_input(len(0), now));
    let auth = i32::from(*lens.get(4).unwrap_or(&0)) * 64 - 1;
    check(core.authorize_input(len(0), len(2), auth, now));
    check(core.authorize_input(usize::MAX, usize::MAX, i32::MAX, now));
    // Session mode's buffer method: five lengths from the input (negative: not sent),
    // including lengths past the buffer. The answer is a refusal, a length within the
    // output buffer, or "too large".
    let signed = |i: usize| i32::from(*lens.get(i).unwrap_or(&0)) * 32 - 64;
    for shift in 0..2 {
        let answer = core.decide_session_input(
            signed(shift),
            signed(shift + 1),
            signed(shift + 2),
            signed(shift + 3),
            signed(shift + 4),
            now,
        );
        if answer != i32::MIN {
            check(answer);
        }
    }
    check(core.decide_session_input(i32::MAX, i32::MAX, -1, -1, -1, now));
});
