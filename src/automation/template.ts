import { Liquid, type Template as ParsedTemplate } from "liquidjs";
import type { TemplateContext } from "./rules.js";

// Liquid, as Customer.io and Shopify users know it. No file system (templates live in the playbook, so
// `include` has nothing to read), unknown filters are errors, and only own properties are visible.
const options = { templates: {}, strictFilters: true, ownPropertyOnly: true } as const;
const text = new Liquid(options);
// In HTML bodies every output is escaped: traits come from the tracking API, i.e. from anyone.
const html = new Liquid({ ...options, outputEscape: "escape" });

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

/** Renders a template with the rule's context (synchronously: templates do no I/O). */
export function renderTemplate(
  source: string,
  context: TemplateContext,
  flavour: TemplateFlavour = "text",
): string {
  const engine = flavour === "html" ? html : text;
  return engine.renderSync(parse(source, flavour), context as unknown as Record<string, unknown>) as string;
}
