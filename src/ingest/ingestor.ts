import { IdentityGraph, type IdKind, type LinkInput } from "../identity/identity-graph.js";
import type { PrivacySettings } from "../privacy/scrub.js";
import { sourceForKey } from "../sources/sources.js";
import type { DecidedLink, IdentityDecision, LinkCandidate, Warehouse } from "../warehouse/warehouse.js";
import { IngestLog } from "./ingest-log.js";
import { Loader } from "./loader.js";
import type { MessageType, RejectedItem } from "./messages.js";
import { deadLetter, type PipelineContext, processMessages, type SourceInfo } from "./pipeline.js";

export interface IngestSettings {
  dedupeWindowMs: number;
  maxEventBytes: number;
  /**
   * Answer 503 once this many accepted bytes wait for the warehouse (disk backlog); from an eighth of it
   * on, answers are held a while (answerDelayMs).
   */
  maxBacklogBytes: number;
  /** Answer 503 once this many bytes wait in memory for the disk. */
  maxPendingBytes: number;
  segmentMs: number;
  ownHosts: string[];
  placeholderIds: string[];
  maxUserIdsPerCustomer: number;
  /** Privacy at ingest: properties dropped and IP addresses anonymised before storage. */
  privacy?: PrivacySettings;
}

export class OverloadedError extends Error {
  constructor(
    readonly retryAfterSeconds: number,
    message = "the server is busy writing what it has accepted; retry later",
  ) {
    super(message);
  }
}

export interface IngestOptions {
  sentAt?: number | null;
  receivedAt?: number;
  messageIdFor?: (index: number) => string;
}

export interface IngestOutcome {
  accepted: number;
  rejected: RejectedItem[];
}

/**
 * Back-pressure: answers are held once the log waiting for the warehouse passes this share of its bound,
 * longer as it grows, up to MAX_ANSWER_DELAY_MS at the bound (where 503s begin).
 */
const PACE_FROM_SHARE = 1 / 8;
const MAX_ANSWER_DELAY_MS = 1_000;

/**
 * How long an answer waits after its events are durable, given the backlog. Clients that wait for their
 * answers (Segment's libraries, a fixed pool of senders) then send about as fast as the warehouse loads,
 * and reports stay seconds behind, instead of the backlog growing to its bound and every request
 * failing at once.
 */
export function answerDelayMs(backlogBytes: number, maxBacklogBytes: number): number {
  const from = maxBacklogBytes * PACE_FROM_SHARE;
  if (backlogBytes <= from) return 0;
  return Math.min(
    MAX_ANSWER_DELAY_MS,
    (MAX_ANSWER_DELAY_MS * (backlogBytes - from)) / (maxBacklogBytes - from),
  );
}

/** Identity links decided, or read back, between two turns of the event loop (~10 ms of work). */
const DECISION_SLICE = 2_000;
const turn = () => new Promise<void>((resolve) => setImmediate(resolve));

type Logger = { info(msg: string): void; error(msg: string): void };

/** The ingestion path: write keys → validation and enrichment → durable log → warehouse. */
export class Ingestor {
  private keyCache = new Map<string, { source: SourceInfo | null; expires: number }>();
  private graph!: IdentityGraph;
  private closing = false;

  private constructor(
    private readonly wh: Warehouse,
    private readonly log: IngestLog,
    private readonly settings: IngestSettings,
    private loader?: Loader,
  ) {}

