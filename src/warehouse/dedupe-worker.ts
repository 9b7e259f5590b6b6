import { parentPort } from "node:worker_threads";
import { DedupeIndex } from "./dedupe-index.js";

/**
 * The dedupe index on a thread of its own: its lookups and adds touch random places in up to 128 MB, a
 * cache miss each (~0.2 µs), and on the JavaScript thread, which bounds ingest, they cost ~3 % of it.
 * One request at a time, answered in order (see DedupeThread).
 */
export type DedupeRequest =
  | { op: "reset"; sliceMs: number; slots: number }
  | { op: "check"; hi: Float64Array; lo: Float64Array; sinceMs: number }
  | { op: "add"; hi: Float64Array; lo: Float64Array; receivedAt: Float64Array; sinceMs: number };

let index: DedupeIndex | undefined;
parentPort?.on("message", (request: DedupeRequest) => {
  if (request.op === "reset") {
    index = new DedupeIndex(request.sliceMs, request.slots);
    parentPort!.postMessage(true);
  } else if (request.op === "check")
    parentPort!.postMessage(index!.check(request.hi, request.lo, request.sinceMs));
  else parentPort!.postMessage(index!.addAll(request.hi, request.lo, request.receivedAt, request.sinceMs));
});
