import { randomUUID } from "node:crypto";
import { type PrivacySettings, scrubMessage } from "../privacy/scrub.js";
import { channelGroup } from "./channel-grouping.js";
import { campaignFields, commerceFields, correctedTime, deviceInfo } from "./enrich.js";
import type { MessageType, RejectedItem } from "./messages.js";
import { validateMessage } from "./validate.js";

/** The source (write key) a message arrived through. */
export interface SourceInfo {
  name: string;
  kind: string;
  /** Set for non-web sources (a POS is In-store, a help desk is Support): it overrides channel grouping. */
  channel: string | null;
}

export interface PipelineContext {
  source: SourceInfo;
  receivedAt: number;
  /** Batch-level sentAt, when the client sends one per request. */
  sentAt: number | null;
  ownHosts: readonly string[];
  placeholderIds: readonly string[];
  maxEventBytes: number;
  /** Deterministic ids for messages without one (imports: the same file twice is stored once). */
  messageIdFor?: (index: number) => string;
  /** Fields dropped and addresses anonymised before anything is written (accepted or dead-lettered). */
  privacy?: PrivacySettings;
}

export interface PipelineResult {
  /** Newline-terminated log lines, accepted events and dead letters alike. */
  lines: string;
  accepted: number;
  rejected: RejectedItem[];
}

const str = JSON.stringify;

/** A string needing no escape in JSON, and no surrogate (JSON.stringify decides about those). */
// biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what JSON must escape.
const PLAIN = /^[^"\\\u0000-\u001f\ud800-\udfff]*$/;

/**
 * A string as a JSON string: most (ids, names, URLs) are written between quotes as they are, at half
 * the cost of a JSON.stringify call, which a row makes a dozen of.
 */
const quote = (text: string): string => (PLAIN.test(text) ? `"${text}"` : str(text));

/**
 * JSON.stringify writes a lone UTF-16 surrogate (which JSON.parse accepts from `"\ud800"`) as that
 * escape, and DuckDB's JSON reader refuses it: one such line would stop every later segment from
 * loading. A surrogate escape in the output sends the request through `wellFormed` first.
 */
const SURROGATE_ESCAPE = /\\u[dD][89a-fA-F]/;

/** Validates and enriches messages into ingest-log lines. Pure: no I/O, one pass, no throwing on bad input. */
export function processMessages(
  messages: readonly unknown[],
  impliedType: MessageType | null,
  ctx: PipelineContext,
): PipelineResult {
  const result = processOnce(messages, impliedType, ctx);
  // Rare (paired surrogates are written as they are; only a backslash written before "ud8…" by the
  // client also matches): redo the request with lone surrogates replaced by U+FFFD.
  // `includes` first: it skips most requests (no \u escape at all) at a fraction of the pattern's cost.
  if (result.lines.includes("\\u") && SURROGATE_ESCAPE.test(result.lines))
    return processOnce(messages.map(wellFormed), impliedType, ctx);
  return result;
}

const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;

/** A copy of a parsed JSON value whose strings (keys too) have no lone surrogate. */
export function wellFormed(value: unknown): unknown {
  if (typeof value === "string") return value.replace(LONE_SURROGATE, "\uFFFD");
  if (Array.isArray(value)) return value.map(wellFormed);
  if (typeof value === "object" && value !== null) {
    // fromEntries defines own properties, so a "__proto__" key stays a key, as JSON.parse made it.
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [wellFormed(k), wellFormed(v)]));
  }
  return value;
}

