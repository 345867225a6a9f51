# Sourced by wasm build recipes: selects how to compile for wasm32-unknown-unknown.
# A rustup target wins when present; otherwise Debian's rustc-web with -Zbuild-std.
# Kept out of the interactive shell so rustup's clippy/rustfmt stay consistent.
if rustup target list --installed 2>/dev/null | grep -qx wasm32-unknown-unknown; then
  export JWTGATE_WASM_TOOLCHAIN=rustup
else
  export PATH="/usr/bin:$PATH"
  export RUSTC_BOOTSTRAP=1
  export CARGO_UNSTABLE_BUILD_STD=std,panic_abort
  export JWTGATE_WASM_TOOLCHAIN=debian-build-std
fi
# Two rustc versions must not share one target dir (they rebuild each other).
export CARGO_TARGET_DIR="${JWTGATE_WASM_TARGET_DIR:-$PWD/target/wasm}"
