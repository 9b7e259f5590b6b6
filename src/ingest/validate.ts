import { checkResponse, SURVEY_RESPONDED } from "../feedback/response.js";
import { isPlaceholderId } from "../identity/identity-graph.js";
import { parseTime } from "./enrich.js";
import { MESSAGE_TYPES, type MessageType } from "./messages.js";

/** A message that passed validation, normalised: ids are strings, times are epoch ms. */
export interface ValidMessage {
  type: MessageType;
  messageId: string | null;
  anonymousId: string | null;
  userId: string | null;
  groupId: string | null;
  previousId: string | null;
  event: string | null;
  timestamp: number | null;
  sentAt: number | null;
  properties: Record<string, unknown> | undefined;
  traits: Record<string, unknown> | undefined;
  context: Record<string, unknown> | undefined;
  raw: Record<string, unknown>;
}

export type Validation =
  | { ok: true; message: ValidMessage }
  | { ok: false; field: string | null; reason: string };

const TYPES: ReadonlySet<string> = new Set(MESSAGE_TYPES);
const MAX_ID_LENGTH = 512;

type Failure = Extract<Validation, { ok: false }>;
const fail = (field: string | null, reason: string): Failure => ({ ok: false, field, reason });

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

function describe(v: unknown): string {
  if (v === null) return "null";
  if (Array.isArray(v)) return "an array";
  return typeof v === "object" ? "an object" : `${typeof v} ${JSON.stringify(v)}`;
}

const failed = (v: unknown): v is Failure => typeof v === "object" && v !== null;

// The fields are read by name, not in loops over field names: this runs for every event received.

function readId(v: unknown, field: string, blockList: readonly string[]): string | null | Failure {
  if (v === undefined || v === null) return null;
  if (typeof v === "number" && Number.isFinite(v))
    return isPlaceholderId(String(v), blockList) ? null : String(v);
  if (typeof v !== "string") return fail(field, `${field} must be a string, got ${describe(v)}`);
  if (v.length > MAX_ID_LENGTH) return fail(field, `${field} is longer than ${MAX_ID_LENGTH} characters`);
  // Placeholder ids ("null", "undefined", "0"…) come from buggy clients: they would merge strangers.
  return isPlaceholderId(v, blockList) ? null : v;
}

function readTime(v: unknown, field: string): number | null | Failure {
  const t = parseTime(v);
  if (t === "invalid") return fail(field, `${field} is not a valid ISO-8601 date-time: ${describe(v)}`);
  return t;
}

function objectField(v: unknown, field: string): Failure | null {
  if (v === undefined || v === null || isObject(v)) return null;
  return fail(field, `${field} must be an object, got ${describe(v)}`);
}

/**
 * Checks one message against the Segment spec. `impliedType` is the endpoint's type (`/v1/track`…);
 * in a batch every message names its own. Bad input is data: the reason names the field.
 */
export function validateMessage(
  input: unknown,
  impliedType: MessageType | null,
  blockList: readonly string[] = [],
): Validation {
  if (!isObject(input)) return fail(null, `a message must be a JSON object, got ${describe(input)}`);
  const raw = input;
  let type: MessageType;
  if (raw.type === undefined && impliedType) type = impliedType;
  else if (typeof raw.type !== "string")
    return fail("type", `type is required, one of ${MESSAGE_TYPES.join(", ")}`);
  else if (!TYPES.has(raw.type)) {
    return fail(
      "type",
      `unknown message type ${JSON.stringify(raw.type)}; expected one of ${MESSAGE_TYPES.join(", ")}`,
    );
  } else type = raw.type as MessageType;
  if (impliedType && type !== impliedType) {
    return fail("type", `type ${JSON.stringify(type)} sent to the /v1/${impliedType} endpoint`);
  }

  const badObject =
    objectField(raw.properties, "properties") ??
    objectField(raw.traits, "traits") ??
    objectField(raw.context, "context") ??
    objectField(raw.integrations, "integrations");
  if (badObject) return badObject;
  if (raw.messageId !== undefined && (typeof raw.messageId !== "string" || raw.messageId.length === 0)) {
    return fail("messageId", `messageId must be a non-empty string, got ${describe(raw.messageId)}`);
  }
  if (typeof raw.messageId === "string" && raw.messageId.length > MAX_ID_LENGTH) {
    return fail("messageId", `messageId is longer than ${MAX_ID_LENGTH} characters`);
  }

  const anonymousId = readId(raw.anonymousId, "anonymousId", blockList);
  if (failed(anonymousId)) return anonymousId;
  const userId = readId(raw.userId, "userId", blockList);
  if (failed(userId)) return userId;
  const groupId = readId(raw.groupId, "groupId", blockList);
  if (failed(groupId)) return groupId;
  const previousId = readId(raw.previousId, "previousId", blockList);
  if (failed(previousId)) return previousId;
  if (!userId && !anonymousId) {
    const given = raw.userId ?? raw.anonymousId;
    return fail(
      "userId",
      given === undefined || given === null
        ? "userId or anonymousId is required"
        : `userId or anonymousId is required (${describe(given)} is a placeholder, not an id)`,
    );
  }

  let event: string | null = null;
  if (type === "track") {
    if (typeof raw.event !== "string" || raw.event.trim() === "") {
      return fail(
        "event",
        raw.event === undefined
          ? "event is required for track"
          : `event must be a non-empty string, got ${describe(raw.event)}`,
      );
    }
    event = raw.event;
    if (event === SURVEY_RESPONDED) {
      const problem = checkResponse(isObject(raw.properties) ? raw.properties : undefined);
      if (problem) return fail(problem.field, problem.reason);
    }
  } else if (type === "page" || type === "screen") {
    const name = raw.name ?? (isObject(raw.properties) ? raw.properties.name : undefined);
    if (name !== undefined && name !== null && typeof name !== "string") {
      return fail("name", `name must be a string, got ${describe(name)}`);
    }
    // Pages are stored as "Page Viewed"-style events so they can be touchpoints like any other event.
    event = type === "page" ? "Page Viewed" : "Screen Viewed";
  } else if (type === "identify") event = "Identify";
  else if (type === "group") {
    if (!groupId) return fail("groupId", "groupId is required for group");
    event = "Group";
  } else if (type === "alias") {
    if (!previousId) return fail("previousId", "previousId is required for alias");
    if (!userId) return fail("userId", "userId is required for alias");
    event = "Alias";
  }
  if (event !== null && event.length > 1024) return fail("event", "event is longer than 1,024 characters");

  let timestamp = readTime(raw.timestamp, "timestamp");
  if (failed(timestamp)) return timestamp;
  const original = readTime(raw.originalTimestamp, "originalTimestamp");
  if (failed(original)) return original;
  timestamp ??= original;
  const sentAt = readTime(raw.sentAt, "sentAt");
  if (failed(sentAt)) return sentAt;

  return {
    ok: true,
    message: {
      type,
      messageId: (raw.messageId as string | undefined) ?? null,
      anonymousId,
      userId,
      groupId,
      previousId,
      event,
      timestamp,
      sentAt,
      properties: raw.properties as Record<string, unknown> | undefined,
      traits: raw.traits as Record<string, unknown> | undefined,
      context: raw.context as Record<string, unknown> | undefined,
      raw,
    },
  };
}
