import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { hashSecret } from "../src/access/secrets.js";
import type { CustomerSearch } from "../src/analysis/customer/report.js";
import { type CustomerExport, customerSubject, type Erasure } from "../src/privacy/customer-data.js";
import { openWarehouse } from "../src/warehouse/duckdb.js";
import {
  basicAuth,
  cli,
  createApiToken,
  simulatedWarehouse,
  startServer,
  tempDir,
  waitForReport,
} from "./support.js";

let tmp: ReturnType<typeof tempDir>;
let db: string;
let customers: string[];

before(async () => {
  tmp = tempDir();
  db = `${tmp.dir}/privacy.duckdb`;
  const { wh } = await simulatedWarehouse(db, 300, 6);
  await wh.close();
  const found = JSON.parse(
    (await cli(["report", "customer", "--search", "cust-", "--db", db, "--json"])).stdout,
  );
  customers = (found as CustomerSearch).customers.map((c) => c.customerId);
  assert.ok(customers.length >= 3);
});
after(() => tmp.cleanup());

const count = async (sql: string, params: unknown[]) => {
  const wh = await openWarehouse(db);
  try {
    return (await wh.query<{ n: number }>(sql, params as string[]))[0]!.n;
  } finally {
    await wh.close();
  }
};

test("export gives everything stored about a customer; erase removes it under every id, audited", async () => {
  const id = customers[0]!;
  const exported = JSON.parse((await cli(["customer", "export", id, "--db", db])).stdout) as CustomerExport;
  assert.equal(exported.customerId, id);
  assert.equal(exported.events.length, exported.profile.events);
  assert.ok(exported.events.every((e) => typeof e.properties === "object"));
  const ids = exported.profile.ids.map((i) => i.id);
  assert.ok(ids.length >= 2, "a known and an anonymous id");

  const refused = await cli(["customer", "erase", id, "--db", db]);
  assert.equal(refused.code, 1);
  assert.match(refused.stderr, /cannot be undone: add --yes/);
  const erased = await cli(["customer", "erase", id, "--db", db, "--yes"]);
  assert.equal(erased.code, 0, erased.stderr);
  assert.match(erased.stdout, new RegExp(`^erased ${id}: ${exported.events.length} events`));

  assert.equal(
    await count(
      "SELECT count(*) AS n FROM events WHERE list_contains($1, user_id) OR list_contains($1, anonymous_id)",
      [ids],
    ),
    0,
  );
  assert.equal(await count("SELECT count(*) AS n FROM customer_map WHERE list_contains($1, id)", [ids]), 0);
  assert.equal(
    await count(
      "SELECT count(*) AS n FROM identity_links WHERE list_contains($1, from_id) OR list_contains($1, to_id)",
      [ids],
    ),
    0,
  );
  assert.equal((await cli(["report", "customer", id, "--db", db])).code, 1);
  assert.equal(
    await count("SELECT count(*) AS n FROM audit_log WHERE subject = $1", [customerSubject(id)]),
    2,
    "export and erasure, under a hash of the id",
  );
  // The warehouse file itself: no text column of any table holds an id or the email (other traits, a
  // name or a city, are shared with other simulated customers, so they would prove nothing).
  const needles = [...ids, String(exported.profile.traits.email)];
  const wh = await openWarehouse(db);
  try {
    const columns = await wh.query<{ table_name: string; column_name: string }>(
      `SELECT table_name, column_name FROM information_schema.columns
       WHERE table_schema = 'main' AND data_type IN ('VARCHAR', 'JSON')
         AND table_name IN (SELECT table_name FROM information_schema.tables WHERE table_type = 'BASE TABLE')`,
    );
    assert.ok(columns.length > 20);
    for (const c of columns) {
      const [hit] = await wh.query<{ n: number }>(
        `SELECT count(*) AS n FROM "${c.table_name}"
         WHERE list_bool_or(list_transform($1::VARCHAR[], x -> contains("${c.column_name}"::VARCHAR, x)))`,
        [needles],
      );
      assert.equal(hit!.n, 0, `${c.table_name}.${c.column_name} still holds the customer's data`);
    }
  } finally {
    await wh.close();
  }
});

