// Reading a host's request object (a Fetch Request, or any { method, url, headers }) into
// what the core takes, and applying the core's origin plan to a copy of its headers. No
// rule about the request lives here: the core decides, this file only translates.

/** Path of a request URL, as sent: no normalisation (the core refuses ambiguous paths). */
export function pathOf(url) {
  if (typeof url !== "string") return "";
  if (url.startsWith("/")) return url;
  const match = /^[a-zA-Z][a-zA-Z0-9+.-]*:\/\/[^/?#]*/.exec(url);
  if (!match) return url;
  const rest = url.slice(match[0].length);
  return rest === "" || rest[0] === "?" || rest[0] === "#" ? "/" + rest : rest;
}

/**
 * A header as the host holds it: a string (one line, or a Fetch `Headers`' joined value),
 * an array of field lines (a plain object with an array value), or undefined.
 */
export function headerOf(headers, name) {
  if (!headers) return undefined;
  if (typeof headers.get === "function") {
    const value = headers.get(name);
    return value === null || value === undefined ? undefined : String(value);
  }
  if (typeof headers === "object") {
    for (const key of Object.keys(headers)) {
      if (key.toLowerCase() === name) {
        const value = headers[key];
        if (value === undefined || value === null) return undefined;
        return Array.isArray(value) ? value.map(String) : String(value);
      }
    }
  }
  return undefined;
}

/** A header's one value: field lines joined as a Fetch `Headers` joins them. */
export function joined(value) {
  return Array.isArray(value) ? value.join(", ") : value;
}

/** A mutable copy of a request's headers (Headers, a Map, or a plain object with string or array values). */
export function copyHeaders(source) {
  if (source === undefined || source === null) return new Headers();
  if (typeof Headers !== "undefined" && source instanceof Headers) return new Headers(source);
  const headers = new Headers();
  if (typeof source.forEach === "function" && typeof source.get === "function") {
    source.forEach((value, name) => headers.append(name, String(value)));
    return headers;
  }
  for (const name of Object.keys(source)) {
    const value = source[name];
    if (value === undefined || value === null) continue;
    for (const one of Array.isArray(value) ? value : [value]) headers.append(name, String(one));
  }
  return headers;
}

/**
 * What only the host knows about the connection (the core's HostFacts): `facts` as given,
 * else the scheme and host of an absolute request URL (Next.js' proxy.ts has no client
 * address: Next 15 removed `request.ip`).
 */
export function factsOf(request, facts) {
  let scheme, host;
  try {
    if (typeof request?.url === "string" && !request.url.startsWith("/")) {
      const url = new URL(request.url);
      scheme = url.protocol;
      host = url.host;
    }
  } catch {}
  const given = facts ?? {};
  return [given.clientAddress ?? "", given.scheme ?? scheme ?? "", given.host ?? host ?? ""].map((v) => (typeof v === "string" ? v : ""));
}

/** The core's plan applied to `headers`: every name in `remove` deleted, then each of `set` set. */
export function applyPlan(headers, plan) {
  for (const name of plan.remove) {
    try {
      headers.delete(name);
    } catch {}
  }
  for (const [name, value] of plan.set) headers.set(name, value);
  return headers;
}