function processOnce(
  messages: readonly unknown[],
  impliedType: MessageType | null,
  ctx: PipelineContext,
): PipelineResult {
  let lines = "";
  let accepted = 0;
  const rejected: RejectedItem[] = [];
  const { source, receivedAt } = ctx;
  const sourceJson = str(source.name);

  for (let i = 0; i < messages.length; i++) {
    const privacy = ctx.privacy;
    const input =
      privacy && (privacy.anonymizeIp || privacy.dropProperties.length)
        ? scrubMessage(messages[i], privacy)
        : messages[i];
    const v = validateMessage(input, impliedType, ctx.placeholderIds);
    if (!v.ok) {
      const rawId = (input as { messageId?: unknown } | null)?.messageId;
      rejected.push({
        index: i,
        messageId: typeof rawId === "string" ? rawId : null,
        field: v.field,
        reason: v.reason,
      });
      lines += deadLetter(input, v.field, v.reason, ctx);
      continue;
    }
    const m = v.message;
    const properties = m.properties ?? {};
    if (m.type === "page" || m.type === "screen") keepPageName(m.raw, properties);
    const context = m.context ?? {};
    const traits = m.traits ?? (context.traits as Record<string, unknown> | undefined) ?? {};
    const propertiesJson = str(properties);
    const traitsJson = str(traits);
    const contextJson = str(context);
    const bytes = propertiesJson.length + traitsJson.length + contextJson.length;
    if (bytes > ctx.maxEventBytes) {
      const reason = `the message is ${Math.ceil(bytes / 1024)} KB, over the ${ctx.maxEventBytes / 1024} KB limit per message`;
      rejected.push({ index: i, messageId: m.messageId, field: null, reason });
      lines += deadLetter(
        { messageId: m.messageId, userId: m.userId, anonymousId: m.anonymousId, type: m.type },
        null,
        reason,
        ctx,
      );
      continue;
    }
    const sentAt = m.sentAt ?? ctx.sentAt;
    const ts = correctedTime(receivedAt, sentAt, m.timestamp);
    const campaign = campaignFields(context, m.type === "page" ? properties : undefined);
    const channel =
      source.channel ??
      channelGroup(
        {
          source: campaign.utmSource,
          medium: campaign.utmMedium,
          campaign: campaign.utmCampaign,
          referrer: campaign.referrer,
        },
        { ownHosts: ctx.ownHosts },
      );
    const device = deviceInfo(context);
    const commerce = m.type === "track" ? commerceFields(properties) : { revenue: null, currency: null };
    const messageId = m.messageId ?? ctx.messageIdFor?.(i) ?? randomUUID();

    // Null fields are left out of the row (the loader reads a missing key as NULL): fewer bytes to
    // build here, to write, and for the warehouse's JSON reader to parse.
    let row = `{"kind":"event","message_id":${quote(messageId)},"type":"${m.type}","ts":${ts},"received_at":${receivedAt},"source":${sourceJson},"channel":${quote(channel)},"is_bot":${device.isBot}`;
    if (m.event !== null) row += `,"event":${quote(m.event)}`;
    if (m.anonymousId !== null) row += `,"anonymous_id":${quote(m.anonymousId)}`;
    if (m.userId !== null) row += `,"user_id":${quote(m.userId)}`;
    if (m.groupId !== null) row += `,"group_id":${quote(m.groupId)}`;
    if (m.previousId !== null) row += `,"previous_id":${quote(m.previousId)}`;
    if (sentAt !== null) row += `,"sent_at":${sentAt}`;
    if (campaign.utmSource !== null) row += `,"utm_source":${quote(campaign.utmSource)}`;
    if (campaign.utmMedium !== null) row += `,"utm_medium":${quote(campaign.utmMedium)}`;
    if (campaign.utmCampaign !== null) row += `,"utm_campaign":${quote(campaign.utmCampaign)}`;
    if (campaign.utmTerm !== null) row += `,"utm_term":${quote(campaign.utmTerm)}`;
    if (campaign.utmContent !== null) row += `,"utm_content":${quote(campaign.utmContent)}`;
    if (campaign.referrer !== null) row += `,"referrer":${quote(campaign.referrer)}`;
    if (campaign.url !== null) row += `,"url":${quote(campaign.url)}`;
    if (device.deviceType !== null) row += `,"device_type":${quote(device.deviceType)}`;
    if (commerce.revenue !== null) row += `,"revenue":${commerce.revenue}`;
    if (commerce.currency !== null) row += `,"currency":${quote(commerce.currency)}`;
    lines += `${row},"properties":${propertiesJson},"traits":${traitsJson},"context":${contextJson}}\n`;
    accepted++;
  }
  return { lines, accepted, rejected };
}

/** Pages are stored as "Page Viewed"; their name and category stay matchable in properties. */
function keepPageName(raw: Record<string, unknown>, properties: Record<string, unknown>): void {
  if (typeof raw.name === "string" && properties.name === undefined) properties.name = raw.name;
  if (typeof raw.category === "string" && properties.category === undefined)
    properties.category = raw.category;
}

export function deadLetter(
  input: unknown,
  field: string | null,
  reason: string,
  ctx: Pick<PipelineContext, "receivedAt" | "source">,
): string {
  const o = (typeof input === "object" && input !== null ? input : {}) as Record<string, unknown>;
  const text = (v: unknown) => (typeof v === "string" ? v : typeof v === "number" ? String(v) : null);
  // A string is raw text that never parsed (an import line): keep it as it was.
  let payload = typeof input === "string" ? input : (str(input) ?? "null");
  // The dead letter keeps what was sent, up to a bound: a rejected 10 MB blob must not fill the disk.
  if (payload.length > 64 * 1024) payload = `${payload.slice(0, 64 * 1024)}…`;
  return `{"kind":"rejected","received_at":${ctx.receivedAt},"source":${str(ctx.source.name)},"reason":${str(reason)},"field":${str(field)},"message_id":${str(text(o.messageId))},"anonymous_id":${str(text(o.anonymousId))},"user_id":${str(text(o.userId))},"payload":${str(payload)}}\n`;
}
