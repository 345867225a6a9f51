// Empty: warms the ESM loader before the cold-start timing (benches/node/verify.mjs --cold).
export {};
