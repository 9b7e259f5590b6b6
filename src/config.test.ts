import assert from "node:assert/strict";
import { test } from "node:test";
import { loadConfig, serverUrl } from "./config.js";

test("DuckDB's threads: one per core unless TOUCHPOINT_DUCKDB_THREADS says otherwise", () => {
  assert.equal(loadConfig({}, {}).duckdbThreads, null);
  assert.equal(loadConfig({}, { TOUCHPOINT_DUCKDB_THREADS: "1" }).duckdbThreads, 1);
  assert.equal(loadConfig({ duckdbThreads: 4 }, { TOUCHPOINT_DUCKDB_THREADS: "1" }).duckdbThreads, 4);
  for (const bad of ["0", "two", "1.5", "-1"])
    assert.throws(
      () => loadConfig({}, { TOUCHPOINT_DUCKDB_THREADS: bad }),
      /TOUCHPOINT_DUCKDB_THREADS must be a whole number of threads/,
    );
});

test("DuckDB's idle memory: a size as DuckDB reads one, 128MB unless set", () => {
  assert.equal(loadConfig({}, {}).duckdbIdleMemory, 128e6);
  assert.equal(loadConfig({}, { TOUCHPOINT_DUCKDB_IDLE_MEMORY: "64MB" }).duckdbIdleMemory, 64e6);
  assert.equal(loadConfig({}, { TOUCHPOINT_DUCKDB_IDLE_MEMORY: "1 GiB" }).duckdbIdleMemory, 2 ** 30);
  assert.equal(loadConfig({}, { TOUCHPOINT_DUCKDB_IDLE_MEMORY: "0.5gb" }).duckdbIdleMemory, 5e8);
  for (const bad of ["lots", "128", "12 parsecs", "-1MB"])
    assert.throws(
      () => loadConfig({}, { TOUCHPOINT_DUCKDB_IDLE_MEMORY: bad }),
      /TOUCHPOINT_DUCKDB_IDLE_MEMORY must be a size such as 128MB/,
    );
});

test("the dedupe index's memory: 128MB unless set, a size, or 0 for none", () => {
  assert.equal(loadConfig({}, {}).dedupeIndexMemory, 128e6);
  assert.equal(loadConfig({}, { TOUCHPOINT_DEDUPE_INDEX_MEMORY: "1GB" }).dedupeIndexMemory, 1e9);
  assert.equal(loadConfig({}, { TOUCHPOINT_DEDUPE_INDEX_MEMORY: "0" }).dedupeIndexMemory, 0);
  assert.equal(loadConfig({}, { TOUCHPOINT_DEDUPE_INDEX_MEMORY: "0MB" }).dedupeIndexMemory, 0);
  assert.throws(
    () => loadConfig({}, { TOUCHPOINT_DEDUPE_INDEX_MEMORY: "a lot" }),
    /TOUCHPOINT_DEDUPE_INDEX_MEMORY must be a size such as 128MB/,
  );
});

test("TOUCHPOINT_ANALYSIS_CACHE_REFRESH=0 switches the background refresh off", () => {
  assert.equal(loadConfig({}, {}).analysisCacheRefreshMs, 15_000);
  assert.equal(loadConfig({}, { TOUCHPOINT_ANALYSIS_CACHE_REFRESH: "0" }).analysisCacheRefreshMs, 0);
});

test("survey links point at TOUCHPOINT_PUBLIC_URL, else at the address the server listens on", () => {
  assert.equal(serverUrl(loadConfig({ port: 9000 }, {})), "http://127.0.0.1:9000");
  assert.equal(
    serverUrl(loadConfig({}, { TOUCHPOINT_PUBLIC_URL: "https://feedback.example.com/" })),
    "https://feedback.example.com/",
  );
});
