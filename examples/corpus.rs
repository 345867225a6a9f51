//! Materializes the request corpus (`tests/corpus/cases.json`) for every host's runner.
//!
//! ```text
//! cargo run -q --example corpus -- --now <secs> [--decide] [--jsonl]
//! ```
//! Prints one JSON document `{version, now, configs, cases: [...]}` (or, with `--jsonl`,
//! one line per case after a first `{"version","now","configs"}` line). With `--decide`
//! each case also carries `core`: the native core's decision, so a runner that only
//! forwards requests (the parity check against the FastAPI origin) never re-implements
//! the rules. `--now` defaults to the system clock.

#[path = "../tests/corpus/materialize.rs"]
mod materialize;

use std::process::ExitCode;

fn main() -> ExitCode {
    let mut now = None;
    let (mut decide, mut jsonl) = (false, false);
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--now" => now = args.next().and_then(|v| v.parse::<u64>().ok()),
            "--decide" => decide = true,
            "--jsonl" => jsonl = true,
            _ => {
                eprintln!("usage: corpus [--now <secs>] [--decide] [--jsonl]");
                return ExitCode::from(2);
            }
        }
    }
    let now = now.unwrap_or_else(|| {
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_secs())
            .unwrap_or(0)
    });
    let mut doc = match materialize::materialize(materialize::CASES_JSON, now) {
        Ok(doc) => doc,
        Err(e) => {
            eprintln!("corpus: {e}");
            return ExitCode::FAILURE;
        }
    };
    if decide {
        let snapshot = doc.clone();
        if let Some(cases) = doc["cases"].as_array_mut() {
            for case in cases {
                match materialize::decide(&snapshot, case) {
                    Ok(core) => case["core"] = core,
                    Err(e) => {
                        eprintln!("corpus: {}: {e}", case["id"]);
                        return ExitCode::FAILURE;
                    }
                }
            }
        }
    }
    if jsonl {
        let cases = doc["cases"].take();
        println!(
            "{}",
            serde_json::json!({"version": doc["version"], "now": doc["now"], "configs": doc["configs"]})
        );
        for case in cases.as_array().into_iter().flatten() {
            println!("{case}");
        }
    } else {
        println!("{doc}");
    }
    ExitCode::SUCCESS
}
