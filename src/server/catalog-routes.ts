import { readFileSync } from "node:fs";
import { type Static, Type } from "@sinclair/typebox";
import type { FastifyInstance } from "fastify";
import type { Catalog } from "../catalog/catalog.js";
import { defaultCatalogPath } from "../catalog/default.js";
import { CatalogError, type CatalogIssue, parseCatalog } from "../catalog/load.js";
import { SECURITY } from "./session-routes.js";

const Nullable = <T extends ReturnType<typeof Type.String>>(t: T) => Type.Union([t, Type.Null()]);

const MatchValue = Type.Union([
  Type.Object({ kind: Type.Literal("exact"), values: Type.Array(Type.String()) }),
  Type.Object({ kind: Type.Literal("pattern"), glob: Type.String() }),
  Type.Object({ kind: Type.Literal("regex"), source: Type.String() }),
]);
const column = Type.Optional(MatchValue);
const MatchRule = Type.Object({
  event: column,
  type: column,
  channel: column,
  source: column,
  utm_source: column,
  utm_medium: column,
  utm_campaign: column,
  properties: Type.Optional(Type.Record(Type.String(), MatchValue)),
});
const Targets = Type.Object({
  csat: Type.Optional(Type.Number()),
  nps: Type.Optional(Type.Number()),
  ces: Type.Optional(Type.Number()),
  dropOff: Type.Optional(Type.Number()),
  conversion: Type.Optional(Type.Number()),
});

const CatalogJson = Type.Object({
  currency: Nullable(Type.String()),
  stages: Type.Array(Type.Object({ id: Type.String(), name: Type.String() })),
  goals: Type.Array(
    Type.Object({
      id: Type.String(),
      name: Type.String(),
      match: Type.Array(MatchRule),
      value: Type.Union([
        Type.Object({ kind: Type.Literal("revenue") }),
        Type.Object({ kind: Type.Literal("property"), path: Type.String() }),
        Type.Object({ kind: Type.Literal("constant"), amount: Type.Number() }),
      ]),
    }),
  ),
  touchpoints: Type.Array(
    Type.Object({
      id: Type.String(),
      name: Type.String(),
      stage: Type.String(),
      channel: Nullable(Type.String()),
      description: Nullable(Type.String()),
      owner: Nullable(Type.String()),
      match: Type.Array(MatchRule),
      target: Targets,
      line: Type.Integer(),
    }),
  ),
  surveys: Type.Array(
    Type.Object({
      id: Type.String(),
      metric: Type.Union([Type.Literal("nps"), Type.Literal("csat"), Type.Literal("ces")]),
      question: Type.Record(Type.String(), Type.String()),
      touchpoint: Nullable(Type.String()),
      line: Type.Integer(),
    }),
  ),
});

const Issue = Type.Object({ line: Type.Integer(), column: Type.Integer(), message: Type.String() });

const CatalogInForce = Type.Composite([
  Type.Object({
    source: Type.String({ description: '"built-in", or the catalog file as given to the server' }),
    yaml: Type.String({ description: "the file's text" }),
    fileIssues: Type.Array(Issue, {
      description:
        "problems in the file as it is now; when any, it was not reloaded and the catalog in force is its last version that validated",
    }),
  }),
  CatalogJson,
]);

const CheckBody = Type.Object({ text: Type.String({ maxLength: 1_000_000, description: "catalog YAML" }) });
const CheckResult = Type.Union([
  Type.Object({
    ok: Type.Literal(true),
    stages: Type.Integer(),
    goals: Type.Integer(),
    touchpoints: Type.Integer(),
    surveys: Type.Integer(),
  }),
  Type.Object({ ok: Type.Literal(false), issues: Type.Array(Issue) }),
]);

const issuesOf = (issues: CatalogIssue[]) =>
  issues.map((i) => ({ line: i.line, column: i.column, message: i.message }));

const inForce = (catalog: Catalog) => ({
  source: catalog.file === defaultCatalogPath() ? "built-in" : catalog.file,
  currency: catalog.currency,
  stages: catalog.stages,
  goals: catalog.goals,
  touchpoints: catalog.touchpoints,
  surveys: catalog.surveys ?? [],
});

/** Issues of a catalog text, or the parsed catalog; never throws a CatalogError. */
function check(text: string, file: string): { catalog: Catalog } | { issues: CatalogIssue[] } {
  try {
    return { catalog: parseCatalog(text, file) };
  } catch (err) {
    if (err instanceof CatalogError) return { issues: err.issues };
    throw err;
  }
}

/**
 * `GET /api/catalog` (the journey map in force, with its YAML) and `POST /api/catalog/check` (validate a
 * text without saving: the catalog is code in the user's repository, changed there).
 */
export async function catalogRoutes(
  app: FastifyInstance,
  options: { catalog: () => Catalog },
): Promise<void> {
  app.get(
    "/catalog",
    {
      schema: {
        summary: "the catalog in force: stages, goals, touchpoints and surveys, its source and YAML text",
        tags: ["catalog"],
        security: SECURITY,
        response: { 200: CatalogInForce },
      },
    },
    async () => {
      const catalog = options.catalog();
      // Read after options.catalog(), which reloads a changed file: the text is what is in force unless
      // it does not validate, which fileIssues then says.
      let yaml: string;
      try {
        yaml = readFileSync(catalog.file, "utf8");
      } catch (err) {
        const code = (err as NodeJS.ErrnoException).code ?? "error";
        const message = `cannot read the catalog file (${code}); the last version read stays in force`;
        return { ...inForce(catalog), yaml: "", fileIssues: [{ line: 0, column: 0, message }] };
      }
      const now = check(yaml, catalog.file);
      return { ...inForce(catalog), yaml, fileIssues: "issues" in now ? issuesOf(now.issues) : [] };
    },
  );

  app.post(
    "/catalog/check",
    {
      schema: {
        summary: "validate a catalog text without saving it; issues name the line",
        tags: ["catalog"],
        security: SECURITY,
        body: CheckBody,
        response: { 200: CheckResult },
      },
    },
    async (request) => {
      const { text } = request.body as Static<typeof CheckBody>;
      const result = check(text, "catalog");
      if ("issues" in result) return { ok: false, issues: issuesOf(result.issues) };
      const { catalog } = result;
      return {
        ok: true,
        stages: catalog.stages.length,
        goals: catalog.goals.length,
        touchpoints: catalog.touchpoints.length,
        surveys: catalog.surveys?.length ?? 0,
      };
    },
  );
}
