// The installed package in a browser page, for real: `page` (HTML) served at / beside the
// package's own files under /node_modules/jwtgate/ (from `pkgDir`), opened in Debian's
// headless Chromium through playwright-core; resolves the page's `window.result` and the
// errors it threw. Shared by hosts.test.mjs and hosts-full.test.mjs.
import { createServer } from "node:http";
import { readFile } from "node:fs/promises";
import { join, extname } from "node:path";
import { chromium } from "playwright-core";

const TYPES = { ".js": "text/javascript", ".wasm": "application/wasm", ".html": "text/html" };

export async function resultInBrowser(pkgDir, page, timeout) {
  const server = createServer(async (req, res) => {
    const url = new URL(req.url, "http://x");
    try {
      const body = url.pathname === "/" ? page : await readFile(join(pkgDir, url.pathname.replace("/node_modules/jwtgate/", "")));
      res.writeHead(200, { "content-type": TYPES[extname(url.pathname) || ".html"] ?? "application/octet-stream" });
      res.end(body);
    } catch {
      res.writeHead(404).end();
    }
  });
  const port = await new Promise((ok) => server.listen(0, "127.0.0.1", () => ok(server.address().port)));
  const browser = await chromium.launch({
    executablePath: process.env.CHROMIUM_PATH ?? "/usr/bin/chromium",
    args: ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--disable-quic",
      "--disable-background-networking", "--disable-component-update", "--no-first-run", "--disable-sync"],
  });
  try {
    const tab = await browser.newPage();
    const errors = [];
    tab.on("pageerror", (e) => errors.push(String(e)));
    await tab.goto(`http://127.0.0.1:${port}/`);
    const result = await tab.waitForFunction(() => window.result, null, { timeout }).then((h) => h.jsonValue());
    return { result, errors };
  } finally {
    await browser.close();
    server.close();
  }
}
