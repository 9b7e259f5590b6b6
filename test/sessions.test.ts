import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { after, before, test } from "node:test";
import type { FastifyInstance, LightMyRequestResponse } from "fastify";
import { createToken, tokenFor } from "../src/access/tokens.js";
import { addUser, removeUser } from "../src/access/users.js";
import { loadDefaultCatalog } from "../src/catalog/default.js";
import {
  type AccessSettings,
  DEFAULT_ACCESS,
  ingestLogDir,
  loadConfig,
  type RateLimits,
} from "../src/config.js";
import { Ingestor } from "../src/ingest/ingestor.js";
import { buildApp } from "../src/server/app.js";
import { CONTENT_SECURITY_POLICY } from "../src/server/security-headers.js";
import { createSource } from "../src/sources/sources.js";
import { openWarehouse } from "../src/warehouse/duckdb.js";
import type { Warehouse } from "../src/warehouse/warehouse.js";
import { basicAuth, CLI, cli, tempDir } from "./support.js";

const HOST = "touchpoint.test";
const SAME_ORIGIN = { host: HOST, origin: `http://${HOST}` };
const PASSWORD = "correct horse battery staple";

let tmp: ReturnType<typeof tempDir>;
let db: string;
let wh: Warehouse;
let ingestor: Ingestor;
let app: FastifyInstance;
let readToken: string;
let adminToken: string;
let writeKey: string;
const apps: FastifyInstance[] = [];

/** The app on the shared warehouse, with other session settings or rate limits. */
async function appWith(access: AccessSettings = DEFAULT_ACCESS, rateLimits?: RateLimits) {
  const catalog = loadDefaultCatalog();
  const built = await buildApp({ warehouse: wh, ingestor, catalog: () => catalog, access, rateLimits });
  apps.push(built);
  return built;
}

/** `touchpoint …` with `input` on stdin. */
function cliWithStdin(args: string[], input: string, env: NodeJS.ProcessEnv = {}) {
  const child = spawn(process.execPath, [CLI, ...args], { env: { ...process.env, ...env } });
  let stdout = "";
  let stderr = "";
  child.stdout.on("data", (d) => {
    stdout += d;
  });
  child.stderr.on("data", (d) => {
    stderr += d;
  });
  child.stdin.end(input);
  return new Promise<{ stdout: string; stderr: string; code: number | null }>((resolve) =>
    child.on("close", (code) => resolve({ stdout, stderr, code })),
  );
}

before(async () => {
  tmp = tempDir();
  db = `${tmp.dir}/sessions.duckdb`;
  // Users are added the way an operator adds them: with the CLI, password on stdin or in the environment.
  const env = { TOUCHPOINT_PASSWORD: undefined };
  const added = await cliWithStdin(
    ["users", "add", "ada", "--db", db, "--role", "admin"],
    `${PASSWORD}\n`,
    env,
  );
  assert.equal(added.code, 0, added.stderr);
  const reader = await cli(["users", "add", "rita", "--db", db], { TOUCHPOINT_PASSWORD: PASSWORD });
  assert.equal(reader.code, 0, reader.stderr);

  wh = await openWarehouse(db);
  const config = loadConfig({ db, ingest: { segmentMs: 50 } });
  ingestor = await Ingestor.start(wh, ingestLogDir(db), config.ingest, { info() {}, error() {} });
  readToken = (await createToken(wh, "read", "read")).token;
  adminToken = (await createToken(wh, "admin", "admin")).token;
  writeKey = (await createSource(wh, "site")).writeKey;
  app = await appWith();
});
after(async () => {
  for (const a of apps) await a.close();
  await ingestor.close();
  await wh.close();
  tmp.cleanup();
});

const signIn = (body: object, target = app, headers: Record<string, string> = {}) =>
  target.inject({ method: "POST", url: "/api/session", headers: { host: HOST, ...headers }, payload: body });

/** The `name=value` part of the session cookie an answer sets. */
function sessionCookie(res: LightMyRequestResponse): string {
  const set = String(res.headers["set-cookie"]);
  assert.match(set, /^touchpoint_session=[A-Za-z0-9_-]{43};/);
  return set.split(";")[0]!;
}

