import type {
  IdentityDecision,
  LinkCandidate,
  SegmentLoadResult,
  Warehouse,
} from "../warehouse/warehouse.js";
import type { IngestLog, Segment } from "./ingest-log.js";

export interface LoaderOptions {
  /** Retries of the same messageId are stored once within at least this window. */
  dedupeWindowMs: number;
  decideLinks: (candidates: LinkCandidate[]) => IdentityDecision;
  onLoaded?: (segment: Segment, result: SegmentLoadResult) => void;
  onError?: (segment: Segment, err: Error) => void;
}

/** Moves sealed log segments into the warehouse, one transaction each, in order. */
export class Loader {
  private queue: Segment[] = [];
  private running: Promise<void> | undefined;
  private failure: Error | undefined;
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

  /** Resolves when every segment handed over so far is loaded. */
  async idle(): Promise<void> {
    while (this.running) await this.running;
    if (this.failure) throw this.failure;
  }

  private async drainQueue(): Promise<void> {
    while (this.queue.length > 0) {
      const segment = this.queue[0]!;
      try {
        const result = await this.warehouse.loadSegment(
          segment.path,
          segment.number,
          Date.now() - this.options.dedupeWindowMs,
          this.options.decideLinks,
        );
        this.queue.shift();
        this.log.loaded(segment);
        this.failure = undefined;
        for (const k of Object.keys(this.totals) as (keyof SegmentLoadResult)[]) this.totals[k] += result[k];
        this.options.onLoaded?.(segment, result);
      } catch (err) {
        // The segment stays on disk and in the queue; it is retried, and replayed at the next start.
        this.failure = err as Error;
        this.options.onError?.(segment, err as Error);
        await new Promise((r) => setTimeout(r, 1000));
      }
    }
  }
}
