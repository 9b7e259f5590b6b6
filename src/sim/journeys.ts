import { afterPurchase } from "./after-purchase.js";
import { CHANNELS, type ChannelSpec } from "./business.js";
import { Customer, DAY, type Draft, HOUR, MINUTE } from "./customer.js";
import { PLAIN_PAGES, STORES } from "./names.js";
import { type Purchase, purchaseVisit, storeVisit } from "./purchase.js";
import { Rng, sigmoid } from "./random.js";
import type { SimTruth } from "./types.js";
import { arrivalFor, arrive, browse, returningChannel, sendEmail } from "./visits.js";

/** One customer's whole history, unsorted: first journey, then repeat purchases while alive. */
export function simulateCustomer(truth: SimTruth, index: number, start: number, end: number): Draft[] {
  const rng = new Rng(truth.seed, 1, index);
  const channel = rng.weighted(CHANNELS.map((ch) => [ch, ch.share] as const));
  const arrival = start + rng.uniform(0, 0.8) * (end - start);
  const store = channel.key === "in_store";
  const c = new Customer(index, rng, truth, end, arrival, !store && rng.chance(0.25));
  const first = store ? storeJourney(c) : onlineJourney(c, channel);
  if (first) {
    afterPurchase(c, first);
    repeatPurchases(c, first.ts, store);
  }
  return c.drafts;
}

/** Visits until the first purchase or until the customer drops out. */
function onlineJourney(c: Customer, channel: ChannelSpec): Purchase | null {
  let key = channel.key;
  if (key === "direct") c.intent += channel.conversionEffect;
  if (key === "email_marketing") {
    // Already on the mailing list (signed up in a store, at a fair…), not yet known to the web site.
    c.subscribed = true;
    sendEmail(c, "newsletter", 1, 1);
    if (c.touch("email_marketing")) return null;
    c.wait(5_000, MINUTE);
  }
  let buying = false;
  for (;;) {
    if (c.now >= c.end) return null;
    if (arrive(c, key)) return null;
    if (!buying) {
      if (browse(c)) return null;
      if (!c.identified && c.rng.chance(0.12)) {
        c.wait(20_000, 2 * MINUTE);
        c.identify();
        c.subscribed = c.rng.chance(0.8);
      }
      buying = c.rng.chance(sigmoid(c.intent));
    }
    if (buying) {
      const result = purchaseVisit(c);
      if (result === "dropped") return null;
      if (result !== "paused") return result;
    }
    const next = between(c);
    if (next === null) return null;
    key = next;
  }
}

/** The days between two visits, with the offline touchpoints of a known customer. Null when they drop. */
function between(c: Customer): string | null {
  const next = c.now + 30 * MINUTE + c.rng.exponential(3.5 * DAY);
  const later = () => {
    c.now += c.rng.uniform(HOUR, Math.max(HOUR, (next - c.now) / 3));
  };
  if (c.identified && c.subscribed && c.rng.chance(0.5)) {
    later();
    const clicked = sendEmail(c, c.rng.pick(["newsletter", "promo"]), 0.45, 0.3);
    if (c.touch("email_marketing")) return null;
    if (clicked) {
      c.wait(5_000, MINUTE);
      return "email_marketing";
    }
  }
  if (c.identified && c.rng.chance(0.04)) {
    later();
    c.offline("Events", "Event Attended", {
      event_name: "Nordic Outdoor Fair",
      location: "Bella Center, København",
    });
    if (c.touch("events_fairs")) return null;
  }
  if (c.identified && c.rng.chance(0.03)) {
    later();
    c.offline("Sales", "Sales Call Completed", {
      rep: "Team outfitting",
      duration_s: c.rng.int(300, 1800),
      outcome: "quote_sent",
    });
    if (c.touch("sales_rep")) return null;
  }
  c.now = Math.max(c.now + MINUTE, next);
  return returningChannel(c.rng);
}

/** A store customer: maybe some anonymous web browsing (never linked), fairs and sales calls, store visits. */
function storeJourney(c: Customer): Purchase | null {
  if (c.rng.chance(0.15)) {
    for (let v = c.rng.int(1, 2); v > 0; v--) {
      const arrival = arrivalFor(c.rng, returningChannel(c.rng));
      c.page(arrival.page, arrival);
      for (let n = c.rng.int(0, 2); n > 0; n--) {
        c.wait(20_000, 3 * MINUTE);
        c.page(c.rng.pick(PLAIN_PAGES));
      }
      c.wait(HOUR, 5 * DAY);
    }
  }
  if (c.rng.chance(0.1)) {
    c.offline("Events", "Event Attended", {
      event_name: "Nordic Outdoor Fair",
      location: "Bella Center, København",
    });
    if (c.touch("events_fairs")) return null;
    c.wait(HOUR, 10 * DAY);
  }
  if (c.rng.chance(0.06)) {
    c.offline("Sales", "Sales Call Completed", {
      rep: "Team outfitting",
      duration_s: c.rng.int(300, 1800),
      outcome: "quote_sent",
    });
    if (c.touch("sales_rep")) return null;
    c.wait(HOUR, 10 * DAY);
  }
  const home = c.rng.pick(STORES);
  for (;;) {
    if (c.now >= c.end) return null;
    let called = false;
    if (c.rng.chance(0.08)) {
      c.offline("Help desk", "Support Call Completed", {
        topic: "pre_sale",
        call_id: `call-${c.rng.hex(8)}`,
        duration_s: c.rng.int(120, 900),
      });
      if (c.touch("support_call")) return null;
      called = true;
      c.wait(HOUR, 3 * DAY);
    }
    const result = storeVisit(c, home, () => c.rng.chance(sigmoid(c.intent + 2.5)));
    if (result === "dropped") return null;
    if (result !== "left") {
      if (called) result.touched.push("support_call");
      return result;
    }
    c.now += 30 * MINUTE + c.rng.exponential(6 * DAY);
  }
}

/**
 * BG/NBD after the first purchase: purchases arrive at rate λ ~ Gamma(r, alpha) per day, and after each
 * repeat purchase the customer drops out with probability p ~ Beta(a, b).
 */
function repeatPurchases(c: Customer, firstTs: number, store: boolean): void {
  const { r, alpha, a, b } = c.truth.repeatPurchase;
  const rate = c.rng.gamma(r, alpha);
  const dropout = c.rng.beta(a, b);
  const home = c.rng.pick(STORES);
  let t = firstTs;
  for (;;) {
    t += c.rng.exponential(1 / rate) * DAY;
    if (!(t < c.end)) return;
    c.now = t;
    let purchase: Purchase;
    if (store) {
      if (c.subscribed && c.rng.chance(0.3)) {
        sendEmail(c, "promo", 0.6, 0);
        c.touch("email_marketing");
        c.wait(HOUR, DAY);
      }
      purchase = storeVisit(c, home, () => true) as Purchase;
    } else {
      let key = returningChannel(c.rng);
      if (c.subscribed && c.rng.chance(0.35)) {
        sendEmail(c, "promo", 1, 1);
        c.touch("email_marketing");
        c.wait(5_000, MINUTE);
        key = "email_marketing";
      }
      arrive(c, key);
      purchase = purchaseVisit(c) as Purchase;
    }
    afterPurchase(c, purchase);
    if (c.rng.chance(dropout)) return;
  }
}
