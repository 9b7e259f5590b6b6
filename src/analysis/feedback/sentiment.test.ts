import assert from "node:assert/strict";
import { test } from "node:test";
import { commentSentiment } from "./sentiment.js";

const labelled: [string, string, "positive" | "negative"][] = [
  ["Fantastic service, thank you!", "en", "positive"],
  ["The parcel arrived broken and support was useless.", "en-GB", "negative"],
  ["Great prices, I love this shop", "en", "positive"],
  ["Terrible checkout, I gave up", "en-US", "negative"],
  ["Fantastisk service, tak!", "da-DK", "positive"],
  ["Leveringen var forsinket og pakken var ødelagt.", "da-DK", "negative"],
  ["Meget skuffet, elendig kundeservice", "da", "negative"],
  ["God kvalitet og glad for varen", "da", "positive"],
];

test("sentiment of labelled comments in English and Danish", () => {
  for (const [text, locale, label] of labelled) {
    const s = commentSentiment(text, locale);
    assert.equal(
      s.score < 0 ? "negative" : s.score > 0 ? "positive" : "neutral",
      label,
      `${text}: ${s.score}`,
    );
    assert.equal(s.language, locale.slice(0, 2));
  }
  assert.deepEqual(commentSentiment("Leveringen var forsinket og pakken var ødelagt.", "da").negativeWords, [
    "forsinket",
    "ødelagt",
  ]);
});

test("a locale without a word list, or none, is scored in English", () => {
  assert.equal(commentSentiment("awful", "xx-YY").language, "en");
  assert.ok(commentSentiment("awful", "xx-YY").negative);
  assert.equal(commentSentiment("awful", null).language, "en");
  // Danish words mean nothing to the English list: the language matters.
  assert.equal(commentSentiment("elendig", "en").score, 0);
});
