import { createHash } from "node:crypto";
import { createReadStream, statSync } from "node:fs";
import { basename } from "node:path";
import { createInterface } from "node:readline";
import { parse as parseCsv } from "csv-parse";
import type { Ingestor } from "../ingest/ingestor.js";
import type { SourceInfo } from "../ingest/pipeline.js";
import { createSource, listSources } from "../sources/sources.js";
import { CliError, logger, openRuntime } from "./runtime.js";

export interface ImportOptions {
  db?: string;
  format?: string;
  source?: string;
  map?: string;
  type?: string;
}

const CHUNK = 1000;
const SHOWN_ERRORS = 20;

/** One input record: a parsed value, or the raw text of a line that did not parse. */
type Item = { line: number; value: unknown } | { line: number; raw: string; reason: string };

/** `touchpoint import FILE`: bulk load through the same validation, enrichment and dedupe as the API. */
export async function importFile(file: string, options: ImportOptions): Promise<void> {
  let size: number;
  try {
    size = statSync(file).size;
  } catch {
    throw new CliError(`cannot read ${file}: no such file`);
  }
  const format = options.format ?? (/\.csv$/i.test(file) ? "csv" : "ndjson");
  if (format !== "csv" && format !== "ndjson")
    throw new CliError(`unknown format ${JSON.stringify(format)}; use ndjson or csv`);
  const mapping = format === "csv" ? parseMapping(options.map ?? "") : new Map<string, string>();
  const rt = await openRuntime({ db: options.db });
  try {
    const source = await importSource(rt.warehouse, options.source ?? "import");
    const stream = createReadStream(file);
    const progress = new Progress(size);
    stream.on("data", (chunk) => progress.advance(chunk.length));
    const items = format === "csv" ? csvItems(stream, mapping, options.type ?? "track") : ndjsonItems(stream);
    const stats = await load(rt.ingestor, source, basename(file), items);
    progress.done();
    await rt.ingestor.flush();
    const totals = rt.ingestor.totals;
    process.stdout.write(
      `imported ${file}: ${stats.records} records, ${totals.events} new events stored, ${totals.duplicates} duplicates skipped, ${stats.rejected} rejected (kept in rejected_events)\n`,
    );
  } finally {
    await rt.close();
  }
}

async function importSource(wh: Parameters<typeof listSources>[0], name: string): Promise<SourceInfo> {
  const existing = (await listSources(wh)).find((s) => s.name === name && !s.revokedAt);
  if (existing) return existing;
  if (name !== "import") {
    throw new CliError(
      `no source named ${JSON.stringify(name)}; create it first: touchpoint sources add ${JSON.stringify(name)} --kind KIND`,
    );
  }
  return (await createSource(wh, "import", "server")).source;
}

async function load(ingestor: Ingestor, source: SourceInfo, fileName: string, items: AsyncIterable<Item>) {
  let records = 0;
  let rejected = 0;
  let batch: Item[] = [];
  const report = (line: number, reason: string) => {
    rejected++;
    if (rejected <= SHOWN_ERRORS) logger.info(`line ${line}: ${reason}`);
    else if (rejected === SHOWN_ERRORS + 1)
      logger.info("… more rejected lines; see the rejected_events table");
  };
  const flush = async () => {
    const parsed = batch.filter((i): i is { line: number; value: unknown } => "value" in i);
    const broken = batch.filter((i): i is { line: number; raw: string; reason: string } => "raw" in i);
    if (broken.length > 0) {
      await ingestor.reject(
        broken.map((b) => ({ raw: b.raw, field: null, reason: `line ${b.line}: ${b.reason}` })),
        source,
      );
      for (const b of broken) report(b.line, b.reason);
    }
    // A message without a messageId gets one derived from its content, so importing a file twice stores it once.
    const ids = parsed.map(
      (p) =>
        `import-${createHash("sha256")
          .update(`${source.name}\n${fileName}\n${JSON.stringify(p.value)}`)
          .digest("hex")
          .slice(0, 32)}`,
    );
    const outcome = await ingestor.ingestBulk(
      parsed.map((p) => p.value),
      source,
      { messageIdFor: (i) => ids[i]! },
    );
    for (const r of outcome.rejected) report(parsed[r.index]!.line, r.reason);
    records += batch.length;
    batch = [];
  };
  for await (const item of items) {
    batch.push(item);
    if (batch.length >= CHUNK) await flush();
  }
  if (batch.length > 0) await flush();
  return { records, rejected };
}

