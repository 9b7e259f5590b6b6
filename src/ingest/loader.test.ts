import assert from "node:assert/strict";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import type { Warehouse } from "../warehouse/warehouse.js";
import { IngestLog } from "./ingest-log.js";
import { Loader } from "./loader.js";

/** A warehouse that refuses every load, counting the attempts. */
function refusingWarehouse() {
  const calls = { loads: 0 };
  const wh = {
    loadSegments: async () => {
      calls.loads++;
      throw new Error("disk full");
    },
  } as unknown as Warehouse;
  return { wh, calls };
}

test("a failed load is retried while serving, but not once the loader is finishing", async () => {
  const d = mkdtempSync(join(tmpdir(), "loader-"));
  const { log } = await IngestLog.open(d, 0, { segmentMs: 60_000 });
  const { wh, calls } = refusingWarehouse();
  const errors: string[] = [];
  const loader = new Loader(wh, log, {
    dedupeWindowMs: 0,
    decideLinks: () => ({ links: [], changes: [] }),
    onError: (_, err) => {
      errors.push(err.message);
    },
  });
  log.onSealed = (s) => loader.enqueue(s);
  await log.append('{"kind":"event"}\n');
  await log.seal();
  // Serving: the loader keeps the segment and tries again a second later.
  await new Promise((r) => setTimeout(r, 1300));
  assert.ok(calls.loads >= 2, `retried (${calls.loads} attempts)`);
  // Shutting down: the next failure ends the loader, and idle() says why instead of waiting for ever.
  loader.finish();
  await assert.rejects(loader.idle(), /disk full/);
  const attempts = calls.loads;
  await new Promise((r) => setTimeout(r, 1200));
  assert.equal(calls.loads, attempts, "no retry after finishing");
  assert.ok(errors.length >= 2);
  // The segment is still on disk for the next start's replay.
  assert.ok(existsSync(join(d, "000000000001.ndjson")));
  await log.close();
  rmSync(d, { recursive: true });
});
