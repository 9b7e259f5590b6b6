import {
  type DuckDBConnection,
  DuckDBInstance,
  type DuckDBMaterializedResult,
  DuckDBTypeId,
  type DuckDBValue,
  listValue,
} from "@duckdb/node-api";
import { DedupeIndex } from "./dedupe-index.js";
import { DedupeThread } from "./dedupe-thread.js";
import { duckdbDialect } from "./duckdb-dialect.js";
import { migrate } from "./migrations.js";
import type {
  DecideLinks,
  LinkCandidate,
  LogFile,
  Queryable,
  Row,
  SegmentLoadResult,
  SqlValue,
  Warehouse,
} from "./warehouse.js";

export interface DuckDBOptions {
  /** DuckDB memory_limit, e.g. "8GB": explicit, instead of DuckDB's 80 %-of-RAM default. */
  memoryLimit?: string;
  /**
   * Bytes of table blocks the engine keeps cached between loads (releaseFreedMemory drops the rest;
   * they stay in the file and the system's page cache). Unset: none are dropped.
   */
  idleMemory?: number;
  threads?: number;
  /**
   * Memory the dedupe index may take (4 bytes per slot, 5–8 bytes per message in the window); a window
   * with more messages is read by every load instead. Default 128 MB: ~25M messages.
   */
  dedupeIndexBytes?: number;
  /** Open for reading only (several processes may then share the file); migrations are not run. */
  readOnly?: boolean;
}

export class WarehouseLockedError extends Error {}

/**
 * Whether a vector has no NULL, without reading its items: @duckdb/node-api keeps no validity mask for
 * a vector whose items are all valid. Otherwise (or if that internal changes) false, and the caller
 * checks item by item.
 */
const allValid = (vector: unknown) => (vector as { validity?: { data?: unknown } }).validity?.data === null;

/** `queryColumns`' result: INTEGER and DOUBLE columns as typed arrays, VARCHAR and BOOLEAN as arrays. */
type Columns = Record<string, Int32Array | Float64Array | unknown[]>;

/**
 * Columns of an ingest-log line, as the loader reads them (see ingest/pipeline.ts). A key missing from
 * a line reads as NULL: event rows leave their null fields out. Each read names only the columns it
 * uses: the whole of event lines, the dead letters' fields.
 */
const EVENT_COLUMNS = `{kind: 'VARCHAR', message_id: 'VARCHAR', type: 'VARCHAR', anonymous_id: 'VARCHAR',
  user_id: 'VARCHAR', previous_id: 'VARCHAR', ts: 'BIGINT', received_at: 'BIGINT', event: 'VARCHAR',
  group_id: 'VARCHAR', sent_at: 'BIGINT', source: 'VARCHAR', channel: 'VARCHAR', utm_source: 'VARCHAR',
  utm_medium: 'VARCHAR', utm_campaign: 'VARCHAR', utm_term: 'VARCHAR', utm_content: 'VARCHAR',
  referrer: 'VARCHAR', url: 'VARCHAR', device_type: 'VARCHAR', is_bot: 'BOOLEAN', revenue: 'DOUBLE',
  currency: 'VARCHAR', properties: 'JSON', traits: 'JSON', context: 'JSON'}`;
const REJECTED_COLUMNS = `{kind: 'VARCHAR', received_at: 'BIGINT', source: 'VARCHAR', reason: 'VARCHAR',
  field: 'VARCHAR', message_id: 'VARCHAR', anonymous_id: 'VARCHAR', user_id: 'VARCHAR', payload: 'VARCHAR'}`;
const readLog = (columns: string) => `read_json($1, format = 'newline_delimited', columns = ${columns})`;
/**
 * `md5_number_lower`, the value migration 7 stored, without its macro's detour through a bit string
 * (four times the CPU: 0.5 µs per event of a load here).
 */
