import { type Static, Type } from "@sinclair/typebox";
import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import { MAX_PASSWORD_LENGTH } from "../access/passwords.js";
import { createSession, endSession, type Principal, SESSION_COOKIE, sessionFor } from "../access/sessions.js";
import { tokenFor } from "../access/tokens.js";
import { verifyUser } from "../access/users.js";
import type { AccessSettings } from "../config.js";
import type { Warehouse } from "../warehouse/warehouse.js";
import { HttpError } from "./http-error.js";

/** Either a token, or a user name and password; every failure answers the same. */
const SignIn = Type.Object(
  {
    token: Type.Optional(Type.String({ minLength: 1, maxLength: 256, description: "an API token" })),
    user: Type.Optional(Type.String({ minLength: 1, maxLength: 64 })),
    password: Type.Optional(Type.String({ minLength: 1, maxLength: MAX_PASSWORD_LENGTH })),
  },
  { description: 'either {"token"} or {"user", "password"}' },
);

export const SessionInfo = Type.Object({
  actor: Type.String({ description: "`token:<id>` or `user:<name>`" }),
  role: Type.Union([Type.Literal("read"), Type.Literal("admin")]),
});

/** The query API's OpenAPI security: a bearer token or the session cookie. */
export const SECURITY: Record<string, string[]>[] = [{ token: [] }, { session: [] }];

const SIGN_IN_FAILED = "sign-in failed: unknown token, or wrong user name or password";
const UNSAFE = new Set(["POST", "PUT", "PATCH", "DELETE"]);

/**
 * Whether a request needs a credential: the query API and its description. `POST /api/session` is how
 * one signs in; the tracking API, survey pages, health check and dashboard shell hold no data to protect.
 * Both the matched route and the raw path are checked, so no spelling of a path slips past.
 */
function needsCredential(request: FastifyRequest): boolean {
  const guarded = (p: string) => p === "/openapi.json" || p === "/api" || p.startsWith("/api/");
  const route = request.routeOptions.url ?? "";
  if (!guarded(route) && !guarded(request.url.split("?")[0]!)) return false;
  return !(request.method === "POST" && route === "/api/session");
}

/**
 * Same-origin when the Origin (else the Referer) names the host the request was sent to. A browser may
 * send `Origin: null` and no Referer under `Referrer-Policy: no-referrer`; then its `Sec-Fetch-Site`,
 * which no page can set, decides.
 */
function sameOrigin(request: FastifyRequest): boolean {
  const host = request.headers.host;
  const from = request.headers.origin ?? request.headers.referer;
  if (!from || from === "null") return request.headers["sec-fetch-site"] === "same-origin";
  if (!host) return false;
  try {
    const origin = new URL(from);
    return origin.host === new URL(`${origin.protocol}//${host}`).host;
  } catch {
    return false;
  }
}

async function principalOf(
  warehouse: Warehouse,
  request: FastifyRequest,
): Promise<{ who: Principal; via: "bearer" | "cookie" }> {
  const auth = request.headers.authorization;
  // An explicit Authorization header wins over a cookie, and a bad one is not excused by a good cookie.
  if (auth !== undefined) {
    const token = /^Bearer\s+(\S+)\s*$/i.exec(auth)?.[1];
    if (!token) throw unauthorized("the Authorization header must be `Bearer <token>`");
    const found = await tokenFor(warehouse, token);
    if (!found) throw unauthorized("unknown or revoked token");
    return { who: { actor: `token:${found.id}`, role: found.role }, via: "bearer" };
  }
  const secret = request.cookies[SESSION_COOKIE];
  if (secret) {
    const session = await sessionFor(warehouse, secret);
    if (!session) throw unauthorized("the session has ended: sign in again");
    return { who: session, via: "cookie" };
  }
  throw unauthorized(
    "sign in (POST /api/session) or send Authorization: Bearer <token> (create one with `touchpoint tokens create`)",
  );
}

function unauthorized(message: string): HttpError {
  return new HttpError(401, message, { "WWW-Authenticate": "Bearer" });
}

