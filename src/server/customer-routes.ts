import { Type } from "@sinclair/typebox";
import type { FastifyInstance, FastifyRequest } from "fastify";
import { customerProfile, searchCustomers, UnknownCustomerError } from "../analysis/customer/customer.js";
import { CustomerProfile, CustomerSearch } from "../analysis/customer/report.js";
import type { Catalog } from "../catalog/catalog.js";
import type { Ingestor } from "../ingest/ingestor.js";
import { eraseLoadedCustomer, exportCustomer } from "../privacy/customer-data.js";
import type { Warehouse } from "../warehouse/warehouse.js";
import { HttpError } from "./http-error.js";

/** An unknown customer is the client's 404, not a server error. */
function notFoundAs404<T>(work: Promise<T>): Promise<T> {
  return work.catch((err) => {
    throw err instanceof UnknownCustomerError ? new HttpError(404, err.message) : err;
  });
}

/** `GET /api/customers?query=` (search) and `GET /api/customers/:id` (the customer 360). */
export async function customerRoutes(
  app: FastifyInstance,
  options: { warehouse: Warehouse; ingestor: Ingestor; catalog: () => Catalog },
): Promise<void> {
  const admin = (request: FastifyRequest) => {
    if (request.role !== "admin") throw new HttpError(403, "exports and erasures need an admin token");
  };
  app.get(
    "/customers/:id/export",
    {
      schema: {
        summary: "everything stored about one customer (admin; audited)",
        tags: ["customers"],
        security: [{ token: [] }],
        params: Type.Object({ id: Type.String() }),
      },
    },
    async (request) => {
      admin(request);
      const { id } = request.params as { id: string };
      return notFoundAs404(exportCustomer(options.warehouse, options.catalog(), id, request.actor!));
    },
  );
  app.delete(
    "/customers/:id",
    {
      schema: {
        summary:
          "erase one customer: their events under every id, identity links and saved scores (admin; audited)",
        tags: ["customers"],
        security: [{ token: [] }],
        params: Type.Object({ id: Type.String() }),
      },
    },
    async (request) => {
      admin(request);
      const { id } = request.params as { id: string };
      const erasure = await eraseLoadedCustomer(options.warehouse, options.ingestor, id, request.actor!);
      if (!erasure) throw new HttpError(404, `no customer "${id}"`);
      return erasure;
    },
  );
  app.get(
    "/customers",
    {
      schema: {
        summary: "find customers by id, user or anonymous id (prefix), email or another trait",
        tags: ["customers"],
        security: [{ token: [] }],
        querystring: Type.Object({
          query: Type.String({ minLength: 1 }),
          limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 100 })),
        }),
        response: { 200: CustomerSearch },
      },
    },
    async (request) => {
      const { query, limit } = request.query as { query: string; limit?: number };
      return searchCustomers(options.warehouse, query, limit);
    },
  );
  app.get(
    "/customers/:id",
    {
      schema: {
        summary:
          "one customer: ids, traits, channels, timeline of touchpoints and goals, feedback, lifetime value",
        tags: ["customers"],
        security: [{ token: [] }],
        params: Type.Object({ id: Type.String() }),
        querystring: Type.Object({ limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 10_000 })) }),
        response: { 200: CustomerProfile },
      },
    },
    async (request) => {
      const { id } = request.params as { id: string };
      const { limit } = request.query as { limit?: number };
      return notFoundAs404(
        customerProfile(options.warehouse, options.catalog(), id, { limit: limit ?? 500 }),
      );
    },
  );
}
