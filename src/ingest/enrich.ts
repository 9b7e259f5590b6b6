import { isbot } from "isbot";
import { UAParser } from "ua-parser-js";

type Json = Record<string, unknown>;

const text = (v: unknown): string | null => {
  if (typeof v === "string") {
    const t = v.trim();
    return t ? t : null;
  }
  return typeof v === "number" && Number.isFinite(v) ? String(v) : null;
};
const obj = (v: unknown): Json =>
  typeof v === "object" && v !== null && !Array.isArray(v) ? (v as Json) : {};

export interface CampaignFields {
  utmSource: string | null;
  utmMedium: string | null;
  utmCampaign: string | null;
  utmTerm: string | null;
  utmContent: string | null;
  referrer: string | null;
  url: string | null;
}

/**
 * Campaign values, referrer and URL of a message: `context.campaign` and `context.page` as the Segment
 * libraries send them, a page call's own properties, then the `utm_*` query of the page URL. Google Ads
 * auto-tagging (`gclid`, `gbraid`, `wbraid` without `utm_source`) counts as google / cpc.
 */
export function campaignFields(context: Json, pageProperties?: Json): CampaignFields {
  const campaign = obj(context.campaign);
  const page = obj(context.page);
  const props = pageProperties ?? {};
  const url = text(page.url) ?? text(props.url);
  const referrer = text(page.referrer) ?? text(props.referrer);
  const query = queryCampaign(url, text(page.search) ?? text(props.search));

  let utmSource = text(campaign.source) ?? query.source;
  let utmMedium = text(campaign.medium) ?? query.medium;
  if (!utmSource && query.adClick) {
    utmSource = "google";
    utmMedium ??= "cpc";
  }
  return {
    utmSource,
    utmMedium,
    utmCampaign: text(campaign.name) ?? text(campaign.campaign) ?? query.campaign,
    utmTerm: text(campaign.term) ?? query.term,
    utmContent: text(campaign.content) ?? query.content,
    referrer,
    url,
  };
}

/** The campaign values a page URL's query carries, and whether it carries an ad click id. */
interface QueryCampaign {
  source: string | null;
  medium: string | null;
  campaign: string | null;
  term: string | null;
  content: string | null;
  adClick: boolean;
}

const NO_QUERY: QueryCampaign = {
  source: null,
  medium: null,
  campaign: null,
  term: null,
  content: null,
  adClick: false,
};

// Parsing a URL costs more than the rest of enrichment: only do it when it can carry campaign values,
// and remember the recent ones (campaign landing URLs repeat).
const CAMPAIGN_QUERY = /utm_|gclid|gbraid|wbraid/;
const QUERY_CACHE_SIZE = 5_000;
const queryCache = new Map<string, QueryCampaign>();

function queryCampaign(url: string | null, search: string | null): QueryCampaign {
  if (!CAMPAIGN_QUERY.test(url ?? "") && !CAMPAIGN_QUERY.test(search ?? "")) return NO_QUERY;
  // Keyed by the URL alone: a page's separate `search` string is rare, and then parsed each time.
  const key = search === null ? url : null;
  const hit = key === null ? undefined : queryCache.get(key);
  if (hit) return hit;
  const query = queryOf(url, search);
  const value = (name: string) => text(query?.get(name));
  const found: QueryCampaign = {
    source: value("utm_source"),
    medium: value("utm_medium"),
    campaign: value("utm_campaign"),
    term: value("utm_term"),
    content: value("utm_content"),
    adClick: query !== null && (query.has("gclid") || query.has("gbraid") || query.has("wbraid")),
  };
  if (key === null) return found;
  if (queryCache.size >= QUERY_CACHE_SIZE) queryCache.delete(queryCache.keys().next().value as string);
  queryCache.set(key, found);
  return found;
}

function queryOf(url: string | null, search: string | null): URLSearchParams | null {
  if (url) {
    try {
      return new URL(url).searchParams;
    } catch {
      // A relative or broken URL: fall back to the page's `search` string.
    }
  }
  return search ? new URLSearchParams(search) : null;
}

export interface DeviceInfo {
  /** desktop, mobile, tablet, console, smarttv, wearable, embedded; null when nothing says. */
  deviceType: string | null;
  isBot: boolean;
}

// User agents repeat heavily; parsing one costs tens of microseconds, so keep the recent ones.
const UA_CACHE_SIZE = 5_000;
const uaCache = new Map<string, DeviceInfo>();

