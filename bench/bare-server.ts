/**
 * The floor the ingest benchmark measures Touchpoint against: a bare durable tracking server on this
 * machine, in this run. Fastify, each body parsed with JSON.parse and appended as it came to a log
 * file, concurrent requests gathered into one write + fdatasync (group commit), each answered after
 * its sync — the "durable" server behind the targets in PERF-BASELINES.md. No validation,
 * enrichment, identity or warehouse.
 *
 * `node dist/bench/bare-server.js DIR` prints `listening on URL`; SIGTERM stops it.
 */
import { open } from "node:fs/promises";
import { join } from "node:path";
import Fastify from "fastify";

const dir = process.argv[2];
if (!dir) {
  process.stderr.write("usage: bare-server.js DIR (where its log file goes)\n");
  process.exit(2);
}

const file = await open(join(dir, "bare-server.log"), "w");
let position = 0;
let pending: Buffer[] = [];
let waiting: (() => void)[] = [];
let queued = false;
let io = Promise.resolve();

async function commit(): Promise<void> {
  queued = false;
  const data = Buffer.concat(pending);
  const done = waiting;
  pending = [];
  waiting = [];
  await file.write(data, 0, data.length, position);
  position += data.length;
  await file.datasync();
  for (const resolve of done) resolve();
}

function append(body: Buffer): Promise<void> {
  pending.push(body);
  const done = new Promise<void>((resolve) => waiting.push(resolve));
  if (!queued) {
    queued = true;
    io = io.then(commit);
  }
  return done;
}

const app = Fastify();
app.removeAllContentTypeParsers();
app.addContentTypeParser("*", { parseAs: "buffer", bodyLimit: 4 * 1024 * 1024 }, (_req, body, done) =>
  done(null, body),
);
const NEWLINE = Buffer.from("\n");
const handler = async (request: { body: unknown }) => {
  const body = request.body as Buffer;
  JSON.parse(body.toString("utf8"));
  await append(Buffer.concat([body, NEWLINE]));
  return { success: true };
};
app.post("/v1/batch", handler);
app.post("/v1/track", handler);

const url = await app.listen({ port: 0, host: "127.0.0.1" });
process.stdout.write(`listening on ${url}\n`);
process.on("SIGTERM", () => {
  void app.close().then(async () => {
    await io;
    await file.close();
    process.exit(0);
  });
});
