import {
  closeSync,
  ftruncateSync,
  mkdirSync,
  openSync,
  readdirSync,
  readSync,
  statSync,
  unlinkSync,
} from "node:fs";
import { type FileHandle, open } from "node:fs/promises";
import { join } from "node:path";

export interface IngestLogOptions {
  /** Seal the active segment once it holds this many bytes. */
  segmentBytes?: number;
  /** Seal the active segment once it is this old and not empty, so events reach the warehouse quickly. */
  segmentMs?: number;
}

export interface Segment {
  number: number;
  path: string;
  bytes: number;
  /** It may hold dead letters: segments found at a start are assumed to. */
  deadLetters: boolean;
}

const NAME = /^(\d{12})\.ndjson$/;
const LOAD_PACE = 8;
const MAX_SEAL_AGE_MS = 10_000;
const segmentName = (n: number) => `${String(n).padStart(12, "0")}.ndjson`;

/**
 * The durable edge of ingestion: an append-only log of enriched rows. Concurrent appends are gathered
 * into one write + fdatasync (group commit) and each caller is answered only after the sync, so an
 * acknowledged event survives a crash. Sealed segments are handed to the loader, which moves them into
 * the warehouse in large transactions.
 */
export class IngestLog {
  private fh!: FileHandle;
  private active!: Segment;
  private activeSince = 0;
  private pending: Buffer[] = [];
  private pendingWaiters: { resolve: () => void; reject: (e: Error) => void }[] = [];
  private pendingLength = 0;
  private pendingDeadLetters = false;
  private flushQueued = false;
  private io: Promise<void> = Promise.resolve();
  private timer: NodeJS.Timeout | undefined;
  private closed = false;
  private sealedBytes = 0;
  private readonly segmentBytes: number;
  private readonly segmentMs: number;
  /** Age at which the active segment is sealed: `segmentMs`, or longer when loads are dear (paceLoads). */
  private sealAgeMs: number;
  onSealed: (segment: Segment) => void = () => undefined;

  private constructor(
    readonly dir: string,
    options: IngestLogOptions,
  ) {
    this.segmentBytes = options.segmentBytes ?? 32 * 1024 * 1024;
    this.segmentMs = options.segmentMs ?? 500;
    this.sealAgeMs = this.segmentMs;
  }

  /**
   * Opens the log: segments at or below `loadedUpTo` are already in the warehouse and are removed; the
   * others are returned for loading (a torn last line, never acknowledged, is cut off first).
   */
  static async open(
    dir: string,
    loadedUpTo: number,
    options: IngestLogOptions = {},
  ): Promise<{ log: IngestLog; unloaded: Segment[] }> {
    mkdirSync(dir, { recursive: true });
    const unloaded: Segment[] = [];
    let last = loadedUpTo;
    for (const name of readdirSync(dir).sort()) {
      const m = NAME.exec(name);
      if (!m) continue;
      const n = Number(m[1]);
      const path = join(dir, name);
      last = Math.max(last, n);
      if (n <= loadedUpTo) {
        unlinkSync(path);
        continue;
      }
      const bytes = cutTornTail(path);
      if (bytes === 0) unlinkSync(path);
      else unloaded.push({ number: n, path, bytes, deadLetters: true });
    }
    const log = new IngestLog(dir, options);
    for (const s of unloaded) log.sealedBytes += s.bytes;
    await log.openSegment(last + 1);
    log.timer = setInterval(() => log.sealIfOld(), Math.max(50, Math.floor(log.segmentMs / 2)));
    log.timer.unref();
    return { log, unloaded };
  }

  /** Bytes accepted but not yet in the warehouse: the backlog that back-pressure watches. */
  get backlogBytes(): number {
    return this.sealedBytes + this.active.bytes + this.pendingLength;
  }

  /** Bytes waiting in memory for the next write. */
  get pendingBytes(): number {
    return this.pendingLength;
  }

  /**
   * Appends newline-terminated lines (text or UTF-8 bytes); resolves once they are on disk. `deadLetters`:
   * some are rejected messages (the loader reads a segment for them only if it was told).
   */
  append(lines: string | Buffer, deadLetters: boolean): Promise<void> {
    if (this.closed) return Promise.reject(new Error("the ingest log is closed"));
    if (lines.length === 0) return Promise.resolve();
    const data = typeof lines === "string" ? Buffer.from(lines, "utf8") : lines;
    this.pending.push(data);
    this.pendingLength += data.length;
    this.pendingDeadLetters ||= deadLetters;
    const done = new Promise<void>((resolve, reject) => this.pendingWaiters.push({ resolve, reject }));
    if (!this.flushQueued) {
      this.flushQueued = true;
      this.io = this.io.then(() => this.flush());
    }
    return done;
  }