  static async start(
    wh: Warehouse,
    logDir: string,
    settings: IngestSettings,
    logger: Logger,
  ): Promise<Ingestor> {
    const { log, unloaded } = await IngestLog.open(logDir, await wh.lastLoadedSegment(), {
      segmentMs: settings.segmentMs,
    });
    const ingestor = new Ingestor(wh, log, settings);
    await ingestor.rebuildIdentity();
    let replayFailed = () => {};
    const loader = new Loader(wh, log, {
      dedupeWindowMs: settings.dedupeWindowMs,
      // The graph of the moment: an erasure may replace it with one read again from the warehouse.
      decideLinks: (c) => decideLinks(ingestor.graph, c),
      onError: async (segment, err) => {
        logger.error(`loading ingest segment ${segment.number} failed (will retry): ${err.message}`);
        replayFailed();
        // The failed transaction may have advanced the in-memory graph: the next attempt starts again
        // from the warehouse's.
        await ingestor.rebuildIdentity().catch(() => undefined);
      },
      onCompactionError: (err) =>
        logger.error(`compacting the warehouse failed (the next compaction tries again): ${err.message}`),
    });
    ingestor.loader = loader;
    log.onSealed = (segment) => loader.enqueue(segment);
    if (unloaded.length > 0) {
      logger.info(`replaying ${unloaded.length} ingest segment(s) left by the previous run`);
      for (const s of unloaded) loader.enqueue(s);
      // A segment the warehouse refuses must not keep the server from starting: the loader keeps
      // retrying it in the background, and what arrives meanwhile queues behind it in the log.
      const failed = new Promise<void>((resolve) => {
        replayFailed = resolve;
      });
      await Promise.race([loader.idle().catch(() => undefined), failed]);
    }
    return ingestor;
  }

  get totals() {
    return this.loader!.totals;
  }

  /** Wall time the loader has spent loading since the start (ms). */
  get loaderBusyMs(): number {
    return this.loader!.busyMs;
  }

  /** The source a write key belongs to, cached briefly so the hot path does not query per request. */
  async authenticate(writeKey: string): Promise<SourceInfo | null> {
    const now = Date.now();
    const hit = this.keyCache.get(writeKey);
    if (hit && hit.expires > now) return hit.source;
    const source = await sourceForKey(this.wh, writeKey);
    if (this.keyCache.size > 10_000) this.keyCache.clear();
    this.keyCache.set(writeKey, { source, expires: now + (source ? 30_000 : 2_000) });
    return source;
  }

  forgetKeys(): void {
    this.keyCache.clear();
  }

  /**
   * Throws OverloadedError when accepting more would grow memory or the backlog without bound, or once
   * the ingestor is closing (a request still being handled at shutdown is told to retry, not a 500).
   */
  checkCapacity(): void {
    this.checkOpen();
    if (this.log.pendingBytes > this.settings.maxPendingBytes) throw new OverloadedError(1);
    if (this.log.backlogBytes > this.settings.maxBacklogBytes) throw new OverloadedError(5);
  }

  private checkOpen(): void {
    if (this.closing) throw new OverloadedError(5, "the server is stopping; retry later");
  }

  /**
   * Resolves once the accepted messages are durable (fsynced); rejected ones are dead-lettered too.
   * Under a backlog the answer is held a while longer (answerDelayMs).
   */
  async ingest(
    messages: readonly unknown[],
    impliedType: MessageType | null,
    source: SourceInfo,
    options: IngestOptions = {},
  ): Promise<IngestOutcome> {
    const outcome = await this.write(messages, impliedType, source, options);
    const delay = answerDelayMs(this.log.backlogBytes, this.settings.maxBacklogBytes);
    if (delay > 0) await new Promise((resolve) => setTimeout(resolve, delay));
    return outcome;
  }

  private async write(
    messages: readonly unknown[],
    impliedType: MessageType | null,
    source: SourceInfo,
    options: IngestOptions,
  ): Promise<IngestOutcome> {
    this.checkCapacity();
    const ctx: PipelineContext = {
      source,
      receivedAt: options.receivedAt ?? Date.now(),
      sentAt: options.sentAt ?? null,
      ownHosts: this.settings.ownHosts,
      privacy: this.settings.privacy,
      placeholderIds: this.settings.placeholderIds,
      maxEventBytes: this.settings.maxEventBytes,
      messageIdFor: options.messageIdFor,
    };
    const result = processMessages(messages, impliedType, ctx);
    await this.log.append(result.lines, result.rejected.length > 0);
    return { accepted: result.accepted, rejected: result.rejected };
  }

  /**
   * For bulk loads (imports, the demo): waits for the warehouse to catch up instead of failing when the
   * backlog grows, then ingests like `ingest`, without its back-pressure.
   */
  async ingestBulk(
    messages: readonly unknown[],
    source: SourceInfo,
    options: Pick<IngestOptions, "messageIdFor"> = {},
  ): Promise<IngestOutcome> {
    if (this.log.backlogBytes > this.settings.maxBacklogBytes / 2) await this.flush();
    return this.write(messages, null, source, options);
  }