const withCookie = (cookie: string, method: "GET" | "POST" | "DELETE", url: string, extra = {}) =>
  app.inject({ method, url, headers: { ...SAME_ORIGIN, cookie, ...extra } });

test("signing in sets an HttpOnly, SameSite=Strict cookie for 12 hours; Secure only when asked", async () => {
  const res = await signIn({ token: readToken });
  assert.equal(res.statusCode, 200);
  assert.match(res.json().actor, /^token:/);
  assert.equal(res.json().role, "read");
  const attributes = String(res.headers["set-cookie"]).split("; ").slice(1).sort();
  assert.deepEqual(attributes, ["HttpOnly", "Max-Age=43200", "Path=/", "SameSite=Strict"]);

  const secure = await appWith({ ...DEFAULT_ACCESS, secureCookie: true, sessionTtlMs: 3600_000 });
  const set = String((await signIn({ token: readToken }, secure)).headers["set-cookie"]);
  assert.match(set, /; Secure(;|$)/);
  assert.match(set, /Max-Age=3600;/);
  assert.equal(loadConfig({}, { TOUCHPOINT_SECURE_COOKIE: "1" }).access.secureCookie, true);
  assert.equal(loadConfig({}, {}).access.secureCookie, false);
  assert.equal(loadConfig({}, { TOUCHPOINT_SESSION_TTL: "30m" }).access.sessionTtlMs, 1_800_000);
});

test("sign in by password or token; the cookie and a bearer token both say who is asking", async () => {
  const res = await signIn({ user: "ada", password: PASSWORD });
  assert.equal(res.statusCode, 200, res.body);
  assert.deepEqual(res.json(), { actor: "user:ada", role: "admin" });
  const me = await withCookie(sessionCookie(res), "GET", "/api/session");
  assert.deepEqual(me.json(), { actor: "user:ada", role: "admin" });
  const bearer = await app.inject({
    method: "GET",
    url: "/api/session",
    headers: { authorization: `Bearer ${adminToken}` },
  });
  assert.equal(bearer.statusCode, 200);
  assert.equal(bearer.json().role, "admin");
  assert.equal((await app.inject({ method: "GET", url: "/api/session" })).statusCode, 401);
});

test("a wrong password, an unknown user and a bad token get the very same 401", async () => {
  const answers = [
    await signIn({ user: "ada", password: "not the password at all" }),
    await signIn({ user: "nobody", password: PASSWORD }),
    await signIn({ token: "tp_tk_not-a-token" }),
  ];
  for (const a of answers) {
    assert.equal(a.statusCode, 401);
    assert.equal(a.headers["set-cookie"], undefined);
  }
  assert.equal(new Set(answers.map((a) => a.body)).size, 1, answers.map((a) => a.body).join("\n"));
  const neither = await signIn({ user: "ada" });
  assert.equal(neither.statusCode, 400);
  assert.match(neither.json().message, /"token", or "user" and "password"/);
  const empty = await signIn({ token: "" });
  assert.equal(empty.statusCode, 400);
  assert.match(empty.json().message, /token/);
});

test("a read session cannot erase a customer; an admin session can", async () => {
  const track = await app.inject({
    method: "POST",
    url: "/v1/batch",
    headers: { authorization: basicAuth(writeKey), "content-type": "application/json" },
    payload: {
      batch: [
        { type: "identify", userId: "erase-me", anonymousId: "anon-erase", traits: { plan: "gold" } },
        { type: "track", userId: "erase-me", event: "Order Completed", properties: { revenue: 10 } },
      ],
    },
  });
  assert.equal(track.statusCode, 200, track.body);
  await ingestor.flush();
  const rita = sessionCookie(await signIn({ user: "rita", password: PASSWORD }));
  const ada = sessionCookie(await signIn({ user: "ada", password: PASSWORD }));
  assert.equal((await withCookie(rita, "GET", "/api/customers/erase-me")).statusCode, 200);
  assert.equal((await withCookie(rita, "DELETE", "/api/customers/erase-me")).statusCode, 403);
  const erased = await withCookie(ada, "DELETE", "/api/customers/erase-me");
  assert.equal(erased.statusCode, 200, erased.body);
  assert.equal(erased.json().events, 2);
  const [entry] = await wh.query<{ actor: string }>(
    "SELECT actor FROM audit_log WHERE action = 'customer.erase' ORDER BY happened_at DESC LIMIT 1",
  );
  assert.equal(entry!.actor, "user:ada", "the audit log names the signed-in user");
});

