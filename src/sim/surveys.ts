import type { Rng } from "./random.js";

export type Metric = "csat" | "nps" | "ces";

export const METRIC_RANGE: Readonly<Record<Metric, readonly [number, number]>> = {
  csat: [1, 5],
  nps: [0, 10],
  ces: [1, 7],
};

const clamp = (x: number, [lo, hi]: readonly [number, number]) => Math.min(hi, Math.max(lo, Math.round(x)));

/**
 * A score driven by the touchpoint's latent CSAT mean: CSAT ~ N(mean, 0.8); NPS and CES (7 = very easy)
 * move with it on their own scales. Rounded and clamped into range.
 */
export function sampleScore(rng: Rng, metric: Metric, csatMean: number): number {
  if (metric === "csat") return clamp(rng.normal(csatMean, 0.8), METRIC_RANGE.csat);
  if (metric === "nps") return clamp(rng.normal(2.4 * csatMean - 1.6, 1.6), METRIC_RANGE.nps);
  return clamp(rng.normal(1 + 1.5 * (csatMean - 1), 0.9), METRIC_RANGE.ces);
}

type Mood = "bad" | "meh" | "good";

function moodOf(metric: Metric, score: number): Mood {
  const [lo, hi] = METRIC_RANGE[metric];
  const x = (score - lo) / (hi - lo);
  if (metric === "nps") return score >= 9 ? "good" : score <= 6 ? "bad" : "meh";
  return x >= 0.75 ? "good" : x <= 0.4 ? "bad" : "meh";
}

const GENERIC: Record<Mood, readonly string[]> = {
  good: [
    "Great experience, thank you!",
    "Everything worked as it should.",
    "Very happy, I will be back.",
    "Quick and easy.",
  ],
  meh: ["It was okay.", "Fine, but it could be faster.", "Nothing special, it did the job.", "Mostly fine."],
  bad: ["Disappointing.", "Far too complicated.", "Not what I expected at all.", "I almost gave up."],
};

const DANISH: Record<Mood, readonly string[]> = {
  good: ["Rigtig god service, tak!", "Alt gik glat."],
  meh: ["Helt okay.", "Det kunne være bedre."],
  bad: ["Alt for besværligt.", "Meget skuffende oplevelse."],
};

/** Comments about one touchpoint, where a generic sentence would read oddly. */
const SPECIFIC: Readonly<Record<string, Partial<Record<Mood, readonly string[]>>>> = {
  checkout: {
    good: ["Checkout was smooth."],
    bad: ["The checkout kept failing on the last step.", "Too many steps at checkout."],
  },
  payment: {
    good: ["Paying was quick."],
    bad: ["My card was declined twice for no reason.", "The payment page timed out."],
  },
  delivery: {
    good: ["Fast delivery, well packed."],
    bad: ["The parcel arrived days late.", "Delivery was a mess."],
  },
  cart: { good: ["Easy to change my basket."], bad: ["Items kept disappearing from my cart."] },
  product_pages: {
    good: ["Clear product pages with good photos."],
    bad: ["Hard to find sizes and stock on the product page."],
  },
  live_chat: {
    good: ["The chat agent was really helpful."],
    bad: ["Waited ages in the chat and got no answer."],
  },
  store_visit: { good: ["Friendly staff in the store."], bad: ["Nobody in the store had time to help."] },
  after_sales_support: {
    good: ["Support fixed my problem quickly."],
    bad: ["Support never followed up on my ticket."],
  },
  support_call: { good: ["Good advice on the phone."], bad: ["Long wait on the phone."] },
};

/** A short comment that fits the score; now and then in Danish. */
export function commentFor(rng: Rng, metric: Metric, score: number, touchpoint: string): string {
  const mood = moodOf(metric, score);
  if (rng.chance(0.06)) return rng.pick(DANISH[mood]);
  const specific = SPECIFIC[touchpoint]?.[mood];
  if (specific && rng.chance(0.6)) return rng.pick(specific);
  return rng.pick(GENERIC[mood]);
}
