import { ReportParamError } from "../params.js";

/** What makes a customer active in a period (`--return`). */
export type ReturnRule =
  | { kind: "any" }
  | { kind: "goal" }
  | { kind: "touchpoint"; id: string }
  | { kind: "event"; name: string };

const FORMS = "any, goal, touchpoint:ID or event:NAME";

/**
 * Parses `any`, `goal`, `touchpoint:ID` (an id of the catalog's `touchpoints`) or `event:NAME` (an event
 * name, exact and case-sensitive as stored). Errors name the parameter.
 */
export function parseReturnRule(text: string | undefined, touchpointIds: readonly string[]): ReturnRule {
  if (text === undefined || text === "" || text === "any") return { kind: "any" };
  if (text === "goal") return { kind: "goal" };
  const colon = text.indexOf(":");
  const kind = colon < 0 ? text : text.slice(0, colon);
  const value = colon < 0 ? "" : text.slice(colon + 1).trim();
  if (kind === "touchpoint") {
    if (!value) throw new ReportParamError(`--return: touchpoint:ID needs a touchpoint id of the catalog`);
    if (!touchpointIds.includes(value))
      throw new ReportParamError(
        `--return: no touchpoint ${JSON.stringify(value)} in the catalog; one of ${touchpointIds.join(", ")}`,
      );
    return { kind: "touchpoint", id: value };
  }
  if (kind === "event") {
    if (!value) throw new ReportParamError(`--return: event:NAME needs an event name`);
    return { kind: "event", name: value };
  }
  throw new ReportParamError(`--return: one of ${FORMS}, not ${JSON.stringify(text)}`);
}

/** The rule as text, as the report states it (`returnOn`). */
export function returnRuleText(rule: ReturnRule): string {
  switch (rule.kind) {
    case "any":
    case "goal":
      return rule.kind;
    case "touchpoint":
      return `touchpoint:${rule.id}`;
    case "event":
      return `event:${rule.name}`;
  }
}