  /** Dead-letters input that never became a message (an import line that is not JSON). */
  async reject(
    items: { raw: string; field: string | null; reason: string }[],
    source: SourceInfo,
  ): Promise<void> {
    this.checkOpen();
    const ctx = { receivedAt: Date.now(), source };
    await this.log.append(items.map((i) => deadLetter(i.raw, i.field, i.reason, ctx)).join(""), true);
  }

  /** Seals what was written and waits until it is in the warehouse (for tests, imports and shutdown). */
  async flush(): Promise<void> {
    await this.log.seal();
    await this.loader!.idle();
  }

  /** Seals the log and loads what it holds; a load that fails now is left for the next start. */
  async close(): Promise<void> {
    this.closing = true;
    await this.log.close();
    this.loader!.finish();
    try {
      await this.loader!.idle();
    } catch (err) {
      throw new Error(
        `${(err as Error).message}; what was accepted is kept in the ingest log and loaded at the next start`,
      );
    }
  }

  /**
   * Runs a change that removes stored identity links (an erasure) once everything accepted is loaded,
   * then re-reads the identity graph, both between two loads: no load decides links on a graph that
   * still holds what was removed, and none commits while the links are read back. `change` resolves to
   * null when it removed nothing.
   */
  async changeIdentities<T>(change: () => Promise<T | null>): Promise<T | null> {
    await this.flush();
    return this.loader!.between(async () => {
      const changed = await change();
      if (changed !== null) await this.rebuildIdentity();
      return changed;
    });
  }

  private async rebuildIdentity(): Promise<void> {
    const graph = new IdentityGraph({
      maxUserIdsPerCustomer: this.settings.maxUserIdsPerCustomer,
      blockList: this.settings.placeholderIds,
    });
    // As columns: at a start on a large warehouse (millions of links) row objects cost ~40 % more.
    const links = await this.wh.queryColumns(
      `SELECT link_kind, from_kind, from_id, to_kind, to_id,
              CAST(${this.wh.dialect.toEpochMs("seen_at")} AS DOUBLE) AS seen_at
       FROM identity_links ORDER BY seq`,
    );
    const seenAt = links.seen_at as Float64Array;
    for (let i = 0; i < seenAt.length; i++) {
      // Millions of links take seconds: requests are served in between (no load runs meanwhile).
      if (i > 0 && i % DECISION_SLICE === 0) await turn();
      graph.link({
        from: { kind: links.from_kind![i] as IdKind, id: links.from_id![i] as string },
        to: { kind: links.to_kind![i] as IdKind, id: links.to_id![i] as string },
        kind: links.link_kind![i] as LinkInput["kind"],
        seenAt: seenAt[i]!,
      });
    }
    this.graph = graph;
  }
}

/**
 * Decides link candidates in order on the identity graph. A burst (a client's backlog, a new site's
 * first hour) can bring tens of thousands at once, each a few microseconds: they are decided a slice at
 * a time so the requests waiting on the same thread are served in between.
 */
export async function decideLinks(
  graph: IdentityGraph,
  candidates: LinkCandidate[],
): Promise<IdentityDecision> {
  const links: DecidedLink[] = [];
  const changes = new Map<string, IdentityDecision["changes"][number]>();
  for (let i = 0; i < candidates.length; i++) {
    if (i > 0 && i % DECISION_SLICE === 0) await turn();
    const c = candidates[i]!;
    const r = graph.link({
      from: { kind: c.fromKind, id: c.fromId },
      to: { kind: c.toKind, id: c.toId },
      kind: c.linkKind,
      seenAt: c.seenAt,
    });
    links.push({ ...c, status: r.status, reason: r.status === "refused" ? r.reason : null });
    if (r.status === "linked") for (const ch of r.changes) changes.set(`${ch.kind}:${ch.id}`, ch);
  }
  return { links, changes: [...changes.values()] };
}
