import { gunzipSync, inflateSync } from "node:zlib";
import cors from "@fastify/cors";
import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import { HttpError } from "../server/http-error.js";
import type { Ingestor } from "./ingestor.js";
import {
  Batch,
  ErrorResponse,
  IngestResponse,
  MESSAGE_TYPES,
  Message,
  type MessageType,
} from "./messages.js";
import type { SourceInfo } from "./pipeline.js";
import { WriteKeyLimiter } from "./rate-limit.js";

export const MAX_BATCH_BYTES = 500 * 1024;
export const MAX_SINGLE_BYTES = 32 * 1024;
export const MAX_BATCH_MESSAGES = 2500;
/** Compressed bodies are bounded too, before any decompression work. */
const MAX_WIRE_BYTES = 4 * 1024 * 1024;

/**
 * Decodes a tracking request body: gzip/deflate, the size limit of the endpoint (after decompression),
 * then JSON. Errors say what is wrong, with the position of a JSON syntax error.
 */
export function decodeBody(body: Buffer, encoding: string | undefined, limit: number): unknown {
  let raw = body;
  const enc = (encoding ?? "identity").toLowerCase().trim();
  try {
    if (enc === "gzip" || enc === "x-gzip") raw = gunzipSync(body, { maxOutputLength: limit + 1 });
    else if (enc === "deflate") raw = inflateSync(body, { maxOutputLength: limit + 1 });
    else if (enc !== "identity")
      throw new HttpError(415, `unsupported Content-Encoding ${JSON.stringify(encoding)}; use gzip or none`);
  } catch (err) {
    if (err instanceof HttpError) throw err;
    if ((err as NodeJS.ErrnoException).code === "ERR_BUFFER_TOO_LARGE") {
      throw new HttpError(
        413,
        `the request body is over the ${limit / 1024} KB limit of this endpoint once decompressed`,
      );
    }
    throw new HttpError(400, `the request body is not valid ${enc} data: ${(err as Error).message}`);
  }
  if (raw.length > limit) {
    throw new HttpError(
      413,
      `the request body is ${Math.ceil(raw.length / 1024)} KB, over the ${limit / 1024} KB limit of this endpoint`,
    );
  }
  const text = raw.toString("utf8");
  try {
    return JSON.parse(text);
  } catch (err) {
    throw new HttpError(400, `malformed JSON: ${(err as Error).message}${locate(text, err as Error)}`);
  }
}

function locate(text: string, err: Error): string {
  const m = /position (\d+)/.exec(err.message);
  if (!m) return "";
  const pos = Number(m[1]);
  const before = text.slice(0, pos);
  const line = before.split("\n").length;
  const column = pos - before.lastIndexOf("\n");
  return ` (line ${line}, column ${column})`;
}

/** The user names of Basic credentials by header: a client sends the same header with every request. */
const basicUsers = new Map<string, string>();

function basicUser(auth: string): string {
  let user = basicUsers.get(auth);
  if (user === undefined) {
    user = Buffer.from(auth.slice(6), "base64").toString("utf8").split(":")[0]!;
    if (basicUsers.size >= 1_000) basicUsers.clear();
    basicUsers.set(auth, user);
  }
  return user;
}

function writeKeyOf(request: FastifyRequest, body: unknown): string | null {
  const auth = request.headers.authorization;
  if (auth?.startsWith("Basic ")) {
    const user = basicUser(auth);
    if (user) return user;
  }
  const inBody = (body as { writeKey?: unknown } | null)?.writeKey;
  return typeof inBody === "string" && inBody !== "" ? inBody : null;
}

/** The source of the request's write key, once the key is known and within its rate limit. */
async function authenticate(
  ingestor: Ingestor,
  limiter: WriteKeyLimiter,
  request: FastifyRequest,
  body: unknown,
): Promise<SourceInfo> {
  const key = writeKeyOf(request, body);
  if (!key)
    throw new HttpError(
      401,
      "missing write key: send it as the HTTP Basic user name or as writeKey in the body",
    );
  const source = await ingestor.authenticate(key);
  if (!source) throw new HttpError(401, "unknown or revoked write key");
  const wait = limiter.take(key);
  if (wait !== null)
    throw new HttpError(429, `rate limit: at most ${limiter.max} requests a minute; retry in ${wait} s`, {
      "Retry-After": String(wait),
    });
  return source;
}

