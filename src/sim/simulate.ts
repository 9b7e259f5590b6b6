import { buildTruth, SOURCES } from "./business.js";
import { DAY } from "./customer.js";
import { simulateCustomer } from "./journeys.js";
import type { SimMessage, SimOptions, Simulation } from "./types.js";

export { CHANNEL_GROUPS, TOUCHPOINT_STAGE, WEAK_CANDIDATES } from "./business.js";
export type { SimMessage, SimOptions, SimSource, SimTruth, Simulation, TouchpointTruth } from "./types.js";

const DEFAULT_START = Date.UTC(2026, 0, 1);

/**
 * The simulated business: a seeded, deterministic stream of Segment messages from nine sources, and the
 * ground truth that produced them. Same seed and options ⇒ the same messages, byte for byte.
 */
export function simulateBusiness(options: SimOptions): Simulation {
  const { customers, seed } = options;
  if (!Number.isInteger(customers) || customers < 0)
    throw new RangeError(`customers must be a whole number ≥ 0, got ${customers}`);
  if (!Number.isSafeInteger(seed)) throw new RangeError(`seed must be a whole number, got ${seed}`);
  const start = options.start?.getTime() ?? DEFAULT_START;
  const days = options.days ?? 180;
  if (!Number.isFinite(start)) throw new RangeError("start must be a valid date");
  if (!(days > 0)) throw new RangeError(`days must be positive, got ${days}`);
  const end = start + days * DAY;
  const truth = buildTruth(seed, customers);

  return {
    sources: SOURCES.map((s) => ({ ...s })),
    truth,
    *messages(): Generator<SimMessage> {
      let counter = 0;
      for (let i = 0; i < customers; i++) {
        const drafts = simulateCustomer(truth, i, start, end);
        drafts.sort((a, b) => a.ts - b.ts); // stable: same-time messages keep the order they were made in
        let last = Number.NEGATIVE_INFINITY;
        for (const d of drafts) {
          const ts = Math.max(d.ts, last + 1000); // strictly increasing along the journey
          if (ts >= end) break;
          last = ts;
          d.message.messageId = `sim-${seed}-${counter++}`;
          d.message.timestamp = new Date(ts).toISOString();
          yield { source: d.source, message: d.message };
        }
      }
    },
  };
}
