import { type Static, Type } from "@sinclair/typebox";
import type { FastifyInstance, FastifyRequest } from "fastify";
import type { Ingestor } from "../ingest/ingestor.js";
import { audit } from "../privacy/audit.js";
import {
  createSource,
  listSources,
  revokeSource,
  rotateSourceKey,
  SOURCE_KINDS,
  SourceError,
  type SourceRecord,
} from "../sources/sources.js";
import type { Warehouse } from "../warehouse/warehouse.js";
import { HttpError } from "./http-error.js";
import { SECURITY } from "./session-routes.js";

const Timestamp = Type.String({ format: "date-time" });

const Source = Type.Object({
  name: Type.String(),
  kind: Type.String(),
  channel: Type.Union([Type.String(), Type.Null()], { description: "null: by channel grouping" }),
  keyHint: Type.String({ description: "the key's last characters; the key itself is never shown again" }),
  createdAt: Timestamp,
  revokedAt: Type.Union([Timestamp, Type.Null()]),
});

const SourceWithKey = Type.Object({
  source: Source,
  writeKey: Type.String({ description: "shown only in this answer; only its hash is stored" }),
});

const NameParam = Type.Object({ name: Type.String({ minLength: 1, maxLength: 64 }) });

const Limit = Type.Optional(Type.Integer({ minimum: 1, maximum: 500, description: "default 50" }));

const Json = Type.Unknown();
const ReceivedEvent = Type.Object({
  messageId: Type.String(),
  type: Type.String(),
  event: Type.Union([Type.String(), Type.Null()]),
  userId: Type.Union([Type.String(), Type.Null()]),
  anonymousId: Type.Union([Type.String(), Type.Null()]),
  groupId: Type.Union([Type.String(), Type.Null()]),
  source: Type.String(),
  channel: Type.String(),
  timestamp: Timestamp,
  receivedAt: Timestamp,
  properties: Json,
  traits: Json,
  context: Json,
});

const RejectedEvent = Type.Object({
  receivedAt: Timestamp,
  source: Type.Union([Type.String(), Type.Null()]),
  reason: Type.String(),
  field: Type.Union([Type.String(), Type.Null()]),
  messageId: Type.Union([Type.String(), Type.Null()]),
  userId: Type.Union([Type.String(), Type.Null()]),
  anonymousId: Type.Union([Type.String(), Type.Null()]),
  payload: Type.Union([Type.String(), Type.Null()], { description: "the message as received" }),
});

const publicSource = (s: SourceRecord) => ({
  name: s.name,
  kind: s.kind,
  channel: s.channel,
  keyHint: s.keyHint,
  createdAt: s.createdAt.toISOString(),
  revokedAt: s.revokedAt?.toISOString() ?? null,
});

const parseJson = (text: string | null): unknown => (text === null ? null : JSON.parse(text));

/**
 * Sources over HTTP for the dashboard: list (read), create, rotate and revoke (admin; audited with the
 * request's actor), and the live debugger of the last events received and rejected (read).
 */