async function* ndjsonItems(stream: NodeJS.ReadableStream): AsyncIterable<Item> {
  let line = 0;
  for await (const text of createInterface({ input: stream, crlfDelay: Number.POSITIVE_INFINITY })) {
    line++;
    if (text.trim() === "") continue;
    try {
      const value = JSON.parse(text);
      // A message without a type in an import file is a track call, as in the common export formats.
      if (value && typeof value === "object" && !Array.isArray(value) && value.type === undefined)
        value.type = "track";
      yield { line, value };
    } catch (err) {
      yield { line, raw: text, reason: `malformed JSON: ${(err as Error).message}` };
    }
  }
}

/**
 * `--map "event=Event Name,userId=customer,properties.revenue=amount"`: message field = CSV column.
 * Columns named like message fields (event, userId, timestamp, properties.x …) map themselves; any other
 * column becomes a property.
 */
export function parseMapping(spec: string): Map<string, string> {
  const mapping = new Map<string, string>(); // CSV column -> message path
  for (const part of spec
    .split(",")
    .map((s) => s.trim())
    .filter(Boolean)) {
    const eq = part.indexOf("=");
    if (eq <= 0 || eq === part.length - 1)
      throw new CliError(`invalid --map entry ${JSON.stringify(part)}: use field=column`);
    const field = part.slice(0, eq).trim();
    if (
      !/^(type|event|name|userId|anonymousId|messageId|timestamp|groupId|previousId|(properties|traits|context)\.[A-Za-z0-9_.$-]+)$/.test(
        field,
      )
    ) {
      throw new CliError(
        `invalid --map field ${JSON.stringify(field)}: use type, event, name, userId, anonymousId, messageId, timestamp, groupId, previousId or properties.X, traits.X, context.X`,
      );
    }
    mapping.set(part.slice(eq + 1).trim(), field);
  }
  return mapping;
}

const TOP_FIELDS = new Set([
  "type",
  "event",
  "name",
  "userId",
  "anonymousId",
  "messageId",
  "timestamp",
  "groupId",
  "previousId",
]);
const NUMBER = /^-?(0|[1-9]\d*)(\.\d+)?([eE][-+]?\d+)?$/;

export function csvRecordToMessage(
  record: Record<string, string>,
  mapping: Map<string, string>,
  defaultType: string,
) {
  const message: Record<string, unknown> = { type: defaultType };
  for (const [column, value] of Object.entries(record)) {
    if (value === "") continue;
    const path =
      mapping.get(column) ??
      (TOP_FIELDS.has(column) || /^(properties|traits|context)\./.test(column)
        ? column
        : `properties.${column}`);
    if (TOP_FIELDS.has(path)) {
      message[path] = value;
      continue;
    }
    const keys = path.split(".");
    let target = message;
    for (const k of keys.slice(0, -1)) {
      target[k] ??= {};
      target = target[k] as Record<string, unknown>;
    }
    // CSV has no types: numeric text becomes a number so revenue and scores can be summed.
    target[keys.at(-1)!] = NUMBER.test(value) ? Number(value) : value;
  }
  return message;
}

async function* csvItems(
  stream: NodeJS.ReadableStream,
  mapping: Map<string, string>,
  type: string,
): AsyncIterable<Item> {
  const parser = stream.pipe(
    parseCsv({ columns: true, info: true, skip_empty_lines: true, trim: true, bom: true }),
  );
  try {
    for await (const { record, info } of parser as AsyncIterable<{
      record: Record<string, string>;
      info: { lines: number };
    }>) {
      yield { line: info.lines, value: csvRecordToMessage(record, mapping, type) };
    }
  } catch (err) {
    const e = err as Error & { lines?: number };
    throw new CliError(
      `CSV error${e.lines ? ` at line ${e.lines}` : ""}: ${e.message} (rows before it were imported)`,
    );
  }
}

/** A progress line on a terminal; silent when stderr is a pipe or a file. */
class Progress {
  private read = 0;
  private last = 0;
  constructor(private readonly total: number) {}
  advance(n: number) {
    this.read += n;
    const now = Date.now();
    if (!process.stderr.isTTY || now - this.last < 100) return;
    this.last = now;
    const share = this.total ? this.read / this.total : 1;
    const width = 30;
    const filled = Math.round(share * width);
    process.stderr.write(
      `\r[${"#".repeat(filled)}${"-".repeat(width - filled)}] ${(share * 100).toFixed(0)}% of ${(this.total / 1e6).toFixed(1)} MB`,
    );
  }
  done() {
    if (process.stderr.isTTY) process.stderr.write("\n");
  }
}
