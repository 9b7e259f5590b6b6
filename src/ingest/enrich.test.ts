import assert from "node:assert/strict";
import { test } from "node:test";
import {
  campaignFields,
  commerceFields,
  correctedTime,
  deviceInfo,
  parseTime,
  toIsoStringTime,
} from "./enrich.js";

test("campaign fields come from context.campaign, else the page URL's utm query", () => {
  const fromContext = campaignFields({
    campaign: { source: "google", medium: "cpc", name: "brand", term: "shoes" },
  });
  assert.equal(fromContext.utmSource, "google");
  assert.equal(fromContext.utmTerm, "shoes");
  const fromUrl = campaignFields({
    page: {
      url: "https://shop.example/?utm_source=newsletter&utm_medium=email&utm_content=hero",
      referrer: "https://x.example/",
    },
  });
  assert.deepEqual(fromUrl, {
    utmSource: "newsletter",
    utmMedium: "email",
    utmCampaign: null,
    utmTerm: null,
    utmContent: "hero",
    referrer: "https://x.example/",
    url: "https://shop.example/?utm_source=newsletter&utm_medium=email&utm_content=hero",
  });
  const fromPageProps = campaignFields(
    {},
    { url: "/landing", search: "?utm_source=fb&utm_medium=paid_social" },
  );
  assert.equal(fromPageProps.utmSource, "fb");
  assert.equal(fromPageProps.utmMedium, "paid_social");
});

test("a landing URL seen again gives the same values, and context.campaign still wins over it", () => {
  const page = { url: "https://shop.example/?utm_source=newsletter&utm_medium=email&gclid=x" };
  const first = campaignFields({ page });
  for (let i = 0; i < 3; i++) assert.deepEqual(campaignFields({ page }), first);
  assert.equal(first.utmSource, "newsletter");
  const overridden = campaignFields({ page, campaign: { source: "partner", name: "spring" } });
  assert.equal(overridden.utmSource, "partner");
  assert.equal(overridden.utmMedium, "email");
  assert.equal(overridden.utmCampaign, "spring");
});

test("Google Ads auto-tagging without utm_source counts as google / cpc", () => {
  const c = campaignFields({ page: { url: "https://shop.example/?gclid=abc" } });
  assert.equal(c.utmSource, "google");
  assert.equal(c.utmMedium, "cpc");
  assert.equal(
    campaignFields({ page: { url: "https://shop.example/?gclid=abc&utm_source=bing" } }).utmSource,
    "bing",
  );
});

test("device type and bots from the user agent, mobile SDKs from context.device", () => {
  const iphone =
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.0 Mobile/15E148 Safari/604.1";
  assert.deepEqual(deviceInfo({ userAgent: iphone }), { deviceType: "mobile", isBot: false });
  assert.deepEqual(deviceInfo({ userAgent: iphone }), { deviceType: "mobile", isBot: false });
  assert.equal(
    deviceInfo({ userAgent: "Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)" })
      .isBot,
    true,
  );
  assert.deepEqual(deviceInfo({ device: { type: "android" } }), { deviceType: "mobile", isBot: false });
  assert.deepEqual(deviceInfo({}), { deviceType: null, isBot: false });
});

test("revenue from revenue or total, currency upper-cased and checked", () => {
  assert.deepEqual(commerceFields({ revenue: 12.5, currency: "usd" }), { revenue: 12.5, currency: "USD" });
  assert.deepEqual(commerceFields({ total: "40" }), { revenue: 40, currency: null });
  assert.deepEqual(commerceFields({ revenue: "lots", currency: "euro" }), { revenue: null, currency: null });
});

test("times: ISO with and without offsets, date-only, epoch ms; out of range is invalid", () => {
  assert.equal(parseTime("2026-01-02T03:04:05.678Z"), Date.UTC(2026, 0, 2, 3, 4, 5, 678));
  assert.equal(parseTime("2026-01-02T03:04:05+01:00"), Date.UTC(2026, 0, 2, 2, 4, 5));
  assert.equal(parseTime("2026-01-02T03:04:05+0100"), Date.UTC(2026, 0, 2, 2, 4, 5));
  assert.equal(parseTime("2026-01-02 03:04:05"), Date.UTC(2026, 0, 2, 3, 4, 5));
  assert.equal(parseTime("2026-01-02"), Date.UTC(2026, 0, 2));
  assert.equal(parseTime(Date.UTC(2026, 0, 2)), Date.UTC(2026, 0, 2));
  assert.equal(parseTime(undefined), null);
  assert.equal(parseTime("yesterday"), "invalid");
  assert.equal(parseTime("2026-13-45T00:00:00Z"), "invalid");
  // The shape Date#toISOString writes takes a shorter path; out-of-range parts are still refused.
  assert.equal(parseTime("2026-13-45T00:00:00.000Z"), "invalid");
  assert.equal(parseTime("1969-12-31T23:59:59.999Z"), "invalid");
  const d = new Date(Date.UTC(2031, 5, 30, 23, 59, 59, 999));
  assert.equal(parseTime(d.toISOString()), d.getTime());
  assert.equal(parseTime(-5), "invalid");
  assert.equal(parseTime({}), "invalid");
});

test("clock skew: the timestamp moves by receivedAt − sentAt", () => {
  assert.equal(correctedTime(1_000_000, 1_060_000, 1_050_000), 990_000);
  assert.equal(correctedTime(1_000_000, null, 900_000), 900_000);
  assert.equal(correctedTime(1_000_000, 1_060_000, null), 1_000_000);
});

test("toISOString-shaped times read as Date.parse reads them, odd ones included", () => {
  const pad = (n: number, w: number) => String(n).padStart(w, "0");
  const odd = ["2026-02-29T00:00:00.000Z", "2024-02-29T23:59:59.999Z", "2026-04-31T12:00:00.000Z"];
  odd.push("2026-01-01T24:00:00.000Z", "2026-13-01T00:00:00.000Z", "0050-01-01T00:00:00.000Z");
  odd.push("2026-00-10T00:00:00.000Z", "2026-01-32T00:00:00.000Z", "2026-01-01T00:60:00.000Z");
  let seed = 7;
  const next = (n: number) => {
    seed = (seed * 48271) % 2147483647;
    return seed % n;
  };
  for (let i = 0; i < 20_000; i++) {
    const s = `${pad(900 + next(2200), 4)}-${pad(next(14), 2)}-${pad(next(33), 2)}T${pad(next(25), 2)}:${pad(next(61), 2)}:${pad(next(61), 2)}.${pad(next(1000), 3)}Z`;
    odd.push(s);
  }
  for (const s of odd) assert.equal(Object.is(toIsoStringTime(s), Date.parse(s)), true, s);
});