const messageHash = (id: string) => `(md5_number(${id}) >> 64)::UBIGINT`;
/** A message hash's high and low 32 bits, exact as DOUBLEs (the dedupe index's input). */
const HASH_HALVES = (hash: string) => `(${hash} >> 32)::DOUBLE AS hi, (${hash} & 4294967295)::DOUBLE AS lo`;
const BUILD_PIECE_ROWS = 262_144;
/**
 * The rows the open transaction inserted into a table: DuckDB numbers them from its MAX_ROW_ID (2^55)
 * until they are committed, and reads only them for this filter (duckdb.test.ts: a load larger than a
 * row group).
 */
const loadedRows = (rowid: string) => `${rowid} >= 36028797018960000`;
/**
 * The messages stored within the dedupe window (the dedupe index, on its thread), shared by the
 * warehouses on one writer. The first load builds it; while the window holds more than `maxBytes` allow
 * (`over`), loads read the window, and a build is tried again after `retryAt`.
 */
interface DedupeState {
  thread: DedupeThread | undefined;
  status: "unbuilt" | "built" | "over";
  retryAt: number;
  maxBytes: number;
}
/** A load's distinct message ids: their hashes' high and low halves and when each was first received. */
type LoadedIds = [hi: Float64Array, lo: Float64Array, receivedAt: Float64Array];
const EVENT_ROW = `message_id, type, event, anonymous_id, user_id, group_id, previous_id, epoch_ms(ts), epoch_ms(sent_at),
  epoch_ms(received_at), source, channel, utm_source, utm_medium, utm_campaign, utm_term, utm_content, referrer, url,
  device_type, coalesce(is_bot, false), revenue, currency, properties, traits, context, ${messageHash("message_id")}`;

/**
 * Per table, each vacuum task merging up to three row groups: on a warehouse ingest built (12M events,
 * 143 row groups) DuckDB's default of 100 took 58 s and 6 GB; 10 took 5–6 s and 0.8 GB, 4 took 1.5 s and
 * 0.35 GB. What one compaction leaves, the next continues.
 */
const VACUUM_TASKS_PER_COMPACTION = 4;

/** Shapes of the JSON texts that carry decided identity links and customer-map changes (loadLinks). */
const LINKS_JSON =
  '[{"k":"VARCHAR","fk":"VARCHAR","f":"VARCHAR","tk":"VARCHAR","t":"VARCHAR","s":"BIGINT","m":"VARCHAR","st":"VARCHAR","r":"VARCHAR"}]';
const CHANGES_JSON = '[{"kind":"VARCHAR","id":"VARCHAR","customer_id":"VARCHAR"}]';

/**
 * Rows per row group of the rows the warehouse writes (DuckDB's default is 122,880). A load of fewer
 * rows than one row group goes through the write-ahead log and is written again at the next
 * checkpoint; a load of more is written compressed once. Smaller row groups let loads a quarter of
 * the size skip the log, so loads, and the memory their rows hold until written, can be smaller (the
 * same events/s in full-speed runs).
 */
export const ROW_GROUP_ROWS = 30_720;

const sqlString = (text: string) => `'${text.replaceAll("'", "''")}'`;

const WIDE_INTEGERS: ReadonlySet<DuckDBTypeId> = new Set([
  DuckDBTypeId.BIGINT,
  DuckDBTypeId.UBIGINT,
  DuckDBTypeId.HUGEINT,
  DuckDBTypeId.UHUGEINT,
]);

function toDuck(value: SqlValue): DuckDBValue {
  if (Array.isArray(value)) return listValue(value as string[]);
  return value as DuckDBValue;
}

function fromDuck(value: unknown): unknown {
  if (typeof value === "bigint") {
    return value >= BigInt(Number.MIN_SAFE_INTEGER) && value <= BigInt(Number.MAX_SAFE_INTEGER)
      ? Number(value)
      : value.toString();
  }
  return value;
}

/**
 * The reads running on an engine, across the warehouses that share it (withOwnReader): lowering the
 * memory limit to drop cached blocks must not happen under a read, which could then fail for want of
 * memory; and a load runs the engine on one thread only while no read runs. Exported for its tests.
 */
export class Reads {
  private running = 0;
  private paused: Promise<void> | undefined;
  /** While a load has the engine on one thread: gives it its threads back, once, before a read. */
  private widen: ((on: Connection) => Promise<void>) | undefined;

