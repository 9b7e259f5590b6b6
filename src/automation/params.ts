/** The options of the automation faces (CLI and HTTP), parsed once with errors that name the option. */
import { parseDate, positive, ReportParamError, type ReportParams } from "../analysis/params.js";
import type { DryRunOptions } from "./dry-run.js";
import type { JobFilter } from "./jobs.js";
import { JOB_STATUSES, type JobStatus } from "./report.js";

const DAY = 86_400_000;

export function dryRunOptions(params: ReportParams, now = Date.now()): DryRunOptions {
  const from = parseDate("from", params.from);
  if (from === null)
    throw new ReportParamError("--from: the dry run needs a start date, e.g. --from 2026-10-01");
  const to = parseDate("to", params.to) ?? now;
  if (to <= from) throw new ReportParamError("--to must be after --from");
  if (to - from > 366 * DAY) throw new ReportParamError("--from/--to: a dry run covers at most a year");
  return {
    from,
    to,
    rule: params.rule || undefined,
    limit: positive("limit", params.limit, 100, true),
  };
}

export function jobFilter(params: ReportParams): JobFilter {
  const status = params.status || undefined;
  if (status !== undefined && !(JOB_STATUSES as readonly string[]).includes(status))
    throw new ReportParamError(
      `--status: unknown status ${JSON.stringify(status)}; use ${JOB_STATUSES.join(", ")}`,
    );
  return {
    rule: params.rule || undefined,
    status: status as JobStatus | undefined,
    customer: params.customer || undefined,
    limit: positive("limit", params.limit, 50, true),
  };
}
