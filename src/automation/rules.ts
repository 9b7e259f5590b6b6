/**
 * Journey automation as code: a playbook file of rules, each a trigger, an optional wait, conditions checked
 * when the wait ends, and actions (webhook, email, traits). Loaded by load.ts, run by engine.ts.
 */

import type { Segment } from "../analysis/segment.js";
import type { MatchRule } from "../catalog/catalog.js";

/** What starts a rule for a customer. Each occurrence (one triggering message) runs the rule once. */
export type Trigger =
  /** A conversion: an event classified as this catalog goal. */
  | { kind: "goal"; id: string }
  /** An event classified as this catalog touchpoint. */
  | { kind: "touchpoint"; id: string }
  /** Events matching the rule (event name and property conditions, in the catalog's match syntax). */
  | { kind: "event"; match: MatchRule }
  /** A survey answer (`Survey Responded`) on `metric` whose score lies in [min, max] (bounds inclusive). */
  | { kind: "survey"; metric: "nps" | "csat" | "ces"; min: number | null; max: number | null }
  /**
   * Scheduled: the customer has done nothing (no event of theirs) for `afterMs`; fires once per lapse
   * (the triggering message is their last event). `goal`: only customers who reached this goal before.
   */
  | { kind: "inactive"; afterMs: number; goal: string | null }
  /** Scheduled: the customer's stored P(alive) (from the CLV report) is below `below`; once per last purchase. */
  | { kind: "p_alive"; below: number };

export type TriggerKind = Trigger["kind"];

/** Scheduled triggers are evaluated periodically over customers; the others on each new event. */
export const SCHEDULED_TRIGGERS: ReadonlySet<TriggerKind> = new Set(["inactive", "p_alive"]);

/**
 * Text templates use Liquid (`{{ customer.traits.first_name | default: "there" }}`), rendered with a
 * TemplateContext. Kept as source text here; compiled when the playbook is loaded, so syntax errors are
 * reported with the file's line.
 */
export type Template = string;

export interface WebhookAction {
  kind: "webhook";
  url: Template;
  /** Extra request headers (values are templates). */
  headers: Record<string, Template>;
  /** The HMAC-SHA256 signing secret, read from the environment variable `secretEnv` when the rule runs. */
  secretEnv: string | null;
  /** JSON body: a template rendered then parsed as JSON; null sends the standard payload (see webhook.ts). */
  body: Template | null;
  /** When set, a successful call is recorded as a track event of this name (a touchpoint, e.g. an SMS). */
  record: string | null;
  line: number;
}

export interface EmailAction {
  kind: "email";
  to: Template;
  subject: Template;
  text: Template | null;
  html: Template | null;
  /** Defaults to the playbook's `email.from`. */
  from: string | null;
  /** Recorded on the `Email Delivered` event as properties.template, so the catalog can classify it. */
  template: string;
  line: number;
}

export interface TraitsAction {
  kind: "traits";
  /** Traits to set on the customer (values are templates), written as an identify message. */
  set: Record<string, Template>;
  /** Tags added to traits.tags. */
  tags: string[];
  line: number;
}

export type Action = WebhookAction | EmailAction | TraitsAction;
export type ActionKind = Action["kind"];

/** At most `max` actions per customer in any `perMs` window. */
export interface Cap {
  max: number;
  perMs: number;
}

/** Local clock times `HH:MM`; a window that wraps midnight (21:00–08:00) is allowed. */
export interface QuietHours {
  from: string;
  to: string;
  /** IANA zone, e.g. Europe/Copenhagen. */
  timezone: string;
}

export interface Rule {
  id: string;
  name: string;
  description: string | null;
  enabled: boolean;
  trigger: Trigger;
  /** Delay between the trigger and the actions (0: at once). */
  waitMs: number;
  /** Checked when the wait ends; a customer in this segment is skipped. `did` windows start at the trigger. */
  unless: { text: string; segment: Segment } | null;
  /** Checked when the wait ends; a customer outside this segment is skipped. */
  only: { text: string; segment: Segment } | null;
  actions: Action[];
  /** Share (0–1) of customers held out as a control group: they are triggered, nothing is sent. */
  holdout: number;
  /** Frequency cap of this rule per customer. */
  cap: Cap | null;
  /** Quiet hours for this rule: the playbook's unless overridden; `false` in the file disables them. */
  quietHours: QuietHours | null;
  /** The lift of the rule is measured on this goal within this time after the trigger. */
  measure: { goal: string; withinMs: number };
  /** Events older than this when they reach the warehouse do not trigger (backfills and imports). */
  freshMs: number;
  line: number;
}

export interface Playbook {
  file: string;
  /** Default sender of email actions. */
  emailFrom: string | null;
  /** Default quiet hours of every rule. */
  quietHours: QuietHours | null;
  /** Caps across all rules per action channel (`email`, `webhook`, `traits`), per customer. */
  channelCaps: Partial<Record<ActionKind, Cap>>;
  rules: Rule[];
}

/** What templates see. */
export interface TemplateContext {
  customer: { id: string; traits: Record<string, unknown> };
  event: {
    name: string | null;
    type: string;
    messageId: string;
    timestamp: string;
    properties: Record<string, unknown>;
    revenue: number | null;
    currency: string | null;
  };
  rule: { id: string; name: string };
  /** The action's idempotency key (also sent as a header), e.g. for links that must not double count. */
  job: { id: string };
}
