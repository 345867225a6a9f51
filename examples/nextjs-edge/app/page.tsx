"use client";
// Gets a demo token from /api/token, then calls the gated API with it.
import { useState } from "react";

type Result = { path: string; status: number; body: unknown } | null;

export default function Home() {
  const [token, setToken] = useState<string | null>(null);
  const [user, setUser] = useState<string | null>(null);
  const [result, setResult] = useState<Result>(null);
  const [error, setError] = useState<string | null>(null);

  async function call(path: string, bearer: string | null) {
    const res = await fetch(path, { headers: bearer ? { authorization: `Bearer ${bearer}` } : {} });
    const body = await res.json().catch(() => null);
    setResult({ path, status: res.status, body });
    const detail = (body as { detail?: unknown } | null)?.detail;
    setError(res.ok ? null : typeof detail === "string" ? detail : `HTTP ${res.status}`);
  }

  async function signIn(as: string) {
    const res = await fetch(`/api/token?user=${as}`);
    const { token } = await res.json();
    setToken(token);
    setUser(as);
    await call(`/api/v1/${as}/tasks`, token);
  }

  const other = user === "alice" ? "bob" : "alice";
  return (
    <main>
      <h1>jwtgate × Next.js</h1>
      <p>
        <button id="sign-in" onClick={() => signIn("alice")}>Get a token for alice and load her tasks</button>{" "}
        <button id="other-user" disabled={!token} onClick={() => call(`/api/v1/${other}/tasks`, token)}>
          Try {other}&apos;s tasks with alice&apos;s token
        </button>{" "}
        <button id="no-token" onClick={() => call("/api/v1/alice/tasks", null)}>Call without a token</button>
      </p>
      {user && <p id="signed-in">Token for <b>{user}</b></p>}
      {result && (
        <section>
          <h2 id="status">
            {result.path}: {result.status}
          </h2>
          {error ? (
            <p id="error" role="alert" style={{ color: "crimson" }}>{error}</p>
          ) : (
            <pre id="result">{JSON.stringify(result.body, null, 2)}</pre>
          )}
        </section>
      )}
    </main>
  );
}
