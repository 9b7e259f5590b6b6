import { loadConfig, serverUrl, surveyKeyFile } from "../config.js";
import { surveyKey, surveyUrl } from "../feedback/links.js";
import { parseDuration } from "../util/duration.js";
import { formatTable } from "../util/table.js";
import { CliError, resolveCatalog } from "./runtime.js";

export interface SurveyLinkOptions {
  customer: string;
  expires?: string;
  baseUrl?: string;
  db?: string;
  catalog?: string;
}

/** `touchpoint surveys link SURVEY --customer ID`: a signed, one-answer link for email or SMS. */
export function surveysLink(surveyId: string, options: SurveyLinkOptions): void {
  const catalog = resolveCatalog(options.catalog);
  const survey = catalog.surveys?.find((s) => s.id === surveyId);
  if (!survey) {
    const known = (catalog.surveys ?? []).map((s) => s.id).join(", ") || "none";
    throw new CliError(`no survey "${surveyId}" in ${catalog.file}; surveys: ${known}`);
  }
  if (!options.customer.trim()) throw new CliError("--customer: the customer id is required");
  let ttl: number;
  try {
    ttl = parseDuration(options.expires ?? "30d");
  } catch (err) {
    throw new CliError(`--expires: ${(err as Error).message}`);
  }
  const config = loadConfig(options.db ? { db: options.db } : {});
  const expires = Math.floor((Date.now() + ttl) / 1000);
  const key = surveyKey(surveyKeyFile(config.db));
  const base = options.baseUrl ?? serverUrl(config);
  process.stdout.write(`${surveyUrl(base, survey.id, options.customer, expires, key)}\n`);
}

/** `touchpoint surveys list`: the catalog's surveys. */
export function surveysList(options: { catalog?: string }): void {
  const catalog = resolveCatalog(options.catalog);
  const rows = (catalog.surveys ?? []).map((s) => [
    s.id,
    s.metric,
    s.touchpoint ?? "(last touchpoint)",
    Object.keys(s.question).join(", "),
    Object.values(s.question)[0]!,
  ]);
  process.stdout.write(`${formatTable([["survey", "metric", "rates", "languages", "question"], ...rows])}\n`);
}
