// The npm host of the host-parity suite: a Node server that does what the README's
// proxy.ts does, through the package as built (pkg/): refuse with gate.deny(), or send
// gate.originRequest() to the echo origin. Paths outside the prefix never reach proxy.ts
// (its matcher), so they get 404 here. Run: node npm-host.mjs <port> <originUrl> <optionsJson>
import http from "node:http";
import { Readable } from "node:stream";
import { pathToFileURL } from "node:url";
import path from "node:path";

const [port, origin, optionsJson] = process.argv.slice(2);
const pkg = path.resolve(path.dirname(new URL(import.meta.url).pathname), "../../pkg/index.node.js");
const { Gate } = await import(pathToFileURL(pkg).href);
const gate = new Gate(JSON.parse(optionsJson));

http.createServer(async (req, res) => {
  try {
    // Every field line as received (node's req.headers drops repeated Authorization lines).
    const headers = new Headers();
    for (let i = 0; i < req.rawHeaders.length; i += 2) headers.append(req.rawHeaders[i], req.rawHeaders[i + 1]);
    const hasBody = req.method !== "GET" && req.method !== "HEAD";
    const request = new Request(`http://${req.headers.host}${req.url}`, {
      method: req.method, headers, body: hasBody ? Readable.toWeb(req) : undefined, duplex: hasBody ? "half" : undefined,
    });
    const target = req.url;
    if (!gate.protects(target)) {
      res.writeHead(404, { "content-type": "application/json" });
      return res.end('{"detail":"Not Found"}');
    }
    const decision = gate.authorize(request);
    const answer = decision.allowed ? await fetch(gate.originRequest(request, decision, origin)) : gate.deny(decision);
    const out = {};
    answer.headers.forEach((v, k) => (out[k] = v));
    res.writeHead(answer.status, out);
    res.end(Buffer.from(await answer.arrayBuffer()));
  } catch (e) {
    res.writeHead(500, { "content-type": "application/json" });
    res.end(JSON.stringify({ detail: "npm host error", error: String(e?.code ?? e?.name) }));
  }
}).listen(Number(port), "127.0.0.1", () => console.log("ready"));
