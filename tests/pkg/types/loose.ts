// Declaration tests under strict: false (the tsconfig Next.js writes into an app): TypeScript
// does not narrow `Decision` on a falsy check there, so deny() accepts any Decision (an
// allowed one throws a TypeError at run time: tests/pkg/gate.test.mjs).
import { Gate, type Decision, type DeniedDecision } from "jwtgate";

const gate = new Gate({ secret: "k3Jx9vQ2mW7pL4tZ8rB6nC1yH5sD0fGa" });

export function fallthrough(decision: Decision): Response {
  if (decision.allowed) return Response.json({ userId: decision.userId });
  return gate.deny(decision); // `decision` is still Decision here without strictNullChecks
}
export const wide: [Decision] extends [DeniedDecision] ? true : false = true;