function sentAtOf(body: unknown): number | null {
  const v = (body as { sentAt?: unknown } | null)?.sentAt;
  if (typeof v !== "string") return null;
  const t = Date.parse(v);
  return Number.isFinite(t) ? t : null;
}

const TAG = ["Tracking API"];
const responses = { 200: IngestResponse, "4xx": ErrorResponse, "5xx": ErrorResponse };

export interface TrackingRouteOptions {
  ingestor: Ingestor;
  /** Requests a minute per write key; 0: none. */
  perWriteKey: number;
}

/** The Segment-compatible Tracking API, `/v1/*`. The only routes reachable without a token. */
export async function trackingRoutes(app: FastifyInstance, opts: TrackingRouteOptions) {
  const { ingestor } = opts;
  const limiter = new WriteKeyLimiter(opts.perWriteKey);
  // CORS on the tracking API only: browsers send from the customer's own site.
  await app.register(cors, {
    origin: true,
    methods: ["POST", "OPTIONS"],
    allowedHeaders: ["Content-Type", "Authorization", "Content-Encoding"],
    maxAge: 86400,
  });
  app.removeAllContentTypeParsers();
  // Bodies arrive as buffers and are decoded by decodeBody: gzip, per-endpoint limits, clear JSON errors.
  // text/plain too, because navigator.sendBeacon cannot set a JSON content type.
  app.addContentTypeParser("*", { parseAs: "buffer", bodyLimit: MAX_WIRE_BYTES }, (_req, body, done) =>
    done(null, body),
  );

  const answer = async (
    request: FastifyRequest,
    reply: FastifyReply,
    messages: readonly unknown[],
    implied: MessageType | null,
    body: unknown,
  ) => {
    const source = await authenticate(ingestor, limiter, request, body);
    const outcome = await ingestor.ingest(messages, implied, source, { sentAt: sentAtOf(body) });
    if (implied && outcome.accepted === 0) {
      const r = outcome.rejected[0]!;
      return reply
        .code(400)
        .send({ statusCode: 400, error: "Bad Request", message: r.reason, field: r.field });
    }
    return reply.send({ success: true, accepted: outcome.accepted, rejected: outcome.rejected });
  };

  app.post(
    "/batch",
    {
      schema: {
        tags: TAG,
        summary: "Send up to 2,500 messages of any type (500 KB in all, 32 KB each).",
        body: Batch,
        response: responses,
      },
      validatorCompiler: () => () => true,
    },
    async (request, reply) => {
      if (!request.body) throw new HttpError(400, 'the request has no body; send {"batch": [...]}');
      const body = decodeBody(request.body as Buffer, request.headers["content-encoding"], MAX_BATCH_BYTES);
      const batch = (body as { batch?: unknown } | null)?.batch;
      if (!Array.isArray(batch))
        throw new HttpError(400, 'batch must be an array of messages: {"batch": [...]}');
      if (batch.length > MAX_BATCH_MESSAGES) {
        throw new HttpError(
          413,
          `the batch holds ${batch.length} messages; at most ${MAX_BATCH_MESSAGES} are accepted per request`,
        );
      }
      return answer(request, reply, batch, null, body);
    },
  );

  for (const type of MESSAGE_TYPES) {
    app.post(
      `/${type}`,
      {
        schema: {
          tags: TAG,
          summary: `Send one ${type} message (32 KB at most).`,
          body: Message,
          response: responses,
        },
        validatorCompiler: () => () => true,
      },
      async (request, reply) => {
        if (!request.body) throw new HttpError(400, "the request has no body; send a JSON message");
        const body = decodeBody(
          request.body as Buffer,
          request.headers["content-encoding"],
          MAX_SINGLE_BYTES,
        );
        return answer(request, reply, [body], type, body);
      },
    );
  }
}
