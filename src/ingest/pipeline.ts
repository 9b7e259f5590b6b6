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

/** Validates and enriches messages into ingest-log lines. Pure: no I/O, one pass, no throwing on bad input. */
export function processMessages(
  messages: readonly unknown[],
  impliedType: MessageType | null,
  ctx: PipelineContext,
): PipelineResult {
  let lines = "";
  let accepted = 0;
  const rejected: RejectedItem[] = [];
  const { source, receivedAt } = ctx;

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
    const event = m.event;

    lines += `{"kind":"event","message_id":${str(messageId)},"type":"${m.type}","event":${str(event)},"anonymous_id":${str(m.anonymousId)},"user_id":${str(m.userId)},"group_id":${str(m.groupId)},"previous_id":${str(m.previousId)},"ts":${ts},"sent_at":${sentAt ?? null},"received_at":${receivedAt},"source":${str(source.name)},"channel":${str(channel)},"utm_source":${str(campaign.utmSource)},"utm_medium":${str(campaign.utmMedium)},"utm_campaign":${str(campaign.utmCampaign)},"utm_term":${str(campaign.utmTerm)},"utm_content":${str(campaign.utmContent)},"referrer":${str(campaign.referrer)},"url":${str(campaign.url)},"device_type":${str(device.deviceType)},"is_bot":${device.isBot},"revenue":${commerce.revenue ?? null},"currency":${str(commerce.currency)},"properties":${propertiesJson},"traits":${traitsJson},"context":${contextJson}}\n`;
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
