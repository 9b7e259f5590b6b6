import type { DecideLinks, SegmentLoadResult, Warehouse } from "../warehouse/warehouse.js";
import type { IngestLog, Segment } from "./ingest-log.js";
import { repairSegment } from "./log-repair.js";

export interface LoaderOptions {
  /** Retries of the same messageId are stored once within at least this window. */
  dedupeWindowMs: number;
  decideLinks: DecideLinks;
  /** Told of each failed load; the next attempt waits for what it returns. */
  onError?: (segment: Segment, err: Error) => void | Promise<void>;
  /** How often the warehouse is compacted, once caught up (default ten minutes). */
  compactEveryMs?: number;
  /** Told of a failed compaction: the warehouse is as it was, and the next compaction tries again. */
  onCompactionError?: (err: Error) => void;
}

/**
 * A load of at least one row group of events (duckdb.ts: 30,720 rows, ~25 MB of log) has DuckDB write
 * them compressed straight to the file, instead of into the WAL and again at the checkpoint. Each load's
 * rows stay in memory until written, so a bound on the log a load takes bounds the loader's memory
 * (~0.2 GB for 100,000 events at full speed).
 */
const MAX_LOAD_BYTES = 80 * 1024 * 1024;
/**
 * Under a backlog, a load smaller than one row group would go through DuckDB's write-ahead log and be
 * written again at the checkpoint (~40 % more time per event): the loader waits for about two row groups
 * of log instead, at most this long. Answers do not wait for loads, only reports do.
 */
const GATHER_BYTES = 50 * 1024 * 1024;
const GATHER_MS = 2000;
/**
 * Once this many rows were loaded the warehouse keeps its memory in bounds after each load; once
 * nothing waits, the memory the loads freed goes back to the system (not under a backlog: the next load
 * would fault it back in).
 */
const RELEASE_AFTER_ROWS = 20_000;
/**
 * The checkpoints that loads trigger do not vacuum (duckdb.ts): the row groups that loads leave partly
 * filled, and the rows the cache's syncs delete, are merged and reclaimed by a compaction, at most this
 * often and only when the loader has caught up.
 */
const COMPACT_EVERY_MS = 10 * 60_000;
/** Immediate retries after repairs, before the loader waits as after any failure (a safety bound). */
const MAX_REPAIRS_IN_A_ROW = 100;

/** Moves sealed log segments into the warehouse, one transaction each, in order. */
export class Loader {
  private queue: Segment[] = [];
  /** Wall time spent in loads so far (ms): their share of an interval says how busy the loader is. */
  busyMs = 0;
  private running: Promise<void> | undefined;
  private failure: Error | undefined;
  /** Shutting down: a failed load is not retried (its segments are replayed at the next start). */
  private finishing = false;
  private lastCompaction = performance.now();
  private rowsSinceRelease = 0;
  /** Ends the wait for more log (gather). */
  private wake: (() => void) | undefined;
  /** The load under way, if any (settled either way). */
  private loading: Promise<unknown> = Promise.resolve();
  /** Calls of `between` waiting or running: no load starts while there is one. */
  private pauses = 0;
  private paused: Promise<void> = Promise.resolve();
  totals = { events: 0, duplicates: 0, rejected: 0, links: 0 };

  constructor(
    private readonly warehouse: Warehouse,
    private readonly log: IngestLog,
    private readonly options: LoaderOptions,
  ) {}

  enqueue(segment: Segment): void {
    this.queue.push(segment);
    this.wake?.();
    this.running ??= this.drainQueue().finally(() => {
      this.running = undefined;
    });
  }

  /**
   * From now on a failed load ends the loader instead of being retried every second, so that a
   * shutdown cannot wait for ever on a warehouse that refuses a segment; `idle` then throws.
   */
  finish(): void {
    this.finishing = true;
    this.wake?.();
  }

  /**
   * Runs `fn` between two loads: after the load under way, if any, and before the next, which waits for
   * it. For work that must see the warehouse and the identity graph agree (an identity rebuild).
   */
  async between<T>(fn: () => Promise<T>): Promise<T> {
    this.pauses++;
    const previous = this.paused;
    let release = () => {};
    this.paused = new Promise<void>((resolve) => {
      release = resolve;
    });
    try {
      await previous;
      await this.loading;
      return await fn();
    } finally {
      this.pauses--;
      release();
    }
  }

