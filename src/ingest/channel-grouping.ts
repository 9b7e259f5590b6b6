import sourceCategories from "./source-categories.json" with { type: "json" };

/**
 * GA4-compatible default channel grouping, as written in the channel-grouping spec (docs/concepts.md
 * links it): campaign values first, then the referrer, then Direct; a source category from Google's list;
 * ordered rules where the first match wins.
 */
export const CHANNELS = [
  "Direct",
  "Cross-network",
  "Paid Shopping",
  "Paid Search",
  "Paid Social",
  "Paid Video",
  "Display",
  "Paid Other",
  "Organic Shopping",
  "Organic Social",
  "Organic Video",
  "Organic Search",
  "Referral",
  "Email",
  "Affiliates",
  "Audio",
  "SMS",
  "Mobile Push Notifications",
  "Unassigned",
] as const;

export type Channel = (typeof CHANNELS)[number];
export type SourceCategory = "search" | "shopping" | "social" | "video";

export interface TrafficInput {
  source?: string | null;
  medium?: string | null;
  campaign?: string | null;
  referrer?: string | null;
}

export interface SourceMedium {
  source: string;
  medium: string;
  campaign: string;
}

export interface GroupingOptions {
  /** The site's own hosts: a referrer from one of them is a self-referral, treated as no referrer. */
  ownHosts?: readonly string[];
}

const CATEGORY_BY_SOURCE = new Map<string, SourceCategory>();
for (const [category, sources] of Object.entries(sourceCategories)) {
  for (const s of sources) CATEGORY_BY_SOURCE.set(s.toLowerCase(), category as SourceCategory);
}

const SEARCH_ENGINES: readonly [RegExp, string][] = [
  [/^google\.([a-z]{2,3}|co\.[a-z]{2}|com\.[a-z]{2})$/, "google"],
  [/^(cn\.)?bing\.com$/, "bing"],
  [/^([a-z0-9-]+\.)?search\.yahoo\.com$/, "yahoo"],
  [/^duckduckgo\.com$/, "duckduckgo"],
  [/^(m\.)?baidu\.com$/, "baidu"],
  [/^yandex\.[a-z.]+$/, "yandex"],
  [/^ecosia\.org$/, "ecosia"],
  [/^(m\.)?search\.naver\.com$/, "naver"],
  [/^search\.brave\.com$/, "brave"],
  [/^startpage\.com$/, "startpage"],
  [/^qwant\.com$/, "qwant"],
  [/^(search\.)?seznam\.cz$/, "seznam"],
];

const PAID = /^(.*cp.*|ppc|retargeting|paid.*)$/;
const SHOPPING_CAMPAIGN = /^(.*(([^a-df-z]|^)shop|shopping).*)$/;
const DISPLAY = new Set(["display", "banner", "expandable", "interstitial", "cpm"]);
const SOCIAL = new Set(["social", "social-network", "social-media", "sm", "social network", "social media"]);
const REFERRAL = new Set(["referral", "app", "link"]);
const EMAIL = /email|e-mail|e_mail|e mail/;

const clean = (v: string | null | undefined): string | null => {
  const t = v?.trim();
  return t ? t : null;
};

/** The referrer's host, lower-cased without one leading `www.`; null when it is not an absolute URL. */
export function referrerHost(referrer: string | null | undefined): string | null {
  const r = clean(referrer);
  if (!r) return null;
  let host: string;
  try {
    host = new URL(r).hostname.toLowerCase();
  } catch {
    return null;
  }
  if (!host) return null;
  return host.startsWith("www.") ? host.slice(4) : host;
}

/** Step A: campaign values as given, else the referrer (search engine or referral), else Direct. */
export function resolveSourceMedium(input: TrafficInput, options: GroupingOptions = {}): SourceMedium {
  const source = clean(input.source);
  const medium = clean(input.medium);
  const campaign = clean(input.campaign);
  if (source || medium || campaign) {
    return {
      source: source ?? "(not set)",
      medium: medium ?? "(not set)",
      campaign: campaign ?? "(not set)",
    };
  }
  const host = referrerHost(input.referrer);
  if (host && !isOwnHost(host, options.ownHosts)) {
    for (const [pattern, name] of SEARCH_ENGINES) {
      if (pattern.test(host)) return { source: name, medium: "organic", campaign: "(organic)" };
    }
    return { source: host, medium: "referral", campaign: "(referral)" };
  }
  return { source: "(direct)", medium: "(none)", campaign: "(direct)" };
}

function isOwnHost(host: string, ownHosts: readonly string[] | undefined): boolean {
  if (!ownHosts?.length) return false;
  return ownHosts.some((own) => {
    const o = own.toLowerCase().replace(/^www\./, "");
    return host === o || host.endsWith(`.${o}`);
  });
}

/** Step B: exact, case-insensitive lookup in Google's source-category list. */
export function sourceCategory(source: string | null | undefined): SourceCategory | null {
  const s = clean(source);
  return s ? (CATEGORY_BY_SOURCE.get(s.toLowerCase()) ?? null) : null;
}

/** Steps C and D: the channel of already-resolved source / medium / campaign. */
export function channelOf(sm: SourceMedium): Channel {
  const source = sm.source.toLowerCase();
  const medium = sm.medium.toLowerCase();
  const campaign = sm.campaign.toLowerCase();
  const category = sourceCategory(source);
  const paid = PAID.test(medium);
  const shopping = category === "shopping" || SHOPPING_CAMPAIGN.test(campaign);

  if (source === "(direct)" && (medium === "(none)" || medium === "(not set)")) return "Direct";
  if (campaign.includes("cross-network")) return "Cross-network";
  if (paid) {
    if (shopping) return "Paid Shopping";
    if (category === "search") return "Paid Search";
    if (category === "social") return "Paid Social";
    if (category === "video") return "Paid Video";
  }
  if (DISPLAY.has(medium)) return "Display";
  if (paid) return "Paid Other";
  if (shopping) return "Organic Shopping";
  if (category === "social" || SOCIAL.has(medium)) return "Organic Social";
  if (category === "video" || medium.includes("video")) return "Organic Video";
  if (category === "search" || medium === "organic") return "Organic Search";
  if (REFERRAL.has(medium)) return "Referral";
  if (EMAIL.test(source) || EMAIL.test(medium)) return "Email";
  if (medium === "affiliate") return "Affiliates";
  if (medium === "audio") return "Audio";
  if (source === "sms" || medium === "sms") return "SMS";
  if (
    medium.endsWith("push") ||
    medium.includes("mobile") ||
    medium.includes("notification") ||
    source === "firebase"
  ) {
    return "Mobile Push Notifications";
  }
  return "Unassigned";
}

/** The GA4 default channel group of one touchpoint's campaign values and referrer. */
export function channelGroup(input: TrafficInput, options: GroupingOptions = {}): Channel {
  return channelOf(resolveSourceMedium(input, options));
}
