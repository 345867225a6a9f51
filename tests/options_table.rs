//! The README's options table is the core's (`jwtgate::options::OPTIONS`), row for row:
//! one definition of every option, its name in each host, its default. Regenerate the
//! table with `JWTGATE_UPDATE_README=1 cargo test --test options_table`.

use jwtgate::options::{OptionKind, OPTIONS};

const BEGIN: &str = "<!-- options:begin (generated from src/options.rs: JWTGATE_UPDATE_README=1 cargo test --test options_table) -->";
const END: &str = "<!-- options:end -->";

fn kind(kind: OptionKind) -> &'static str {
    match kind {
        OptionKind::Secret => "secret",
        OptionKind::SecretList => "secrets (list or comma-separated)",
        OptionKind::Text => "text",
        OptionKind::Number => "integer ≥ 0",
        OptionKind::List => "list (or comma-separated)",
        OptionKind::KeySet => "JWKS",
        OptionKind::Url => "http(s) URL",
        OptionKind::Choice => "choice",
        OptionKind::Flag => "boolean",
    }
}

fn table() -> String {
    let mut out = String::from(
        "| npm | Python | worker / CLI env | kind | default | what it does |\n|---|---|---|---|---|---|\n",
    );
    for o in OPTIONS {
        let env = if o.env_aliases.is_empty() {
            format!("`{}`", o.env)
        } else {
            let aliases: Vec<String> = o.env_aliases.iter().map(|a| format!("`{a}`")).collect();
            format!("`{}` (also {})", o.env, aliases.join(", "))
        };
        let default = if o.default.is_empty() {
            String::from("—")
        } else {
            format!("`{}`", o.default)
        };
        out.push_str(&format!(
            "| `{}` | `{}` | {} | {} | {} | {} |\n",
            o.js,
            o.python,
            env,
            kind(o.kind),
            default,
            o.doc.replace('|', "\\|")
        ));
    }
    out
}

#[test]
fn readme_options_table_is_the_cores() {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/README.md");
    let readme = std::fs::read_to_string(path).unwrap();
    let start = readme
        .find(BEGIN)
        .expect("README has no options table marker")
        + BEGIN.len();
    let end = readme[start..].find(END).expect("options table not closed") + start;
    let want = format!("\n{}", table());
    if readme[start..end] != want {
        if std::env::var_os("JWTGATE_UPDATE_README").is_some() {
            std::fs::write(
                path,
                format!("{}{}{}", &readme[..start], want, &readme[end..]),
            )
            .unwrap();
            return;
        }
        panic!("README's options table differs from src/options.rs; regenerate it:\n  JWTGATE_UPDATE_README=1 cargo test --test options_table\n\nwant:\n{want}");
    }
}
