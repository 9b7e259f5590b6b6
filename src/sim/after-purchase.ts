import { type Customer, DAY, HOUR, MINUTE } from "./customer.js";
import type { Purchase } from "./purchase.js";
import { commentFor, type Metric, sampleScore } from "./surveys.js";
import { sendEmail } from "./visits.js";

interface FollowUp {
  at: number;
  touchpoint: string;
  run: () => void;
}

/**
 * What follows an order: confirmation and delivery, then follow-ups in time order. Each follow-up may be
 * the customer's last touchpoint after this order (its drop-off probability); none of this changes when
 * the customer buys again.
 */
export function afterPurchase(c: Customer, p: Purchase): void {
  c.firstJourney = false;
  const followUps = p.store ? storeFollowUps(c, p) : onlineFollowUps(c, p);
  if (followUps === null) return;
  followUps.sort((x, y) => x.at - y.at);
  for (const f of followUps) {
    c.now = f.at;
    f.run();
    if (c.stopsAt(f.touchpoint)) return;
  }
}

function onlineFollowUps(c: Customer, p: Purchase): FollowUp[] | null {
  const order = { order_id: p.order.id };
  c.now = p.ts;
  c.wait(MINUTE, 5 * MINUTE);
  sendEmail(c, "order_confirmation", 0.7, 0, order);
  c.touch("thank_you");
  c.now = p.ts + c.rng.uniform(0.3, 2) * DAY;
  c.server("Order Shipped", { ...order, carrier: c.rng.pick(["PostNord", "GLS", "DAO"]) });
  c.wait(DAY, 4 * DAY);
  c.server("Order Delivered", { ...order });
  c.touch("delivery");
  if (c.stopsAt("delivery")) return null;

  const base = c.now;
  const at = (min: number, max: number) => base + c.rng.uniform(min, max);
  const product = p.order.products[0]!;
  const list: FollowUp[] = [];
  const add = (chance: number, touchpoint: string, from: number, to: number, run: () => void) => {
    if (c.rng.chance(chance)) list.push({ at: at(from, to), touchpoint, run });
  };
  // Always one follow-up email, so a journey that goes on after delivery shows it.
  add(1, "follow_up_email", 2 * HOUR, 6 * HOUR, () => {
    sendEmail(c, c.rng.pick(["follow_up", "review_request"]), 0.5, 0.25, order);
  });
  add(0.6, "survey", DAY, 3 * DAY, () => survey(c, "post-purchase", rated(c, p.touched)));
  add(0.25, "thank_you", 12 * HOUR, 2 * DAY, () => sendEmail(c, "thank_you", 0.6, 0, order));
  addLoyalty(c, p, add);
  add(0.08, "registration_warranty", DAY, 10 * DAY, () =>
    c.track("Product Registered", { product_id: product.product_id, serial_number: `SN${c.rng.hex(10)}` }),
  );
  add(0.1, "review_written", 2 * DAY, 10 * DAY, () =>
    c.track("Product Reviewed", {
      product_id: product.product_id,
      rating: Math.min(5, Math.max(1, Math.round(c.rng.normal(4.1, 0.9)))),
    }),
  );
  add(0.09, "after_sales_support", DAY, 12 * DAY, () => afterSales(c, order));
  add(0.06, "returns", 2 * DAY, 14 * DAY, () => {
    const reason = c.rng.pick(["wrong size", "changed my mind", "damaged"]);
    c.track("Return Requested", { ...order, reason });
    c.wait(3 * DAY, 7 * DAY);
    c.server("Order Refunded", { ...order, reason });
  });
  add(0.06, "community", DAY, 20 * DAY, () =>
    c.track("Community Visited", { forum: c.rng.pick(["Trips", "Gear talk", "Repairs"]) }),
  );
  add(0.05, "social_engagement", 12 * HOUR, 5 * DAY, () =>
    c.track("Product Shared", {
      product_id: product.product_id,
      share_via: c.rng.pick(["facebook", "whatsapp", "email"]),
    }),
  );
  return list;
}

