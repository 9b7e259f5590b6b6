import { useMemo } from "react";
import type { JourneyMapReport } from "../../../src/analysis/journey-map/report.js";
import type { PathsReport, SankeyLink, TopPath } from "../../../src/analysis/paths/report.js";
import { Chart, type ChartOption } from "../components/chart.js";
import "../components/charts/sankey.js";
import { PageHeader } from "../components/layout.js";
import { Stat, StatRow } from "../components/stat.js";
import { Empty, ErrorState, Loading } from "../components/states.js";
import { Table } from "../components/table.js";
import { useQueryParam } from "../filters.js";
import { int, share } from "../format.js";
import { useReport } from "../use-api.js";

/** The Sankey of the customers' touchpoint paths, from a chosen start or back from a chosen end. */
export function FlowsPage() {
  const map = useReport<JourneyMapReport>("journey-map");
  const touchpoints = map.data?.stages.flatMap((s) => s.touchpoints) ?? [];
  const [start, setStart] = useQueryParam("start", "");
  const [end, setEnd] = useQueryParam("end", "");
  const [depth, setDepth] = useQueryParam("depth", "");
  const [unit, setUnit] = useQueryParam("unit", "customer");
  const paths = useReport<PathsReport>("paths", {
    start,
    end,
    depth,
    unit: unit === "customer" ? undefined : unit,
  });

  return (
    <>
      <PageHeader title="Flows" />
      <div className="controls">
        <label className="field">
          From the touchpoint
          <select
            value={start}
            onChange={(e) => {
              // One of start and end: choosing one clears the other.
              setStart(e.target.value);
              if (e.target.value) setEnd("");
            }}
          >
            <option value="">any first touchpoint</option>
            {touchpoints.map((t) => (
              <option key={t.id} value={t.id}>
                {t.name}
              </option>
            ))}
          </select>
        </label>
        <label className="field">
          To the touchpoint
          <select
            value={end}
            onChange={(e) => {
              setEnd(e.target.value);
              if (e.target.value) setStart("");
            }}
          >
            <option value="">anywhere</option>
            {touchpoints.map((t) => (
              <option key={t.id} value={t.id}>
                {t.name}
              </option>
            ))}
          </select>
        </label>
        <label className="field">
          Steps
          <input
            type="number"
            min={2}
            max={10}
            value={depth}
            placeholder="5"
            onChange={(e) => setDepth(e.target.value)}
          />
        </label>
        <label className="field">
          Paths of
          <select value={unit} onChange={(e) => setUnit(e.target.value)}>
            <option value="customer">customers</option>
            <option value="session">sessions</option>
          </select>
        </label>
      </div>
      {paths.status === "loading" && <Loading label="Following the paths" />}
      {paths.status === "error" && <ErrorState error={paths.error} retry={paths.reload} />}
      {paths.status === "ok" && <Flows report={paths.data} />}
    </>
  );
}

function Flows({ report }: { report: PathsReport }) {
  const names = useMemo(() => new Map(report.sankey.nodes.map((n) => [n.id, n.name])), [report]);
  const option = useMemo<ChartOption>(
    () => ({
      tooltip: { trigger: "item" },
      series: [
        {
          type: "sankey",
          left: 8,
          right: 150,
          top: 8,
          bottom: 8,
          nodeGap: 10,
          draggable: false,
          emphasis: { focus: "adjacency" },
          lineStyle: { color: "gradient", opacity: 0.35 },
          label: { formatter: (p: { name: string }) => names.get(p.name) ?? p.name, fontSize: 11 },
          data: report.sankey.nodes.map((n) => ({
            name: n.id,
            value: n.value,
            depth: n.step - 1,
            itemStyle: n.other ? { color: "#b8c0cc" } : undefined,
          })),
          links: report.sankey.links.map((l) => ({ source: l.source, target: l.target, value: l.value })),
        },
      ],
    }),
    [report, names],
  );
  if (report.sequences === 0)
    return (
      <Empty title="No paths in this range">
        Widen the dates, clear the segment or choose another touchpoint.
      </Empty>
    );
  const nodes = report.sankey.nodes.length;
  return (
    <>
      <StatRow>
        <Stat label={report.unit === "session" ? "Sessions" : "Customers"} value={int(report.sequences)} />
        <Stat
          label="Converting"
          value={int(report.conversions)}
          hint={share(report.conversions / report.sequences)}
        />
        <Stat label="Distinct paths" value={int(report.distinctPaths)} hint={`over ${report.depth} steps`} />
      </StatRow>
      <section className="panel">
        <h2>Flows</h2>
        <Chart
          option={option}
          label={`Sankey of ${int(report.sequences)} paths over ${report.depth} steps; the tables have the numbers`}
          height={Math.max(320, Math.min(900, nodes * 22))}
        >
          <Table
            caption="Flows between steps"
            rows={report.sankey.links}
            rowKey={(l) => `${l.source}>${l.target}`}
            columns={[
              {
                label: "From",
                value: (l: SankeyLink) => `${l.source.split(":")[0]}. ${names.get(l.source)}`,
              },
              { label: "To", value: (l) => `${l.target.split(":")[0]}. ${names.get(l.target)}` },
              { label: "Paths", value: (l) => int(l.value), num: true },
            ]}
          />
        </Chart>
        {report.minShare > 0 && (
          <p className="note">
            Flows under {share(report.minShare)} of the paths are grouped as Other at each step.
          </p>
        )}
      </section>
      <section className="panel">
        <h2>Top paths</h2>
        <Table
          rows={report.paths}
          rowKey={(p) => p.path.join(">")}
          columns={[
            { label: "Path", value: (p: TopPath) => p.names.join(" → ") },
            { label: "Paths", value: (p) => int(p.count), num: true },
            { label: "Share", value: (p) => share(p.share), num: true },
            { label: "Converted", value: (p) => share(p.conversionRate), num: true },
          ]}
        />
      </section>
    </>
  );
}
