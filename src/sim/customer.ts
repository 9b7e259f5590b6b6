import { CITIES, FIRST_NAMES, LAST_NAMES, SITE } from "./names.js";
import type { Rng } from "./random.js";
import type { SimTruth } from "./types.js";

export const MINUTE = 60_000;
export const HOUR = 3_600_000;
export const DAY = 86_400_000;

/** A message before its id and timestamp are set (they are given in time order at the end). */
export interface Draft {
  ts: number;
  source: string;
  message: Record<string, unknown>;
}

export interface Arrival {
  page: { name: string; path: string; title: string };
  campaign?: { source: string; medium: string; name: string };
  referrer?: string;
}

type Obj = Record<string, unknown>;

const USER_AGENTS = [
  "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36",
  "Mozilla/5.0 (Macintosh; Intel Mac OS X 14_5) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Safari/605.1.15",
  "Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1",
  "Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Mobile Safari/537.36",
] as const;
const LOCALES = [
  ["da-DK", 5],
  ["de-DE", 2],
  ["sv-SE", 1.5],
  ["en-GB", 1.5],
] as const;
const WEB_LIBRARY = { name: "analytics.js", version: "next-1.70.0" };
const SERVER_LIBRARY = { name: "analytics-node", version: "2.1.0" };

/**
 * One simulated customer: ids, clock, purchase intent, and the message builders. Online messages come from
 * the customer's platform and carry the userId once the customer has identified; offline sources know the
 * customer by userId only.
 */
export class Customer {
  readonly drafts: Draft[] = [];
  readonly userId: string;
  readonly anonymousId: string;
  readonly source: "Website" | "Mobile app";
  identified = false;
  subscribed = false;
  loyaltyMember = false;
  /** Drop-off ends journeys only on the way to the first purchase; afterwards the BG/NBD process rules. */
  firstJourney = true;
  /** Log-odds of buying; touchpoints add their effect on first touch. */
  intent: number;
  /** Gamma-Gamma ν: this customer's order values are Gamma(p, ν). */
  readonly spendRate: number;
  orders = 0;
  now: number;
  private readonly touched = new Set<string>();
  private readonly context: Obj;
  private readonly traits: Obj;

  constructor(
    readonly index: number,
    readonly rng: Rng,
    readonly truth: SimTruth,
    readonly end: number,
    arrival: number,
    app: boolean,
  ) {
    const n = String(index + 1).padStart(6, "0");
    this.userId = `cust-${n}`;
    this.anonymousId = rng.uuid();
    this.now = arrival;
    this.source = app ? "Mobile app" : "Website";
    this.intent = -1 + rng.normal(0, 0.5);
    this.spendRate = rng.gamma(truth.spend.q, truth.spend.gamma);
    const locale = rng.weighted(LOCALES);
    const ios = rng.chance(0.55);
    this.context = app
      ? {
          library: { name: ios ? "analytics-swift" : "analytics-kotlin", version: "1.6.0" },
          locale,
          app: { name: "Nordlys", version: "4.2.0", build: "420" },
          os: { name: ios ? "iOS" : "Android", version: ios ? "17.5" : "14" },
          device: { type: ios ? "ios" : "android", manufacturer: ios ? "Apple" : "Google" },
        }
      : { library: WEB_LIBRARY, locale, userAgent: rng.pick(USER_AGENTS) };
    const first = rng.pick(FIRST_NAMES);
    const last = rng.pick(LAST_NAMES);
    this.traits = {
      email: `${this.userId}@example.com`,
      name: `${first} ${last}`,
      firstName: first,
      lastName: last,
      city: rng.pick(CITIES),
    };
  }

  /** Moves the clock forward by a random duration in [min, max] ms. */
  wait(min: number, max: number): void {
    this.now += this.rng.uniform(min, max);
  }

