import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { defaultCatalogPath } from "../catalog/default.js";
import { checkCatalog } from "./catalog.js";
import { CliError } from "./runtime.js";

async function stdoutOf(fn: () => Promise<void>): Promise<string> {
  const write = process.stdout.write;
  let out = "";
  process.stdout.write = ((chunk: string) => {
    out += chunk;
    return true;
  }) as typeof process.stdout.write;
  try {
    await fn();
  } finally {
    process.stdout.write = write;
  }
  return out;
}

test("catalog check prints a summary, or fails with every problem and its line", async () => {
  const file = defaultCatalogPath();
  assert.equal(await stdoutOf(() => checkCatalog(file)), `${file}: 3 stages, 1 goal, 32 touchpoints — OK\n`);

  const dir = mkdtempSync(join(tmpdir(), "catalog-check-"));
  try {
    const bad = join(dir, "bad.yml");
    writeFileSync(
      bad,
      "stages: [a]\ntouchpoints:\n  - id: x\n    name: X\n    stage: b\n    match: { event: E }\n",
    );
    await assert.rejects(
      checkCatalog(bad),
      (err: unknown) =>
        err instanceof CliError &&
        err.message === `${bad}:5:12: unknown stage "b" in touchpoint "x"; stages are: a`,
    );
    await assert.rejects(
      checkCatalog(join(dir, "none.yml")),
      (err: unknown) => err instanceof CliError && /no such file/.test(err.message),
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
