import { closeSync, fsyncSync, openSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import { dirname } from "node:path";
import { deadLetter, wellFormed } from "./pipeline.js";

/** A lone-surrogate escape, which DuckDB's JSON reader refuses (pipeline.ts writes none any more). */
const SURROGATE_ESCAPE = /\\u[dD][89a-fA-F]/;
/** An overflowing revenue, once written as `Infinity`: not JSON at all. */
const INFINITE_REVENUE = /"revenue":-?Infinity(?=[,}])/g;

/** Columns a log line must give for its row to be stored (NOT NULL in the warehouse). */
const REQUIRED: Record<string, readonly string[]> = {
  event: ["message_id", "type", "ts", "received_at", "source", "channel"],
  rejected: ["received_at", "reason"],
};

/** The warehouse's words for a line it could not convert, e.g. `… in file "F", in line 3: reason`. */
const TRANSFORM_ERROR = /JSON transform error in file "(.*?)", in line (\d+): ([^\n]*)/;

/**
 * Rewrites the lines of a sealed segment that the warehouse cannot read. Lines as earlier releases
 * could write them are mended: a lone surrogate becomes U+FFFD (as the pipeline does now), an infinite
 * revenue NULL. A line that cannot be mended — not JSON, a required column missing, or the line the
 * warehouse's `error` names — becomes a dead letter that keeps it as it was (rejected_events, with the
 * reason), so that one bad line cannot hold back every later event. Other lines are kept byte for
 * byte. The rewrite is atomic (temporary file, fsync, rename, fsync of the directory). Returns the new
 * size, or null when nothing needed repair.
 */
export function repairSegment(path: string, error?: string): number | null {
  const text = readFileSync(path, "utf8");
  // Only the data can be wrong when the warehouse says so; otherwise (a full disk, say) every line is
  // not parsed again on each retry, only the known mends are looked for.
  INFINITE_REVENUE.lastIndex = 0;
  const dataError = /^(Invalid Input|Conversion|Constraint) Error/.test(error ?? "");
  if (!dataError && !SURROGATE_ESCAPE.test(text) && !INFINITE_REVENUE.test(text)) return null;
  const lines = text.split("\n");
  const named = TRANSFORM_ERROR.exec(error ?? "");
  const namedLine = named && named[1] === path ? Number(named[2]) - 1 : -1;
  let changed = false;
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!;
    if (line === "") continue;
    let mended = line;
    if (line.includes('"revenue":') && line.includes("Infinity"))
      mended = mended.replace(INFINITE_REVENUE, '"revenue":null');
    let row: unknown;
    try {
      row = JSON.parse(mended);
    } catch (err) {
      if (dataError) mended = quarantined(line, `it is not JSON (${(err as Error).message})`);
    }
    if (row !== undefined) {
      const problem = i === namedLine ? named![3]! : dataError ? missingColumn(row) : null;
      if (problem) mended = quarantined(line, problem, row);
      else if (SURROGATE_ESCAPE.test(mended)) mended = JSON.stringify(wellFormed(row));
    }
    if (mended !== line) {
      lines[i] = mended;
      changed = true;
    }
  }
  if (!changed) return null;
  const out = Buffer.from(lines.join("\n"), "utf8");
  const tmp = `${path}.repairing`;
  writeFileSync(tmp, out);
  const fd = openSync(tmp, "r");
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  renameSync(tmp, path);
  const dir = openSync(dirname(path), "r");
  try {
    fsyncSync(dir);
  } finally {
    closeSync(dir);
  }
  return out.length;
}

function missingColumn(row: unknown): string | null {
  if (typeof row !== "object" || row === null || Array.isArray(row)) return "it is not a JSON object";
  const r = row as Record<string, unknown>;
  const required = REQUIRED[r.kind as string];
  if (!required) return `its kind is ${JSON.stringify(r.kind)}, not "event" or "rejected"`;
  const missing = required.find((column) => r[column] === undefined || r[column] === null);
  return missing ? `its ${missing} is missing` : null;
}

/** A dead letter in place of a log line the warehouse cannot store, keeping the line as it was. */
function quarantined(line: string, problem: string, row?: unknown): string {
  const r = (typeof row === "object" && row !== null ? row : {}) as Record<string, unknown>;
  const text = (v: unknown) => (typeof v === "string" ? v : null);
  const ctx = {
    // The line's own time when it is a plausible one: a wrong one may be what the warehouse refused.
    receivedAt:
      Number.isSafeInteger(r.received_at) && (r.received_at as number) > 0
        ? (r.received_at as number)
        : Date.now(),
    source: { name: text(r.source) ?? "(ingest log)", kind: "", channel: null },
  };
  const reason = `the warehouse could not store this ingest log line: ${problem}`;
  const letter = deadLetter(line, null, reason, ctx);
  // deadLetter keeps a string payload as it is; the ids come from the line when it has them.
  const ids = {
    message_id: text(r.message_id),
    anonymous_id: text(r.anonymous_id),
    user_id: text(r.user_id),
  };
  return JSON.stringify(wellFormed({ ...JSON.parse(letter), ...ids }));
}
