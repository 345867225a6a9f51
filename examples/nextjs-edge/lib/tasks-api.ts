// The backend's task routes, called through jwtgate: same-origin /api/v1/* requests that
// proxy.ts checks and forwards to the FastAPI origin. Session mode (default): plain fetch,
// the browser sends Better Auth's session cookies, no token in JS. Bearer mode
// (NEXT_PUBLIC_JWTGATE_MODE=bearer): `authClient.jwtgate.fetch` attaches the token.
// Every answer comes back as { ok, status, data | detail } for the page to show.
import { authClient } from "@/lib/auth-client";
import { MODE } from "@/lib/mode";

const send = (path: string, init: RequestInit): Promise<Response> =>
  MODE === "bearer" ? authClient.jwtgate.fetch(path, init) : fetch(path, { ...init, credentials: "same-origin" });

export interface Task {
  id: number;
  title: string;
  completed: boolean;
  created_at: number;
}

export type ApiAnswer<T> =
  | { ok: true; status: number; method: string; path: string; data: T }
  | { ok: false; status: number; method: string; path: string; detail: string };

async function call<T>(method: string, path: string, body?: unknown): Promise<ApiAnswer<T>> {
  const init: RequestInit = { method };
  if (body !== undefined) {
    init.headers = { "content-type": "application/json" };
    init.body = JSON.stringify(body);
  }
  try {
    const res = await send(path, init);
    const json = await res.json().catch(() => null);
    if (res.ok) return { ok: true, status: res.status, method, path, data: json as T };
    const detail = typeof json?.detail === "string" ? json.detail : `HTTP ${res.status}`;
    return { ok: false, status: res.status, method, path, detail };
  } catch (e) {
    return { ok: false, status: 0, method, path, detail: e instanceof Error ? e.message : String(e) };
  }
}

/** The routes of one user's tasks: `/api/v1/{userId}/tasks[/{id}]`. */
export function tasksOf(userId: string) {
  const base = `/api/v1/${encodeURIComponent(userId)}/tasks`;
  return {
    path: base,
    list: () => call<{ tasks: Task[] }>("GET", base),
    create: (title: string) => call<{ task: Task }>("POST", base, { title }),
    setCompleted: (id: number, completed: boolean) => call<{ task: Task }>("PATCH", `${base}/${id}`, { completed }),
    remove: (id: number) => call<{ deleted: number }>("DELETE", `${base}/${id}`),
  };
}
