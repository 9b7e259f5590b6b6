import assert from "node:assert/strict";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import type { Warehouse } from "../warehouse/warehouse.js";
import { IngestLog } from "./ingest-log.js";
import { Loader } from "./loader.js";

/** A promise the test resolves when it chooses: the first load waits on it. */
function gate() {
  let release = () => {};
  const held = new Promise<void>((r) => {
    release = r;
  });
  return { held, release };
}

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
  await log.append('{"kind":"event"}\n', false);
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

/**
 * Two loads, the second segment sealed while the first load runs; each load costs `cpuMs` of CPU and
 * reports the next of `rows`. What the loader paced and when it asked for memory back are recorded.
 */
async function twoLoads(rows: [number, number], cpuMs = 0) {
  const d = mkdtempSync(join(tmpdir(), "loader-"));
  const { log } = await IngestLog.open(d, 0, { segmentMs: 60_000 });
  const { held, release } = gate();
  let loads = 0;
  const releasedAfter: [number, boolean][] = [];
  const wh = {
    loadSegments: async () => {
      if (++loads === 1) await held;
      const until = performance.now() + cpuMs;
      while (performance.now() < until);
      return { events: rows[loads - 1]!, duplicates: 0, rejected: 0, links: 0 };
    },
    releaseFreedMemory: async (idle: boolean) => {
      releasedAfter.push([loads, idle]);
    },
  } as unknown as Warehouse;
  const loader = new Loader(wh, log, { dedupeWindowMs: 0, decideLinks: () => ({ links: [], changes: [] }) });
  const paced: number[] = [];
  const paceLoads = log.paceLoads.bind(log);
  log.paceLoads = (ms) => {
    paced.push(ms);
    paceLoads(ms);
  };
  log.onSealed = (s) => loader.enqueue(s);
  await log.append('{"kind":"event"}\n', false);
  await log.seal();
  await log.append('{"kind":"event"}\n', false);
  await log.seal();
  release();
  await loader.idle();
  await log.close();
  rmSync(d, { recursive: true });
  return { loads, busyMs: loader.busyMs, paced, releasedAfter };
}

test("loads are paced by their CPU, and hand freed memory back, only once the queue is empty", async () => {
  const { loads, busyMs, paced, releasedAfter } = await twoLoads([25_000, 25_000], 20);
  assert.equal(loads, 2);
  assert.ok(busyMs >= 40, `the two loads' wall time counted (${busyMs} ms)`);
  assert.equal(paced[0], 0, "not paced while a segment waited");
  assert.ok(paced[1]! > 0, "paced by the last load's CPU");
  assert.deepEqual(
    releasedAfter,
    [
      [1, false],
      [2, true],
    ],
    "memory bounded after each load, handed back after the last only",
  );
});

test("the warehouse is compacted once the loader has caught up, no more often than asked", async () => {
  const d = mkdtempSync(join(tmpdir(), "loader-"));
  const { log } = await IngestLog.open(d, 0, { segmentMs: 60_000 });
  const { held, release } = gate();
  let loads = 0;
  const compactedAfter: number[] = [];
  const wh = {
    loadSegments: async () => {
      if (++loads === 1) await held;
      return { events: 1, duplicates: 0, rejected: 0, links: 0 };
    },
    compact: async () => {
      compactedAfter.push(loads);
    },
  } as unknown as Warehouse;
  const loader = new Loader(wh, log, {
    dedupeWindowMs: 0,
    decideLinks: () => ({ links: [], changes: [] }),
    compactEveryMs: 0,
  });
  log.onSealed = (s) => loader.enqueue(s);
  for (let i = 0; i < 2; i++) {
    await log.append('{"kind":"event"}\n', false);
    await log.seal();
  }
  release();
  await loader.idle();
  assert.deepEqual(compactedAfter, [2], "not while a segment waited");

  // Asked for every hour: the loads that follow do not compact again.
  const hourly = new Loader(wh, log, {
    dedupeWindowMs: 0,
    decideLinks: () => ({ links: [], changes: [] }),
    compactEveryMs: 3_600_000,
  });
  log.onSealed = (s) => hourly.enqueue(s);
  await log.append('{"kind":"event"}\n', false);
  await log.seal();
  await hourly.idle();
  assert.equal(loads, 3);
  assert.deepEqual(compactedAfter, [2]);
  await log.close();
  rmSync(d, { recursive: true });
});

