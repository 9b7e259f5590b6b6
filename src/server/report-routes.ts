import { Type } from "@sinclair/typebox";
import type { FastifyInstance } from "fastify";
import { ReportParamError, type ReportParams } from "../analysis/params.js";
import { REPORTS } from "../analysis/reports.js";
import type { Catalog } from "../catalog/catalog.js";
import type { Warehouse } from "../warehouse/warehouse.js";
import { HttpError } from "./http-error.js";

export interface ReportRouteOptions {
  warehouse: Warehouse;
  /** The catalog as of now: re-read when its file changes, so an edit re-classifies the next query. */
  catalog: () => Catalog;
}

/** `GET /api/<kind>`: the same report as `touchpoint report <kind> --json`. */
export async function reportRoutes(app: FastifyInstance, options: ReportRouteOptions): Promise<void> {
  for (const [kind, spec] of Object.entries(REPORTS)) {
    const query: Record<string, ReturnType<typeof Type.String>> = {
      from: Type.String({ description: "start date (YYYY-MM-DD or ISO-8601), inclusive" }),
      to: Type.String({ description: "end date, exclusive" }),
      segment: Type.String({ description: "only these customers, e.g. `clv > 500 and trait.plan = gold`" }),
    };
    for (const [name, help] of Object.entries(spec.params))
      if (!spec.writes?.includes(name)) query[name] = Type.String({ description: help });
    app.get(
      `/${kind}`,
      {
        schema: {
          summary: spec.description,
          tags: ["reports"],
          security: [{ token: [] }],
          querystring: Type.Partial(Type.Object(query, { additionalProperties: false })),
          response: { 200: spec.schema },
        },
      },
      async (request) => {
        try {
          const params = { ...(request.query as ReportParams) };
          for (const name of spec.writes ?? []) delete params[name];
          return await spec.run(options.warehouse, options.catalog(), params);
        } catch (err) {
          if (err instanceof ReportParamError) throw new HttpError(400, err.message.replace(/^--/, ""));
          throw err;
        }
      },
    );
  }
}
