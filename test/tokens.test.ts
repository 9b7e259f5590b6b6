import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { cli, createApiToken, type RunningServer, startServer, tempDir } from "./support.js";

let tmp: ReturnType<typeof tempDir>;
let db: string;

before(() => {
  tmp = tempDir();
  db = `${tmp.dir}/tokens.duckdb`;
});
after(() => tmp.cleanup());

test("tokens list shows hints, never tokens; tokens revoke ends the token, its sessions and is audited", async () => {
  const token = await createApiToken(db, "read");
  const listed = await cli(["tokens", "list", "--db", db, "--json"]);
  assert.equal(listed.code, 0, listed.stderr);
  const [info] = JSON.parse(listed.stdout) as { id: string; role: string; hint: string; revokedAt: null }[];
  assert.equal(info!.role, "read");
  assert.equal(info!.hint, `tp_tk_…${token.slice(-4)}`);
  assert.ok(!listed.stdout.includes(token));
  assert.match((await cli(["tokens", "list", "--db", db])).stdout, new RegExp(info!.id));

  let server: RunningServer = await startServer(db);
  const signIn = await fetch(`${server.url}/api/session`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ token }),
  });
  assert.equal(signIn.status, 200);
  const cookie = signIn.headers.get("set-cookie")!.split(";")[0]!;
  await server.stop();

  const revoked = await cli(["tokens", "revoke", info!.id, "--db", db]);
  assert.equal(revoked.code, 0, revoked.stderr);
  const again = await cli(["tokens", "revoke", info!.id, "--db", db]);
  assert.equal(again.code, 1);
  assert.match(again.stderr, /no active token with id/);

  server = await startServer(db);
  try {
    const credentials: Record<string, string>[] = [{ authorization: `Bearer ${token}` }, { cookie }];
    for (const headers of credentials) {
      const res = await fetch(`${server.url}/api/session`, { headers });
      assert.equal(res.status, 401, JSON.stringify(Object.keys(headers)));
    }
  } finally {
    await server.stop();
  }
  const [after] = JSON.parse((await cli(["tokens", "list", "--db", db, "--json"])).stdout) as {
    revokedAt: string | null;
  }[];
  assert.ok(after!.revokedAt);
  const { openWarehouse } = await import("../src/warehouse/duckdb.js");
  const wh = await openWarehouse(db);
  try {
    const rows = await wh.query<{ action: string; subject: string }>(
      "SELECT action, subject FROM audit_log WHERE action = 'token.revoke'",
    );
    assert.deepEqual(rows, [{ action: "token.revoke", subject: info!.id }]);
  } finally {
    await wh.close();
  }
});
