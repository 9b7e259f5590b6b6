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

/** Customers listed in the table: the report's distributions are over all of them, whatever this is. */
const TOP = 25;

/** Customer lifetime value: its distribution, P(alive), RFM segments and the most valuable customers. */
export function LifetimeValuePage() {
  const report = useReport<ClvReport>("clv", { limit: TOP });
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

type Histogram = ClvReport["distribution"]["pAlive"];

/** The report's bins, labelled; the last one is open when customers lie beyond its upper edge. */
function labelled(h: Histogram, format: (x: number) => string): Bin[] {
  return h.bins.map((b, i) => ({
    label:
      i === h.bins.length - 1 && h.tail > 0
        ? `≥ ${format(b.lower)}`
        : `${format(b.lower)}–${format(b.upper)}`,
    customers: b.customers,
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
      rowKey={(_, i) => String(i)}
    />
  );
}

function Clv({ report }: { report: ClvReport }) {
  const c = report.currency;
  const clvBins = useMemo(() => {
    const [first] = report.distribution.clv.bins;
    // Whole amounts, unless the bins are too narrow to tell apart so.
    const digits = first && first.upper - first.lower < 5 ? 2 : 0;
    return labelled(report.distribution.clv, (x) => money(x, c, digits));
  }, [report, c]);
  const aliveBins = useMemo(() => labelled(report.distribution.pAlive, (x) => share(x, 0)), [report]);
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
  const { clv: clvHistogram } = report.distribution;

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
            label={`Histogram of the lifetime value of all ${int(clvHistogram.customers)} customers`}
            height={280}
          >
            <BinTable bins={clvBins} label="CLV" />
          </Chart>
          {clvHistogram.tail > 0 && (
            <p className="note" data-testid="clv-tail">
              The last bar also counts the {int(clvHistogram.tail)} customers above the 99th percentile (
              {money(clvHistogram.bins.at(-1)?.upper, c)}), up to {money(clvHistogram.max, c)}.
            </p>
          )}
        </section>
        <section className="panel">
          <h2>P(alive)</h2>
          <Chart
            option={barOption(aliveBins, "customers")}
            label={`Histogram of the probability each of the ${int(report.distribution.pAlive.customers)} customers is still active`}
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
          rows={report.customers.slice(0, TOP)}
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