  /** threads: the engine's own count. */
  constructor(private readonly threads: number) {}

  async during<T>(on: Connection, fn: () => Promise<T>): Promise<T> {
    while (this.paused) await this.paused;
    this.running++;
    try {
      await this.widen?.(on);
      return await fn();
    } finally {
      this.running--;
    }
  }

  /** Runs fn with no read running or starting meanwhile; false, without running it, if reads are running. */
  async alone(fn: () => Promise<void>): Promise<boolean> {
    if (this.running > 0 || this.paused) return false;
    let resume = () => {};
    this.paused = new Promise((resolve) => {
      resume = resolve;
    });
    try {
      await fn();
      return true;
    } finally {
      this.paused = undefined;
      resume();
    }
  }

  /**
   * Runs a load (on the connection `on`) with the engine on one thread unless reads are running; a read
   * that starts meanwhile gives it its threads back first. A load on one thread took ~25 % less CPU than
   * on two, for 20 % more time (100,000-event loads). Not for a loader catching up: at full speed on 2
   * cores, loads on one thread fell behind the log by ~7 MB/s.
   */
  async onOneThread<T>(on: Connection, fn: () => Promise<T>): Promise<T> {
    // Failing to set them only costs speed: it must fail neither the load nor a read.
    const setThreads = (conn: Connection, n: number) =>
      conn.run(`SET threads = ${n}`).then(
        () => undefined,
        () => undefined,
      );
    if (this.threads === 1 || !(await this.alone(() => setThreads(on, 1)))) return fn();
    let widened: Promise<void> | undefined;
    this.widen = (conn) => {
      widened ??= setThreads(conn, this.threads);
      return widened;
    };
    try {
      return await fn();
    } finally {
      this.widen = undefined;
      await (widened ?? setThreads(on, this.threads));
    }
  }
}

/** Exported for the tests of Reads. */
export class Connection implements Queryable {
  // DuckDB runs one statement at a time per connection; a queue keeps callers from interleaving.
  private tail: Promise<unknown> = Promise.resolve();
  constructor(readonly raw: DuckDBConnection) {}

  /** A connection whose unqualified names are the warehouse's (the engine's own catalog is empty). */
  static async open(instance: DuckDBInstance): Promise<Connection> {
    const raw = await instance.connect();
    await raw.run("USE warehouse");
    return new Connection(raw);
  }

  serial<T>(fn: () => Promise<T>): Promise<T> {
    const next = this.tail.then(fn, fn);
    this.tail = next.catch(() => undefined);
    return next;
  }

  async query<T extends Row = Row>(sql: string, params: readonly SqlValue[] = []): Promise<T[]> {
    const reader = await this.raw.runAndReadAll(sql, params.map(toDuck));
    // Only 64/128-bit integer columns arrive as BigInt: convert those in place, leave the rest alone
    // (a second pass over every field of every row costs as much as DuckDB's own conversion).
    const names = reader.columnNames();
    const wide = reader
      .columnTypes()
      .flatMap((type, i) => (WIDE_INTEGERS.has(type.typeId) ? [names[i]!] : []));
    const rows = reader.getRowObjectsJS() as Row[];
    if (wide.length) for (const row of rows) for (const k of wide) row[k] = fromDuck(row[k]);
    return rows as T[];
  }