/** Device type and bot flag from `context.userAgent`, or the mobile SDKs' `context.device.type`. */
export function deviceInfo(context: Json): DeviceInfo {
  const ua = text(context.userAgent);
  if (!ua) {
    const sdkType = text(obj(context.device).type)?.toLowerCase();
    const deviceType = sdkType === "ios" || sdkType === "android" ? "mobile" : (sdkType ?? null);
    return { deviceType, isBot: false };
  }
  const hit = uaCache.get(ua);
  if (hit) return hit;
  const info: DeviceInfo = { deviceType: new UAParser(ua).getDevice().type ?? "desktop", isBot: isbot(ua) };
  if (uaCache.size >= UA_CACHE_SIZE) uaCache.delete(uaCache.keys().next().value as string);
  uaCache.set(ua, info);
  return info;
}

export interface CommerceFields {
  revenue: number | null;
  currency: string | null;
}

/** Revenue (`revenue`, else `total`, numeric strings accepted) and an ISO-4217-shaped currency. */
export function commerceFields(properties: Json): CommerceFields {
  const revenue = amount(properties.revenue) ?? amount(properties.total);
  const c = text(properties.currency)?.toUpperCase() ?? null;
  return { revenue, currency: c && /^[A-Z]{3}$/.test(c) ? c : null };
}

function amount(v: unknown): number | null {
  if (typeof v === "number") return Number.isFinite(v) ? v : null;
  // A long digit string can overflow to Infinity, which has no JSON form.
  if (typeof v === "string" && /^\s*-?\d+(\.\d+)?\s*$/.test(v)) {
    const n = Number(v);
    return Number.isFinite(n) ? n : null;
  }
  return null;
}

/**
 * When the touchpoint happened, in our clock: the client's timestamp moved by the skew between the
 * client's clock and ours at send time (receivedAt − sentAt), as Segment does. Without a timestamp, the
 * time we received it.
 */
export function correctedTime(receivedAt: number, sentAt: number | null, timestamp: number | null): number {
  if (timestamp === null) return receivedAt;
  if (sentAt === null) return timestamp;
  return receivedAt - (sentAt - timestamp);
}

const TO_ISO_STRING = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d\d\dZ$/;
const ISO = /^\d{4}-\d{2}-\d{2}([T ]\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?)?(Z|[+-]\d{2}:?\d{2})?$/i;
const MIN_TIME = Date.UTC(1970, 0, 1);
const MAX_TIME = Date.UTC(2200, 0, 1);

const digits = (s: string, from: number, to: number): number => {
  let n = 0;
  for (let i = from; i < to; i++) n = n * 10 + s.charCodeAt(i) - 48;
  return n;
};

/**
 * Date.parse of a `YYYY-MM-DDTHH:MM:SS.mmmZ` string, read digit by digit (a quarter of the cost); what
 * Date.parse treats specially (hour 24, days past 31, years before 1000) is left to it.
 */
export function toIsoStringTime(s: string): number {
  const year = digits(s, 0, 4);
  const month = digits(s, 5, 7);
  const day = digits(s, 8, 10);
  const hour = digits(s, 11, 13);
  const minute = digits(s, 14, 16);
  const second = digits(s, 17, 19);
  if (
    year < 1000 ||
    month < 1 ||
    month > 12 ||
    day < 1 ||
    day > 31 ||
    hour > 23 ||
    minute > 59 ||
    second > 59
  )
    return Date.parse(s);
  return Date.UTC(year, month - 1, day, hour, minute, second, digits(s, 20, 23));
}

/**
 * A message time: an ISO-8601 string (date-only and offsets accepted; no offset means UTC) or epoch
 * milliseconds. null when absent, "invalid" when present but not a time between 1970 and 2200.
 */
export function parseTime(v: unknown): number | null | "invalid" {
  if (v === undefined || v === null) return null;
  let t: number;
  if (typeof v === "number") t = v;
  // What the Segment libraries send (Date#toISOString), two or three times per message.
  else if (typeof v === "string" && v.length === 24 && TO_ISO_STRING.test(v)) t = toIsoStringTime(v);
  else if (typeof v === "string") {
    const s = v.trim();
    if (!ISO.test(s)) return "invalid";
    // Date.parse reads a date-time without offset as local time: pin it to UTC.
    const hasZone = /(Z|[+-]\d{2}:?\d{2})$/i.test(s) && s.length > 10;
    const normalised = s.replace(" ", "T").replace(/([+-]\d{2})(\d{2})$/, "$1:$2");
    t = Date.parse(hasZone || s.length === 10 ? normalised : `${normalised}Z`);
  } else return "invalid";
  if (!Number.isFinite(t) || t < MIN_TIME || t > MAX_TIME) return "invalid";
  return t;
}
