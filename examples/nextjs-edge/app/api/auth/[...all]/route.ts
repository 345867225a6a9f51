// Better Auth's routes (sign-up, sign-in, sign-out, session, and jwtgate/token).
import { toNextJsHandler } from "better-auth/next-js";
import { auth } from "@/lib/auth";

export const { GET, POST } = toNextJsHandler(auth);
