import assert from "node:assert/strict";
import { test } from "node:test";
import { formatCsv, formatTable } from "./table.js";

test("tables pad columns and right-align numbers; CSV quotes what needs it", () => {
  assert.equal(
    formatTable([
      ["name", "n"],
      ["checkout", 7],
      ["cart", 120],
    ]),
    "name      n\ncheckout    7\ncart      120",
  );
  assert.equal(
    formatCsv([
      ["a", "b"],
      ['say "hi"', "x,y"],
      [null, 1],
    ]),
    'a,b\n"say ""hi""","x,y"\n,1',
  );
});
