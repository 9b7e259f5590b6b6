import { Rng } from "./random.js";
import type { SimSource, SimTruth, TouchpointTruth } from "./types.js";

export type Stage = "pre-purchase" | "purchase" | "post-purchase";

/** The touchpoints of the default catalog, by stage, with their effect on the log-odds of buying. */
const TOUCHPOINTS: readonly (readonly [id: string, stage: Stage, conversionEffect: number])[] = [
  ["paid_search", "pre-purchase", 0.5],
  ["paid_social", "pre-purchase", -0.2],
  ["display_video_ads", "pre-purchase", -0.5],
  ["influencers", "pre-purchase", 0.1],
  ["organic_search", "pre-purchase", 0.3],
  ["organic_social", "pre-purchase", -0.3],
  ["referrals", "pre-purchase", 0.4],
  ["reviews", "pre-purchase", 0.6],
  ["content_blog", "pre-purchase", 0.3],
  ["email_marketing", "pre-purchase", 0.4],
  ["sales_rep", "pre-purchase", 0.8],
  ["events_fairs", "pre-purchase", 0.6],
  ["website_visit", "pre-purchase", 0.1],
  ["product_pages", "purchase", 0],
  ["cart", "purchase", 0],
  ["store_visit", "purchase", 0.8],
  ["live_chat", "purchase", 0.6],
  ["support_call", "purchase", 0.5],
  ["checkout", "purchase", 0],
  ["payment", "purchase", 0],
  ["upsell", "purchase", 0.3],
  ["delivery", "purchase", 0],
  // Post-purchase touchpoints leave the repeat-purchase process alone, so its truth holds exactly.
  ["thank_you", "post-purchase", 0],
  ["follow_up_email", "post-purchase", 0],
  ["survey", "post-purchase", 0],
  ["after_sales_support", "post-purchase", 0],
  ["returns", "post-purchase", 0],
  ["registration_warranty", "post-purchase", 0],
  ["review_written", "post-purchase", 0],
  ["loyalty", "post-purchase", 0],
  ["community", "post-purchase", 0],
  ["social_engagement", "post-purchase", 0],
];

export const TOUCHPOINT_STAGE: Readonly<Record<string, Stage>> = Object.fromEntries(
  TOUCHPOINTS.map(([id, stage]) => [id, stage]),
);

/** Purchase-stage touchpoints that most buyers pass, one of which may be planted as weak. */
export const WEAK_CANDIDATES = [
  "product_pages",
  "cart",
  "checkout",
  "payment",
  "delivery",
  "live_chat",
] as const;

/** Drop-off chance per pass of a touchpoint of quality 0.85, by stage. */
const DROP_BASE: Record<Stage, number> = { "pre-purchase": 0.14, purchase: 0.07, "post-purchase": 0.12 };

export interface ChannelSpec {
  key: string;
  /** The GA4 default channel group the landing page is classified into. */
  group: string;
  share: number;
  conversionEffect: number;
}

/** How customers first arrive. Keys are the catalog's channel touchpoints, plus `direct` and `in_store`. */
export const CHANNELS: readonly ChannelSpec[] = [
  { key: "paid_search", group: "Paid Search", share: 0.16, conversionEffect: 0.5 },
  { key: "paid_social", group: "Paid Social", share: 0.12, conversionEffect: -0.2 },
  { key: "display_video_ads", group: "Display", share: 0.06, conversionEffect: -0.5 },
  { key: "influencers", group: "Unassigned", share: 0.04, conversionEffect: 0.1 },
  { key: "organic_search", group: "Organic Search", share: 0.18, conversionEffect: 0.3 },
  { key: "organic_social", group: "Organic Social", share: 0.07, conversionEffect: -0.3 },
  { key: "referrals", group: "Referral", share: 0.05, conversionEffect: 0.4 },
  { key: "email_marketing", group: "Email", share: 0.06, conversionEffect: 0.4 },
  { key: "direct", group: "Direct", share: 0.11, conversionEffect: 0.2 },
  // Store customers: their first touch is a store visit, whose own effect applies.
  { key: "in_store", group: "In-store", share: 0.15, conversionEffect: 0 },
];

/** The channel group each truth.channels key lands in at ingest (influencer tags are Unassigned to GA4). */
export const CHANNEL_GROUPS: Readonly<Record<string, string>> = Object.fromEntries(
  CHANNELS.map((c) => [c.key, c.group]),
);

export const SOURCES: readonly SimSource[] = [
  { name: "Website", kind: "web" },
  { name: "Mobile app", kind: "app" },
  { name: "Stores", kind: "pos" },
  { name: "Help desk", kind: "support" },
  { name: "Email", kind: "email" },
  { name: "Surveys", kind: "survey" },
  { name: "Events", kind: "events" },
  { name: "Sales", kind: "sales" },
  { name: "Loyalty", kind: "loyalty" },
];

const round = (x: number, digits: number) => Number(x.toFixed(digits));

/** The business's hidden parameters, drawn from the seed alone. */
export function buildTruth(seed: number, customers: number): SimTruth {
  const rng = new Rng(seed, 0x5eed);
  const candidates: string[] = [...WEAK_CANDIDATES];
  const weak: string[] = [];
  while (weak.length < 2) weak.push(...candidates.splice(rng.int(0, candidates.length - 1), 1));

  const touchpoints: Record<string, TouchpointTruth> = {};
  for (const [id, stage, conversionEffect] of TOUCHPOINTS) {
    const quality = round(weak.includes(id) ? rng.uniform(0.2, 0.35) : rng.uniform(0.78, 0.95), 3);
    touchpoints[id] = {
      quality,
      // 2–3× the stage's usual drop-off for the weak ones, about 1× for the rest.
      dropOffProbability: round(DROP_BASE[stage] * Math.exp(1.6 * (0.85 - quality)), 4),
      csatMean: round(1.3 + 3.3 * quality, 2),
      conversionEffect,
    };
  }
  return {
    seed,
    customers,
    weakTouchpoints: WEAK_CANDIDATES.filter((id) => weak.includes(id)),
    touchpoints,
    channels: Object.fromEntries(
      CHANNELS.map((c) => [c.key, { share: c.share, conversionEffect: c.conversionEffect }]),
    ),
    repeatPurchase: {
      r: round(rng.uniform(0.5, 0.8), 2),
      alpha: round(rng.uniform(25, 45), 1),
      a: round(rng.uniform(1.2, 1.6), 2),
      b: round(rng.uniform(3, 5), 2),
    },
    spend: {
      p: round(rng.uniform(5, 7), 2),
      q: round(rng.uniform(3.5, 4.5), 2),
      gamma: round(rng.uniform(35, 45), 1),
    },
    currency: "EUR",
  };
}