  async queryColumns(sql: string, params: readonly SqlValue[] = []): Promise<Columns> {
    // Materialised, then read synchronously: streaming costs one trip to the engine's thread per
    // 2,048-row chunk, which took longer than the query itself for a funnel's millions of rows.
    const result: DuckDBMaterializedResult = await this.raw.run(sql, params.map(toDuck));
    const names = result.columnNames();
    const types = result.columnTypes().map((t) => t.typeId);
    const rows = result.rowCount;
    const columns: (Int32Array | Float64Array | unknown[])[] = names.map((name, c) => {
      if (types[c] === DuckDBTypeId.INTEGER) return new Int32Array(rows);
      if (types[c] === DuckDBTypeId.DOUBLE) return new Float64Array(rows);
      if (types[c] === DuckDBTypeId.VARCHAR || types[c] === DuckDBTypeId.BOOLEAN) return [];
      throw new Error(`queryColumns: cast ${name} to INTEGER, DOUBLE or VARCHAR in the query`);
    });
    let at = 0;
    for (let k = 0, chunks = result.chunkCount; k < chunks; k++) {
      const chunk = result.getChunk(k);
      const count = chunk.rowCount; // a call into the engine each time it is read
      names.forEach((name, c) => {
        const vector = chunk.getColumnVector(c);
        const column = columns[c]!;
        if (Array.isArray(column)) {
          for (let i = 0; i < count; i++) column.push(vector.getItem(i));
          return;
        }
        if (!allValid(vector))
          for (let i = 0; i < count; i++)
            if (vector.getItem(i) === null)
              throw new Error(`queryColumns: ${name} is NULL; coalesce it in the query`);
        // Numbers are copied out of the engine's vector as they are, not converted one by one.
        column.set((vector as unknown as { items: Int32Array | Float64Array }).items.subarray(0, count), at);
      });
      at += count;
    }
    return Object.fromEntries(names.map((name, c) => [name, columns[c]!]));
  }

  async run(sql: string, params: readonly SqlValue[] = []): Promise<number> {
    const result: DuckDBMaterializedResult = await this.raw.run(sql, params.map(toDuck));
    return Number(result.rowsChanged);
  }
}

export class DuckDBWarehouse implements Warehouse {
  readonly dialect = duckdbDialect;
  private closed = false;
  private shared = false;

  private constructor(
    private readonly instance: DuckDBInstance,
    private readonly writer: Connection,
    private readonly reader: Connection,
    private readonly memoryLimit: string,
    private readonly idleMemory: number | null,
    private readonly reads: Reads,
    private readonly dedupe: DedupeState,
  ) {}

  static async open(path: string, options: DuckDBOptions = {}): Promise<DuckDBWarehouse> {
    const memoryLimit = options.memoryLimit ?? "8GB";
    const idleMemory = options.idleMemory ?? null;
    let instance: DuckDBInstance | undefined;
    let attaching: DuckDBConnection | undefined;
    try {
      // The engine starts empty and attaches the warehouse: the row group size is an option of ATTACH.
      instance = await DuckDBInstance.create(":memory:", {
        memory_limit: memoryLimit,
        // A checkpoint rewrites the table's last, partly filled row group whole: with the default 16 MB
        // of WAL, small loads (a few thousand events every half second) paid that rewrite every few
        // loads, half the loader's CPU (measured with row groups of 122,880 rows).
        checkpoint_threshold: "128MB",
        // The checkpoints that commits trigger do not vacuum (merge partly filled or partly deleted row
        // groups; wholly deleted ones are still dropped): on the writer ingest waits for, that made them
        // 2–3× slower and their memory peaks higher. compact() vacuums, at quiet moments.
        max_vacuum_tasks: "0",
        // Memory a load frees goes back to the system at once, not after the allocator's decay: at full
        // speed that kept ~150–200 MB more resident (DuckDB's default flushes frees over 512 MB only).
        // The next load faults it in again: 2–10 % fewer events/s in five-minute full-speed runs.
        allocator_bulk_deallocation_flush_threshold: "16MB",
        ...(options.threads ? { threads: String(options.threads) } : {}),
      });
      attaching = await instance.connect();
      const mode = options.readOnly ? ", READ_ONLY" : "";
      await attaching.run(`ATTACH ${sqlString(path)} AS warehouse (ROW_GROUP_SIZE ${ROW_GROUP_ROWS}${mode})`);
      attaching.closeSync();
    } catch (err) {
      attaching?.closeSync();
      instance?.closeSync();
      const message = (err as Error).message;
      if (/lock/i.test(message)) {
        throw new WarehouseLockedError(
          `the warehouse ${path} is in use by another process (a running \`touchpoint serve\`?); stop it or use its HTTP API`,
        );
      }
      throw new Error(`cannot open the warehouse ${path}: ${message}`);
    }
    const writer = await Connection.open(instance);
    const [{ threads = 1 } = {}] = await writer.query<{ threads: number }>(
      "SELECT current_setting('threads')::INTEGER AS threads",
    );
    const wh = new DuckDBWarehouse(
      instance,
      writer,
      await Connection.open(instance),
      memoryLimit,
      idleMemory,
      new Reads(threads),
      {
        thread: undefined,
        status: "unbuilt",
        retryAt: 0,
        maxBytes: options.dedupeIndexBytes ?? 128 * 2 ** 20,
      },
    );
    if (!options.readOnly) await migrate(wh);
    return wh;
  }