export async function sourceRoutes(
  app: FastifyInstance,
  options: { warehouse: Warehouse; ingestor: Ingestor },
): Promise<void> {
  const wh = options.warehouse;
  const admin = (request: FastifyRequest) => {
    if (request.role !== "admin") throw new HttpError(403, "changing sources needs the admin role");
  };
  const existing = async (name: string) => {
    const source = (await listSources(wh)).find((s) => s.name === name);
    if (!source) throw new HttpError(404, `no source named ${JSON.stringify(name)}`);
    return source;
  };
  // The source module's checks (name, kind, already revoked) are the client's mistakes.
  const asClientError = (err: unknown): never => {
    throw err instanceof SourceError ? new HttpError(400, err.message) : err;
  };

  app.get(
    "/sources",
    {
      schema: {
        summary: "the sources and a hint of their write keys (never the keys)",
        tags: ["sources"],
        security: SECURITY,
        response: { 200: Type.Object({ sources: Type.Array(Source) }) },
      },
    },
    async () => ({ sources: (await listSources(wh)).map(publicSource) }),
  );

  app.post(
    "/sources",
    {
      schema: {
        summary: "create a source (admin; audited); its write key is in this answer only",
        tags: ["sources"],
        security: SECURITY,
        body: Type.Object({
          name: Type.String({ minLength: 1, maxLength: 64 }),
          kind: Type.Optional(
            Type.String({ maxLength: 32, description: `one of ${Object.keys(SOURCE_KINDS).join(", ")}` }),
          ),
        }),
        response: { 201: SourceWithKey },
      },
    },
    async (request, reply) => {
      admin(request);
      const { name, kind } = request.body as { name: string; kind?: string };
      if ((await listSources(wh)).some((s) => s.name === name))
        throw new HttpError(409, `a source named ${JSON.stringify(name)} already exists`);
      const { source, writeKey } = await createSource(wh, name, kind ?? "web").catch(asClientError);
      await audit(wh, {
        actor: request.actor!,
        action: "source.create",
        subject: source.name,
        detail: { kind: source.kind },
      });
      return reply.code(201).send({ source: publicSource(source), writeKey });
    },
  );

  app.post(
    "/sources/:name/rotate",
    {
      schema: {
        summary: "a new write key for the source (admin; audited); the old one stops working at once",
        tags: ["sources"],
        security: SECURITY,
        params: NameParam,
        response: { 200: SourceWithKey },
      },
    },
    async (request) => {
      admin(request);
      const { name } = request.params as Static<typeof NameParam>;
      await existing(name);
      const writeKey = await rotateSourceKey(wh, name).catch(asClientError);
      // The ingestor caches keys briefly: the old key must stop working now, not in 30 seconds.
      options.ingestor.forgetKeys();
      await audit(wh, { actor: request.actor!, action: "source.rotate", subject: name });
      return { source: publicSource(await existing(name)), writeKey };
    },
  );

  app.delete(
    "/sources/:name",
    {
      schema: {
        summary: "revoke the source's write key (admin; audited): its clients get 401 until a rotate",
        tags: ["sources"],
        security: SECURITY,
        params: NameParam,
        response: { 200: Type.Object({ source: Source }) },
      },
    },
    async (request) => {
      admin(request);
      const { name } = request.params as Static<typeof NameParam>;
      if ((await existing(name)).revokedAt)
        throw new HttpError(409, `the source ${JSON.stringify(name)} is already revoked`);
      await revokeSource(wh, name).catch(asClientError);
      options.ingestor.forgetKeys();
      await audit(wh, { actor: request.actor!, action: "source.revoke", subject: name });
      return { source: publicSource(await existing(name)) };
    },
  );

  const EventsQuery = Type.Object({
    limit: Limit,
    source: Type.Optional(Type.String({ minLength: 1, maxLength: 64 })),
  });
  app.get(
    "/sources/events",
    {
      schema: {
        summary: "the last events stored, newest first: the live debugger",
        tags: ["sources"],
        security: SECURITY,
        querystring: EventsQuery,
        response: { 200: Type.Object({ events: Type.Array(ReceivedEvent) }) },
      },
    },
    async (request) => {
      const { limit, source } = request.query as Static<typeof EventsQuery>;
      const rows = await wh.query<{
        message_id: string;
        type: string;
        event: string | null;
        user_id: string | null;
        anonymous_id: string | null;
        group_id: string | null;
        source: string;
        channel: string;
        ts: Date;
        received_at: Date;
        properties: string | null;
        traits: string | null;
        context: string | null;
      }>(
        `SELECT message_id, type, event, user_id, anonymous_id, group_id, source, channel, ts, received_at,
                properties::VARCHAR AS properties, traits::VARCHAR AS traits, context::VARCHAR AS context
         FROM events WHERE $1::VARCHAR IS NULL OR source = $1
         ORDER BY received_at DESC, message_id LIMIT $2`,
        [source ?? null, limit ?? 50],
      );
      return {
        events: rows.map((r) => ({
          messageId: r.message_id,
          type: r.type,
          event: r.event,
          userId: r.user_id,
          anonymousId: r.anonymous_id,
          groupId: r.group_id,
          source: r.source,
          channel: r.channel,
          timestamp: r.ts.toISOString(),
          receivedAt: r.received_at.toISOString(),
          properties: parseJson(r.properties),
          traits: parseJson(r.traits),
          context: parseJson(r.context),
        })),
      };
    },
  );

  app.get(
    "/sources/rejected",
    {
      schema: {
        summary: "the last rejected messages with their reasons, newest first",
        tags: ["sources"],
        security: SECURITY,
        querystring: EventsQuery,
        response: { 200: Type.Object({ rejected: Type.Array(RejectedEvent) }) },
      },
    },
    async (request) => {
      const { limit, source } = request.query as Static<typeof EventsQuery>;
      const rows = await wh.query<{
        received_at: Date;
        source: string | null;
        reason: string;
        field: string | null;
        message_id: string | null;
        user_id: string | null;
        anonymous_id: string | null;
        payload: string | null;
      }>(
        `SELECT received_at, source, reason, field, message_id, user_id, anonymous_id, payload
         FROM rejected_events WHERE $1::VARCHAR IS NULL OR source = $1
         ORDER BY received_at DESC LIMIT $2`,
        [source ?? null, limit ?? 50],
      );
      return {
        rejected: rows.map((r) => ({
          receivedAt: r.received_at.toISOString(),
          source: r.source,
          reason: r.reason,
          field: r.field,
          messageId: r.message_id,
          userId: r.user_id,
          anonymousId: r.anonymous_id,
          payload: r.payload,
        })),
      };
    },
  );
}
