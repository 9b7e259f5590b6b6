import cookie from "@fastify/cookie";
import rateLimit, { type RateLimitPluginOptions } from "@fastify/rate-limit";
import swagger from "@fastify/swagger";
import Fastify, { type FastifyError, type FastifyInstance } from "fastify";
import { hashSecret } from "../access/secrets.js";
import { SESSION_COOKIE } from "../access/sessions.js";
import type { Role } from "../access/tokens.js";
import type { Playbook } from "../automation/rules.js";
import type { Catalog } from "../catalog/catalog.js";
import { type AccessSettings, DEFAULT_ACCESS, type RateLimits } from "../config.js";
import { surveyRoutes } from "../feedback/survey-routes.js";
import { type Ingestor, OverloadedError } from "../ingest/ingestor.js";
import { trackingRoutes } from "../ingest/routes.js";
import type { Warehouse } from "../warehouse/warehouse.js";
import { automationRoutes } from "./automation-routes.js";
import { catalogRoutes } from "./catalog-routes.js";
import { customerRoutes } from "./customer-routes.js";
import { dashboard } from "./dashboard.js";
import { HttpError } from "./http-error.js";
import { reportRoutes } from "./report-routes.js";
import { securityHeaders } from "./security-headers.js";
import { authenticate, sessionRoutes } from "./session-routes.js";
import { sourceRoutes } from "./source-routes.js";

export interface AppDeps {
  warehouse: Warehouse;
  ingestor: Ingestor;
  /** The journey map in force; the query API (/api/*) and the survey pages (/s/*) are served when given. */
  catalog?: () => Catalog;
  /** The key survey links are signed with (see feedback/links.ts). */
  surveyKey?: Buffer;
  verbose?: boolean;
  version?: string;
  /** Requests per minute per write key, token, survey client and sign-in client (0: no limit). */
  rateLimits?: RateLimits;
  /** Session length and cookie flags (defaults: 12 hours, Secure only over https). */
  access?: AccessSettings;
  /** The automation rules (served with the catalog); `live` when the server runs them. */
  automation?: { playbook: () => Playbook; live: boolean };
}

declare module "fastify" {
  interface FastifyRequest {
    /** The role of the request's token or session; null on public paths. */
    role: Role | null;
    /** Who is asking, for the audit log: `token:<id>` or `user:<name>`. */
    actor: string | null;
  }
}

/** Builds the HTTP app without listening, so tests can drive it in-process with `inject`. */
export async function buildApp(deps: AppDeps): Promise<FastifyInstance> {
  const app = Fastify({
    logger: deps.verbose ? { level: "info" } : false,
    // Keep-alive connections are closed at shutdown instead of holding it open.
    forceCloseConnections: "idle",
    return503OnClosing: true,
  });

  app.setErrorHandler((err: FastifyError | HttpError | OverloadedError, request, reply) => {
    if (err instanceof OverloadedError) {
      return reply
        .code(503)
        .header("Retry-After", String(err.retryAfterSeconds))
        .send({ statusCode: 503, error: "Service Unavailable", message: err.message });
    }
    const status = err.statusCode ?? 500;
    if (status >= 500) {
      request.log.error(err);
      if (!deps.verbose)
        process.stderr.write(`error on ${request.method} ${request.url}: ${err.stack ?? err.message}\n`);
      return reply.code(500).send({
        statusCode: 500,
        error: "Internal Server Error",
        message: "internal error; see the server log",
      });
    }
    if (err instanceof HttpError) for (const [k, v] of Object.entries(err.headers)) reply.header(k, v);
    return reply.code(status).send({ statusCode: status, error: httpName(status), message: err.message });
  });

  app.decorateRequest("role", null);
  app.decorateRequest("actor", null);
  // Before the routes, whose schemas it collects.
  await app.register(swagger, {
    openapi: {
      openapi: "3.1.0",
      info: {
        title: "Touchpoint HTTP API",
        version: deps.version ?? "0.1.0",
        description:
          "The Segment-compatible Tracking API (`/v1/*`, authenticated by a source's write key) and the query API (`/api/*`, authenticated by a bearer token or the dashboard's session cookie).",
      },
      components: {
        securitySchemes: {
          writeKey: {
            type: "http",
            scheme: "basic",
            description: "The source's write key as the user name, empty password.",
          },
          token: { type: "http", scheme: "bearer" },
          session: {
            type: "apiKey",
            in: "cookie",
            name: SESSION_COOKIE,
            description: "set by POST /api/session; unsafe methods must come from this origin",
          },
        },
      },
    },
  });

  await app.register(trackingRoutes, {
    prefix: "/v1",
    ingestor: deps.ingestor,
    perWriteKey: deps.rateLimits?.perWriteKey ?? 0,
  });
  // Everything else in its own context: its hooks (cookies, the rate limit, credentials, security
  // headers) never run for the tracking API, which limits each write key itself and is called
  // cross-origin; unknown paths are answered here, through the same hooks.
  await app.register(async (site) => {
    securityHeaders(site);
    // Cookies are parsed before the rate limit, which counts a session like a token.
    await site.register(cookie);
    if (deps.rateLimits) await site.register(rateLimit, rateLimitOptions(deps.rateLimits));
    // Only the query API and /openapi.json need a credential: a bearer token or the session cookie.
    site.addHook("onRequest", authenticate(deps.warehouse));
    site.setNotFoundHandler(async (request, reply) =>
      reply.code(404).send({
        statusCode: 404,
        error: "Not Found",
        message: `Route ${request.method}:${request.url} not found`,
      }),
    );
    await siteRoutes(site, deps);
  });

  return app;
}

