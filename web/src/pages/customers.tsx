import { type FormEvent, useEffect, useState } from "react";
import { Link } from "wouter";
import type { CustomerSearch } from "../../../src/analysis/customer/report.js";
import { withQuery } from "../api.js";
import { PageHeader } from "../components/layout.js";
import { Empty, ErrorState, Loading } from "../components/states.js";
import { Table } from "../components/table.js";
import { useQueryParam } from "../filters.js";
import { dateTime } from "../format.js";
import { useApi } from "../use-api.js";

type Found = CustomerSearch["customers"][number];

/** Find a customer by id, user or anonymous id, email or another trait; open their 360. */
export function CustomersPage() {
  const [query, setQuery] = useQueryParam("query", "");
  const [draft, setDraft] = useState(query);
  useEffect(() => setDraft(query), [query]);
  const result = useApi<CustomerSearch>(query ? withQuery("/api/customers", { query, limit: 50 }) : null);

  function search(event: FormEvent) {
    event.preventDefault();
    setQuery(draft.trim());
  }

  return (
    <>
      <PageHeader title="Customers" filter={false} />
      <form className="controls" aria-label="Find a customer" onSubmit={search}>
        <label className="field grow">
          Find a customer
          <input
            type="search"
            name="query"
            value={draft}
            onChange={(e) => setDraft(e.target.value)}
            placeholder="id, email, name or another trait"
            autoComplete="off"
          />
        </label>
        <button type="submit" className="primary">
          Search
        </button>
      </form>
      {!query && <Empty title="Search for a customer">Type an id, an email address or a trait value.</Empty>}
      {query && result.status === "loading" && <Loading label="Searching" />}
      {query && result.status === "error" && <ErrorState error={result.error} retry={result.reload} />}
      {query &&
        result.status === "ok" &&
        (result.data.customers.length === 0 ? (
          <Empty title={`No customer matches "${query}"`} />
        ) : (
          <section className="panel">
            <Table
              caption={`Customers matching "${result.data.query}"`}
              rows={result.data.customers}
              rowKey={(c) => c.customerId}
              columns={[
                {
                  label: "Customer",
                  value: (c: Found) => (
                    <Link href={`/customers/${encodeURIComponent(c.customerId)}`}>{c.customerId}</Link>
                  ),
                },
                { label: "Name", value: (c) => c.name ?? "—" },
                { label: "Email", value: (c) => c.email ?? "—" },
                { label: "Matched", value: (c) => c.matched },
                { label: "Last seen", value: (c) => dateTime(c.lastSeen) },
              ]}
            />
          </section>
        ))}
    </>
  );
}
