import { DEFAULT_ENGINE, type EngineSettings } from "./automation/engine.js";
import type { IngestSettings } from "./ingest/ingestor.js";
import { parseDuration } from "./util/duration.js";

/** One typed configuration with defaults, overridden from the environment once at start-up. */
export interface Config {
  db: string;
  host: string;
  port: number;
  duckdbMemory: string;
  /** Bytes of table blocks DuckDB keeps cached between loads (the loader drops what is beyond). */
  duckdbIdleMemory: number;
  /** DuckDB's worker threads; null: one per core. */
  duckdbThreads: number | null;
  /** Bytes the dedupe index may take in memory; a window with more messages is read by every load. */
  dedupeIndexMemory: number;
  /** Fastify's logger (request lines) on stderr. */
  verbose: boolean;
  ingest: IngestSettings;
  /** Requests per minute; 0 turns a limit off. */
  rateLimits: RateLimits;
  access: AccessSettings;
  automation: AutomationSettings;
  /** How often the server brings the classification cache up to date in the background; 0: never. */
  analysisCacheRefreshMs: number;
  /** Where customers reach this server (survey links in messages); null: http://host:port. */
  publicUrl: string | null;
}

export interface AutomationSettings {
  engine: EngineSettings;
  /** Where email actions are sent, e.g. smtp://user:pass@mail.example.com:587; null: email actions fail. */
  smtpUrl: string | null;
  /** Per webhook call or SMTP conversation. */
  deliveryTimeoutMs: number;
}

export interface AccessSettings {
  /** How long a dashboard session lasts after signing in. */
  sessionTtlMs: number;
  /** Mark the session cookie `Secure` even on plain-HTTP requests (behind a TLS-terminating proxy). */
  secureCookie: boolean;
}

export const DEFAULT_ACCESS: AccessSettings = { sessionTtlMs: 12 * 3600_000, secureCookie: false };

export interface RateLimits {
  /** Per write key on the tracking API. */
  perWriteKey: number;
  /** Per token on the query API. */
  perToken: number;
  /** Per client address on the survey pages. */
  perSurveyClient: number;
  /** Sign-in attempts per client address (`POST /api/session`). */
  perSignInClient: number;
}

export const DEFAULT_DB = "./touchpoint.duckdb";

const list = (v: string | undefined) =>
  (v ?? "")
    .split(",")
    .map((s) => s.trim())
    .filter(Boolean);

