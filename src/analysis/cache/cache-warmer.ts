import type { Catalog } from "../../catalog/catalog.js";
import type { Warehouse } from "../../warehouse/warehouse.js";
import { eventCache } from "./event-cache.js";

interface Log {
  info(message: string): void;
  error(message: string): void;
}

/**
 * A round holds the warehouse's writer, so loads wait for it: after a round of `d` ms the next waits at
 * least PACE × d. Under heavy ingest a round grows with the events of every customer seen since the last
 * (their sequences are rebuilt): 5–9 s at 60,000 events/s, which every 15 s cost a five-minute ingest
 * 11 % of its throughput and its loads fell behind.
 */
const PACE = 4;

/**
 * While the loader spends more than this share of the time loading, a round is put off: it would hold
 * the writer, and its commit leaves ~400 MB of WAL at 20M events (every regrouped customer's lists,
 * rewritten), whose checkpoint the next load pays (17 s, RSS 1.5 → 3.4 GB, at full speed). Judged over
 * the time since the last check, not at the moment: under full load the loader's queue is empty for
 * an instant after each load starts.
 */
const BUSY_SHARE = 0.5;
/**
 * A round this long rebuilt lists rather than only checking freshness: the memory it freed goes back to
 * the system (after a one-minute burst, its sync had left the server ~300 MB larger while it idled).
 */
const RELEASE_AFTER_ROUND_MS = 1000;
/** Rounds are put off at most this long, so that under endless overload the cache does not fall far behind. */
const MAX_DEFER_MS = 10 * 60_000;

/** How long to wait before the next round: the configured interval, longer after a long round. */
export function nextRoundIn(everyMs: number, lastRoundMs: number): number {
  return Math.max(everyMs, PACE * lastRoundMs);
}

/**
 * Keeps the classification cache up to date in the background, so that the dashboard's reports find it
 * warm instead of paying for the classification of what was loaded since the last report (or, after a
 * catalog change, for the rebuild). Each round is one freshness check when nothing changed; the warmer
 * takes at most a fifth of the writer's time (see PACE), and waits while the loader is busy (BUSY_SHARE).
 */
export class CacheWarmer {
  private timer: NodeJS.Timeout | null = null;
  private running: Promise<void> | null = null;
  private stopped = false;

  constructor(
    private readonly wh: Warehouse,
    private readonly catalog: () => Catalog,
    private readonly everyMs: number,
    private readonly log: Log,
    /** Wall time the ingest loader has spent loading so far (ms): see BUSY_SHARE. */
    private readonly loaderBusyMs: () => number = () => 0,
  ) {}

  start(): void {
    // The first round runs at once: nothing has been measured yet.
    let lastRound = 0;
    let last = { at: Date.now(), busy: this.loaderBusyMs() };
    const loop = () => {
      const started = Date.now();
      const busy = this.loaderBusyMs();
      const share = (busy - last.busy) / Math.max(1, started - last.at);
      last = { at: started, busy };
      if (lastRound > 0 && share > BUSY_SHARE && started - lastRound < MAX_DEFER_MS) {
        this.timer = setTimeout(loop, this.everyMs);
        return;
      }
      lastRound = started;
      this.running = this.refresh().finally(() => {
        this.running = null;
        if (!this.stopped) this.timer = setTimeout(loop, nextRoundIn(this.everyMs, Date.now() - started));
      });
    };
    this.timer = setTimeout(loop, 0);
  }

  /** One round: brings the cache up to date now. */
  async refresh(): Promise<void> {
    const started = Date.now();
    try {
      await eventCache(this.wh, this.catalog());
      const ms = Date.now() - started;
      if (ms >= 5000) this.log.info(`analysis cache brought up to date in ${(ms / 1000).toFixed(1)} s`);
      if (ms >= RELEASE_AFTER_ROUND_MS) await this.wh.releaseFreedMemory(true);
    } catch (err) {
      this.log.error(`analysis cache not updated: ${(err as Error).message}`);
    }
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    await this.running;
  }
}
