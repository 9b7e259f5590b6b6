export interface SimOptions {
  customers: number;
  seed: number;
  /** Default 2026-01-01T00:00:00Z. */
  start?: Date;
  /** Default 180. */
  days?: number;
}

export type SourceKind =
  | "web"
  | "app"
  | "pos"
  | "support"
  | "email"
  | "survey"
  | "events"
  | "sales"
  | "loyalty";

export interface SimSource {
  name: string;
  kind: SourceKind;
}

export interface SimMessage {
  /** A SimSource name. */
  source: string;
  /** A Segment-spec message. */
  message: Record<string, unknown>;
}

export interface TouchpointTruth {
  /** In [0, 1]; sets the drop-off probability and the satisfaction. */
  quality: number;
  /** Chance, at each pass, that the journey ends there (see docs/simulator.md). */
  dropOffProbability: number;
  /** Mean of the latent CSAT (1–5) before rounding and clamping. */
  csatMean: number;
  /** Added to the log-odds of buying when a customer first touches it. */
  conversionEffect: number;
}

export interface SimTruth {
  seed: number;
  customers: number;
  weakTouchpoints: string[];
  touchpoints: Record<string, TouchpointTruth>;
  /** Acquisition channels, keyed as in CHANNEL_GROUPS. */
  channels: Record<string, { share: number; conversionEffect: number }>;
  /** BG/NBD: purchase rate λ ~ Gamma(r, alpha) per day, dropout after each repeat purchase p ~ Beta(a, b). */
  repeatPurchase: { r: number; alpha: number; a: number; b: number };
  /** Gamma-Gamma: order value ~ Gamma(p, ν), ν ~ Gamma(q, gamma) per customer (shape, rate). */
  spend: { p: number; q: number; gamma: number };
  currency: "EUR";
}

export interface Simulation {
  sources: SimSource[];
  truth: SimTruth;
  /** In time order per customer; each call replays the same messages. */
  messages(): Generator<SimMessage>;
}
