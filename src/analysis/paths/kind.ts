import type { Catalog } from "../../catalog/catalog.js";
import { closeMatches } from "../../catalog/suggest.js";
import {
  bounded,
  choice,
  duration,
  pct,
  positive,
  type ReportKind,
  ReportParamError,
  type ReportParams,
  scope,
} from "../params.js";
import { paths } from "./paths.js";
import { PathsReport } from "./report.js";

/** Bounds that keep a report readable and its query small. */
export const MAX_DEPTH = 50;
export const MAX_LIMIT = 10_000;

/** `--start` / `--end`: a touchpoint id of the catalog, or an error naming the parameter and close ids. */
export function touchpointParam(name: string, text: string | undefined, catalog: Catalog): string | null {
  if (text === undefined || text === "") return null;
  const id = text.trim();
  const ids = catalog.touchpoints.map((t) => t.id);
  if (ids.includes(id)) return id;
  if (catalog.goals.some((g) => g.id === id))
    throw new ReportParamError(
      `--${name}: ${JSON.stringify(id)} is a goal, not a touchpoint: paths are made of touchpoints, and a goal after a path's first step makes it convert`,
    );
  const byName = catalog.touchpoints.filter((t) => t.name.toLowerCase() === id.toLowerCase());
  const close = [...new Set([...byName.map((t) => t.id), ...closeMatches(id, ids)])];
  throw new ReportParamError(
    `--${name}: no touchpoint ${JSON.stringify(id)} in the catalog; ${
      close.length ? `did you mean ${close.join(", ")}?` : `touchpoint ids: ${ids.join(", ")}`
    }`,
  );
}

export const pathsKind: ReportKind<PathsReport> = {
  description:
    "paths through the touchpoints per customer or session: top paths with conversion, and a Sankey",
  schema: PathsReport,
  params: {
    start: "a touchpoint id: each sequence from its first touch of it on",
    end: "a touchpoint id: each sequence up to its last touch of it",
    depth: `touchpoints kept per sequence (default 5, at most ${MAX_DEPTH})`,
    minShare: "Sankey flows under this share of the sequences are grouped as Other (default 0.01)",
    unit: "customer (default: one sequence per customer) or session",
    sessionGap: "with unit session: inactivity that starts a new session (default 30m)",
    limit: "top paths listed (default 20)",
  },
  run: (wh, catalog, params: ReportParams) => {
    const start = touchpointParam("start", params.start, catalog);
    const end = touchpointParam("end", params.end, catalog);
    if (start !== null && end !== null)
      throw new ReportParamError("--start and --end: give one of them, not both");
    const unit = choice("unit", params.unit, ["customer", "session"], "customer");
    if (unit === "customer" && params.sessionGap !== undefined && params.sessionGap !== "")
      throw new ReportParamError("--session-gap: sessions are cut only with --unit session");
    const sessionGapMs = duration("session-gap", params.sessionGap, "30m");
    if (!(sessionGapMs > 0)) throw new ReportParamError("--session-gap: must be longer than 0");
    const minShare = positive("min-share", params.minShare, 0.01);
    if (minShare > 1)
      throw new ReportParamError(`--min-share: a share from 0 to 1 (0.01 = 1 %), not ${params.minShare}`);
    return paths(wh, catalog, {
      ...scope(params, catalog),
      unit,
      sessionGapMs,
      start,
      end,
      depth: bounded("depth", params.depth, 5, 1, MAX_DEPTH),
      minShare,
      limit: bounded("limit", params.limit, 20, 1, MAX_LIMIT),
    });
  },
  rows: (r) => [
    ["#", "path", r.unit === "session" ? "sessions" : "customers", "share %", "conversions", "conv %"],
    ...r.paths.map((p, i) => [
      i + 1,
      p.path.join(" > "),
      p.count,
      pct(p.share),
      p.conversions,
      pct(p.conversionRate),
    ]),
  ],
};
