import { createHash } from "node:crypto";
import type { QuietHours } from "./rules.js";

/**
 * The idempotency key of one action of one trigger occurrence: the same rule, action and triggering
 * message always give the same key, so a rescan, a restart or a retry can never schedule it twice. (The
 * message decides the customer; keying on the customer too would split a key when identities merge.)
 */
export function jobId(ruleId: string, actionIndex: number, triggerMessageId: string): string {
  const hash = createHash("sha256").update(`${ruleId}\0${actionIndex}\0${triggerMessageId}`).digest("hex");
  return `job_${hash.slice(0, 32)}`;
}

/**
 * A uniform draw in [0, 1) fixed per rule and customer: a customer is in a rule's holdout for every
 * occurrence, so the control group is a set of customers, not of lucky messages.
 */
export function holdoutDraw(ruleId: string, customerId: string): number {
  const hash = createHash("sha256").update(`holdout\0${ruleId}\0${customerId}`).digest();
  return hash.readUInt32BE(0) / 2 ** 32;
}

const minutesOf = (hhmm: string) => {
  const [h, m] = hhmm.split(":").map(Number);
  return h! * 60 + m!;
};

// Building a formatter costs far more than using one: a dry run asks for hundreds of thousands of times.
const clocks = new Map<string, Intl.DateTimeFormat>();

/** Minutes since local midnight in `timezone` at `ms`. */
export function localMinutes(ms: number, timezone: string): number {
  let clock = clocks.get(timezone);
  if (!clock) {
    clock = new Intl.DateTimeFormat("en-GB", {
      timeZone: timezone,
      hour: "2-digit",
      minute: "2-digit",
      hourCycle: "h23",
    });
    clocks.set(timezone, clock);
  }
  const parts = clock.formatToParts(new Date(ms));
  const get = (type: string) => Number(parts.find((p) => p.type === type)?.value ?? 0);
  return get("hour") * 60 + get("minute");
}

function inWindow(minute: number, from: number, to: number): boolean {
  return from < to ? minute >= from && minute < to : minute >= from || minute < to;
}

/**
 * When the quiet hours around `ms` end (epoch ms), or null when `ms` is outside them. Steps by the local
 * clock, then re-checks, so a DST change inside the window cannot return a time that is still quiet.
 */
export function quietUntil(ms: number, quiet: QuietHours | null): number | null {
  if (!quiet) return null;
  const from = minutesOf(quiet.from);
  const to = minutesOf(quiet.to);
  let t = ms;
  for (let step = 0; step < 4; step++) {
    const now = localMinutes(t, quiet.timezone);
    if (!inWindow(now, from, to)) return step === 0 ? null : t;
    const wait = (to - now + 1440) % 1440;
    // Whole minutes: the clock read has minute precision, so land on the minute the window ends.
    t = Math.floor(t / 60_000) * 60_000 + wait * 60_000;
  }
  return t;
}
