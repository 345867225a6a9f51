// `jwtgate/full`'s Node entry only: ES256, ES512, RS256 and PS256 signatures checked by
// node:crypto's synchronous verify (OpenSSL) instead of the pure-Wasm verifier, measured faster
// (docs/decisions/algorithms.md). Only the arithmetic moves: the core still reads and
// validates the key set (on-curve points, RSA bounds), pins the algorithm by the key, checks the
// signature's form first (ECDSA exactly r‖s, r and s in [1, n−1]; RSA exactly the modulus
// length), and verifies itself when this function throws or declines. PS256: salt exactly 32
// (OpenSSL checks a given salt length exactly). JWTGATE_NODE_CRYPTO=0 keeps the pure-Wasm path.
import { constants, createPublicKey, verify } from "node:crypto";
import { setSignatureHost } from "./jwtgate_wasm.js";

const HASH = { ES256: "sha256", ES512: "sha512", RS256: "sha256", PS256: "sha256" };
/** Canonical public JWK (the core's, one per key) → imported KeyObject. */
const keys = new Map();

function keyObject(jwk) {
  let key = keys.get(jwk);
  if (key === undefined) {
    if (keys.size >= 256) keys.clear(); // a set holds ≤ 64 keys; rotations add a few
    key = createPublicKey({ key: JSON.parse(jwk), format: "jwk" });
    keys.set(jwk, key);
  }
  return key;
}

function nodeCryptoVerify(alg, jwk, message, signature) {
  const hash = HASH[alg];
  if (hash === undefined) return undefined; // not ours: the core verifies
  const key = keyObject(jwk);
  const options =
    alg === "PS256"
      ? { key, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: 32 }
      : alg === "RS256"
        ? { key, padding: constants.RSA_PKCS1_PADDING }
        : { key, dsaEncoding: "ieee-p1363" };
  return verify(hash, message, options, signature);
}

/** Called by the entry after the engine is initialised. */
export function installNodeCrypto() {
  if (globalThis.process?.env?.JWTGATE_NODE_CRYPTO !== "0") setSignatureHost(nodeCryptoVerify);
}
