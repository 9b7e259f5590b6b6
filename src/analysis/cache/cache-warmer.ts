import type { Catalog } from "../../catalog/catalog.js";
import type { Warehouse } from "../../warehouse/warehouse.js";
import { eventCache } from "./event-cache.js";

interface Log {
  info(message: string): void;
  error(message: string): void;
}

/**
 * Keeps the classification cache up to date in the background, so that the dashboard's reports find it
 * warm instead of paying for the classification of what was loaded since the last report (or, after a
 * catalog change, for the rebuild). Each round is one freshness check when nothing changed.
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
  ) {}

  start(): void {
    const loop = () => {
      this.running = this.refresh().finally(() => {
        this.running = null;
        if (!this.stopped) this.timer = setTimeout(loop, this.everyMs);
      });
    };
    this.timer = setTimeout(loop, 0);
  }

  /** One round: brings the cache up to date now. */
  async refresh(): Promise<void> {
    const started = Date.now();
    try {
      await eventCache(this.wh, this.catalog());
      const seconds = (Date.now() - started) / 1000;
      if (seconds >= 5) this.log.info(`analysis cache brought up to date in ${seconds.toFixed(1)} s`);
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
