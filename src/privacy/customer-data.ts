import { hashSecret } from "../access/secrets.js";
import { forgetCustomerInCache } from "../analysis/cache/event-cache.js";
import { customerProfile, idsOf } from "../analysis/customer/customer.js";
import type { CustomerProfile } from "../analysis/customer/report.js";
import type { Catalog } from "../catalog/catalog.js";
import type { Ingestor } from "../ingest/ingestor.js";
import type { Warehouse } from "../warehouse/warehouse.js";
import { audit } from "./audit.js";

/** Customer ids enter the audit log hashed: after an erasure no table holds the id itself. */
export const customerSubject = (customerId: string) => `customer:${hashSecret(customerId).slice(0, 32)}`;

export interface CustomerExport {
  customerId: string;
  exportedAt: number;
  profile: CustomerProfile;
  /** Every stored event of the customer, as stored (properties, traits and context included). */
  events: Record<string, unknown>[];
  identityLinks: Record<string, unknown>[];
  rejectedEvents: Record<string, unknown>[];
  /** Follow-ups automation scheduled or sent for them (with the triggering event's snapshot). */
  automationJobs: Record<string, unknown>[];
}

/** Everything stored about one customer (a data-subject access request). */
export async function exportCustomer(
  wh: Warehouse,
  catalog: Catalog,
  customerId: string,
  actor: string,
): Promise<CustomerExport> {
  const profile = await customerProfile(wh, catalog, customerId, { limit: Number.MAX_SAFE_INTEGER });
  const ids = (await idsOf(wh, customerId)).map((i) => i.id);
  const events = await wh.query(
    `SELECT * EXCLUDE (properties, traits, context, ts, sent_at, received_at),
            epoch_ms(ts) AS ts, epoch_ms(sent_at) AS sent_at, epoch_ms(received_at) AS received_at,
            properties::VARCHAR AS properties, traits::VARCHAR AS traits, context::VARCHAR AS context
     FROM customer_events WHERE customer_id = $1 ORDER BY ts, message_id`,
    [customerId],
  );
  for (const e of events)
    for (const k of ["properties", "traits", "context"]) e[k] = e[k] ? JSON.parse(String(e[k])) : null;
  const identityLinks = await wh.query(
    `SELECT link_kind, from_kind, from_id, to_kind, to_id, epoch_ms(seen_at) AS seen_at, message_id, status, reason
     FROM identity_links WHERE list_contains($1, from_id) OR list_contains($1, to_id) ORDER BY seq`,
    [ids],
  );
  const rejectedEvents = await wh.query(
    `SELECT epoch_ms(received_at) AS received_at, source, reason, field, message_id, anonymous_id, user_id, payload
     FROM rejected_events WHERE list_contains($1, user_id) OR list_contains($1, anonymous_id) ORDER BY received_at`,
    [ids],
  );
  const automationJobs = await wh.query(
    `SELECT id, rule_id, action_kind, trigger_message_id, epoch_ms(trigger_ts) AS trigger_ts, status, reason,
            attempts, last_error, epoch_ms(finished_at) AS finished_at, trigger_event::VARCHAR AS trigger_event
     FROM automation_jobs WHERE customer_id = $1 OR list_contains($2, customer_id) ORDER BY trigger_ts, id`,
    [customerId, ids],
  );
  await audit(wh, {
    actor,
    action: "customer.export",
    subject: customerSubject(customerId),
    detail: { events: events.length },
  });
  return {
    customerId,
    exportedAt: Date.now(),
    profile,
    events,
    identityLinks,
    rejectedEvents,
    automationJobs,
  };
}

export interface Erasure {
  customerId: string;
  ids: string[];
  events: number;
  identityLinks: number;
  rejectedEvents: number;
}

/**
 * Erases a customer (a right-to-erasure request): their events under every id merged into them, the
 * identity links and map entries of those ids, dead-lettered messages from those ids, saved scores and
 * spent survey links, in one transaction, then compacts so the write-ahead log no longer holds them (their
 * bytes can stay in the file's blocks until reused: docs/privacy.md). The caller loads pending ingest-log
 * segments first, so nothing of theirs arrives after the erasure.
 */
export async function eraseCustomer(
  wh: Warehouse,
  customerId: string,
  actor: string,
): Promise<Erasure | null> {
  const ids = [...new Set((await idsOf(wh, customerId)).map((i) => i.id))];
  if (ids.length === 0) return null;
  const erasure = await wh.transaction(async (tx) => {
    const events = await tx.run(
      "DELETE FROM events WHERE list_contains($1, user_id) OR list_contains($1, anonymous_id)",
      [ids],
    );
    // The analyses' classification cache holds a reduced copy of the events: it goes with them.
    await forgetCustomerInCache(tx, ids);
    const identityLinks = await tx.run(
      "DELETE FROM identity_links WHERE list_contains($1, from_id) OR list_contains($1, to_id)",
      [ids],
    );
    await tx.run("DELETE FROM customer_map WHERE customer_id = $1 OR list_contains($2, id)", [
      customerId,
      ids,
    ]);
    // Dead-lettered messages may carry an id anywhere in their payload (a bad field next to a good id).
    const rejectedEvents = await tx.run(
      `DELETE FROM rejected_events WHERE list_contains($1, user_id) OR list_contains($1, anonymous_id)
         OR list_has_any(regexp_extract_all(payload, '"([^"\\\\]*)"', 1), $1)`,
      [ids],
    );
    await tx.run("DELETE FROM customer_scores WHERE customer_id = $1", [customerId]);
    // Jobs keep a snapshot of the triggering event; a job due later must not reach an erased customer.
    await tx.run("DELETE FROM automation_jobs WHERE customer_id = $1 OR list_contains($2, customer_id)", [
      customerId,
      ids,
    ]);
    await tx.run("DELETE FROM survey_links_used WHERE customer_id = $1", [customerId]);
    // The audit entry holds a hash of the customer id: it proves the erasure of a given id without
    // keeping the id.
    await audit(tx, {
      actor,
      action: "customer.erase",
      subject: customerSubject(customerId),
      detail: { ids: ids.length, events, identityLinks, rejectedEvents },
    });
    return { customerId, ids, events, identityLinks, rejectedEvents };
  });
  await wh.compact();
  return erasure;
}

/**
 * Erasure on a running installation: loads what the ingest log still holds (so none of the customer's
 * acknowledged events arrive after it), then erases and rebuilds the identity graph without their
 * links with no load in between (one would decide links on a graph that still holds the customer's).
 */
export function eraseLoadedCustomer(
  wh: Warehouse,
  ingestor: Pick<Ingestor, "changeIdentities">,
  customerId: string,
  actor: string,
): Promise<Erasure | null> {
  return ingestor.changeIdentities(() => eraseCustomer(wh, customerId, actor));
}
