import type { Queryable } from "./warehouse.js";

export interface Migration {
  version: number;
  name: string;
  statements: string[];
}

/** Append-only: a released migration is never edited, a change is a new version. */
export const migrations: Migration[] = [
  {
    version: 1,
    name: "events, identity, dead letter, sources",
    statements: [
      `CREATE TABLE events (
        message_id VARCHAR NOT NULL,
        type VARCHAR NOT NULL,
        event VARCHAR,
        anonymous_id VARCHAR,
        user_id VARCHAR,
        group_id VARCHAR,
        previous_id VARCHAR,
        ts TIMESTAMP NOT NULL,
        sent_at TIMESTAMP,
        received_at TIMESTAMP NOT NULL,
        source VARCHAR NOT NULL,
        channel VARCHAR NOT NULL,
        utm_source VARCHAR,
        utm_medium VARCHAR,
        utm_campaign VARCHAR,
        utm_term VARCHAR,
        utm_content VARCHAR,
        referrer VARCHAR,
        url VARCHAR,
        device_type VARCHAR,
        is_bot BOOLEAN NOT NULL DEFAULT false,
        revenue DOUBLE,
        currency VARCHAR,
        properties JSON,
        traits JSON,
        context JSON
      )`,
      `CREATE TABLE rejected_events (
        received_at TIMESTAMP NOT NULL,
        source VARCHAR,
        reason VARCHAR NOT NULL,
        field VARCHAR,
        message_id VARCHAR,
        anonymous_id VARCHAR,
        user_id VARCHAR,
        payload VARCHAR
      )`,
      `CREATE TABLE identity_links (
        seq BIGINT NOT NULL,
        link_kind VARCHAR NOT NULL,
        from_kind VARCHAR NOT NULL,
        from_id VARCHAR NOT NULL,
        to_kind VARCHAR NOT NULL,
        to_id VARCHAR NOT NULL,
        seen_at TIMESTAMP NOT NULL,
        message_id VARCHAR,
        status VARCHAR NOT NULL,
        reason VARCHAR
      )`,
      `CREATE TABLE customer_map (
        kind VARCHAR NOT NULL,
        id VARCHAR NOT NULL,
        customer_id VARCHAR NOT NULL,
        PRIMARY KEY (kind, id)
      )`,
      `CREATE TABLE sources (
        id VARCHAR PRIMARY KEY,
        name VARCHAR NOT NULL UNIQUE,
        kind VARCHAR NOT NULL,
        channel VARCHAR,
        key_hash VARCHAR NOT NULL UNIQUE,
        key_hint VARCHAR NOT NULL,
        created_at TIMESTAMP NOT NULL,
        revoked_at TIMESTAMP
      )`,
      `CREATE TABLE api_tokens (
        id VARCHAR PRIMARY KEY,
        name VARCHAR NOT NULL,
        role VARCHAR NOT NULL,
        token_hash VARCHAR NOT NULL UNIQUE,
        token_hint VARCHAR NOT NULL,
        created_at TIMESTAMP NOT NULL,
        revoked_at TIMESTAMP
      )`,
      `CREATE TABLE ingest_state (key VARCHAR PRIMARY KEY, value BIGINT NOT NULL)`,
      // Every analysis reads events through this view: identity is resolved at query time, so a late
      // merge re-attributes history without rewriting events.
      `CREATE VIEW customer_events AS
        SELECT e.*, coalesce(mu.customer_id, ma.customer_id, e.user_id, e.anonymous_id) AS customer_id
        FROM events e
        LEFT JOIN customer_map mu ON mu.kind = 'user' AND mu.id = e.user_id
        LEFT JOIN customer_map ma ON ma.kind = 'anonymous' AND ma.id = e.anonymous_id`,
    ],
  },
  {
    version: 2,
    name: "one answer per signed survey link",
    statements: [
      `CREATE TABLE survey_links_used (
        nonce VARCHAR PRIMARY KEY,
        survey_id VARCHAR NOT NULL,
        customer_id VARCHAR NOT NULL,
        used_at TIMESTAMP NOT NULL DEFAULT now()
      )`,
    ],
  },
  {
    version: 3,
    name: "saved lifetime-value predictions per customer",
    statements: [
      `CREATE TABLE customer_scores (
        customer_id VARCHAR PRIMARY KEY,
        frequency INTEGER NOT NULL,
        recency DOUBLE NOT NULL,
        t DOUBLE NOT NULL,
        unit VARCHAR NOT NULL,
        expected_purchases DOUBLE NOT NULL,
        p_alive DOUBLE NOT NULL,
        expected_spend DOUBLE NOT NULL,
        clv DOUBLE NOT NULL,
        segment VARCHAR,
        fitted_at TIMESTAMP NOT NULL
      )`,
    ],
  },
  {
    version: 4,
    name: "audit log of admin actions",
    statements: [
      `CREATE TABLE audit_log (
        happened_at TIMESTAMP NOT NULL DEFAULT now(),
        actor VARCHAR NOT NULL,
        action VARCHAR NOT NULL,
        subject VARCHAR,
        detail VARCHAR
      )`,
    ],
  },
  {
    version: 5,
    name: "dashboard users and sessions",
    statements: [
      // A removed user's row is deleted; the audit log keeps who they were (`user:<name>`).
      `CREATE TABLE users (
        name VARCHAR PRIMARY KEY,
        role VARCHAR NOT NULL,
        password_hash VARCHAR NOT NULL,
        created_at TIMESTAMP NOT NULL
      )`,
      // Only a hash of the session secret (the cookie's value) is stored, as for tokens.
      `CREATE TABLE sessions (
        secret_hash VARCHAR PRIMARY KEY,
        actor VARCHAR NOT NULL,
        role VARCHAR NOT NULL,
        created_at TIMESTAMP NOT NULL,
        expires_at TIMESTAMP NOT NULL,
        revoked_at TIMESTAMP
      )`,
    ],
  },
  {
    version: 6,
    name: "automation jobs",
    statements: [
      // One row per action of one trigger occurrence. The id is the idempotency key (rule, action,
      // triggering message), so scanning the same events twice never schedules an action twice.
      `CREATE TABLE automation_jobs (
        id VARCHAR PRIMARY KEY,
        rule_id VARCHAR NOT NULL,
        action_index INTEGER NOT NULL,
        action_kind VARCHAR NOT NULL,
        customer_id VARCHAR NOT NULL,
        trigger_message_id VARCHAR NOT NULL,
        trigger_ts TIMESTAMP NOT NULL,
        due_at TIMESTAMP NOT NULL,
        status VARCHAR NOT NULL,
        reason VARCHAR,
        attempts INTEGER NOT NULL DEFAULT 0,
        last_error VARCHAR,
        next_attempt_at TIMESTAMP,
        created_at TIMESTAMP NOT NULL,
        updated_at TIMESTAMP NOT NULL,
        finished_at TIMESTAMP,
        trigger_event JSON
      )`,
    ],
  },
  {
    version: 7,
    name: "message hashes for the duplicate check",
    statements: [
      // Each load looks for its message ids among every event of the dedupe window: reading 8-byte
      // hashes of the window instead of its ids took 0.37 s of CPU instead of 1.4–1.7 s at 12M events.
      // MD5 (its lower 64 bits) because it never changes, unlike DuckDB's hash().
      "ALTER TABLE events ADD COLUMN message_hash UBIGINT",
      "UPDATE events SET message_hash = md5_number_lower(message_id)",
    ],
  },
];

export async function migrate(
  db: Queryable & { transaction<T>(fn: (tx: Queryable) => Promise<T>): Promise<T> },
) {
  await db.run(`CREATE TABLE IF NOT EXISTS schema_migrations (
    version INTEGER PRIMARY KEY, name VARCHAR NOT NULL, applied_at TIMESTAMP NOT NULL DEFAULT now())`);
  const applied = new Set(
    (await db.query<{ version: number }>("SELECT version FROM schema_migrations")).map((r) => r.version),
  );
  for (const m of migrations) {
    if (applied.has(m.version)) continue;
    await db.transaction(async (tx) => {
      for (const statement of m.statements) await tx.run(statement);
      await tx.run("INSERT INTO schema_migrations (version, name) VALUES ($1, $2)", [m.version, m.name]);
    });
  }
}
