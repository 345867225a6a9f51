// jwtgate itself needs no Next.js configuration (an app that installs it from the registry
// has it inside its own node_modules). This file exists because the example links the
// package from ../../pkg, outside the app: Turbopack cannot resolve files outside its root
// ("Module not found: Can't resolve 'jwtgate'" when the root is this folder), and the
// repository's own package-lock.json would otherwise make Next guess the root and warn.
import { fileURLToPath } from "node:url";

const root = fileURLToPath(new URL("../..", import.meta.url));

/** @type {import("next").NextConfig} */
export default {
  turbopack: { root },
  outputFileTracingRoot: root,
};