  /**
   * Passing a touchpoint: its conversion effect counts once per customer; on the way to the first purchase
   * the journey may end here. True when it does.
   */
  touch(touchpoint: string): boolean {
    const t = this.truth.touchpoints[touchpoint]!;
    if (!this.touched.has(touchpoint)) {
      this.touched.add(touchpoint);
      this.intent += t.conversionEffect;
    }
    return this.firstJourney && this.rng.chance(t.dropOffProbability);
  }

  /** After a purchase: true when the customer's touchpoints after this order stop here. */
  stopsAt(touchpoint: string): boolean {
    return this.rng.chance(this.truth.touchpoints[touchpoint]!.dropOffProbability);
  }

  csatMean(touchpoint: string): number {
    return this.truth.touchpoints[touchpoint]!.csatMean;
  }

  private push(source: string, message: Obj): void {
    this.drafts.push({ ts: Math.round(this.now), source, message });
  }

  private ids(): Obj {
    return this.identified
      ? { anonymousId: this.anonymousId, userId: this.userId }
      : { anonymousId: this.anonymousId };
  }

  /** A fresh copy of the device context, so a consumer that edits one message cannot change another. */
  private freshContext(): Obj {
    const out: Obj = {};
    for (const [k, v] of Object.entries(this.context))
      out[k] = typeof v === "object" && v !== null ? { ...v } : v;
    return out;
  }

  private onlineContext(path: string | undefined): Obj {
    const context = this.freshContext();
    if (path !== undefined && this.source === "Website") context.page = { path, url: `${SITE}${path}` };
    return context;
  }

  /** A track call from the web site or the app; within a visit it carries no campaign or referrer. */
  track(event: string, properties: Obj, path?: string): void {
    this.push(this.source, {
      type: "track",
      messageId: "",
      timestamp: "",
      event,
      ...this.ids(),
      properties,
      context: this.onlineContext(path),
    });
  }

  /** A page view; a landing page carries the campaign and referrer it arrived with. */
  page(page: { name: string; path: string; title: string; category?: string }, arrival?: Arrival): void {
    const query = arrival?.campaign
      ? `?utm_source=${arrival.campaign.source}&utm_medium=${arrival.campaign.medium}&utm_campaign=${arrival.campaign.name}`
      : "";
    const url = `${SITE}${page.path}${query}`;
    const properties: Obj = { url, path: page.path, title: page.title };
    if (arrival?.referrer) properties.referrer = arrival.referrer;
    if (page.category) properties.category = page.category;
    const context = this.freshContext();
    context.page = { url, path: page.path, title: page.title };
    if (arrival?.referrer) (context.page as Obj).referrer = arrival.referrer;
    if (arrival?.campaign) context.campaign = { ...arrival.campaign };
    this.push(this.source, {
      type: "page",
      messageId: "",
      timestamp: "",
      name: page.name,
      ...this.ids(),
      properties,
      context,
    });
  }

  /** Links the anonymous visitor to the customer (signup or checkout); later online calls carry both ids. */
  identify(): void {
    this.identified = true;
    this.push(this.source, {
      type: "identify",
      messageId: "",
      timestamp: "",
      ...this.ids(),
      traits: { ...this.traits },
      context: this.onlineContext(undefined),
    });
  }

  /** Traits given offline (at a till): the userId alone, so no link to any web visit. */
  identifyOffline(source: string): void {
    this.push(source, {
      type: "identify",
      messageId: "",
      timestamp: "",
      userId: this.userId,
      traits: { ...this.traits },
    });
  }

  /** An event of an offline or owned source (store, help desk, email, survey…): userId only. */
  offline(source: string, event: string, properties: Obj, extra: Obj = {}): void {
    this.push(source, {
      type: "track",
      messageId: "",
      timestamp: "",
      event,
      userId: this.userId,
      properties,
      ...extra,
    });
  }

  /** A server-side call of the web shop (shipping, refunds). */
  server(event: string, properties: Obj): void {
    this.offline("Website", event, properties, { context: { library: { ...SERVER_LIBRARY } } });
  }
}
