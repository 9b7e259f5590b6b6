/**
 * Attribution on a path summary of 100,000 distinct paths over 12 channels (seeded, synthetic), as an
 * analyst would bring from another tool: every model timed alone, Markov at orders 1 to 3.
 */
import { readFileSync } from "node:fs";
import os from "node:os";
import { attribute, type ModelName, type PathSummaryRow } from "../src/analysis/attribution/models.js";
import { Rng } from "../src/sim/random.js";

const PATHS = Number(process.env.BENCH_PATHS ?? 100_000);
const CHANNELS = [
  "Direct",
  "Organic Search",
  "Paid Search",
  "Paid Social",
  "Organic Social",
  "Email",
  "Referral",
  "Display",
  "Affiliates",
  "Paid Video",
  "SMS",
  "Audio",
];

function pathSummary(n: number): PathSummaryRow[] {
  const rng = new Rng(42);
  const rand = () => rng.next();
  const seen = new Map<string, PathSummaryRow>();
  // Popular channels first (a skewed pick), journeys of 1–12 touches, longer ones rarer.
  const pick = () => CHANNELS[Math.floor(CHANNELS.length * rand() ** 1.6)]!;
  while (seen.size < n) {
    const length = 1 + Math.min(11, Math.floor(-Math.log(1 - rand()) * 3));
    const path = Array.from({ length }, pick);
    const key = path.join(">");
    if (seen.has(key)) continue;
    const journeys = 1 + Math.floor(-Math.log(1 - rand()) * 20);
    const conversions = Math.round(journeys * rand() * 0.3);
    seen.set(key, {
      path,
      conversions,
      value: conversions * (40 + 80 * rand()),
      nulls: journeys - conversions,
    });
  }
  return [...seen.values()];
}

const rows = pathSummary(PATHS);
const status = (field: string) =>
  Number(new RegExp(`${field}:\\s+(\\d+)`).exec(readFileSync("/proc/self/status", "utf8"))![1]) / 1024;
const idle = status("VmRSS");
const cpu = os.cpus();
console.log(`machine: ${cpu.length} × ${cpu[0]?.model}, Node ${process.version}`);
console.log(
  `command: node dist/bench/attribution-paths.js — ${rows.length.toLocaleString("en")} distinct paths, ${CHANNELS.length} channels`,
);
console.log("\n| model | time (median of 3) |\n|---|---|");
const runs: [string, ModelName, number][] = [
  ["first_touch", "first_touch", 1],
  ["last_touch", "last_touch", 1],
  ["last_non_direct", "last_non_direct", 1],
  ["linear", "linear", 1],
  ["position_based", "position_based", 1],
  ["shapley", "shapley", 1],
  ["markov order 1", "markov", 1],
  ["markov order 2", "markov", 2],
  ["markov order 3", "markov", 3],
];
for (const [label, model, order] of runs) {
  const times: number[] = [];
  for (let i = 0; i < 3; i++) {
    const t = performance.now();
    attribute(rows, { models: [model], markovOrder: order });
    times.push((performance.now() - t) / 1000);
  }
  times.sort((a, b) => a - b);
  console.log(`| ${label} | ${times[1]!.toFixed(3)} s |`);
}
console.log(`\nmemory above idle RSS (peak): ${Math.round(status("VmHWM") - idle)} MB`);
