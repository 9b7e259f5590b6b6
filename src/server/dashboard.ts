import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";
import fastifyStatic from "@fastify/static";
import type { FastifyInstance } from "fastify";

export interface DashboardOptions {
  /** The built dashboard (`vite build` output); by default `dist/web` beside the compiled server. */
  root?: URL;
}

/** Paths that belong to the server, never to the dashboard's client-side routes. */
const SERVER_PATHS = /^\/(api|v1|s)(\/|$)|^\/(health|openapi\.json)$/;

/** A year: assets are named by their content hash, so a changed file is a new URL. */
const ASSET_MAX_AGE_MS = 365 * 24 * 3600 * 1000;

/**
 * The dashboard: hashed assets under `/assets/` (cached for good) and `index.html` (never cached) for
 * every other GET that is not the server's own, so client-side routes like `/gaps?from=…` load the app.
 */
export async function dashboard(app: FastifyInstance, options: DashboardOptions = {}): Promise<void> {
  const root = fileURLToPath(options.root ?? new URL("../../web/", import.meta.url));
  if (!existsSync(`${root}/index.html`)) {
    app.get("/", { schema: { hide: true } }, async (_request, reply) =>
      reply.code(503).type("text/plain; charset=utf-8").send("dashboard not built: run npm run build\n"),
    );
    return;
  }
  await app.register(fastifyStatic, {
    root: `${root}/assets`,
    prefix: "/assets/",
    immutable: true,
    maxAge: ASSET_MAX_AGE_MS,
    index: false,
  });
  app.get("/*", { schema: { hide: true } }, async (request, reply) => {
    const path = request.url.split("?")[0]!;
    if (SERVER_PATHS.test(path)) return reply.callNotFound();
    return reply
      .header("cache-control", "no-cache")
      .sendFile("index.html", root, { cacheControl: false, lastModified: false, etag: true });
  });
}
