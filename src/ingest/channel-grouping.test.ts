import assert from "node:assert/strict";
import { test } from "node:test";
import { CHANNELS, channelGroup, resolveSourceMedium, sourceCategory } from "./channel-grouping.js";
import cases from "./channel-grouping-cases.json" with { type: "json" };

interface Case {
  source: string | null;
  medium: string | null;
  campaign: string | null;
  referrer?: string;
  expected_channel: string;
  note: string;
}

test("every published channel-grouping vector", () => {
  const all = cases as Case[];
  assert.ok(all.length >= 40);
  for (const c of all) {
    assert.equal(channelGroup(c), c.expected_channel, `${JSON.stringify(c)}`);
  }
  // The vectors cover every channel, so each output value is exercised.
  assert.deepEqual(new Set(all.map((c) => c.expected_channel)), new Set(CHANNELS));
});

test("the source list is exact and case-insensitive, with no subdomain fallback", () => {
  assert.equal(sourceCategory("Facebook"), "social");
  assert.equal(sourceCategory(" youtube.com "), "video");
  assert.equal(sourceCategory("google.com"), null);
  assert.equal(sourceCategory("meta"), null);
});

test("referrer mode: search engines, www stripping, unparseable referrers, self-referrals", () => {
  assert.deepEqual(resolveSourceMedium({ referrer: "https://www.bing.com/search?q=a" }), {
    source: "bing",
    medium: "organic",
    campaign: "(organic)",
  });
  assert.equal(resolveSourceMedium({ referrer: "https://mail.google.com/" }).source, "mail.google.com");
  assert.equal(channelGroup({ referrer: "not a url" }), "Direct");
  assert.equal(channelGroup({ referrer: "  " }), "Direct");
  assert.equal(
    channelGroup({ referrer: "https://shop.example/cart" }, { ownHosts: ["shop.example"] }),
    "Direct",
  );
  assert.equal(
    channelGroup({ referrer: "https://blog.shop.example/" }, { ownHosts: ["www.shop.example"] }),
    "Direct",
  );
  assert.equal(
    channelGroup({ referrer: "https://partner.example/" }, { ownHosts: ["shop.example"] }),
    "Referral",
  );
});

test("campaign mode ignores the referrer even with only a campaign name", () => {
  assert.deepEqual(resolveSourceMedium({ campaign: "spring", referrer: "https://google.com" }), {
    source: "(not set)",
    medium: "(not set)",
    campaign: "spring",
  });
});
