import type { Dialect } from "./dialect.js";

export type SqlValue = string | number | boolean | bigint | null | readonly string[];
export type Row = Record<string, unknown>;

export interface Queryable {
  query<T extends Row = Row>(sql: string, params?: readonly SqlValue[]): Promise<T[]>;
  /** Runs a statement and returns the number of rows it changed. */
  run(sql: string, params?: readonly SqlValue[]): Promise<number>;
}

/** A candidate identity link found in a loaded batch, before the identity graph decides on it. */
export interface LinkCandidate {
  linkKind: "identify" | "alias";
  fromKind: "user" | "anonymous";
  fromId: string;
  toKind: "user" | "anonymous";
  toId: string;
  seenAt: number;
  messageId: string;
}

export interface DecidedLink extends LinkCandidate {
  status: "linked" | "unchanged" | "refused";
  reason: string | null;
}

export interface IdentityDecision {
  links: DecidedLink[];
  /** New values of customer_map rows. */
  changes: { kind: "user" | "anonymous"; id: string; customerId: string }[];
}

/**
 * Decides a load's identity-link candidates, in order. May take its time (a promise): a burst of new
 * links is decided a slice at a time, between the requests the JavaScript thread also serves.
 */
export type DecideLinks = (candidates: LinkCandidate[]) => IdentityDecision | Promise<IdentityDecision>;

export interface SegmentLoadResult {
  events: number;
  duplicates: number;
  rejected: number;
  links: number;
}

/** A sealed ingest-log segment, as a load reads it. */
export interface LogFile {
  path: string;
  /** It may hold dead letters (rejected messages): only then does a load read it for them. */
  deadLetters: boolean;
}

export interface Warehouse extends Queryable {
  readonly dialect: Dialect;
  /** Runs `fn` in one transaction on the write connection; rolls back if it throws. */
  transaction<T>(fn: (tx: Queryable) => Promise<T>): Promise<T>;
  /**
   * Loads sealed ingest-log segments (NDJSON of enriched rows) in one transaction: events deduplicated
   * by message id against each other and against events received since `dedupeSinceMs`, rejected rows into
   * the dead-letter table, identity links decided by `decideLinks`, and the last segment number recorded so
   * a replay after a crash loads each once. `catchingUp`: the log arrives faster than light traffic, and
   * the load may take all the engine's threads; otherwise it takes fewer, for less CPU per event.
   */
  loadSegments(
    files: readonly LogFile[],
    upToSegment: number,
    dedupeSinceMs: number,
    decideLinks: DecideLinks,
    catchingUp?: boolean,
  ): Promise<SegmentLoadResult>;
  /**
   * A large result as one array per column, for analyses that walk millions of rows in JS, where row
   * objects would cost more than the query: INTEGER and DOUBLE columns as Int32Array and Float64Array
   * (they must not be NULL), VARCHAR and BOOLEAN columns as arrays; other types are refused (cast them in
   * the query).
   */
  queryColumns(
    sql: string,
    params?: readonly SqlValue[],
  ): Promise<Record<string, Int32Array | Float64Array | unknown[]>>;
  /**
   * Keeps the engine's memory in bounds; the loader calls it after its loads, the cache warmer after a
   * round that rebuilt lists. Drops cached table blocks beyond the configured idle size once they pile
   * up, and when `idle` (nothing waits to be loaded) also hands the memory the engine has freed back to
   * the operating system, so that a server that had a burst does not stay large while it idles.
   */
  releaseFreedMemory(idle: boolean): Promise<void>;
  /**
   * Reclaims the space of deleted rows and merges small row groups (a checkpoint that vacuums), which
   * the checkpoints of ordinary commits leave out to stay short; the loader calls it at quiet moments.
   */
  compact(): Promise<void>;
  /** The highest segment number loaded so far (0 when none). */
  lastLoadedSegment(): Promise<number>;
  /**
   * The same warehouse with reads on a connection of their own (writes still go through the one writer):
   * for background work, such as automation's scans, that must not queue with the reports users wait for.
   * Closing it closes only that connection.
   */
  withOwnReader(): Promise<Warehouse>;
  close(): Promise<void>;
}
