import { type Arrival, type Customer, MINUTE } from "./customer.js";
import { BLOG_POSTS, CAMPAIGNS, PARTNER_BLOGS, PLAIN_PAGES, PRODUCTS } from "./names.js";
import type { Rng } from "./random.js";

const SECOND = 1000;

const HOME = PLAIN_PAGES[0];
const cents = (x: number) => Math.round(x * 100) / 100;

/** How a visit arrives through a channel: the campaign tags and referrer GA4 classifies it by. */
export function arrivalFor(rng: Rng, key: string): Arrival {
  const landing = (name: string) => ({ name: "Landing", path: `/lp/${name}`, title: "Nordlys – offer" });
  switch (key) {
    case "paid_search": {
      const name = rng.pick(CAMPAIGNS.search);
      return {
        page: landing(name),
        campaign: { source: "google", medium: "cpc", name },
        referrer: "https://www.google.com/",
      };
    }
    case "paid_social": {
      const name = rng.pick(CAMPAIGNS.social);
      const source = rng.pick(["facebook", "instagram"]);
      const referrer = source === "facebook" ? "https://l.facebook.com/" : "https://l.instagram.com/";
      return { page: landing(name), campaign: { source, medium: "paid_social", name }, referrer };
    }
    case "display_video_ads": {
      const name = rng.pick(CAMPAIGNS.display);
      return {
        page: landing(name),
        campaign: { source: rng.pick(["criteo", "dv360"]), medium: "display", name },
      };
    }
    case "influencers": {
      const name = rng.pick(CAMPAIGNS.influencer);
      return {
        page: landing(name),
        campaign: { source: "instagram-creator", medium: "influencer", name },
        referrer: "https://l.instagram.com/",
      };
    }
    case "email_marketing": {
      const name = rng.pick(CAMPAIGNS.email);
      return { page: landing(name), campaign: { source: "newsletter", medium: "email", name } };
    }
    case "organic_search":
      return { page: HOME, referrer: "https://www.google.com/" };
    case "organic_social":
      return { page: HOME, referrer: "https://l.facebook.com/" };
    case "referrals":
      return { page: HOME, referrer: rng.pick(PARTNER_BLOGS) };
    default:
      return { page: HOME };
  }
}

/** Where a known customer comes back from, when no email brought them. */
export function returningChannel(rng: Rng): string {
  return rng.weighted([
    ["direct", 0.4],
    ["organic_search", 0.25],
    ["paid_search", 0.15],
    ["paid_social", 0.1],
    ["organic_social", 0.05],
    ["referrals", 0.05],
  ]);
}

/** The landing page of a visit. True when the journey ends right there (a bounce). */
export function arrive(c: Customer, key: string): boolean {
  const arrival = arrivalFor(c.rng, key);
  c.page(arrival.page, arrival);
  if (key === "referrals" && c.rng.chance(0.5)) {
    c.wait(2 * SECOND, 10 * SECOND);
    c.track(
      "Referral Link Opened",
      { link_id: `ref-${c.rng.hex(6)}`, program: "friends" },
      arrival.page.path,
    );
  }
  return c.touch(key === "direct" ? "website_visit" : key);
}

/** An email and what the customer does with it. True when the link was clicked. */
export function sendEmail(
  c: Customer,
  template: string,
  pOpen: number,
  pClick: number,
  extra: object = {},
): boolean {
  const props = { template, email_id: `em-${c.index + 1}-${c.drafts.length}`, ...extra };
  c.offline("Email", "Email Delivered", props);
  if (!c.rng.chance(pOpen)) return false;
  c.wait(5 * MINUTE, 300 * MINUTE);
  c.offline("Email", "Email Opened", { ...props });
  if (!c.rng.chance(pClick)) return false;
  c.wait(5 * SECOND, 2 * MINUTE);
  c.offline("Email", "Email Link Clicked", { ...props, url: "https://www.nordlys.example/lp/offer" });
  return true;
}

/** Pre-purchase reading after the landing page. True when the journey ends. */
export function browse(c: Customer): boolean {
  const pages = c.rng.weighted([
    [0, 0.3],
    [1, 0.35],
    [2, 0.25],
    [3, 0.1],
  ]);
  for (let i = 0; i < pages; i++) {
    c.wait(20 * SECOND, 3 * MINUTE);
    const kind = c.rng.weighted([
      ["website_visit", 0.45],
      ["content_blog", 0.3],
      ["reviews", 0.25],
    ] as const);
    if (kind === "website_visit") c.page(c.rng.pick(PLAIN_PAGES));
    else if (kind === "content_blog") {
      const post = c.rng.pick(BLOG_POSTS);
      c.page({ name: post.category === "Blog" ? "Blog post" : "Guide", ...post });
    } else {
      const p = c.rng.pick(PRODUCTS);
      c.track(
        "Product Reviews Viewed",
        {
          product_id: p.id,
          name: p.name,
          review_count: c.rng.int(3, 240),
          average_rating: cents(c.rng.uniform(3.6, 4.9)),
        },
        `/products/${p.id}/reviews`,
      );
    }
    if (c.touch(kind)) return true;
  }
  return false;
}
