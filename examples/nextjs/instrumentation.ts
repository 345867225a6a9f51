// Runs once when the server starts: Better Auth's own migration creates or updates its tables
// in the SQLite file (nothing to run by hand on a fresh checkout), and a secret the jwtgate
// plugin refuses is reported now rather than at the first sign-in.
export async function register() {
  if (process.env.NEXT_RUNTIME === "nodejs") {
    const { auth, migrate } = await import("./lib/auth");
    await migrate();
    auth.$context.catch((e: unknown) => console.error(`[auth] Better Auth cannot start: ${e instanceof Error ? e.message : String(e)}`));
  }
}
