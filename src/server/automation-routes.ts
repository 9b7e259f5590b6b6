import { Type } from "@sinclair/typebox";
import type { FastifyInstance } from "fastify";
import { ReportParamError, type ReportParams } from "../analysis/params.js";
import { DryRunError, dryRun } from "../automation/dry-run.js";
import { listJobs } from "../automation/jobs.js";
import { dryRunOptions, jobFilter } from "../automation/params.js";
import { AutomationReport, DryRunReport, JobLog } from "../automation/report.js";
import type { Playbook } from "../automation/rules.js";
import { automationReport } from "../automation/summary.js";
import type { Catalog } from "../catalog/catalog.js";
import type { Warehouse } from "../warehouse/warehouse.js";
import { HttpError } from "./http-error.js";

export interface AutomationRouteOptions {
  warehouse: Warehouse;
  catalog: () => Catalog;
  /** The rules in force (or, when not live, the ones shown for a dry run). */
  playbook: () => Playbook;
  live: boolean;
}

const text = (description: string) => Type.String({ description });
const common = { tags: ["automation"], security: [{ token: [] }] };

async function answer<T>(run: () => Promise<T>): Promise<T> {
  try {
    return await run();
  } catch (err) {
    if (err instanceof ReportParamError || err instanceof DryRunError)
      throw new HttpError(400, err.message.replace(/(^|\s)--(?=\w)/g, "$1"));
    throw err;
  }
}

/** `/api/automation*`: the rules with their lift, the run log, and dry runs. */
export async function automationRoutes(app: FastifyInstance, options: AutomationRouteOptions): Promise<void> {
  const { warehouse } = options;
  app.get(
    "/automation",
    {
      schema: {
        ...common,
        summary: "the automation rules: jobs by status, and each rule's lift over its held-out customers",
        response: { 200: AutomationReport },
      },
    },
    () => answer(() => automationReport(warehouse, options.playbook(), options.catalog(), options.live)),
  );
  app.get(
    "/automation/jobs",
    {
      schema: {
        ...common,
        summary: "the run log: every job with its status, attempts and last error",
        querystring: Type.Partial(
          Type.Object(
            {
              rule: text("only this rule"),
              status: text("only this status"),
              customer: text("only this customer"),
              limit: text("jobs listed (default 50)"),
            },
            { additionalProperties: false },
          ),
        ),
        response: { 200: JobLog },
      },
    },
    (request) => answer(() => listJobs(warehouse, jobFilter(request.query as ReportParams))),
  );
  app.get(
    "/automation/dry-run",
    {
      schema: {
        ...common,
        summary: "on past events: who each rule would have triggered, when, and with what outcome",
        querystring: Type.Partial(
          Type.Object(
            {
              from: text("start of the range (YYYY-MM-DD or ISO-8601), required"),
              to: text("end of the range, exclusive (default now)"),
              rule: text("only this rule"),
              limit: text("occurrences listed (default 100)"),
            },
            { additionalProperties: false },
          ),
        ),
        response: { 200: DryRunReport },
      },
    },
    (request) =>
      answer(() =>
        dryRun(
          warehouse,
          options.playbook(),
          options.catalog(),
          dryRunOptions(request.query as ReportParams),
        ),
      ),
  );
}