  /** Seals the active segment now (if not empty), e.g. before shutdown or when a test wants to read. */
  seal(): Promise<void> {
    this.io = this.io.then(() => this.rotate());
    return this.io;
  }

  /**
   * Called by the loader with the CPU time its last load took, or 0 while segments wait (loads are then
   * as large as they can be, and stretching measured slower). A load has a fixed cost that grows with
   * the warehouse (the duplicate check reads a hash of every message of the dedupe window: 0.16 s of CPU
   * for a load of 100 events beside 12M events of the last 24 hours), so under light traffic segments
   * are sealed less often, keeping the loader busy at most ~1/LOAD_PACE of the time, events visible
   * within MAX_SEAL_AGE_MS (or the configured interval, if longer).
   */
  paceLoads(lastLoadCpuMs: number): void {
    this.sealAgeMs = Math.max(this.segmentMs, Math.min(MAX_SEAL_AGE_MS, LOAD_PACE * lastLoadCpuMs));
  }

  /** Called by the loader once a sealed segment is in the warehouse. */
  loaded(segment: Segment): void {
    this.sealedBytes -= segment.bytes;
    try {
      unlinkSync(segment.path);
    } catch {
      // Already gone: open() removes loaded segments too.
    }
  }

  /** Called by the loader when it rewrote a sealed segment (log-repair.ts): the backlog follows its size. */
  resized(segment: Segment, bytes: number): void {
    this.sealedBytes += bytes - segment.bytes;
    segment.bytes = bytes;
  }

  async close(): Promise<void> {
    if (this.closed) return;
    await this.seal();
    this.closed = true;
    if (this.timer) clearInterval(this.timer);
    await this.io;
    await this.fh.close();
    if (this.active.bytes === 0) unlinkSync(this.active.path);
  }

  private async flush(): Promise<void> {
    this.flushQueued = false;
    // Written as they are (one writev): gathering them into one buffer first copied every byte again.
    const buffers = this.pending;
    const length = this.pendingLength;
    const waiters = this.pendingWaiters;
    this.pending = [];
    this.pendingWaiters = [];
    this.pendingLength = 0;
    // Before the write: a segment that holds a dead letter, even a torn one, says so.
    this.active.deadLetters ||= this.pendingDeadLetters;
    this.pendingDeadLetters = false;
    try {
      const { bytesWritten } = await this.fh.writev(buffers, this.active.bytes);
      if (bytesWritten !== length)
        throw new Error(`short write to the ingest log (${bytesWritten} of ${length} bytes)`);
      await this.fh.datasync();
      this.active.bytes += length;
      for (const w of waiters) w.resolve();
    } catch (err) {
      // The caller sees a failure and retries; a partial write is cut off at the next open.
      for (const w of waiters) w.reject(err as Error);
      return;
    }
    if (this.active.bytes >= this.segmentBytes) await this.rotate();
  }

  private sealIfOld(): void {
    if (this.closed || this.active.bytes === 0) return;
    if (Date.now() - this.activeSince >= this.sealAgeMs) void this.seal().catch(() => undefined);
  }

  private async rotate(): Promise<void> {
    if (this.active.bytes === 0) return;
    const sealed = this.active;
    await this.fh.close();
    this.sealedBytes += sealed.bytes;
    await this.openSegment(sealed.number + 1);
    this.onSealed(sealed);
  }

  private async openSegment(n: number): Promise<void> {
    const path = join(this.dir, segmentName(n));
    this.fh = await open(path, "w");
    // The new file's directory entry must be durable too before anything written to it is acknowledged.
    const dir = await open(this.dir, "r");
    try {
      await dir.sync();
    } finally {
      await dir.close();
    }
    this.active = { number: n, path, bytes: 0, deadLetters: false };
    this.activeSince = Date.now();
  }
}

/** Truncates a segment after its last newline; returns its new size. */
function cutTornTail(path: string): number {
  const size = statSync(path).size;
  if (size === 0) return 0;
  const fd = openSync(path, "r+");
  try {
    const chunk = Buffer.alloc(64 * 1024);
    let end = size;
    while (end > 0) {
      const start = Math.max(0, end - chunk.length);
      const n = readSync(fd, chunk, 0, end - start, start);
      const i = chunk.subarray(0, n).lastIndexOf(10);
      if (i >= 0) {
        const keep = start + i + 1;
        if (keep !== size) ftruncateSync(fd, keep);
        return keep;
      }
      end = start;
    }
    ftruncateSync(fd, 0);
    return 0;
  } finally {
    closeSync(fd);
  }
}