export function loadConfig(
  overrides: Partial<Omit<Config, "ingest" | "rateLimits" | "access" | "automation">> & {
    ingest?: Partial<IngestSettings>;
    rateLimits?: Partial<RateLimits>;
    access?: Partial<AccessSettings>;
  } = {},
  env = process.env,
): Config {
  const ingest: IngestSettings = {
    dedupeWindowMs: parseDuration(env.TOUCHPOINT_DEDUPE_WINDOW ?? "24h"),
    maxEventBytes: 32 * 1024,
    maxBacklogBytes: Number(env.TOUCHPOINT_MAX_BACKLOG_MB ?? 2048) * 1024 * 1024,
    maxPendingBytes: Number(env.TOUCHPOINT_MAX_PENDING_MB ?? 64) * 1024 * 1024,
    segmentMs: parseDuration(env.TOUCHPOINT_LOAD_INTERVAL ?? "500ms"),
    ownHosts: list(env.TOUCHPOINT_OWN_HOSTS),
    placeholderIds: list(env.TOUCHPOINT_PLACEHOLDER_IDS),
    maxUserIdsPerCustomer: Number(env.TOUCHPOINT_MAX_USER_IDS_PER_CUSTOMER ?? 1),
    privacy: {
      anonymizeIp: env.TOUCHPOINT_ANONYMIZE_IP === "1",
      dropProperties: list(env.TOUCHPOINT_DROP_PROPERTIES),
    },
    ...overrides.ingest,
  };
  return {
    db: overrides.db ?? env.TOUCHPOINT_DB ?? DEFAULT_DB,
    host: overrides.host ?? env.TOUCHPOINT_HOST ?? "127.0.0.1",
    port: overrides.port ?? Number(env.TOUCHPOINT_PORT ?? 8080),
    duckdbMemory: overrides.duckdbMemory ?? env.TOUCHPOINT_DUCKDB_MEMORY ?? "8GB",
    duckdbIdleMemory:
      overrides.duckdbIdleMemory ??
      size("TOUCHPOINT_DUCKDB_IDLE_MEMORY", env.TOUCHPOINT_DUCKDB_IDLE_MEMORY ?? "128MB"),
    duckdbThreads: overrides.duckdbThreads ?? threads(env.TOUCHPOINT_DUCKDB_THREADS),
    dedupeIndexMemory:
      overrides.dedupeIndexMemory ??
      // `0`, as docs/configuration.md says, turns the index off: no unit needed to say none.
      (env.TOUCHPOINT_DEDUPE_INDEX_MEMORY?.trim() === "0"
        ? 0
        : size("TOUCHPOINT_DEDUPE_INDEX_MEMORY", env.TOUCHPOINT_DEDUPE_INDEX_MEMORY ?? "128MB")),
    verbose: overrides.verbose ?? env.TOUCHPOINT_VERBOSE === "1",
    ingest,
    rateLimits: {
      // 50,000 single calls a second: above what one server is meant to take from one source (20,000),
      // so that the limit stops a runaway client, not a busy site.
      perWriteKey: Number(env.TOUCHPOINT_RATE_LIMIT_WRITE_KEY ?? 3_000_000),
      perToken: Number(env.TOUCHPOINT_RATE_LIMIT_TOKEN ?? 600),
      perSurveyClient: Number(env.TOUCHPOINT_RATE_LIMIT_SURVEY ?? 60),
      perSignInClient: Number(env.TOUCHPOINT_RATE_LIMIT_SIGN_IN ?? 10),
      ...overrides.rateLimits,
    },
    access: {
      sessionTtlMs: env.TOUCHPOINT_SESSION_TTL
        ? parseDuration(env.TOUCHPOINT_SESSION_TTL)
        : DEFAULT_ACCESS.sessionTtlMs,
      secureCookie: env.TOUCHPOINT_SECURE_COOKIE === "1",
      ...overrides.access,
    },
    automation: {
      engine: {
        ...DEFAULT_ENGINE,
        tickMs: duration(env.TOUCHPOINT_AUTOMATION_TICK, DEFAULT_ENGINE.tickMs),
        scheduleEveryMs: duration(env.TOUCHPOINT_AUTOMATION_SCHEDULE_EVERY, DEFAULT_ENGINE.scheduleEveryMs),
        maxAttempts: Number(env.TOUCHPOINT_AUTOMATION_MAX_ATTEMPTS ?? DEFAULT_ENGINE.maxAttempts),
        retry: {
          baseMs: duration(env.TOUCHPOINT_AUTOMATION_RETRY_BASE, DEFAULT_ENGINE.retry.baseMs),
          maxMs: DEFAULT_ENGINE.retry.maxMs,
        },
      },
      smtpUrl: env.TOUCHPOINT_SMTP_URL || null,
      deliveryTimeoutMs: duration(env.TOUCHPOINT_DELIVERY_TIMEOUT, 10_000),
    },
    analysisCacheRefreshMs: duration(env.TOUCHPOINT_ANALYSIS_CACHE_REFRESH, 15_000),
    publicUrl: env.TOUCHPOINT_PUBLIC_URL || null,
  };
}

const duration = (text: string | undefined, fallback: number) => (text ? parseDuration(text) : fallback);

// As DuckDB reads them: KB, MB, GB are powers of 1000, KiB, MiB, GiB of 1024.
const UNITS: Record<string, number> = {
  b: 1,
  kb: 1e3,
  mb: 1e6,
  gb: 1e9,
  kib: 2 ** 10,
  mib: 2 ** 20,
  gib: 2 ** 30,
};

function size(name: string, text: string): number {
  const m = /^\s*(\d+(?:\.\d+)?)\s*([a-z]+)\s*$/i.exec(text);
  const unit = m ? UNITS[m[2]!.toLowerCase()] : undefined;
  if (!m || unit === undefined)
    throw new Error(`${name} must be a size such as 128MB or 1GB (got ${JSON.stringify(text)})`);
  return Math.round(Number(m[1]) * unit);
}

function threads(text: string | undefined): number | null {
  if (!text) return null;
  if (!/^\s*[1-9]\d*\s*$/.test(text))
    throw new Error(
      `TOUCHPOINT_DUCKDB_THREADS must be a whole number of threads, e.g. 1 (got ${JSON.stringify(text)})`,
    );
  return Number(text);
}

/** Where customers reach this server: TOUCHPOINT_PUBLIC_URL, else the address it listens on. */
export const serverUrl = (config: Config) => config.publicUrl ?? `http://${config.host}:${config.port}`;

/** The ingest log lives beside the warehouse file. */
export const ingestLogDir = (db: string) => `${db}.ingest`;
/** Where the key that signs survey links is kept (unless TOUCHPOINT_SURVEY_KEY is set). */
export const surveyKeyFile = (db: string) => `${db}.survey-key`;
