"use client";
// The app: sign up or in with Better Auth, then manage your tasks on the FastAPI backend,
// every call gated by jwtgate. After signing out, the page shows what the API answers then.
import { useState } from "react";
import { authClient } from "@/lib/auth-client";
import { tasksOf, type ApiAnswer } from "@/lib/tasks-api";
import { ApiResult } from "./ui/api-result";
import { AuthForm } from "./ui/auth-form";
import { Tasks } from "./ui/tasks";

export default function Home() {
  const { data: session, isPending, error } = authClient.useSession();
  const [signedOut, setSignedOut] = useState<{ userId: string; answer: ApiAnswer<unknown> | null } | null>(null);

  async function signOut(userId: string) {
    await authClient.signOut();
    setSignedOut({ userId, answer: null });
  }

  async function callAfterSignOut(userId: string) {
    setSignedOut({ userId, answer: await tasksOf(userId).list() });
  }

  return (
    <main>
      <header>
        <h1>Tasks</h1>
        {session && (
          <div id="who" className="who">
            <span>
              <strong>{session.user.name}</strong> <span className="muted">{session.user.email}</span>
            </span>
            <button id="sign-out" type="button" className="link" onClick={() => signOut(session.user.id)}>
              Sign out
            </button>
          </div>
        )}
      </header>
      {isPending ? (
        <p className="muted">Loading…</p>
      ) : error ? (
        <p className="detail" role="alert">Better Auth is not available: {error.message}</p>
      ) : session ? (
        <Tasks key={session.user.id} userId={session.user.id} />
      ) : (
        <>
          <AuthForm />
          {signedOut && (
            <section id="signed-out" className="card">
              <h2>Signed out</h2>
              <p className="muted">Without a session there is no token: the API refuses the call.</p>
              <button id="call-after-sign-out" type="button" onClick={() => callAfterSignOut(signedOut.userId)}>
                Load my tasks anyway
              </button>
              <ApiResult id="after-sign-out" answer={signedOut.answer} />
            </section>
          )}
        </>
      )}
    </main>
  );
}
