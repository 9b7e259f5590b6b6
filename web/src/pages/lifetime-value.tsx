import { useMemo } from "react";
import { Link } from "wouter";
import type { ClvCustomer, ClvReport } from "../../../src/analysis/clv/report.js";
import { Chart, type ChartOption } from "../components/chart.js";
import { PageHeader } from "../components/layout.js";
import { Stat, StatRow } from "../components/stat.js";
import { Empty, ErrorState, Loading } from "../components/states.js";
import { Table } from "../components/table.js";
import { date, int, money, num, share } from "../format.js";
import { useReport } from "../use-api.js";

/** Customers fetched for the distributions: enough for a faithful histogram, small enough to send. */
const LIMIT = 5000;

/** Customer lifetime value: its distribution, P(alive), RFM segments and the most valuable customers. */
export function LifetimeValuePage() {
  const report = useReport<ClvReport>("clv", { limit: LIMIT });
  return (
    <>
      <PageHeader title="Lifetime value" />
      {report.status === "loading" && <Loading label="Fitting the models" />}
      {report.status === "error" && <ErrorState error={report.error} retry={report.reload} />}
      {report.status === "ok" && <Clv report={report.data} />}
    </>
  );
}

interface Bin {
  label: string;
  customers: number;
}

/** Equal-width bins from 0 to the 99th percentile; the rest share the last, open bin. */
function histogram(values: number[], bins: number, format: (x: number) => string): Bin[] {
  if (values.length === 0) return [];
  const sorted = [...values].sort((a, b) => a - b);
  const top = sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * 0.99))]! || sorted.at(-1)! || 1;
  const width = top / bins;
  const counts = new Array<number>(bins).fill(0);
  for (const v of values) counts[Math.min(bins - 1, Math.max(0, Math.floor(v / width)))]! += 1;
  return counts.map((customers, i) => ({
    label: i === bins - 1 ? `≥ ${format(i * width)}` : `${format(i * width)}–${format((i + 1) * width)}`,
    customers,
  }));
}

function barOption(bins: Bin[], name: string): ChartOption {
  return {
    tooltip: { trigger: "axis" },
    grid: { left: 8, right: 16, top: 16, bottom: 8, containLabel: true },
    xAxis: { type: "category", data: bins.map((b) => b.label), axisLabel: { rotate: 35, fontSize: 10 } },
    yAxis: { type: "value", name: "customers" },
    series: [{ name, type: "bar", barCategoryGap: "8%", data: bins.map((b) => b.customers) }],
  };
}

function BinTable({ bins, label }: { bins: Bin[]; label: string }) {
  return (
    <Table
      columns={[
        { label, value: (b: Bin) => b.label },
        { label: "Customers", value: (b) => int(b.customers), num: true },
      ]}
      rows={bins}
      rowKey={(b) => b.label}
    />
  );
}

function Clv({ report }: { report: ClvReport }) {
  const c = report.currency;
  const clvBins = useMemo(
    () =>
      histogram(
        report.customers.map((x) => x.clv),
        20,
        (x) => money(x, c),
      ),
    [report, c],
  );
  const aliveBins = useMemo(
    () =>
      histogram(
        report.customers.map((x) => x.pAlive),
        10,
        (x) => share(x, 0),
      ),
    [report],
  );
  const segmentOption = useMemo<ChartOption>(
    () => ({
      tooltip: { trigger: "axis" },
      grid: { left: 8, right: 24, top: 8, bottom: 8, containLabel: true },
      xAxis: { type: "value" },
      yAxis: { type: "category", inverse: true, data: report.segments.map((s) => s.name) },
      series: [{ name: "customers", type: "bar", data: report.segments.map((s) => s.customers) }],
    }),
    [report],
  );

  if (report.totals.customers === 0)
    return <Empty title="No purchasing customers in this range">Widen the dates or clear the segment.</Empty>;
  const partial = report.customers.length < report.totals.customers;
  const of = partial
    ? ` (the ${int(report.customers.length)} highest of ${int(report.totals.customers)})`
    : "";

  return (
    <>
      <StatRow>
        <Stat
          label="Customers"
          value={int(report.totals.customers)}
          hint={`${int(report.totals.repeatCustomers)} repeat`}
        />
        <Stat label={`Total CLV, ${report.months} months`} value={money(report.totals.clv, c)} />
        <Stat label="Mean CLV" value={money(report.totals.clv / report.totals.customers, c, 2)} />
        <Stat
          label="Expected purchases"
          value={num(report.totals.expectedPurchases, 0)}
          hint={`next ${num(report.horizon, 0)} ${report.unit}s`}
        />
        <Stat label="Data up to" value={date(report.calibrationEnd)} />
      </StatRow>
      <div className="grid-2">
        <section className="panel">
          <h2>CLV distribution</h2>
          <Chart
            option={barOption(clvBins, "customers")}
            label={`Histogram of customer lifetime value${of}`}
            height={280}
          >
            <BinTable bins={clvBins} label="CLV" />
          </Chart>
          {partial && (
            <p className="note">Of the {int(report.customers.length)} customers with the highest CLV.</p>
          )}
        </section>
        <section className="panel">
          <h2>P(alive)</h2>
          <Chart
            option={barOption(aliveBins, "customers")}
            label={`Histogram of the probability each customer is still active${of}`}
            height={280}
          >
            <BinTable bins={aliveBins} label="P(alive)" />
          </Chart>
        </section>
      </div>
      <section className="panel">
        <h2>RFM segments</h2>
        <div className="grid-2">
          <Chart
            option={segmentOption}
            label="Customers per RFM segment"
            height={Math.max(200, report.segments.length * 30)}
          />
          <Table
            columns={[
              {
                label: "Segment",
                value: (s: ClvReport["segments"][number]) => <span title={s.description}>{s.name}</span>,
              },
              { label: "Customers", value: (s) => int(s.customers), num: true },
              { label: "Mean CLV", value: (s) => money(s.meanClv, c, 2), num: true },
            ]}
            rows={report.segments}
            rowKey={(s) => s.id}
          />
        </div>
      </section>
      <section className="panel">
        <h2>Top customers</h2>
        <Table
          caption="Highest CLV first"
          columns={[
            {
              label: "Customer",
              value: (x: ClvCustomer) => (
                <Link href={`/customers/${encodeURIComponent(x.customerId)}`}>{x.customerId}</Link>
              ),
            },
            { label: "CLV", value: (x) => money(x.clv, c, 2), num: true },
            { label: "P(alive)", value: (x) => share(x.pAlive, 0), num: true },
            { label: "Repeat purchases", value: (x) => int(x.frequency), num: true },
            { label: "Expected purchases", value: (x) => num(x.expectedPurchases, 2), num: true },
            { label: "Spend per purchase", value: (x) => money(x.expectedSpend, c, 2), num: true },
            { label: "Segment", value: (x) => x.segment },
          ]}
          rows={report.customers.slice(0, 25)}
          rowKey={(x) => x.customerId}
        />
      </section>
      <p className="note">
        {report.model === "bgnbd" ? "BG/NBD" : "Pareto/NBD"} for repeat purchases, Gamma-Gamma for spend; CLV
        is the expected spend over {report.months} months discounted at {share(report.discount, 1)} a month.
      </p>
    </>
  );
}
