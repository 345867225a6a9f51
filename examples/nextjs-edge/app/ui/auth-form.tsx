"use client";
// Sign in, or create an account (Better Auth email + password).
import { useState, type FormEvent } from "react";
import { authClient } from "@/lib/auth-client";

export function AuthForm() {
  const [mode, setMode] = useState<"sign-in" | "sign-up">("sign-up");
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  async function submit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const form = new FormData(event.currentTarget);
    const email = String(form.get("email") ?? "");
    const password = String(form.get("password") ?? "");
    setBusy(true);
    setError(null);
    const { error } =
      mode === "sign-up"
        ? await authClient.signUp.email({ email, password, name: String(form.get("name") ?? "") })
        : await authClient.signIn.email({ email, password });
    setBusy(false);
    if (error) setError(error.message ?? error.statusText ?? "Failed");
  }

  return (
    <section className="card">
      <div className="tabs" role="tablist">
        <button type="button" role="tab" aria-selected={mode === "sign-up"} onClick={() => setMode("sign-up")}>
          Create account
        </button>
        <button type="button" role="tab" aria-selected={mode === "sign-in"} onClick={() => setMode("sign-in")}>
          Sign in
        </button>
      </div>
      <form id="auth-form" onSubmit={submit}>
        {mode === "sign-up" && (
          <label>
            Name <input name="name" autoComplete="name" required />
          </label>
        )}
        <label>
          Email <input name="email" type="email" autoComplete="email" required />
        </label>
        <label>
          Password{" "}
          <input name="password" type="password" minLength={8} required
            autoComplete={mode === "sign-up" ? "new-password" : "current-password"} />
        </label>
        <button id="auth-submit" type="submit" disabled={busy}>
          {mode === "sign-up" ? "Create account" : "Sign in"}
        </button>
        {error && <p id="auth-error" className="detail" role="alert">{error}</p>}
      </form>
    </section>
  );
}
