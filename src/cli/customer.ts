import { customerProfile, searchCustomers, UnknownCustomerError } from "../analysis/customer/customer.js";
import type { CustomerProfile } from "../analysis/customer/report.js";
import { formatCsv, formatTable } from "../util/table.js";
import { CliError, resolveCatalog, withWarehouse } from "./runtime.js";

export interface CustomerOptions {
  db?: string;
  catalog?: string;
  search?: string;
  limit?: string;
  json?: boolean;
  csv?: boolean;
}

const date = (ms: number | null) =>
  ms === null ? "" : new Date(ms).toISOString().replace("T", " ").slice(0, 19);

/** `touchpoint report customer ID` (the customer 360) or `--search QUERY`. */
export async function customerReport(id: string | undefined, options: CustomerOptions): Promise<void> {
  const limit = options.limit === undefined ? 50 : Number(options.limit);
  if (!Number.isInteger(limit) || limit < 1)
    throw new CliError(`--limit: a whole number ≥ 1, not ${options.limit}`);
  if (options.search !== undefined) {
    const found = await withWarehouse(options.db, (wh) =>
      searchCustomers(wh, options.search!, Math.min(limit, 100)),
    );
    if (options.json) return void process.stdout.write(`${JSON.stringify(found, null, 2)}\n`);
    const rows = [
      ["customer", "email", "name", "last seen", "matched"],
      ...found.customers.map((c) => [c.customerId, c.email, c.name, date(c.lastSeen), c.matched]),
    ];
    return void process.stdout.write(`${options.csv ? formatCsv(rows) : formatTable(rows)}\n`);
  }
  if (!id) throw new CliError("report customer needs a customer id, or --search QUERY");
  const catalog = resolveCatalog(options.catalog);
  let profile: CustomerProfile;
  try {
    profile = await withWarehouse(options.db, (wh) => customerProfile(wh, catalog, id, { limit }));
  } catch (err) {
    if (err instanceof UnknownCustomerError) throw new CliError(`${err.message}; try --search`);
    throw err;
  }
  if (options.json) return void process.stdout.write(`${JSON.stringify(profile, null, 2)}\n`);
  // Amounts in the data's currency, as every report gives them.
  const unit = profile.currency ? ` ${profile.currency}` : "";
  const money = (x: number) => `${x.toFixed(2)}${unit}`;
  const timeline = [
    [
      "time",
      "stage",
      "touchpoint",
      "event",
      "channel",
      "goal",
      profile.currency ? `value (${profile.currency})` : "value",
    ],
    ...profile.timeline.map((t) => [
      date(t.time),
      t.stage,
      t.touchpoint,
      t.event,
      t.channel,
      t.goal,
      t.value,
    ]),
  ];
  if (options.csv) return void process.stdout.write(`${formatCsv(timeline)}\n`);
  const v = profile.lifetimeValue;
  const lines = [
    `customer   ${profile.customerId}`,
    `ids        ${profile.ids.map((i) => `${i.kind}:${i.id}`).join(", ")}`,
    `traits     ${Object.entries(profile.traits)
      .map(([k, x]) => `${k}=${typeof x === "string" ? x : JSON.stringify(x)}`)
      .join(", ")}`,
    `seen       ${date(profile.firstSeen)} … ${date(profile.lastSeen)} (${profile.events} events)`,
    `channels   ${profile.channels.map((c) => `${c.channel} ${c.events}`).join(", ")}`,
    `goals      ${profile.conversions} conversions, ${money(profile.revenue)} value`,
    `feedback   ${profile.feedback.map((f) => `${f.metric} ${f.score}${f.comment ? ` "${f.comment}"` : ""}`).join("; ") || "none"}`,
    `value      ${
      v
        ? `CLV ${money(v.clv)}, P(alive) ${v.pAlive.toFixed(3)}, ${v.expectedPurchases.toFixed(2)} purchases expected, segment ${v.segment} (fitted ${date(v.fittedAt)})`
        : "not computed: run `touchpoint report clv --save`"
    }`,
  ];
  process.stdout.write(`${lines.join("\n")}\n\n${formatTable(timeline)}\n`);
}
