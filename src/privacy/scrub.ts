/**
 * Privacy at ingest: what never reaches the ingest log or the warehouse. Named properties (e.g. `email`,
 * `phone`) are dropped from properties, traits and context.traits; `context.ip` keeps only its network
 * part (IPv4 /24, IPv6 /48), as analytics tools anonymise addresses.
 */
export interface PrivacySettings {
  anonymizeIp: boolean;
  dropProperties: readonly string[];
}

const isObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === "object" && v !== null && !Array.isArray(v);

export function anonymizeIp(ip: string): string {
  if (/^\d{1,3}(\.\d{1,3}){3}$/.test(ip)) return ip.replace(/\.\d{1,3}$/, ".0");
  if (ip.includes(":")) {
    const groups = ip.split("::")[0]!.split(":").slice(0, 3);
    return `${groups.join(":")}::`;
  }
  return "";
}

function without(record: unknown, names: ReadonlySet<string>): unknown {
  if (!isObject(record) || names.size === 0) return record;
  return Object.fromEntries(Object.entries(record).filter(([k]) => !names.has(k.toLowerCase())));
}

/** A copy of the message with the configured fields removed; the input itself is not changed. */
export function scrubMessage(input: unknown, settings: PrivacySettings): unknown {
  if (!isObject(input)) return input;
  const names = new Set(settings.dropProperties.map((n) => n.toLowerCase()));
  const out: Record<string, unknown> = { ...input };
  if ("properties" in out) out.properties = without(out.properties, names);
  if ("traits" in out) out.traits = without(out.traits, names);
  if (isObject(out.context)) {
    const context: Record<string, unknown> = { ...out.context };
    if ("traits" in context) context.traits = without(context.traits, names);
    if (settings.anonymizeIp && typeof context.ip === "string") context.ip = anonymizeIp(context.ip);
    out.context = context;
  }
  return out;
}
