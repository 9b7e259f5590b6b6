import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import RudderAnalytics from "@rudderstack/rudder-sdk-node";
import { Analytics } from "@segment/analytics-node";
import { openWarehouse } from "../src/warehouse/duckdb.js";
import { addSource, type RunningServer, startServer, tempDir } from "./support.js";

const CUSTOMERS = 2000; // 5 messages each: 10,000 messages through the official Segment client

let tmp: ReturnType<typeof tempDir>;
let db: string;
let server: RunningServer;
let writeKey: string;

before(async () => {
  tmp = tempDir();
  db = `${tmp.dir}/e2e.duckdb`;
  writeKey = await addSource(db, "website");
  server = await startServer(db);
});

after(() => tmp.cleanup());

test("@segment/analytics-node and @rudderstack/rudder-sdk-node deliver every message, stored once with the right customer", async () => {
  const analytics = new Analytics({ writeKey, host: server.url });
  const errors: unknown[] = [];
  analytics.on("error", (e) => errors.push(e));
  const expected = new Map<string, string>(); // messageId -> customer id
  for (let i = 0; i < CUSTOMERS; i++) {
    const anon = `anon-${i}`;
    const user = `user-${i}`;
    const id = (k: string) => `m-${i}-${k}`;
    analytics.page({
      anonymousId: anon,
      name: "Home",
      messageId: id("page"),
      context: { page: { url: "https://shop.example/?utm_source=google&utm_medium=cpc" } } as never,
    });
    analytics.track({
      anonymousId: anon,
      event: "Product Viewed",
      messageId: id("view"),
      properties: { product_id: `p${i % 7}` },
    });
    analytics.identify({
      anonymousId: anon,
      userId: user,
      messageId: id("identify"),
      traits: { email: `c${i}@example.com` },
    });
    analytics.track({
      userId: user,
      event: "Order Completed",
      messageId: id("order"),
      properties: { revenue: 10 + (i % 5), currency: "eur" },
    });
    if (i % 10 === 0) {
      // A user-id change: later events come under the new id and still belong to the same customer.
      analytics.alias({ previousId: user, userId: `${user}-new`, messageId: id("alias") });
    } else {
      analytics.track({ userId: user, event: "Email Opened", messageId: id("email"), properties: {} });
    }
    for (const k of ["page", "view", "identify", "order", i % 10 === 0 ? "alias" : "email"])
      expected.set(id(k), user);
  }
  await analytics.closeAndFlush({ timeout: 60_000 });
  assert.deepEqual(errors, []);

  // RudderStack's client gzips its batches and sends originalTimestamp + sentAt.
  const rudder = new RudderAnalytics(writeKey, { dataPlaneUrl: server.url, flushAt: 20, logLevel: "error" });
  // Its flush() settles before batches already on the wire: wait for each message's own callback.
  const delivered: Promise<void>[] = [];
  for (let i = 0; i < 100; i++) {
    delivered.push(
      new Promise((resolve, reject) =>
        rudder.track(
          {
            anonymousId: `r-anon-${i}`,
            event: "Product Viewed",
            properties: { n: i },
            messageId: `r-${i}`,
          } as never,
          // The typings declare no argument; at run time the callback receives the delivery error.
          ((err?: unknown) => (err ? reject(new Error(String(err))) : resolve())) as () => void,
        ),
      ),
    );
    expected.set(`r-${i}`, `r-anon-${i}`);
  }
  await rudder.flush();
  await Promise.all(delivered);

  assert.equal(await server.stop(), 0, `clean exit on SIGTERM:\n${server.output()}`);

  const wh = await openWarehouse(db);
  try {
    const rows = await wh.query<{ message_id: string; n: number; customer_id: string }>(
      "SELECT message_id, count(*) AS n, any_value(customer_id) AS customer_id FROM customer_events GROUP BY message_id",
    );
    assert.equal(rows.length, expected.size, "every message stored");
    for (const r of rows) {
      assert.equal(r.n, 1, `${r.message_id} stored once`);
      assert.equal(r.customer_id, expected.get(r.message_id), `${r.message_id} belongs to its customer`);
    }
    const [enriched] = await wh.query<{ channel: string; revenue: number; currency: string }>(
      "SELECT (SELECT channel FROM events WHERE message_id = 'm-1-page') AS channel, revenue, currency FROM events WHERE message_id = 'm-1-order'",
    );
    assert.deepEqual(enriched, { channel: "Paid Search", revenue: 11, currency: "EUR" });
    const [rudderTs] = await wh.query<{ skew_ms: number }>(
      "SELECT abs(epoch_ms(received_at) - epoch_ms(ts)) AS skew_ms FROM events WHERE message_id = 'r-1'",
    );
    assert.ok(rudderTs!.skew_ms < 60_000, "originalTimestamp corrected by sentAt");
  } finally {
    await wh.close();
  }
});