  query<T extends Row = Row>(sql: string, params?: readonly SqlValue[]): Promise<T[]> {
    return this.reader.serial(() => this.reads.during(this.reader, () => this.reader.query<T>(sql, params)));
  }

  queryColumns(sql: string, params?: readonly SqlValue[]): Promise<Columns> {
    return this.reader.serial(() =>
      this.reads.during(this.reader, () => this.reader.queryColumns(sql, params)),
    );
  }

  run(sql: string, params?: readonly SqlValue[]): Promise<number> {
    return this.writer.serial(() => this.writer.run(sql, params));
  }

  transaction<T>(fn: (tx: Queryable) => Promise<T>): Promise<T> {
    return this.writer.serial(() => this.inTransaction(fn));
  }

  private async inTransaction<T>(fn: (tx: Queryable) => Promise<T>): Promise<T> {
    await this.writer.run("BEGIN TRANSACTION");
    try {
      const result = await fn(this.writer);
      await this.writer.run("COMMIT");
      return result;
    } catch (err) {
      await this.writer.run("ROLLBACK").catch(() => undefined);
      throw err;
    }
  }

  async lastLoadedSegment(): Promise<number> {
    const rows = await this.query<{ value: number }>(
      "SELECT value FROM ingest_state WHERE key = 'loaded_segment'",
    );
    return rows[0]?.value ?? 0;
  }

  loadSegments(
    files: readonly LogFile[],
    upToSegment: number,
    dedupeSinceMs: number,
    decideLinks: DecideLinks,
    catchingUp = false,
  ): Promise<SegmentLoadResult> {
    const load = async () => {
      const dedupe = this.dedupe;
      if (dedupe.status === "unbuilt" || (dedupe.status === "over" && Date.now() >= dedupe.retryAt))
        await this.buildDedupeIndex(dedupeSinceMs);
      const { result, ids } = await this.inTransaction((tx) =>
        this.loadInTransaction(tx, files, upToSegment, dedupeSinceMs, decideLinks),
      );
      // Only once committed: what a rolled-back load would have added is not in the window. If they
      // do not fit, or the thread failed, the index is built again (or at the next load): the load stands.
      if (dedupe.status === "built" && ids) {
        const added = await dedupe.thread!.addAll(...ids, dedupeSinceMs).catch(() => false);
        if (!added) await this.buildDedupeIndex(dedupeSinceMs).catch(() => undefined);
      }
      return result;
    };
    return this.writer.serial(() => (catchingUp ? load() : this.reads.onOneThread(this.writer, load)));
  }

  /** Builds the dedupe index from the hashes of the messages received since `sinceMs`. */
  private async buildDedupeIndex(sinceMs: number): Promise<void> {
    const dedupe = this.dedupe;
    dedupe.status = "unbuilt";
    const window = "FROM events WHERE received_at >= epoch_ms($1) AND message_hash IS NOT NULL";
    const [{ n = 0, first = 0, last = -1 } = {}] = await this.writer.query<{
      n: number;
      first: number;
      last: number;
    }>(`SELECT count(*) AS n, min(rowid) AS first, max(rowid) AS last ${window}`, [sinceMs]);
    const slots = Math.min(DedupeIndex.slotsFor(n), Math.floor(dedupe.maxBytes / 4));
    // Near its bound the table would fill after a few loads, each time rebuilt to no avail.
    if (slots === 0 || n > DedupeIndex.roomIn(slots) * 0.85) {
      dedupe.status = "over";
      dedupe.retryAt = Date.now() + 3_600_000;
      await dedupe.thread?.close();
      dedupe.thread = undefined;
      return;
    }
    if (!dedupe.thread || dedupe.thread.failed) dedupe.thread = new DedupeThread();
    const thread = dedupe.thread;
    await thread.reset(DedupeIndex.sliceFor(Date.now() - sinceMs), slots);
    const adds: Promise<boolean>[] = [];
    // In pieces of rows, each read whole: a streamed read waits for the event loop at every 2,048-row
    // chunk, and under full-speed ingest that held the loader for minutes. The thread places each piece
    // while the next is read.
    for (let from = first; from <= last; from += BUILD_PIECE_ROWS) {
      const piece = await this.writer.queryColumns(
        `SELECT ${HASH_HALVES("message_hash")}, epoch_ms(received_at)::DOUBLE AS received_at
         ${window} AND rowid >= $2::BIGINT AND rowid < $3::BIGINT`,
        [sinceMs, from, from + BUILD_PIECE_ROWS],
      );
      adds.push(thread.addAll(...([piece.hi, piece.lo, piece.received_at] as LoadedIds), sinceMs));
    }
    if ((await Promise.all(adds)).includes(false)) throw new Error("the dedupe index was built too small");
    dedupe.status = "built";
  }