test("over HTTP, exports and erasures need an admin token and are audited with the token's id", async () => {
  const read = await createApiToken(db, "read");
  const admin = await createApiToken(db, "admin");
  const id = customers[1]!;
  const server = await startServer(db);
  try {
    const call = (method: string, path: string, token: string) =>
      fetch(`${server.url}${path}`, { method, headers: { authorization: `Bearer ${token}` } });
    assert.equal((await call("GET", `/api/customers/${id}/export`, read)).status, 403);
    assert.equal((await call("DELETE", `/api/customers/${id}`, read)).status, 403);
    const exported = await call("GET", `/api/customers/${id}/export`, admin);
    assert.equal(exported.status, 200);
    const events = ((await exported.json()) as CustomerExport).events.length;
    const erased = await call("DELETE", `/api/customers/${id}`, admin);
    assert.equal(erased.status, 200);
    assert.equal(((await erased.json()) as Erasure).events, events);
    assert.equal((await call("GET", `/api/customers/${id}`, read)).status, 404);
    assert.equal((await call("DELETE", `/api/customers/${id}`, admin)).status, 404);
  } finally {
    await server.stop();
  }
  const wh = await openWarehouse(db);
  try {
    const log = await wh.query<{ action: string; actor: string }>(
      "SELECT action, actor FROM audit_log WHERE subject = $1 ORDER BY happened_at",
      [customerSubject(id)],
    );
    assert.deepEqual(
      log.map((l) => l.action),
      ["customer.export", "customer.erase"],
    );
    assert.ok(log.every((l) => /^token:/.test(l.actor)));
  } finally {
    await wh.close();
  }
});

test("the permission matrix: no token, a read token and an admin token on each route group", async () => {
  const read = await createApiToken(db, "read");
  const admin = await createApiToken(db, "admin");
  const id = customers[2]!;
  const server = await startServer(db);
  try {
    const status = async (method: string, path: string, token: string | null, body?: object) =>
      (
        await fetch(`${server.url}${path}`, {
          method,
          headers: {
            ...(token ? { authorization: `Bearer ${token}` } : {}),
            ...(body ? { "content-type": "application/json" } : {}),
          },
          body: body ? JSON.stringify(body) : undefined,
        })
      ).status;
    // [method, path, no token, read, admin, body]; the export precedes the erasure it would otherwise
    // miss, and a source is created before it is rotated and revoked.
    const matrix: [string, string, number, number, number, object?][] = [
      ["GET", "/health", 200, 200, 200],
      ["GET", "/s/delivery_csat/definition.json", 200, 200, 200],
      ["GET", "/openapi.json", 401, 200, 200],
      ["GET", "/api/journey-map", 401, 200, 200],
      ["GET", "/api/feedback", 401, 200, 200],
      ["GET", "/api/customers?query=cust", 401, 200, 200],
      ["GET", `/api/customers/${id}`, 401, 200, 200],
      ["GET", `/api/customers/${id}/export`, 401, 403, 200],
      ["DELETE", `/api/customers/${id}`, 401, 403, 200],
      ["GET", "/api/no-such-report", 401, 404, 404],
      ["POST", "/api/no-such-thing", 401, 404, 404, {}],
      ["POST", "/api/session", 200, 200, 200, { token: read }],
      ["GET", "/api/session", 401, 200, 200],
      ["DELETE", "/api/session", 401, 204, 204],
      ["GET", "/api/sources", 401, 200, 200],
      ["GET", "/api/sources/events?limit=5", 401, 200, 200],
      ["GET", "/api/sources/rejected", 401, 200, 200],
      ["POST", "/api/sources", 401, 403, 201, { name: "matrix", kind: "pos" }],
      ["POST", "/api/sources/matrix/rotate", 401, 403, 200],
      ["DELETE", "/api/sources/matrix", 401, 403, 200],
      ["GET", "/api/catalog", 401, 200, 200],
      ["POST", "/api/catalog/check", 401, 200, 200, { text: "stages: [a]" }],
    ];
    for (const [method, path, none, withRead, withAdmin, body] of matrix) {
      assert.deepEqual(
        [
          await status(method, path, null, body),
          await status(method, path, read, body),
          await status(method, path, admin, body),
        ],
        [none, withRead, withAdmin],
        `${method} ${path}`,
      );
    }
    // The dashboard shell holds no data: it loads without a token (503 when web/ is not built).
    for (const path of ["/", "/journey-map"]) assert.notEqual(await status("GET", path, null), 401, path);
    // The tracking API answers to write keys, not tokens.
    const track = await fetch(`${server.url}/v1/track`, {
      method: "POST",
      headers: { authorization: `Bearer ${admin}`, "content-type": "application/json" },
      body: JSON.stringify({ userId: "u", event: "E" }),
    });
    assert.equal(track.status, 401);
  } finally {
    await server.stop();
  }
});

