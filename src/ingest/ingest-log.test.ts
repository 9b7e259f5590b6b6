import assert from "node:assert/strict";
import { appendFileSync, mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { IngestLog, type Segment } from "./ingest-log.js";

const dir = () => mkdtempSync(join(tmpdir(), "ingest-log-"));

test("concurrent appends share a write and are all durable when answered", async () => {
  const d = dir();
  const { log } = await IngestLog.open(d, 0, { segmentMs: 60_000 });
  const sealed: Segment[] = [];
  log.onSealed = (s) => sealed.push(s);
  await Promise.all(Array.from({ length: 100 }, (_, i) => log.append(`{"n":${i}}\n`, false)));
  await log.seal();
  assert.equal(sealed.length, 1);
  assert.equal(sealed[0]!.deadLetters, false, "no dead letter was appended");
  const lines = readFileSync(sealed[0]!.path, "utf8").trim().split("\n");
  assert.equal(lines.length, 100);
  await log.close();
  rmSync(d, { recursive: true });
});

test("on open, loaded segments are removed and a torn last line is cut off", async () => {
  const d = dir();
  appendFileSync(join(d, "000000000001.ndjson"), '{"a":1}\n');
  appendFileSync(join(d, "000000000002.ndjson"), '{"a":2}\n{"a":3}\n{"a":');
  const { log, unloaded } = await IngestLog.open(d, 1);
  assert.deepEqual(
    unloaded.map((s) => s.number),
    [2],
  );
  assert.equal(readFileSync(unloaded[0]!.path, "utf8"), '{"a":2}\n{"a":3}\n');
  // What a segment found at a start holds is not known: the loader reads it for dead letters too.
  assert.equal(unloaded[0]!.deadLetters, true);
  assert.ok(!readdirSync(d).includes("000000000001.ndjson"));
  // New segments continue the numbering, so a replay never confuses old and new.
  const sealed: Segment[] = [];
  log.onSealed = (s) => sealed.push(s);
  await log.append('{"a":4}\n', false);
  await log.seal();
  assert.equal(sealed[0]!.number, 3);
  await log.close();
  rmSync(d, { recursive: true });
});

test("backlog counts bytes until the loader reports them loaded", async () => {
  const d = dir();
  const { log } = await IngestLog.open(d, 0, { segmentMs: 60_000 });
  let sealed: Segment | undefined;
  log.onSealed = (s) => {
    sealed = s;
  };
  await log.append("x\n".repeat(10), false);
  assert.equal(log.backlogBytes, 20);
  await log.seal();
  assert.equal(log.backlogBytes, 20);
  log.loaded(sealed!);
  assert.equal(log.backlogBytes, 0);
  await log.close();
  rmSync(d, { recursive: true });
});

test("segments are sealed less often when loads are dear, and as often as set when they are cheap", async () => {
  const d = dir();
  const { log } = await IngestLog.open(d, 0, { segmentMs: 50 });
  const sealed: Segment[] = [];
  log.onSealed = (s) => sealed.push(s);
  const wait = (ms: number) => new Promise((r) => setTimeout(r, ms));
  // A load that took 200 ms of CPU: the next segment is sealed after 1.6 s, not 50 ms.
  log.paceLoads(200);
  await log.append("a\n", false);
  await wait(400);
  assert.equal(sealed.length, 0);
  log.paceLoads(1);
  for (let i = 0; i < 40 && sealed.length === 0; i++) await wait(50);
  assert.equal(sealed.length, 1);
  await log.close();
  rmSync(d, { recursive: true });
});

test("a segment says whether a dead letter was written to it", async () => {
  const d = dir();
  const { log } = await IngestLog.open(d, 0, { segmentMs: 60_000 });
  const sealed: Segment[] = [];
  log.onSealed = (s) => sealed.push(s);
  await Promise.all([log.append('{"kind":"event"}\n', false), log.append('{"kind":"rejected"}\n', true)]);
  await log.seal();
  await log.append('{"kind":"event"}\n', false);
  await log.seal();
  assert.deepEqual(
    sealed.map((s) => s.deadLetters),
    [true, false],
  );
  await log.close();
  rmSync(d, { recursive: true });
});
