import { type Static, Type } from "@sinclair/typebox";

/** Segment's message types; the tracking API accepts exactly these. */
export const MESSAGE_TYPES = ["track", "identify", "page", "screen", "group", "alias"] as const;
export type MessageType = (typeof MESSAGE_TYPES)[number];

const Id = Type.Union([Type.String(), Type.Number()], {
  description: "A string (numbers are accepted and stored as text).",
});
const Time = Type.String({ description: "ISO-8601 date-time, e.g. 2024-05-01T12:00:00.000Z" });
const Obj = Type.Record(Type.String(), Type.Unknown());

/** One Segment message, as the Tracking API receives it. Unknown fields are kept in context/properties. */
export const Message = Type.Object(
  {
    type: Type.Optional(Type.Union(MESSAGE_TYPES.map((t) => Type.Literal(t)))),
    messageId: Type.Optional(
      Type.String({ description: "Unique per message; retries with the same id are stored once." }),
    ),
    anonymousId: Type.Optional(Id),
    userId: Type.Optional(Id),
    event: Type.Optional(Type.String({ description: "track: the event name" })),
    name: Type.Optional(Type.String({ description: "page/screen: the page or screen name" })),
    category: Type.Optional(Type.String()),
    groupId: Type.Optional(Id),
    previousId: Type.Optional(Id),
    timestamp: Type.Optional(Time),
    originalTimestamp: Type.Optional(Time),
    sentAt: Type.Optional(Time),
    properties: Type.Optional(Obj),
    traits: Type.Optional(Obj),
    context: Type.Optional(Obj),
    integrations: Type.Optional(Obj),
  },
  { additionalProperties: true },
);
export type Message = Static<typeof Message>;

export const Batch = Type.Object(
  {
    batch: Type.Array(Message, { description: "Up to 2,500 messages, 500 KB in all, 32 KB each." }),
    writeKey: Type.Optional(Type.String()),
    sentAt: Type.Optional(Time),
    context: Type.Optional(Obj),
  },
  { additionalProperties: true },
);

export const RejectedItem = Type.Object({
  index: Type.Integer({ description: "Position of the message in the batch (0 for single calls)." }),
  messageId: Type.Union([Type.String(), Type.Null()]),
  field: Type.Union([Type.String(), Type.Null()], { description: "The field that is wrong, e.g. timestamp" }),
  reason: Type.String(),
});
export type RejectedItem = Static<typeof RejectedItem>;

export const IngestResponse = Type.Object({
  success: Type.Boolean(),
  accepted: Type.Integer(),
  duplicates: Type.Optional(Type.Integer()),
  rejected: Type.Array(RejectedItem),
});

export const ErrorResponse = Type.Object({
  statusCode: Type.Integer(),
  error: Type.String(),
  message: Type.String(),
  field: Type.Optional(Type.Union([Type.String(), Type.Null()])),
});
