// Declaration tests under strict: true (and nodenext): the discriminated union keeps
// its checks where TypeScript can narrow it.
import { Gate, type Decision, type DeniedDecision, type Denied } from "jwtgate";

const gate = new Gate({ secret: "k3Jx9vQ2mW7pL4tZ8rB6nC1yH5sD0fGa" });

export function unchecked(decision: Decision): Response {
  // @ts-expect-error an unchecked decision may be allowed: deny() takes refusals only
  return gate.deny(decision);
}
export function allowedIsNotARefusal(decision: Decision): string {
  if (decision.allowed) {
    // @ts-expect-error an allowed decision has no status
    const status: number = decision.status;
    return decision.userId + status;
  }
  // @ts-expect-error a refusal has no user
  return decision.userId;
}
// With strictNullChecks the refusal type is exactly Denied.
export const exact: [DeniedDecision] extends [Denied] ? ([Denied] extends [DeniedDecision] ? true : false) : false = true;