  private async loadInTransaction(
    tx: Queryable,
    files: readonly LogFile[],
    upToSegment: number,
    dedupeSinceMs: number,
    decideLinks: DecideLinks,
  ): Promise<{ result: SegmentLoadResult; ids?: LoadedIds }> {
    // One read of the log: every event line goes in, and the few that must not stay are removed below
    // (the load's rows told by their row ids). Reading the keys first, to insert only what is new, parsed
    // every line twice: ~25 % more CPU per load, for duplicates that are rare.
    const inserted = await tx.run(
      `INSERT INTO events SELECT ${EVENT_ROW} FROM ${readLog(EVENT_COLUMNS)} WHERE kind = 'event'`,
      [files.map((f) => f.path)],
    );
    await tx.run(
      `CREATE OR REPLACE TEMP TABLE ingest_ids AS
       SELECT message_id, count(*) AS n, min(received_at) AS received_at, any_value(message_hash) AS hash
       FROM events WHERE ${loadedRows("rowid")} GROUP BY message_id`,
    );
    // Ids not to keep as they came: those sent more than once in these segments, and those already
    // stored within the window. Of the window only hashes are read (migration 7), and the ids of the few
    // rows whose hash matches, fetched by row id; never whole rows. With the dedupe index, only the
    // hashes it matches, from the earliest slice they may be in; often none.
    const index = this.dedupe.status === "built" ? this.dedupe.thread! : undefined;
    let ids: LoadedIds | undefined;
    let candidates: string[] = [];
    let readFrom = dedupeSinceMs;
    if (index) {
      const columns = await this.writer.queryColumns(
        `SELECT ${HASH_HALVES("hash")}, epoch_ms(received_at)::DOUBLE AS received_at FROM ingest_ids`,
      );
      ids = [columns.hi, columns.lo, columns.received_at] as LoadedIds;
      const [hi, lo] = ids;
      const matched = await index.check(hi, lo, dedupeSinceMs);
      candidates = matched.candidates.map((i) => ((BigInt(hi[i]!) << 32n) | BigInt(lo[i]!)).toString());
      readFrom = matched.from;
    }
    const readWindow = !index || candidates.length > 0;
    const stored = readWindow
      ? `message_id IN (SELECT message_id FROM events WHERE rowid IN (
           SELECT rowid FROM events WHERE received_at >= epoch_ms($1) AND NOT ${loadedRows("rowid")} AND message_hash IN (
             ${index ? "SELECT unnest($2::VARCHAR[])::UBIGINT" : "SELECT hash FROM ingest_ids"})))`
      : "false";
    await tx.run(
      `CREATE OR REPLACE TEMP TABLE ingest_held AS
       SELECT * FROM (SELECT message_id, n > 1 AS repeated, ${stored} AS stored FROM ingest_ids)
       WHERE repeated OR stored`,
      !readWindow ? [] : index ? [readFrom, candidates] : [readFrom],
    );
    // An id already stored is dropped; one sent more than once in these segments (a client's retry)
    // keeps the first received.
    const duplicates = await tx.run(
      `DELETE FROM events WHERE rowid IN (
         SELECT e.rowid FROM events e JOIN ingest_held h USING (message_id) WHERE ${loadedRows("e.rowid")}
         QUALIFY h.stored OR row_number() OVER (PARTITION BY e.message_id ORDER BY e.received_at, e.rowid) > 1)`,
    );
    const withDeadLetters = files.filter((f) => f.deadLetters).map((f) => f.path);
    const rejected =
      withDeadLetters.length === 0
        ? 0
        : await tx.run(
            `INSERT INTO rejected_events
             SELECT epoch_ms(received_at), source, reason, field, message_id, anonymous_id, user_id, payload
             FROM ${readLog(REJECTED_COLUMNS)} WHERE kind = 'rejected'`,
            [withDeadLetters],
          );
    const links = await this.loadLinks(tx, decideLinks);
    await tx.run(`INSERT OR REPLACE INTO ingest_state VALUES ('loaded_segment', $1)`, [upToSegment]);
    // Not kept until the next load: after a burst they would hold memory while the server idles.
    await tx.run("DROP TABLE ingest_ids");
    await tx.run("DROP TABLE ingest_held");
    return { result: { events: inserted - duplicates, duplicates, rejected, links }, ids };
  }

