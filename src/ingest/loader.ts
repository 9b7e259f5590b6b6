import type {
  IdentityDecision,
  LinkCandidate,
  SegmentLoadResult,
  Warehouse,
} from "../warehouse/warehouse.js";
import type { IngestLog, Segment } from "./ingest-log.js";
import { repairSegment } from "./log-repair.js";

export interface LoaderOptions {
  /** Retries of the same messageId are stored once within at least this window. */
  dedupeWindowMs: number;
  decideLinks: (candidates: LinkCandidate[]) => IdentityDecision;
  /** Told of each failed load; the next attempt waits for what it returns. */
  onError?: (segment: Segment, err: Error) => void | Promise<void>;
}

/**
 * A load of more than one row group of events (122,880 rows, ~100 MB of log) has DuckDB write those
 * row groups compressed straight to the file, instead of into the WAL and again at the checkpoint:
 * 9–10 µs of CPU per event against 15 µs for 45,000-event loads. The price is memory while the
 * backlog lasts (the load's batch table and its row groups, ~+700 MB at full speed).
 */
const MAX_LOAD_BYTES = 160 * 1024 * 1024;
/**
 * After a load of at least this many rows, once nothing waits, the memory the load freed goes back to
 * the system: not after every load, since the next one would fault it back in.
 */
const RELEASE_AFTER_ROWS = 20_000;
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
  totals = { events: 0, duplicates: 0, rejected: 0, links: 0 };

  constructor(
    private readonly warehouse: Warehouse,
    private readonly log: IngestLog,
    private readonly options: LoaderOptions,
  ) {}

  enqueue(segment: Segment): void {
    this.queue.push(segment);
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
  }

  /** Resolves when every segment handed over so far is loaded. */
  async idle(): Promise<void> {
    while (this.running) await this.running;
    if (this.failure) throw this.failure;
  }

  private async drainQueue(): Promise<void> {
    let repairs = 0;
    while (this.queue.length > 0) {
      // Everything sealed so far goes in one transaction (up to a bound): under load the fixed cost of a
      // load, the dedupe scan above all, is shared by more events.
      const segments: Segment[] = [];
      let bytes = 0;
      for (const s of this.queue) {
        if (segments.length > 0 && bytes + s.bytes > MAX_LOAD_BYTES) break;
        segments.push(s);
        bytes += s.bytes;
      }
      // CPU, not wall time: the warehouse spreads a load over its threads.
      const started = process.cpuUsage();
      const wallStart = performance.now();
      try {
        const result = await this.warehouse.loadSegments(
          segments.map((s) => s.path),
          segments.at(-1)!.number,
          Date.now() - this.options.dedupeWindowMs,
          this.options.decideLinks,
        );
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
        if (caughtUp && result.events + result.duplicates + result.rejected >= RELEASE_AFTER_ROWS)
          await this.warehouse.releaseFreedMemory();
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