test("a failed compaction is reported and does not stop the loads", async () => {
  const d = mkdtempSync(join(tmpdir(), "loader-"));
  const { log } = await IngestLog.open(d, 0, { segmentMs: 60_000 });
  let loads = 0;
  const wh = {
    loadSegments: async () => {
      loads++;
      return { events: 1, duplicates: 0, rejected: 0, links: 0 };
    },
    compact: async () => {
      throw new Error("No space left on device");
    },
  } as unknown as Warehouse;
  const reported: string[] = [];
  const loader = new Loader(wh, log, {
    dedupeWindowMs: 0,
    decideLinks: () => ({ links: [], changes: [] }),
    compactEveryMs: 0,
    onCompactionError: (err) => reported.push(err.message),
  });
  log.onSealed = (s) => loader.enqueue(s);
  for (let i = 0; i < 2; i++) {
    await log.append('{"kind":"event"}\n', false);
    await log.seal();
    await loader.idle();
  }
  assert.equal(loads, 2);
  assert.deepEqual(reported, ["No space left on device", "No space left on device"]);
  await log.close();
  rmSync(d, { recursive: true });
});

test("the memory of loads goes back once caught up, also when the load that catches up is small", async () => {
  const { releasedAfter } = await twoLoads([15_000, 6_000]);
  assert.deepEqual(releasedAfter, [[2, true]], "21,000 rows loaded in all: handed back after the second");
});

test("under a backlog a load waits for about two row groups' worth of log, until shutdown, and may take every engine thread", async () => {
  const MB = 1024 * 1024;
  const loaded: [number, boolean][] = [];
  let release = () => {};
  const wh = {
    loadSegments: async (_: string[], upTo: number, _since: number, _links: unknown, catchingUp: boolean) => {
      await new Promise<void>((r) => {
        release = r;
      });
      loaded.push([upTo, catchingUp]);
      return { events: 1, duplicates: 0, rejected: 0, links: 0 };
    },
    releaseFreedMemory: async () => {},
  } as unknown as Warehouse;
  const log = { paceLoads: () => {}, loaded: () => {} } as unknown as IngestLog;
  const loader = new Loader(wh, log, { dedupeWindowMs: 0, decideLinks: () => ({ links: [], changes: [] }) });
  const segment = (number: number, mb: number) => ({
    number,
    path: `${number}.ndjson`,
    bytes: mb * MB,
    deadLetters: false,
  });
  const tick = (ms = 50) => new Promise((r) => setTimeout(r, ms));

  loader.enqueue(segment(1, 40)); // a large load: the log is arriving fast
  await tick();
  loader.enqueue(segment(2, 10));
  release();
  await tick(200);
  assert.deepEqual(loaded, [[1, true]], "10 MB waiting: not loaded yet");
  loader.enqueue(segment(3, 45));
  await tick();
  loader.enqueue(segment(4, 10)); // arrives while segments 2 and 3 load
  release();
  await tick(200);
  assert.deepEqual(
    loaded,
    [
      [1, true],
      [3, true],
    ],
    "segments 2 and 3 in one load once 50 MB were queued",
  );
  assert.equal(loaded.length, 2, "segment 4 waits in turn");
  loader.finish();
  await tick();
  release();
  await loader.idle();
  assert.deepEqual(
    loaded,
    [
      [1, true],
      [3, true],
      [4, false],
    ],
    "shutting down: loaded without waiting; 10 MB is light traffic, loaded on fewer threads",
  );
});

test("between runs after the load under way and holds the next one until it is done", async () => {
  const loads: number[] = [];
  const gates = [gate(), gate()];
  const wh = {
    loadSegments: async (segments: { number: number }[]) => {
      loads.push(segments[0]!.number);
      await gates[loads.length - 1]?.held;
      return { events: 1, duplicates: 0, rejected: 0, links: 0 };
    },
  } as unknown as Warehouse;
  const log = { paceLoads: () => {}, loaded: () => {} } as unknown as IngestLog;
  const loader = new Loader(wh, log, { dedupeWindowMs: 0, decideLinks: () => ({ links: [], changes: [] }) });
  const segment = (number: number) => ({ number, path: `${number}.ndjson`, bytes: 1, deadLetters: false });
  const tick = () => new Promise((r) => setTimeout(r, 20));

  loader.enqueue(segment(1));
  await tick();
  const steps: string[] = [];
  const inside = gate();
  const done = loader.between(async () => {
    steps.push(`ran after loads ${loads.join(",")}`);
    await inside.held;
  });
  await tick();
  assert.deepEqual(steps, [], "waits for the load under way");
  loader.enqueue(segment(2));
  gates[0]!.release();
  await tick();
  assert.deepEqual(steps, ["ran after loads 1"]);
  assert.deepEqual(loads, [1], "the next load waits");
  inside.release();
  await done;
  gates[1]!.release();
  await loader.idle();
  assert.deepEqual(loads, [1, 2]);
});