/**
 * The onRequest hook that sets `request.role` and `request.actor` from a bearer token or the session
 * cookie. A cookie is sent by the browser on its own, so a state-changing request authenticated by one
 * must come from our own origin (defence in depth beside SameSite=Strict).
 */
export function authenticate(warehouse: Warehouse) {
  return async (request: FastifyRequest): Promise<void> => {
    if (!needsCredential(request)) return;
    const { who, via } = await principalOf(warehouse, request);
    if (via === "cookie" && UNSAFE.has(request.method) && !sameOrigin(request))
      throw new HttpError(
        403,
        "cross-origin request refused: a change signed in by cookie must come from this host (Origin or Referer)",
      );
    request.role = who.role;
    request.actor = who.actor;
  };
}

export interface SessionRouteOptions {
  warehouse: Warehouse;
  access: AccessSettings;
  /** Sign-in attempts a minute per client address; undefined when rate limiting is off, 0 for no limit. */
  signInLimit?: number;
}

/** `POST|GET|DELETE /api/session`: the dashboard's sign-in into an httpOnly, SameSite=Strict cookie. */
export async function sessionRoutes(app: FastifyInstance, options: SessionRouteOptions): Promise<void> {
  const { warehouse, access } = options;
  const cookie = (request: FastifyRequest) => ({
    httpOnly: true,
    sameSite: "strict" as const,
    path: "/",
    secure: access.secureCookie || request.protocol === "https",
  });
  const rateLimit =
    options.signInLimit === undefined
      ? undefined
      : options.signInLimit === 0
        ? false
        : {
            max: options.signInLimit,
            timeWindow: 60_000,
            // Per client address: guessing passwords or tokens is what this limit slows down.
            keyGenerator: (request: FastifyRequest) => `sign-in:${request.ip}`,
            allowList: () => false,
          };

  app.post(
    "/session",
    {
      config: rateLimit === undefined ? {} : { rateLimit },
      schema: {
        summary: "sign in with a token or a user's password; sets the session cookie",
        tags: ["access"],
        body: SignIn,
        response: { 200: SessionInfo },
      },
    },
    async (request, reply) => {
      // A cross-site page must not sign a browser in as someone else (login CSRF).
      const from = request.headers.origin ?? request.headers.referer ?? request.headers["sec-fetch-site"];
      if (from && !sameOrigin(request)) throw new HttpError(403, "cross-origin sign-in refused");
      const body = request.body as Static<typeof SignIn>;
      let who: Principal | null = null;
      if (body.token !== undefined && body.user === undefined && body.password === undefined) {
        const found = await tokenFor(warehouse, body.token);
        if (found) who = { actor: `token:${found.id}`, role: found.role };
      } else if (body.token === undefined && body.user !== undefined && body.password !== undefined) {
        const user = await verifyUser(warehouse, body.user, body.password);
        if (user) who = { actor: `user:${user.name}`, role: user.role };
      } else {
        throw new HttpError(400, 'body must have either "token", or "user" and "password"');
      }
      if (!who) throw new HttpError(401, SIGN_IN_FAILED);
      const secret = await createSession(warehouse, who, access.sessionTtlMs);
      reply.setCookie(SESSION_COOKIE, secret, {
        ...cookie(request),
        maxAge: Math.max(1, Math.round(access.sessionTtlMs / 1000)),
      });
      return who;
    },
  );

  app.get(
    "/session",
    {
      schema: {
        summary: "who the request is signed in as (cookie or bearer token)",
        tags: ["access"],
        security: SECURITY,
        response: { 200: SessionInfo },
      },
    },
    async (request) => ({ actor: request.actor!, role: request.role! }),
  );

  app.delete(
    "/session",
    {
      schema: {
        summary: "sign out: ends the session on the server and clears the cookie",
        tags: ["access"],
        security: SECURITY,
      },
    },
    async (request: FastifyRequest, reply: FastifyReply) => {
      const secret = request.cookies[SESSION_COOKIE];
      if (secret) await endSession(warehouse, secret);
      return reply.clearCookie(SESSION_COOKIE, cookie(request)).code(204).send();
    },
  );
}
