const WINDOW_MS = 60_000;
/** Past this many keys, windows that have ended are swept before a new key is added. */
const SWEEP_AT = 10_000;

/**
 * Requests a minute per write key on the tracking API, in fixed one-minute windows. A Map lookup per
 * request: @fastify/rate-limit, which still guards the other routes, cost 6.5 µs of the ~54 µs a single
 * `/v1/track` call takes on the JavaScript thread (its SHA-256 of the credential, its store, its headers).
 */
export class WriteKeyLimiter {
  private windows = new Map<string, { start: number; count: number }>();

  /** `max` requests a minute per key; 0: no limit. */
  constructor(readonly max: number) {}

  /** Counts a request; null when it is within the limit, else the seconds until the window ends. */
  take(key: string, now = Date.now()): number | null {
    if (this.max === 0) return null;
    let w = this.windows.get(key);
    if (!w || now - w.start >= WINDOW_MS) {
      if (!w && this.windows.size >= SWEEP_AT) this.sweep(now);
      w = { start: now, count: 0 };
      this.windows.set(key, w);
    }
    w.count++;
    return w.count > this.max ? Math.max(1, Math.ceil((w.start + WINDOW_MS - now) / 1000)) : null;
  }

  private sweep(now: number): void {
    for (const [key, w] of this.windows) if (now - w.start >= WINDOW_MS) this.windows.delete(key);
  }
}
