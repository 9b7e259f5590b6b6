/** The delivery layer of the automation engine: how an action's job reaches a webhook or an inbox. */
import type { EmailAction, TemplateContext, WebhookAction } from "../rules.js";
import type { SurveyLinks } from "../template.js";
import { createEmailSender } from "./email.js";
import { sendWebhook } from "./webhook.js";

/**
 * A failure is retryable when the same job may succeed later (the engine then retries with backoff, and
 * waits at least `retryAfterMs` when the receiver asked for it with `Retry-After`).
 */
export type DeliveryResult =
  | { ok: true; detail: string }
  | { ok: false; error: string; retryable: boolean; retryAfterMs?: number };

export interface DeliveryJob {
  /** The idempotency key of the action: the same on every attempt of the job. */
  id: string;
  /** 1 on the first attempt. */
  attempt: number;
}

/** Every method resolves (failures are results, never exceptions). */
export interface Deliverers {
  webhook(action: WebhookAction, context: TemplateContext, job: DeliveryJob): Promise<DeliveryResult>;
  email(action: EmailAction, context: TemplateContext, job: DeliveryJob): Promise<DeliveryResult>;
  close(): Promise<void>;
}

export interface DeliverySettings {
  /** e.g. smtp://user:pass@mail.example.com:587; null: email actions fail (not retried). */
  smtpUrl: string | null;
  /** The playbook's `email.from`, for email actions without their own. */
  emailFrom: string | null;
  /** Per webhook call, and per SMTP connection step. */
  timeoutMs: number;
  /** Where webhook signing secrets are read (`secretEnv`), at each delivery. */
  env: Record<string, string | undefined>;
  userAgent: string;
  /** For `survey_link` in templates; without it the filter fails the job. */
  surveyLinks?: SurveyLinks | null;
}

export function createDeliverers(settings: DeliverySettings): Deliverers {
  const mail = createEmailSender(settings.smtpUrl, settings.timeoutMs);
  return {
    webhook: (action, context, job) => sendWebhook(action, context, job, settings),
    email: (action, context, job) =>
      mail.send(action, context, job, { from: settings.emailFrom, surveyLinks: settings.surveyLinks }),
    close: () => mail.close(),
  };
}