test("signing out ends the session on the server: replaying the old cookie gets 401", async () => {
  const cookie = sessionCookie(await signIn({ token: readToken }));
  const out = await withCookie(cookie, "DELETE", "/api/session");
  assert.equal(out.statusCode, 204);
  assert.match(String(out.headers["set-cookie"]), /^touchpoint_session=; Max-Age=0; Path=\//);
  const replay = await withCookie(cookie, "GET", "/api/journey-map");
  assert.equal(replay.statusCode, 401);
  assert.match(replay.json().message, /session has ended/);
});

test("an expired session, a revoked token's and a removed user's sessions all get 401", async () => {
  const expiring = sessionCookie(await signIn({ token: readToken }));
  await wh.run("UPDATE sessions SET expires_at = now() - INTERVAL 1 MINUTE WHERE revoked_at IS NULL");
  assert.equal((await withCookie(expiring, "GET", "/api/session")).statusCode, 401);

  const doomed = await createToken(wh, "doomed", "read");
  const byToken = sessionCookie(await signIn({ token: doomed.token }));
  assert.equal((await withCookie(byToken, "GET", "/api/session")).statusCode, 200);
  await wh.run("UPDATE api_tokens SET revoked_at = now() WHERE id = $1", [doomed.id]);
  assert.equal((await withCookie(byToken, "GET", "/api/session")).statusCode, 401);

  await addUser(wh, "leaver", "read", PASSWORD);
  const leaver = sessionCookie(await signIn({ user: "leaver", password: PASSWORD }));
  assert.equal((await withCookie(leaver, "GET", "/api/session")).statusCode, 200);
  await removeUser(wh, "leaver");
  assert.equal((await withCookie(leaver, "GET", "/api/session")).statusCode, 401);
  assert.equal((await signIn({ user: "leaver", password: PASSWORD })).statusCode, 401);
});

test("a cookie-authenticated change must come from this origin; a bearer token needs no Origin", async () => {
  const cookie = sessionCookie(await signIn({ user: "ada", password: PASSWORD }));
  const post = (headers: Record<string, string>) =>
    app.inject({
      method: "POST",
      url: "/api/catalog/check",
      headers: { host: HOST, ...headers },
      payload: { text: "stages: [a]" },
    });
  assert.equal((await post({ cookie, origin: "https://evil.example" })).statusCode, 403);
  assert.match((await post({ cookie, origin: "https://evil.example" })).json().message, /cross-origin/);
  assert.equal((await post({ cookie })).statusCode, 403, "no Origin and no Referer");
  assert.equal((await post({ cookie, origin: `http://${HOST}` })).statusCode, 200);
  assert.equal((await post({ cookie, referer: `http://${HOST}/catalog` })).statusCode, 200);
  assert.equal((await post({ cookie, referer: `http://${HOST}.evil.example/` })).statusCode, 403);
  // Under Referrer-Policy: no-referrer a browser may send Origin: null; its Sec-Fetch-Site then decides.
  assert.equal((await post({ cookie, origin: "null", "sec-fetch-site": "same-origin" })).statusCode, 200);
  assert.equal((await post({ cookie, origin: "null", "sec-fetch-site": "cross-site" })).statusCode, 403);
  assert.equal((await post({ cookie, origin: "null" })).statusCode, 403);
  assert.equal(
    (await post({ cookie, origin: "https://evil.example", "sec-fetch-site": "same-origin" })).statusCode,
    403,
    "a named foreign origin is never excused",
  );
  assert.equal((await post({ authorization: `Bearer ${readToken}` })).statusCode, 200);
  // Reads by cookie need no Origin: SameSite keeps the cookie off cross-site requests.
  assert.equal(
    (await app.inject({ method: "GET", url: "/api/session", headers: { cookie } })).statusCode,
    200,
  );
  // Nor may another site sign a browser in.
  assert.equal((await signIn({ token: readToken }, app, { origin: "https://evil.example" })).statusCode, 403);
  assert.equal((await signIn({ token: readToken }, app, { "sec-fetch-site": "cross-site" })).statusCode, 403);
});

test("the password is stored only as a salted scrypt hash: not in any byte of the warehouse", async () => {
  const rows = await wh.query<{ name: string; password_hash: string }>(
    "SELECT name, password_hash FROM users WHERE name IN ('ada', 'rita') ORDER BY name",
  );
  assert.equal(rows.length, 2);
  for (const r of rows)
    assert.match(r.password_hash, /^scrypt\$32768\$8\$1\$[A-Za-z0-9_-]{22}\$[A-Za-z0-9_-]{43}$/);
  assert.notEqual(rows[0]!.password_hash, rows[1]!.password_hash, "the same password, two salts");
  // Check the file itself, with a closed warehouse; the user name shows that stored text is findable.
  await ingestor.close();
  await wh.close();
  try {
    const bytes = [db, `${db}.wal`].filter(existsSync).map((f) => readFileSync(f));
    assert.ok(bytes.some((b) => b.includes("rita")));
    assert.ok(!bytes.some((b) => b.includes(PASSWORD)), "the password is in the warehouse file");
  } finally {
    wh = await openWarehouse(db);
    ingestor = await Ingestor.start(wh, ingestLogDir(db), loadConfig({ db }).ingest, {
      info() {},
      error() {},
    });
    for (const a of apps.splice(0)) await a.close();
    app = await appWith();
  }
});

test("users: a short password is refused, never taken as an argument; list and remove are audited", async () => {
  const other = `${tmp.dir}/users.duckdb`;
  const short = await cli(["users", "add", "bob", "--db", other], { TOUCHPOINT_PASSWORD: "short" });
  assert.equal(short.code, 1);
  assert.match(short.stderr, /^error: the password must have at least 12 characters/);
  const asArgument = await cli(["users", "add", "bob", "--db", other, "--password", PASSWORD]);
  assert.notEqual(asArgument.code, 0);
  const none = await cliWithStdin(["users", "add", "bob", "--db", other], "", {
    TOUCHPOINT_PASSWORD: undefined,
  });
  assert.equal(none.code, 1);
  assert.match(none.stderr, /no password/);
  assert.equal(
    (await cli(["users", "add", "bob", "--db", other], { TOUCHPOINT_PASSWORD: PASSWORD })).code,
    0,
  );
  const again = await cli(["users", "add", "bob", "--db", other], { TOUCHPOINT_PASSWORD: PASSWORD });
  assert.match(again.stderr, /already exists/);
  const bad = await cli(["users", "add", "b b", "--db", other, "--role", "root"], {
    TOUCHPOINT_PASSWORD: PASSWORD,
  });
  assert.match(bad.stderr, /unknown role "root"/);
  const list = await cli(["users", "list", "--db", other, "--json"]);
  assert.deepEqual(
    JSON.parse(list.stdout).map((u: { name: string; role: string }) => [u.name, u.role]),
    [["bob", "read"]],
  );
  assert.equal((await cli(["users", "remove", "bob", "--db", other])).code, 0);
  assert.match((await cli(["users", "remove", "bob", "--db", other])).stderr, /no user named "bob"/);
  const log = await openWarehouse(other);
  try {
    const entries = await log.query<{ action: string; subject: string; actor: string }>(
      "SELECT action, subject, actor FROM audit_log ORDER BY happened_at",
    );
    assert.deepEqual(
      entries.map((e) => [e.action, e.subject]),
      [
        ["user.add", "bob"],
        ["user.remove", "bob"],
      ],
    );
    assert.ok(entries.every((e) => e.actor.startsWith("cli:")));
  } finally {
    await log.close();
  }
});

test("security headers on the dashboard and the query API, not on the tracking API or survey pages", async () => {
  const expected = {
    "content-security-policy": CONTENT_SECURITY_POLICY,
    "x-content-type-options": "nosniff",
    "x-frame-options": "DENY",
    "referrer-policy": "no-referrer",
    "cross-origin-opener-policy": "same-origin",
  };
  assert.equal(
    CONTENT_SECURITY_POLICY,
    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data: blob:; connect-src 'self'; font-src 'self' data:; frame-ancestors 'none'; base-uri 'self'; form-action 'self'",
  );
  const headersOf = async (url: string, headers = {}) => {
    const res = await app.inject({ method: "GET", url, headers });
    return Object.fromEntries(Object.keys(expected).map((k) => [k, res.headers[k]]));
  };
  assert.deepEqual(await headersOf("/"), expected);
  assert.deepEqual(await headersOf("/gaps?from=2026-01-01"), expected);
  assert.deepEqual(await headersOf("/api/journey-map"), expected, "a 401 too");
  assert.deepEqual(await headersOf("/api/sources", { authorization: `Bearer ${readToken}` }), expected);
  assert.deepEqual(await headersOf("/health"), expected);
  const tracking = await app.inject({
    method: "OPTIONS",
    url: "/v1/track",
    headers: { origin: "https://shop.example", "access-control-request-method": "POST" },
  });
  assert.ok(tracking.headers["access-control-allow-origin"], "CORS for browsers sending events");
  assert.equal(tracking.headers["content-security-policy"], undefined);
  assert.equal(tracking.headers["x-frame-options"], undefined);
  const track = await app.inject({ method: "POST", url: "/v1/track", payload: {} });
  assert.equal(track.headers["content-security-policy"], undefined);
  const unknown = await app.inject({ method: "POST", url: "/nowhere", payload: {} });
  assert.equal(unknown.statusCode, 404);
  assert.deepEqual(
    Object.fromEntries(Object.keys(expected).map((k) => [k, unknown.headers[k]])),
    expected,
    "unknown paths are answered by the dashboard's side",
  );
});

test("the tracking API's requests run CORS and none of the other routes' hooks", () => {
  // Cookies, sessions, the rate limit and security headers cost /v1/track ~20 % of its rate.
  const tree = app.printRoutes({ includeHooks: true, commonPrefix: false }).split("\n");
  for (const route of ["/v1/track (POST)", "/v1/batch (POST)"]) {
    const at = tree.findIndex((line) => line.endsWith(route));
    assert.ok(at >= 0, route);
    const hooks = [];
    for (let i = at + 1; i < tree.length && tree[i]!.includes("•"); i++)
      hooks.push(tree[i]!.slice(tree[i]!.indexOf("•")));
    assert.deepEqual(hooks, ['• (onRequest) ["handleCors()"]'], route);
  }
});

test("sign-in attempts are rate limited per client address: 429 with Retry-After", async () => {
  const limits: RateLimits = { perWriteKey: 0, perToken: 0, perSurveyClient: 0, perSignInClient: 3 };
  const limited = await appWith(DEFAULT_ACCESS, limits);
  const statuses = [];
  for (let i = 0; i < 4; i++)
    statuses.push((await signIn({ user: "ada", password: "wrong password!" }, limited)).statusCode);
  assert.deepEqual(statuses, [401, 401, 401, 429]);
  const blocked = await signIn({ user: "ada", password: PASSWORD }, limited);
  assert.equal(blocked.statusCode, 429, "even the right password waits");
  assert.ok(Number(blocked.headers["retry-after"]) > 0);
  const elsewhere = await limited.inject({
    method: "POST",
    url: "/api/session",
    remoteAddress: "198.51.100.7",
    payload: { user: "ada", password: PASSWORD },
  });
  assert.equal(elsewhere.statusCode, 200, "another address has its own window");
});

test("the catalog in force as JSON and YAML; a check names the line of each problem", async () => {
  const res = await app.inject({
    method: "GET",
    url: "/api/catalog",
    headers: { authorization: `Bearer ${readToken}` },
  });
  assert.equal(res.statusCode, 200);
  const catalog = res.json();
  assert.equal(catalog.source, "built-in");
  assert.deepEqual(catalog.fileIssues, []);
  assert.ok(catalog.stages.length >= 3 && catalog.touchpoints.length > 10);
  assert.match(catalog.yaml, /touchpoints:/);
  assert.ok(catalog.touchpoints.every((t: { match: unknown[] }) => t.match.length > 0));

  const check = (text: string) =>
    app.inject({
      method: "POST",
      url: "/api/catalog/check",
      headers: { authorization: `Bearer ${readToken}` },
      payload: { text },
    });
  const good = await check(catalog.yaml);
  assert.deepEqual(
    { ok: good.json().ok, stages: good.json().stages, touchpoints: good.json().touchpoints },
    { ok: true, stages: catalog.stages.length, touchpoints: catalog.touchpoints.length },
  );
  const bad = await check(
    [
      "stages: [pre-purchase, purchase]",
      "touchpoints:",
      "  - id: checkout",
      "    name: Checkout",
      "    stage: purchase",
      "    match: { event: Checkout Started }",
      "  - id: Reviews",
      "    name: Reviews",
      "    stage: nowhere",
      "    match: { event: Product Reviews Viewed }",
    ].join("\n"),
  );
  assert.equal(bad.statusCode, 200);
  const { ok, issues } = bad.json() as { ok: boolean; issues: { line: number; message: string }[] };
  assert.equal(ok, false);
  assert.ok(
    issues.some((i) => i.line === 7 && /invalid touchpoint id "Reviews"/.test(i.message)),
    bad.body,
  );
  assert.ok(
    issues.some((i) => i.line === 9 && /nowhere/.test(i.message)),
    bad.body,
  );
  const missing = await app.inject({
    method: "POST",
    url: "/api/catalog/check",
    headers: { authorization: `Bearer ${readToken}` },
    payload: { yaml: "stages: []" },
  });
  assert.equal(missing.statusCode, 400);
  assert.match(missing.json().message, /text/);
});

/** Runs `touchpoint ARGS` until its dashboard line, then stops it; returns what it printed. */
async function untilDashboardLine(args: string[]): Promise<string> {
  const child = spawn(process.execPath, [CLI, ...args, "--port", "0"], { stdio: ["ignore", "pipe", "pipe"] });
  let out = "";
  child.stderr.on("data", () => {});
  const exited = new Promise<number | null>((resolve) => child.on("exit", resolve));
  await new Promise<void>((resolve, reject) => {
    child.stdout.on("data", (d) => {
      out += d;
      if (/^dashboard: .*\n/m.test(out)) resolve();
    });
    void exited.then((code) => reject(new Error(`exited with ${code}:\n${out}`)));
  });
  // A moment for a hint line that follows the dashboard line.
  await new Promise((r) => setTimeout(r, 200));
  child.kill("SIGTERM");
  assert.equal(await exited, 0);
  return out;
}

test("demo prints a fresh admin token to sign in with on each start; serve says how to create one", async () => {
  const demoDb = `${tmp.dir}/demo.duckdb`;
  const first = await untilDashboardLine(["demo", "--db", demoDb, "--customers", "30"]);
  const line = /^listening on (http:\/\/\S+)\ndashboard: (\S+) — sign in with token (tp_tk_\S+)$/m.exec(
    first,
  );
  assert.ok(line, first);
  assert.equal(line[2], `${line[1]}/`);
  const second = await untilDashboardLine(["demo", "--db", demoDb, "--customers", "30"]);
  const again = /sign in with token (tp_tk_\S+)/.exec(second)![1]!;
  assert.notEqual(again, line[3]);
  const demo = await openWarehouse(demoDb);
  try {
    assert.equal(await tokenFor(demo, line[3]!), null, "the earlier demo token is revoked");
    assert.equal((await tokenFor(demo, again))?.role, "admin");
  } finally {
    await demo.close();
  }

  const emptyDb = `${tmp.dir}/empty.duckdb`;
  const empty = await untilDashboardLine(["serve", "--db", emptyDb]);
  assert.match(empty, /^dashboard: http:\/\/\S+\/\n/m);
  assert.match(empty, /nobody can sign in yet: .*touchpoint users add NAME --role admin/);
  await cli(["tokens", "create", "--db", emptyDb]);
  assert.doesNotMatch(await untilDashboardLine(["serve", "--db", emptyDb]), /nobody can sign in/);
});
