import assert from "node:assert/strict";
import { test } from "node:test";
import { closeMatches, editDistance } from "./suggest.js";

test("edit distance counts insertions, deletions, substitutions and swaps, ignoring case", () => {
  assert.equal(editDistance("checkout", "checkout"), 0);
  assert.equal(editDistance("Checkout", "checkout"), 0);
  assert.equal(editDistance("chekout", "checkout"), 1);
  assert.equal(editDistance("chcekout", "checkout"), 1);
  assert.equal(editDistance("cart", "chart"), 1);
  assert.equal(editDistance("", "abc"), 3);
});

test("close matches: typos, a missing plural, a part of the id; closest first", () => {
  const ids = ["product_pages", "checkout", "cart", "website_visit", "paid_search", "organic_search"];
  assert.deepEqual(closeMatches("product_page", ids), ["product_pages"]);
  assert.deepEqual(closeMatches("chekout", ids), ["checkout"]);
  assert.deepEqual(closeMatches("search", ids), ["paid_search", "organic_search"]);
  assert.deepEqual(closeMatches("website", ids), ["website_visit"]);
  assert.deepEqual(closeMatches("zzz", ids), []);
});
