import { SURVEY_METRICS, type SurveyMetric } from "../../feedback/response.js";

/**
 * Consistency across channels (pure). Every answer is put on one 0–1 satisfaction scale (score − min)
 * / (max − min) of its metric, so NPS, CSAT and CES answers compare. For a customer who answered about
 * two or more channels, their **consistency** is 1 − (highest − lowest) of their per-channel mean
 * satisfaction: 1 when every channel felt the same, 0 when one was perfect and another the worst.
 * The brand's index is the mean over those customers. A touchpoint **breaks** consistency when the
 * customers who rated it rated their other channels higher: its deficit is the mean, over them, of
 * (their mean satisfaction on the other channels − their satisfaction with it).
 */
export interface ConsistencyAnswer {
  customer: string;
  channel: string;
  touchpoint: string | null;
  metric: string;
  score: number;
}

export interface Consistency {
  /** Mean consistency of the customers who answered about 2+ channels; null without any. */
  index: number | null;
  customers: number;
  /** Per channel: mean 0–1 satisfaction over every answer, and the answers. */
  channels: { channel: string; satisfaction: number; responses: number }[];
  /** Touchpoints with a positive deficit, largest first. */
  breakers: { touchpoint: string; deficit: number; customers: number }[];
}

export function satisfactionOf(metric: string, score: number): number | null {
  const range = SURVEY_METRICS[metric as SurveyMetric];
  return range ? (score - range.min) / (range.max - range.min) : null;
}

const mean = (xs: readonly number[]) => xs.reduce((s, x) => s + x, 0) / xs.length;

export function consistency(answers: readonly ConsistencyAnswer[]): Consistency {
  const byCustomer = new Map<string, { channel: string; touchpoint: string | null; s: number }[]>();
  const byChannel = new Map<string, number[]>();
  for (const a of answers) {
    const s = satisfactionOf(a.metric, a.score);
    if (s === null) continue;
    const list = byCustomer.get(a.customer) ?? [];
    byCustomer.set(a.customer, list);
    list.push({ channel: a.channel, touchpoint: a.touchpoint, s });
    const c = byChannel.get(a.channel) ?? [];
    byChannel.set(a.channel, c);
    c.push(s);
  }
  const perCustomer: number[] = [];
  const deficits = new Map<string, number[]>();
  for (const list of byCustomer.values()) {
    const channels = new Map<string, number[]>();
    for (const x of list) channels.set(x.channel, [...(channels.get(x.channel) ?? []), x.s]);
    if (channels.size < 2) continue;
    const means = [...channels.values()].map(mean);
    perCustomer.push(1 - (Math.max(...means) - Math.min(...means)));
    for (const x of list) {
      if (!x.touchpoint) continue;
      const others = list.filter((y) => y.channel !== x.channel).map((y) => y.s);
      const d = deficits.get(x.touchpoint) ?? [];
      deficits.set(x.touchpoint, d);
      d.push(mean(others) - x.s);
    }
  }
  return {
    index: perCustomer.length ? mean(perCustomer) : null,
    customers: perCustomer.length,
    channels: [...byChannel.entries()]
      .map(([channel, s]) => ({ channel, satisfaction: mean(s), responses: s.length }))
      .sort((a, b) => (a.channel < b.channel ? -1 : 1)),
    breakers: [...deficits.entries()]
      .map(([touchpoint, d]) => ({ touchpoint, deficit: mean(d), customers: d.length }))
      .filter((b) => b.deficit > 0)
      .sort((a, b) => b.deficit - a.deficit || (a.touchpoint < b.touchpoint ? -1 : 1)),
  };
}
