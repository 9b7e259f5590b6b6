import { closeSync, fsyncSync, openSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import { dirname } from "node:path";
import { wellFormed } from "./pipeline.js";

/** A lone-surrogate escape, which DuckDB's JSON reader refuses (pipeline.ts writes none any more). */
const SURROGATE_ESCAPE = /\\u[dD][89a-fA-F]/;
/** An overflowing revenue, once written as `Infinity`: not JSON at all. */
const INFINITE_REVENUE = /"revenue":-?Infinity(?=[,}])/g;

/**
 * Rewrites the lines of a sealed segment that the warehouse cannot read, as earlier releases could
 * write them: a lone surrogate becomes U+FFFD (as the pipeline does now), an infinite revenue NULL.
 * Other lines are kept byte for byte. The rewrite is atomic (temporary file, fsync, rename, fsync of
 * the directory). Returns the new size, or null when nothing needed repair.
 */
export function repairSegment(path: string): number | null {
  const text = readFileSync(path, "utf8");
  INFINITE_REVENUE.lastIndex = 0;
  if (!SURROGATE_ESCAPE.test(text) && !INFINITE_REVENUE.test(text)) return null;
  const lines = text.split("\n");
  for (let i = 0; i < lines.length; i++) {
    let line = lines[i]!;
    if (line.includes('"revenue":') && line.includes("Infinity"))
      line = line.replace(INFINITE_REVENUE, '"revenue":null');
    if (SURROGATE_ESCAPE.test(line)) line = JSON.stringify(wellFormed(JSON.parse(line)));
    lines[i] = line;
  }
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
