import { type Static, Type } from "@sinclair/typebox";

const Nullable = <T extends ReturnType<typeof Type.String> | ReturnType<typeof Type.Number>>(t: T) =>
  Type.Union([t, Type.Null()]);

export const JOB_STATUSES = [
  "scheduled",
  "sending",
  "sent",
  "held_out",
  "skipped",
  "suppressed",
  "failed",
] as const;
export type JobStatus = (typeof JOB_STATUSES)[number];

export const Job = Type.Object({
  id: Type.String({ description: "the idempotency key: sent along with the action" }),
  rule: Type.String(),
  action: Type.Integer({ description: "index of the action in the rule" }),
  actionKind: Type.String(),
  customerId: Type.String(),
  triggerMessageId: Type.String(),
  triggeredAt: Type.Number({ description: "epoch ms" }),
  dueAt: Type.Number(),
  status: Type.Union(JOB_STATUSES.map((s) => Type.Literal(s))),
  reason: Nullable(Type.String()),
  attempts: Type.Integer(),
  lastError: Nullable(Type.String()),
  nextAttemptAt: Nullable(Type.Number()),
  updatedAt: Type.Number(),
  finishedAt: Nullable(Type.Number()),
});
export type Job = Static<typeof Job>;

export const JobLog = Type.Object({
  jobs: Type.Array(Job, { description: "most recently updated first" }),
  counts: Type.Record(Type.String(), Type.Integer(), { description: "jobs per status, over the filter" }),
});
export type JobLog = Static<typeof JobLog>;

const Group = Type.Object({
  customers: Type.Integer({ description: "trigger occurrences in the group" }),
  converted: Type.Integer({ description: "of them, reached the rule's goal within its window" }),
  rate: Nullable(Type.Number()),
});

export const RuleSummary = Type.Object({
  id: Type.String(),
  name: Type.String(),
  description: Nullable(Type.String()),
  enabled: Type.Boolean(),
  trigger: Type.String({ description: "the trigger in words" }),
  wait: Type.String(),
  actions: Type.Array(Type.String()),
  holdout: Type.Number(),
  goal: Type.String(),
  window: Type.String(),
  jobs: Type.Record(Type.String(), Type.Integer(), { description: "jobs per status" }),
  treated: Group,
  control: Group,
  lift: Type.Object({
    absolute: Nullable(Type.Number({ description: "treated rate − control rate" })),
    relative: Nullable(Type.Number({ description: "absolute / control rate" })),
    low: Nullable(Type.Number({ description: "95 % interval of the absolute lift" })),
    high: Nullable(Type.Number()),
    pValue: Nullable(Type.Number({ description: "two-sided two-proportion z-test" })),
  }),
});
export type RuleSummary = Static<typeof RuleSummary>;

export const AutomationReport = Type.Object({
  live: Type.Boolean({ description: "the server runs this playbook (false: shown for a dry run only)" }),
  playbook: Type.String({ description: 'the playbook file, or "the built-in playbook"' }),
  rules: Type.Array(RuleSummary),
});
export type AutomationReport = Static<typeof AutomationReport>;

export const DryRunReport = Type.Object({
  from: Type.Number(),
  to: Type.Number(),
  rules: Type.Array(
    Type.Object({
      id: Type.String(),
      name: Type.String(),
      triggered: Type.Integer({ description: "trigger occurrences in the range" }),
      outcomes: Type.Record(Type.String(), Type.Integer(), {
        description: "would_send, held_out, skipped, suppressed, pending (due after the range)",
      }),
      note: Nullable(Type.String()),
    }),
  ),
  occurrences: Type.Array(
    Type.Object({
      rule: Type.String(),
      customerId: Type.String(),
      triggerMessageId: Type.String(),
      triggeredAt: Type.Number(),
      dueAt: Type.Number(),
      outcome: Type.String(),
      reason: Nullable(Type.String()),
    }),
    { description: "the first `limit` occurrences by trigger time" },
  ),
});
export type DryRunReport = Static<typeof DryRunReport>;