  /**
   * Table blocks the engine read or wrote stay cached up to the memory limit (~2.6 MB/s at full speed):
   * beyond `idleMemory` they are dropped, once they exceed it by half or when `idle`. Setting the memory
   * limit evicts down to it and flushes the allocator, which hands freed memory back to the system
   * (after a 250,000-event load ~430 MB stayed resident otherwise; RSS 755 → 327 MB in ~13 ms).
   */
  releaseFreedMemory(idle: boolean): Promise<void> {
    const setLimit = (limit: string) => this.writer.run("SET memory_limit = $1", [limit]);
    const dropCache = async (idleMemory: number) => {
      if (!idle) {
        const [{ cached = 0 } = {}] = await this.writer.query<{ cached: number }>(
          "SELECT sum(memory_usage_bytes)::DOUBLE AS cached FROM duckdb_memory() WHERE tag = 'BASE_TABLE'",
        );
        if (cached < 1.5 * idleMemory) return false;
      }
      // Never under a read: it could fail for want of memory while the limit is low.
      return this.reads.alone(async () => {
        try {
          // Refused, the limit unchanged, when more than that is in use.
          await setLimit(`${idleMemory}B`);
        } finally {
          await setLimit(this.memoryLimit);
        }
      });
    };
    return this.writer
      .serial(async () => {
        const dropped = this.idleMemory !== null && (await dropCache(this.idleMemory));
        if (!dropped && idle) await setLimit(this.memoryLimit);
      })
      .then(
        () => undefined,
        // A failure (the warehouse closing under it) only means nothing was released.
        () => undefined,
      );
  }

  compact(): Promise<void> {
    return this.writer.serial(async () => {
      await this.writer.run(`SET max_vacuum_tasks = ${VACUUM_TASKS_PER_COMPACTION}`);
      try {
        // A checkpoint with nothing new to write does nothing at all, vacuuming included.
        await this.writer.run(
          "INSERT OR REPLACE INTO ingest_state VALUES ('compacted_at', epoch_ms(current_timestamp))",
        );
        await this.writer.run("CHECKPOINT");
      } finally {
        await this.writer.run("SET max_vacuum_tasks = 0");
      }
    });
  }

