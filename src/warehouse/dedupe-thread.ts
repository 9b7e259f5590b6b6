import { Worker } from "node:worker_threads";
import type { DedupeRequest } from "./dedupe-worker.js";

/** The dedupe index (dedupe-index.ts) on its worker thread, asked one request after another. */
export class DedupeThread {
  private readonly worker = new Worker(new URL("./dedupe-worker.js", import.meta.url));
  private readonly waiting: { resolve: (answer: unknown) => void; reject: (err: Error) => void }[] = [];
  private failure: Error | undefined;

  constructor() {
    // Idle, it keeps no process alive; while a request waits, it does (see ask).
    this.worker.unref();
    this.worker.on("message", (answer) => {
      this.waiting.shift()?.resolve(answer);
      if (this.waiting.length === 0) this.worker.unref();
    });
    const fail = (err: Error) => {
      this.failure ??= err;
      for (const w of this.waiting.splice(0)) w.reject(err);
    };
    this.worker.on("error", fail);
    this.worker.on("exit", () => fail(new Error("the dedupe index's thread stopped")));
  }

  get failed(): boolean {
    return this.failure !== undefined;
  }

  reset(sliceMs: number, slots: number): Promise<unknown> {
    return this.ask({ op: "reset", sliceMs, slots });
  }

  /** See DedupeIndex.check. */
  check(
    hi: Float64Array,
    lo: Float64Array,
    sinceMs: number,
  ): Promise<{ candidates: number[]; from: number }> {
    return this.ask({ op: "check", hi, lo, sinceMs }) as Promise<{ candidates: number[]; from: number }>;
  }

  /** See DedupeIndex.addAll. The arrays are handed over: unusable here afterwards. */
  addAll(hi: Float64Array, lo: Float64Array, receivedAt: Float64Array, sinceMs: number): Promise<boolean> {
    return this.ask({ op: "add", hi, lo, receivedAt, sinceMs }, [
      hi.buffer as ArrayBuffer,
      lo.buffer as ArrayBuffer,
      receivedAt.buffer as ArrayBuffer,
    ]) as Promise<boolean>;
  }

  async close(): Promise<void> {
    await this.worker.terminate();
  }

  private ask(request: DedupeRequest, transfer: ArrayBuffer[] = []): Promise<unknown> {
    if (this.failure) return Promise.reject(this.failure);
    return new Promise((resolve, reject) => {
      this.waiting.push({ resolve, reject });
      this.worker.ref();
      this.worker.postMessage(request, transfer);
    });
  }
}
