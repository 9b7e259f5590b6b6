import assert from "node:assert/strict";
import { existsSync, readFileSync } from "node:fs";
import { after, before, test } from "node:test";
import { openWarehouse } from "../warehouse/duckdb.js";
import { SqlBuilder } from "../warehouse/sql-builder.js";
import type { Warehouse } from "../warehouse/warehouse.js";
import { compileCatalog } from "./compile.js";
import { defaultCatalogPath, loadDefaultCatalog } from "./default.js";
import { parseCatalog } from "./load.js";

const ORDER = [
  "thank_you",
  "follow_up_email",
  "survey",
  "email_marketing",
  "paid_search",
  "paid_social",
  "display_video_ads",
  "influencers",
  "organic_search",
  "organic_social",
  "referrals",
  "reviews",
  "content_blog",
  "sales_rep",
  "events_fairs",
  "product_pages",
  "cart",
  "store_visit",
  "live_chat",
  "support_call",
  "checkout",
  "payment",
  "upsell",
  "delivery",
  "after_sales_support",
  "returns",
  "registration_warranty",
  "review_written",
  "loyalty",
  "community",
  "social_engagement",
  "website_visit",
];

test("the default catalog loads, in the documented order, fully described", () => {
  assert.ok(existsSync(defaultCatalogPath()));
  const c = loadDefaultCatalog();
  assert.equal(c.currency, "EUR");
  assert.deepEqual(
    c.stages.map((s) => s.id),
    ["pre-purchase", "purchase", "post-purchase"],
  );
  assert.deepEqual(c.goals, [
    {
      id: "purchase",
      name: "Purchase",
      match: [{ event: { kind: "exact", values: ["Order Completed"] } }],
      value: { kind: "revenue" },
    },
  ]);
  assert.deepEqual(
    c.touchpoints.map((t) => t.id),
    ORDER,
  );
  for (const t of c.touchpoints) assert.ok(t.name && t.description && t.owner, t.id);
  assert.deepEqual(c.touchpoints.find((t) => t.id === "checkout")!.target, { csat: 4.2 });
  assert.deepEqual(c.touchpoints.find((t) => t.id === "delivery")!.target, { csat: 4 });
  // The catch-all for pages is last: cutting the file there leaves a valid catalog without it.
  const cut = readFileSync(defaultCatalogPath(), "utf8").replace(/\n {2}- id: website_visit[\s\S]*$/, "\n");
  assert.deepEqual(
    parseCatalog(cut, "cut.yml").touchpoints.map((t) => t.id),
    ORDER.slice(0, -1),
  );
});

type Row = [type: string, event: string | null, channel: string, props: object, utmMedium: string | null];
const CASES: [Row, string | null][] = [
  [["track", "Email Delivered", "Email", { template: "order_confirmation" }, null], "thank_you"],
  [["track", "Email Opened", "Email", { template: "thank_you" }, null], "thank_you"],
  [["track", "Email Link Clicked", "Email", { template: "thank_you" }, null], "email_marketing"],
  [["track", "Email Link Clicked", "Email", { template: "review_request" }, null], "follow_up_email"],
  [["track", "Email Opened", "Email", { template: "newsletter" }, null], "email_marketing"],
  [["page", "Page Viewed", "Email", {}, "email"], "email_marketing"],
  [["track", "Survey Responded", "Email", { metric: "nps", score: 9 }, null], "survey"],
  [["page", "Page Viewed", "Paid Shopping", {}, "cpc"], "paid_search"],
  [["page", "Page Viewed", "Paid Social", {}, "paid_social"], "paid_social"],
  [["page", "Page Viewed", "Cross-network", {}, "display"], "display_video_ads"],
  [["page", "Page Viewed", "Organic Social", {}, "influencer"], "influencers"],
  [["page", "Page Viewed", "Affiliates", {}, null], "influencers"],
  [["page", "Page Viewed", "Organic Search", { category: "Blog" }, null], "organic_search"],
  [["page", "Page Viewed", "Organic Video", {}, null], "organic_social"],
  [["page", "Page Viewed", "Referral", {}, null], "referrals"],
  [["track", "Referral Link Opened", "Direct", {}, null], "referrals"],
  [["track", "Product Reviews Viewed", "Direct", {}, null], "reviews"],
  [["page", "Page Viewed", "Direct", { category: "Guide" }, null], "content_blog"],
  [["page", "Page Viewed", "Direct", { category: "Shoes" }, null], "website_visit"],
  [["screen", "Screen Viewed", "Direct", {}, null], "website_visit"],
  [["track", "Sales Call Completed", "Direct", {}, null], "sales_rep"],
  [["track", "Event Attended", "Direct", {}, null], "events_fairs"],
  [["track", "Products Searched", "Direct", {}, null], "product_pages"],
  [["track", "Cart Viewed", "Direct", {}, null], "cart"],
  [["track", "Store Visited", "In-store", {}, null], "store_visit"],
  [["track", "Order Completed", "In-store", {}, null], null],
  [["track", "Live Chat Conversation Started", "Direct", {}, null], "live_chat"],
  [["track", "Support Call Completed", "Support", { topic: "pre_sale" }, null], "support_call"],
  [["track", "Support Call Completed", "Support", { topic: "order_issue" }, null], "after_sales_support"],
  [["track", "Checkout Step Completed", "Direct", {}, null], "checkout"],
  [["track", "Payment Info Entered", "Direct", {}, null], "payment"],
  [["track", "Promotion Clicked", "Direct", {}, null], "upsell"],
  [["track", "Order Delivered", "Direct", {}, null], "delivery"],
  [["track", "Support Ticket Resolved", "Direct", {}, null], "after_sales_support"],
  [["track", "Order Refunded", "Direct", {}, null], "returns"],
  [["track", "Product Registered", "Direct", {}, null], "registration_warranty"],
  [["track", "Product Reviewed", "Direct", {}, null], "review_written"],
  [["track", "Loyalty Reward Redeemed", "Direct", {}, null], "loyalty"],
  [["track", "Community Visited", "Direct", {}, null], "community"],
  [["track", "Product Shared", "Direct", {}, null], "social_engagement"],
  [["identify", null, "Direct", {}, null], null],
];

let wh: Warehouse;
before(async () => {
  wh = await openWarehouse(":memory:");
});
after(() => wh.close());

test("the default catalog classifies the simulator's vocabulary, first match winning", async () => {
  for (const [i, [[type, event, channel, props, utmMedium]]] of CASES.entries()) {
    await wh.run(
      `INSERT INTO events (message_id, type, event, ts, received_at, source, channel, utm_medium, properties)
       VALUES ($1, $2, $3, now(), now(), 'web', $4, $5, CAST($6 AS JSON))`,
      [String(i).padStart(3, "0"), type, event, channel, utmMedium, JSON.stringify(props)],
    );
  }
  const compiled = compileCatalog(loadDefaultCatalog());
  const b = new SqlBuilder(wh.dialect);
  const rows = await wh.query<{ touchpoint: string | null }>(
    `SELECT ${compiled.touchpoint(b)} AS touchpoint FROM events ORDER BY message_id`,
    b.params,
  );
  assert.deepEqual(
    rows.map((r) => r.touchpoint),
    CASES.map(([, want]) => want),
  );
});