  /** Resolves when every segment handed over so far is loaded. */
  async idle(): Promise<void> {
    while (this.running) await this.running;
    if (this.failure) throw this.failure;
  }

  /** Waits, at most GATHER_MS, until GATHER_BYTES of log are queued. */
  private async gather(): Promise<void> {
    const until = performance.now() + GATHER_MS;
    while (!this.finishing && this.queue.reduce((sum, s) => sum + s.bytes, 0) < GATHER_BYTES) {
      const left = until - performance.now();
      if (left <= 0) return;
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left);
        this.wake = () => {
          clearTimeout(timer);
          resolve();
        };
      });
      this.wake = undefined;
    }
  }

  private async compact(): Promise<void> {
    const started = performance.now();
    await this.warehouse.compact().catch((err: Error) => this.options.onCompactionError?.(err));
    this.lastCompaction = performance.now();
    // It holds the writer as a load does: the cache warmer yields to it alike.
    this.busyMs += this.lastCompaction - started;
  }

  private async drainQueue(): Promise<void> {
    let repairs = 0;
    // Whether the last load was large enough to say the log is arriving fast: light traffic is loaded
    // as it comes.
    let heavy = false;
    while (this.queue.length > 0) {
      if (heavy) await this.gather();
      while (this.pauses > 0) await this.paused;
      // Everything sealed so far goes in one transaction (up to a bound): under load the fixed cost of a
      // load, the dedupe scan above all, is shared by more events.
      const segments: Segment[] = [];
      let bytes = 0;
      for (const s of this.queue) {
        if (segments.length > 0 && bytes + s.bytes > MAX_LOAD_BYTES) break;
        segments.push(s);
        bytes += s.bytes;
      }
      heavy = bytes >= GATHER_BYTES / 2;
      // CPU, not wall time: the warehouse spreads a load over its threads.
      const started = process.cpuUsage();
      const wallStart = performance.now();
      try {
        const loading = this.warehouse.loadSegments(
          segments,
          segments.at(-1)!.number,
          Date.now() - this.options.dedupeWindowMs,
          this.options.decideLinks,
          heavy,
        );
        this.loading = loading.catch(() => undefined);
        const result = await loading;
        const cpu = process.cpuUsage(started);
        this.busyMs += performance.now() - wallStart;
        this.queue.splice(0, segments.length);
        const caughtUp = this.queue.length === 0;
        // With segments waiting, loads are as large as they can be: pacing is for light traffic.
        this.log.paceLoads(caughtUp ? (cpu.user + cpu.system) / 1000 : 0);
        for (const s of segments) this.log.loaded(s);
        this.failure = undefined;
        repairs = 0;
        for (const k of Object.keys(this.totals) as (keyof SegmentLoadResult)[]) this.totals[k] += result[k];
        // Counted since the last hand-back: the load that catches up is often a small one.
        this.rowsSinceRelease += result.events + result.duplicates + result.rejected;
        if (this.rowsSinceRelease >= RELEASE_AFTER_ROWS) {
          await this.warehouse.releaseFreedMemory(caughtUp);
          if (caughtUp) this.rowsSinceRelease = 0;
        }
        if (
          caughtUp &&
          performance.now() - this.lastCompaction >= (this.options.compactEveryMs ?? COMPACT_EVERY_MS)
        )
          await this.compact();
      } catch (err) {
        // The segments stay on disk and in the queue; they are retried, and replayed at the next start.
        this.busyMs += performance.now() - wallStart;
        this.failure = err as Error;
        await this.options.onError?.(segments[0]!, err as Error);
        // A segment may hold a line DuckDB cannot read (written by an earlier release, or damaged):
        // without a repair (log-repair.ts) it would be retried for ever and hold back every later one.
        let repaired = false;
        for (const s of segments) {
          try {
            const bytes = repairSegment(s.path, (err as Error).message);
            if (bytes !== null) this.log.resized(s, bytes);
            repaired ||= bytes !== null;
          } catch {
            // Unreadable now (e.g. disk full): the next attempt tries again.
          }
        }
        // A repair changed the data: try again at once (the warehouse names one bad line per attempt,
        // and each repair removes at least one, so this ends). Otherwise wait, or give up when stopping.
        if (repaired && ++repairs < MAX_REPAIRS_IN_A_ROW) continue;
        repairs = 0;
        if (this.finishing) return;
        await new Promise((r) => setTimeout(r, 1000));
      }
    }
  }
}
