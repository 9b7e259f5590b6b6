import swagger from "@fastify/swagger";
import Fastify, { type FastifyError, type FastifyInstance } from "fastify";
import { type Role, tokenFor } from "../access/tokens.js";
import type { Catalog } from "../catalog/catalog.js";
import { surveyRoutes } from "../feedback/survey-routes.js";
import { type Ingestor, OverloadedError } from "../ingest/ingestor.js";
import { trackingRoutes } from "../ingest/routes.js";
import type { Warehouse } from "../warehouse/warehouse.js";
import { customerRoutes } from "./customer-routes.js";
import { HttpError } from "./http-error.js";
import { reportRoutes } from "./report-routes.js";

export interface AppDeps {
  warehouse: Warehouse;
  ingestor: Ingestor;
  /** The journey map in force; the query API (/api/*) and the survey pages (/s/*) are served when given. */
  catalog?: () => Catalog;
  /** The key survey links are signed with (see feedback/links.ts). */
  surveyKey?: Buffer;
  verbose?: boolean;
  version?: string;
}

declare module "fastify" {
  interface FastifyRequest {
    /** The role of the request's token; null on public paths. */
    role: Role | null;
    /** Who is asking, for the audit log: `token:<id>`. */
    actor: string | null;
  }
}

/** Paths reachable without a token: the tracking API, the survey pages and the health check. */
const PUBLIC = /^\/(v1\/|s\/|health$)/;

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
  app.addHook("onRequest", async (request) => {
    if (PUBLIC.test(request.url)) return;
    const auth = request.headers.authorization;
    const token = auth?.startsWith("Bearer ") ? auth.slice(7).trim() : null;
    if (!token)
      throw new HttpError(
        401,
        "a token is required: send Authorization: Bearer <token> (create one with `touchpoint tokens create`)",
        { "WWW-Authenticate": "Bearer" },
      );
    const found = await tokenFor(deps.warehouse, token);
    if (!found) throw new HttpError(401, "unknown or revoked token", { "WWW-Authenticate": "Bearer" });
    request.role = found.role;
    request.actor = `token:${found.id}`;
  });

  await app.register(swagger, {
    openapi: {
      openapi: "3.1.0",
      info: {
        title: "Touchpoint HTTP API",
        version: deps.version ?? "0.1.0",
        description:
          "The Segment-compatible Tracking API (`/v1/*`, authenticated by a source's write key) and the query API (`/api/*`, authenticated by a bearer token).",
      },
      components: {
        securitySchemes: {
          writeKey: {
            type: "http",
            scheme: "basic",
            description: "The source's write key as the user name, empty password.",
          },
          token: { type: "http", scheme: "bearer" },
        },
      },
    },
  });

  await app.register(trackingRoutes, { prefix: "/v1", ingestor: deps.ingestor });
  if (deps.catalog) {
    await app.register(reportRoutes, { prefix: "/api", warehouse: deps.warehouse, catalog: deps.catalog });
    await app.register(customerRoutes, {
      prefix: "/api",
      warehouse: deps.warehouse,
      ingestor: deps.ingestor,
      catalog: deps.catalog,
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

  return app;
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
