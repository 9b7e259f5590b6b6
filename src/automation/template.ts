import { type Context, Liquid, type Template as ParsedTemplate } from "liquidjs";
import { surveyUrl } from "../feedback/links.js";
import { parseDuration } from "../util/duration.js";
import type { TemplateContext } from "./rules.js";

/** What `survey_link` needs: the installation's survey key, the server's public address, the surveys. */
export interface SurveyLinks {
  key: Buffer;
  /** Where customers reach the server, e.g. https://feedback.example.com (no trailing slash needed). */
  baseUrl: string;
  /** The ids of the catalog's surveys. */
  surveys: () => readonly string[];
}

/** The links of the render in progress (renders are synchronous: one at a time). */
let links: SurveyLinks | null = null;

/**
 * `{{ "delivery_csat" | survey_link }}` (optionally `| survey_link: "7d"`, default 30 days): a signed,
 * one-answer link to the survey for the customer of the render, as `touchpoint surveys link` makes.
 */
function surveyLink(this: { context: Context }, survey: unknown, validFor: unknown = "30d"): string {
  if (!links) throw new Error("survey_link: survey links are made by the server that sends the message");
  const id = String(survey);
  const known = links.surveys();
  if (!known.includes(id))
    throw new Error(`survey_link: no survey "${id}" in the catalog; surveys: ${known.join(", ") || "none"}`);
  const customer = String(this.context.getSync(["customer", "id"]) ?? "");
  const expires = Math.floor((Date.now() + parseDuration(String(validFor))) / 1000);
  return surveyUrl(links.baseUrl, id, customer, expires, links.key);
}

// Liquid, as Customer.io and Shopify users know it. No file system (templates live in the playbook, so
// `include` has nothing to read), unknown filters are errors, and only own properties are visible.
const options = { templates: {}, strictFilters: true, ownPropertyOnly: true } as const;
const text = new Liquid(options);
// In HTML bodies every output is escaped: traits come from the tracking API, i.e. from anyone.
const html = new Liquid({ ...options, outputEscape: "escape" });
for (const engine of [text, html]) engine.registerFilter("survey_link", surveyLink);

export type TemplateFlavour = "text" | "html";

const cache = new Map<string, ParsedTemplate[]>();

function parse(source: string, flavour: TemplateFlavour): ParsedTemplate[] {
  const key = `${flavour}\0${source}`;
  let parsed = cache.get(key);
  if (!parsed) {
    parsed = (flavour === "html" ? html : text).parse(source);
    if (cache.size > 1000) cache.clear();
    cache.set(key, parsed);
  }
  return parsed;
}

/** Why `source` is not a valid template, or null when it is (for the playbook loader). */
export function templateProblem(source: string): string | null {
  try {
    parse(source, "text");
    return null;
  } catch (err) {
    return `invalid template: ${(err as Error).message.split("\n")[0]}`;
  }
}

/**
 * Renders a template with the rule's context (synchronously: templates do no I/O). `surveyLinks` lets it
 * use `survey_link`; the key never enters the template's scope.
 */
export function renderTemplate(
  source: string,
  context: TemplateContext,
  flavour: TemplateFlavour = "text",
  surveyLinks: SurveyLinks | null = null,
): string {
  const engine = flavour === "html" ? html : text;
  links = surveyLinks;
  try {
    return engine.renderSync(parse(source, flavour), context as unknown as Record<string, unknown>) as string;
  } finally {
    links = null;
  }
}