/** Store customers are known offline only: no web follow-ups. */
function storeFollowUps(c: Customer, p: Purchase): FollowUp[] {
  const order = { order_id: p.order.id };
  const base = p.ts;
  const list: FollowUp[] = [];
  const add = (chance: number, touchpoint: string, from: number, to: number, run: () => void) => {
    if (c.rng.chance(chance)) list.push({ at: base + c.rng.uniform(from, to), touchpoint, run });
  };
  add(0.6, "thank_you", 10 * MINUTE, 2 * HOUR, () => sendEmail(c, "thank_you", 0.6, 0, order));
  add(0.5, "follow_up_email", 2 * DAY, 5 * DAY, () => sendEmail(c, "follow_up", 0.5, 0.2, order));
  add(0.5, "survey", DAY, 2 * DAY, () => survey(c, "store", rated(c, p.touched)));
  addLoyalty(c, p, add, 0.4);
  add(0.04, "returns", 2 * DAY, 14 * DAY, () => {
    const reason = c.rng.pick(["wrong size", "changed my mind", "damaged"]);
    c.offline("Stores", "Return Requested", { ...order, reason });
    c.wait(10 * MINUTE, 30 * MINUTE);
    c.offline("Stores", "Order Refunded", { ...order, reason });
  });
  add(0.05, "after_sales_support", DAY, 12 * DAY, () => afterSales(c, order));
  if (!c.subscribed) c.subscribed = c.rng.chance(0.4);
  return list;
}

function addLoyalty(
  c: Customer,
  p: Purchase,
  add: (chance: number, touchpoint: string, from: number, to: number, run: () => void) => void,
  join = 0.2,
): void {
  const points = { order_id: p.order.id, points: Math.floor(p.order.revenue) };
  if (c.loyaltyMember) {
    add(1, "loyalty", 10 * MINUTE, DAY, () => {
      c.offline("Loyalty", "Loyalty Points Earned", points);
      if (c.rng.chance(0.1)) {
        c.wait(HOUR, 5 * DAY);
        c.offline("Loyalty", "Loyalty Reward Redeemed", { reward: "€10 voucher", points: 500 });
      }
    });
    return;
  }
  if (!c.rng.chance(join)) return;
  add(1, "loyalty", 10 * MINUTE, 5 * DAY, () => {
    c.loyaltyMember = true;
    c.offline("Loyalty", "Loyalty Program Joined", { tier: "member" });
    c.wait(MINUTE, 10 * MINUTE);
    c.offline("Loyalty", "Loyalty Points Earned", points);
  });
}

function afterSales(c: Customer, order: { order_id: string }): void {
  if (c.rng.chance(0.65)) {
    const ticket = {
      ...order,
      ticket_id: `tk-${c.rng.hex(8)}`,
      topic: c.rng.pick(["damaged item", "missing part", "wrong size"]),
    };
    c.offline("Help desk", "Support Ticket Created", ticket);
    c.wait(12 * HOUR, 3 * DAY);
    c.offline("Help desk", "Support Ticket Resolved", { ...ticket });
  } else {
    c.offline("Help desk", "Support Call Completed", {
      ...order,
      topic: "order_issue",
      call_id: `call-${c.rng.hex(8)}`,
      duration_s: c.rng.int(120, 1200),
    });
  }
  if (c.rng.chance(0.4)) {
    c.wait(HOUR, DAY);
    survey(c, "support", "after_sales_support");
  }
}

/** The touchpoint a post-purchase survey asks about: rarer ones are asked about more often. */
function rated(c: Customer, touched: readonly string[]): string {
  const weight: Record<string, number> = { live_chat: 6, support_call: 4, upsell: 2 };
  const options = [...new Set(touched), ...(touched.includes("store_visit") ? [] : ["delivery"])];
  return c.rng.weighted(options.map((tp) => [tp, weight[tp] ?? 1] as const));
}

function survey(c: Customer, kind: string, touchpoint: string): void {
  const metric = c.rng.weighted<Metric>([
    ["csat", 0.65],
    ["nps", 0.25],
    ["ces", 0.1],
  ]);
  const surveyId = `${kind}-${metric}`;
  c.offline("Surveys", "Survey Viewed", { survey_id: surveyId });
  if (!c.rng.chance(0.8)) return;
  c.wait(30_000, 5 * MINUTE);
  const score = sampleScore(c.rng, metric, c.csatMean(touchpoint));
  c.offline("Surveys", "Survey Responded", {
    survey_id: surveyId,
    metric,
    score,
    comment: commentFor(c.rng, metric, score, touchpoint),
    touchpoint,
  });
}
