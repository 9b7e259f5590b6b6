import { Link } from "wouter";
import type { Gap, GapsReport } from "../../../src/analysis/gaps/report.js";
import { PageHeader } from "../components/layout.js";
import { Stat, StatRow } from "../components/stat.js";
import { Empty, ErrorState, Loading } from "../components/states.js";
import { Table } from "../components/table.js";
import { useFilterQuery } from "../filters.js";
import { int, money } from "../format.js";
import { evidenceStake, evidenceText } from "../journey.js";
import { useReport } from "../use-api.js";

/** The touchpoints whose repair is worth the most, ranked by the revenue at stake, with the evidence. */
export function GapsPage() {
  const report = useReport<GapsReport>("gaps");
  const query = useFilterQuery();
  return (
    <>
      <PageHeader title="Gaps" />
      {report.status === "loading" && <Loading label="Ranking the gaps" />}
      {report.status === "error" && <ErrorState error={report.error} retry={report.reload} />}
      {report.status === "ok" && <GapList report={report.data} query={query} />}
    </>
  );
}

function GapList({ report, query }: { report: GapsReport; query: string }) {
  const { gaps, currency } = report;
  if (gaps.length === 0)
    return (
      <Empty title="No gaps">
        Every touchpoint with at least {int(report.minCustomers)} customers performs like its stage peers and
        meets its targets.
      </Empty>
    );
  const total = gaps.reduce((sum, g) => sum + g.revenueAtStake, 0);
  const largest = Math.max(...gaps.map((g) => g.revenueAtStake));
  return (
    <>
      <StatRow>
        <Stat label="Gaps" value={int(gaps.length)} />
        <Stat label="Revenue at stake" value={money(total, currency)} />
        <Stat
          label="Value of a conversion"
          value={money(report.averageConversionValue, currency, 2)}
          hint="average"
        />
      </StatRow>
      <section className="panel">
        <Table
          caption="Gaps, largest first"
          rows={gaps}
          rowKey={(g) => g.touchpoint}
          columns={[
            { label: "#", value: (g: Gap) => g.rank, num: true },
            {
              label: "Touchpoint",
              value: (g) => (
                <Link href={`/touchpoints/${encodeURIComponent(g.touchpoint)}${query}`}>{g.name}</Link>
              ),
            },
            { label: "Stage", value: (g) => g.stage },
            { label: "Customers", value: (g) => int(g.customers), num: true },
            {
              label: "At stake",
              num: true,
              value: (g) => (
                <span className="bar-cell">
                  <span
                    className="bar"
                    aria-hidden="true"
                    style={{ width: `${Math.max(0.15, (g.revenueAtStake / (largest || 1)) * 5)}rem` }}
                  />
                  {money(g.revenueAtStake, currency)}
                </span>
              ),
            },
            {
              label: "Evidence",
              value: (g) => (
                <ul className="evidence-list">
                  {g.evidence.map((e) => (
                    <li key={e.metric} className={e.counted ? undefined : "uncounted"}>
                      {evidenceText(e)}: {evidenceStake(e, currency)}
                      {!e.counted && " (overlaps; not counted)"}
                    </li>
                  ))}
                </ul>
              ),
            },
            { label: "Owner", value: (g) => g.owner ?? "—" },
          ]}
        />
      </section>
      <p className="note">
        Revenue at stake: what the touchpoint would earn if it performed like the median of its stage peers or
        met its catalog target, at {money(report.averageConversionValue, currency, 2)} per conversion.
        Touchpoints with fewer than {int(report.minCustomers)} customers are not ranked.
      </p>
    </>
  );
}