/** The query API, sign-in, survey pages, /health, /openapi.json and the dashboard. */
async function siteRoutes(app: FastifyInstance, deps: AppDeps): Promise<void> {
  await app.register(sessionRoutes, {
    prefix: "/api",
    warehouse: deps.warehouse,
    access: deps.access ?? DEFAULT_ACCESS,
    signInLimit: deps.rateLimits?.perSignInClient,
  });
  await app.register(sourceRoutes, { prefix: "/api", warehouse: deps.warehouse, ingestor: deps.ingestor });
  if (deps.catalog) {
    await app.register(catalogRoutes, { prefix: "/api", catalog: deps.catalog });
    await app.register(reportRoutes, { prefix: "/api", warehouse: deps.warehouse, catalog: deps.catalog });
    await app.register(customerRoutes, {
      prefix: "/api",
      warehouse: deps.warehouse,
      ingestor: deps.ingestor,
      catalog: deps.catalog,
    });
    if (deps.automation)
      await app.register(automationRoutes, {
        prefix: "/api",
        warehouse: deps.warehouse,
        catalog: deps.catalog,
        ...deps.automation,
      });
    if (deps.surveyKey)
      await app.register(surveyRoutes, {
        prefix: "/s",
        warehouse: deps.warehouse,
        ingestor: deps.ingestor,
        catalog: deps.catalog,
        key: deps.surveyKey,
      });
  }

  app.get("/health", { schema: { hide: true } }, async () => ({ status: "ok" }));
  app.get("/openapi.json", { schema: { hide: true } }, async () => app.swagger());
  await app.register(dashboard);
}

/**
 * One window per credential: a token or session on /api/*, a client address on /s/* (and on sign-in,
 * see session-routes.ts); write keys on /v1/* are limited by the tracking routes. Keys are kept as
 * hashes, never the secret itself. A limit of 0 lifts it; /health is never limited.
 */
function rateLimitOptions(limits: RateLimits): RateLimitPluginOptions {
  const family = (url: string) => (url.startsWith("/s/") ? "survey" : "token");
  const max = { token: limits.perToken, survey: limits.perSurveyClient };
  return {
    global: true,
    timeWindow: 60_000,
    allowList: (request) => request.url === "/health" || max[family(request.url)] === 0,
    max: (request) => max[family(request.url)],
    keyGenerator: (request) => {
      const secret = request.headers.authorization ?? request.cookies[SESSION_COOKIE];
      const credential = family(request.url) !== "survey" && secret ? hashSecret(secret) : request.ip;
      return `${family(request.url)}:${credential}`;
    },
    errorResponseBuilder: (_request, context) =>
      new HttpError(429, `rate limit: at most ${context.max} requests a minute; retry in ${context.after}`, {
        "Retry-After": String(Math.ceil(context.ttl / 1000)),
      }),
  };
}

function httpName(status: number): string {
  const names: Record<number, string> = {
    400: "Bad Request",
    401: "Unauthorized",
    403: "Forbidden",
    404: "Not Found",
    413: "Payload Too Large",
    415: "Unsupported Media Type",
    429: "Too Many Requests",
  };
  return names[status] ?? "Error";
}