  private async loadLinks(tx: Queryable, decideLinks: DecideLinks): Promise<number> {
    // One candidate per distinct pair, first sighting first; pairs decided in an earlier batch are skipped.
    // As columns: a burst of new pairs costs the JavaScript thread ~40 % less than as row objects.
    const pairs = await this.writer.queryColumns(
      `WITH c AS (
         SELECT 'identify' AS link_kind, 'anonymous' AS from_kind, anonymous_id AS from_id, user_id AS to_id,
                ts, message_id
         FROM events WHERE ${loadedRows("rowid")} AND anonymous_id IS NOT NULL AND user_id IS NOT NULL
         UNION ALL
         SELECT 'alias', CASE WHEN EXISTS (SELECT 1 FROM events e WHERE e.user_id = b.previous_id)
                              THEN 'user' ELSE 'anonymous' END,
                previous_id, user_id, ts, message_id
         FROM events b WHERE ${loadedRows("b.rowid")} AND type = 'alias' AND previous_id IS NOT NULL
               AND user_id IS NOT NULL
       ),
       d AS (SELECT link_kind, from_kind, from_id, to_id, min(ts) AS seen_at, arg_min(message_id, ts) AS message_id
             FROM c GROUP BY ALL)
       SELECT d.* REPLACE (epoch_ms(seen_at)::DOUBLE AS seen_at) FROM d
       WHERE NOT EXISTS (SELECT 1 FROM identity_links l
                         WHERE l.from_kind = d.from_kind AND l.from_id = d.from_id
                           AND l.to_kind = 'user' AND l.to_id = d.to_id AND l.link_kind = d.link_kind)
       ORDER BY seen_at, message_id`,
    );
    const seenAt = pairs.seen_at as Float64Array;
    if (seenAt.length === 0) return 0;
    const candidates: LinkCandidate[] = new Array(seenAt.length);
    for (let i = 0; i < seenAt.length; i++) {
      candidates[i] = {
        linkKind: pairs.link_kind![i] as LinkCandidate["linkKind"],
        fromKind: pairs.from_kind![i] as LinkCandidate["fromKind"],
        fromId: pairs.from_id![i] as string,
        toKind: "user",
        toId: pairs.to_id![i] as string,
        seenAt: seenAt[i]!,
        messageId: pairs.message_id![i] as string,
      };
    }
    const decision = await decideLinks(candidates);
    const [{ seq } = { seq: 0 }] = await tx.query<{ seq: number }>(
      "SELECT coalesce(max(seq), 0) AS seq FROM identity_links",
    );
    const l = decision.links;
    // The decided links go over as one JSON text, not ten bound lists: binding a list converts every
    // element on the JavaScript thread, which the request path shares.
    await tx.run(
      `INSERT INTO identity_links
       SELECT $1 + i, x.k, x.fk, x.f, x.tk, x.t, epoch_ms(x.s), x.m, x.st, nullif(x.r, '')
       FROM (SELECT generate_subscripts(v, 1) AS i, unnest(v) AS x
             FROM (SELECT json_transform($2::VARCHAR, '${LINKS_JSON}') AS v))`,
      [
        seq,
        JSON.stringify(
          l.map((x) => ({
            k: x.linkKind,
            fk: x.fromKind,
            f: x.fromId,
            tk: x.toKind,
            t: x.toId,
            s: x.seenAt,
            m: x.messageId,
            st: x.status,
            r: x.reason ?? null,
          })),
        ),
      ],
    );
    const c = decision.changes;
    if (c.length > 0) {
      await tx.run(
        `INSERT OR REPLACE INTO customer_map
         SELECT x.kind, x.id, x.customer_id
         FROM (SELECT unnest(json_transform($1::VARCHAR, '${CHANGES_JSON}')) AS x)`,
        [JSON.stringify(c.map((x) => ({ kind: x.kind, id: x.id, customer_id: x.customerId })))],
      );
    }
    return l.length;
  }

  async withOwnReader(): Promise<Warehouse> {
    const reads = new DuckDBWarehouse(
      this.instance,
      this.writer,
      await Connection.open(this.instance),
      this.memoryLimit,
      this.idleMemory,
      this.reads,
      this.dedupe,
    );
    reads.shared = true;
    return reads;
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.reader.serial(async () => undefined);
    this.reader.raw.closeSync();
    // A warehouse from withOwnReader() shares the instance and the writer with the one that opened them.
    if (this.shared) return;
    await this.writer.serial(async () => undefined);
    await this.dedupe.thread?.close();
    this.writer.raw.closeSync();
    this.instance.closeSync();
  }
}

export function openWarehouse(path: string, options?: DuckDBOptions): Promise<Warehouse> {
  return DuckDBWarehouse.open(path, options);
}