test("sources over HTTP: a key shown once that works after rotate, every change audited, a live debugger", async () => {
  const read = await createApiToken(db, "read");
  const admin = await createApiToken(db, "admin");
  const server = await startServer(db);
  try {
    const call = (method: string, path: string, token: string, body?: object) =>
      fetch(`${server.url}${path}`, {
        method,
        headers: {
          authorization: `Bearer ${token}`,
          ...(body ? { "content-type": "application/json" } : {}),
        },
        body: body ? JSON.stringify(body) : undefined,
      });
    const track = (key: string, batch: object[]) =>
      fetch(`${server.url}/v1/batch`, {
        method: "POST",
        headers: { authorization: basicAuth(key), "content-type": "application/json" },
        body: JSON.stringify({ batch }),
      });

    const created = await call("POST", "/api/sources", admin, { name: "kiosk", kind: "pos" });
    assert.equal(created.status, 201);
    const { source, writeKey } = (await created.json()) as { source: { channel: string }; writeKey: string };
    assert.match(writeKey, /^tp_wk_/);
    assert.equal(source.channel, "In-store");
    const listed = await (await call("GET", "/api/sources", read)).text();
    assert.ok(!listed.includes(writeKey), "the list never shows a key");
    assert.match(listed, /"name":"kiosk".*"keyHint":"tp_wk_…/);
    assert.equal((await call("POST", "/api/sources", admin, { name: "kiosk" })).status, 409);
    const badKind = await call("POST", "/api/sources", admin, { name: "till", kind: "fax" });
    assert.equal(badKind.status, 400);
    assert.match(((await badKind.json()) as { message: string }).message, /unknown source kind "fax"/);
    const noName = await call("POST", "/api/sources", admin, { kind: "pos" });
    assert.equal(noName.status, 400);
    assert.match(((await noName.json()) as { message: string }).message, /name/);
    assert.equal((await call("POST", "/api/sources/nowhere/rotate", admin)).status, 404);

    // Used once, the key sits in the ingestor's cache; rotating must still end it at once.
    assert.equal(
      (await track(writeKey, [{ type: "track", userId: "k0", event: "Store Visited" }])).status,
      200,
    );
    const rotated = await call("POST", "/api/sources/kiosk/rotate", admin);
    assert.equal(rotated.status, 200);
    const fresh = ((await rotated.json()) as { writeKey: string }).writeKey;
    assert.notEqual(fresh, writeKey);
    assert.equal(
      (await track(writeKey, [{ type: "track", userId: "k1", event: "Store Visited" }])).status,
      401,
    );
    const sent = await track(fresh, [
      { type: "track", userId: "k1", event: "Store Visited", properties: { store: "north" } },
      { type: "track", userId: "k1" },
    ]);
    assert.equal(sent.status, 200);

    // The live debugger: what arrived (once the loader has moved it into the warehouse) and what did not.
    type Events = { events: { event: string; userId: string; source: string; properties: object }[] };
    const events = await waitForReport<Events>(
      server,
      read,
      "/api/sources/events?source=kiosk&limit=5",
      (r) => r.events.length > 1,
    );
    assert.deepEqual(
      events.events.map((e) => [e.event, e.userId, e.source, e.properties]),
      [
        ["Store Visited", "k1", "kiosk", { store: "north" }],
        ["Store Visited", "k0", "kiosk", {}],
      ],
      "newest first",
    );
    const rejected = (await (await call("GET", "/api/sources/rejected?source=kiosk", read)).json()) as {
      rejected: { reason: string; field: string | null; userId: string }[];
    };
    assert.equal(rejected.rejected.length, 1);
    assert.equal(rejected.rejected[0]!.userId, "k1");
    assert.ok(rejected.rejected[0]!.reason.length > 0);
    assert.equal((await call("GET", "/api/sources/events?limit=501", read)).status, 400);

    assert.equal((await call("DELETE", "/api/sources/kiosk", admin)).status, 200);
    assert.equal((await call("DELETE", "/api/sources/kiosk", admin)).status, 409);
    assert.equal((await track(fresh, [{ type: "track", userId: "k1", event: "Store Visited" }])).status, 401);
  } finally {
    await server.stop();
  }
  const wh = await openWarehouse(db);
  try {
    const log = await wh.query<{ action: string; actor: string }>(
      "SELECT action, actor FROM audit_log WHERE subject = 'kiosk' ORDER BY happened_at",
    );
    assert.deepEqual(
      log.map((l) => l.action),
      ["source.create", "source.rotate", "source.revoke"],
    );
    const [adminId] = await wh.query<{ id: string }>("SELECT id FROM api_tokens WHERE token_hash = $1", [
      hashSecret(admin),
    ]);
    assert.ok(log.every((l) => l.actor === `token:${adminId!.id}`));
  } finally {
    await wh.close();
  }
});
