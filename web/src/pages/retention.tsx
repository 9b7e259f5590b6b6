import { useMemo } from "react";
import type {
  LifecyclePeriod,
  RetentionCohort,
  RetentionReport,
} from "../../../src/analysis/retention/report.js";
import { Chart, type ChartOption, PALETTE } from "../components/chart.js";
import "../components/charts/heatmap.js";
import { PageHeader } from "../components/layout.js";
import { Stat, StatRow } from "../components/stat.js";
import { Empty, ErrorState, Loading } from "../components/states.js";
import { type Column, Table } from "../components/table.js";
import { useQueryParam } from "../filters.js";
import { int, share } from "../format.js";
import { useApi, useReport } from "../use-api.js";
import type { CatalogAnswer } from "./catalog.js";

/** Cohorts by first seen or first goal, the share returning each period, and the lifecycle of customers. */
export function RetentionPage() {
  const [cohort, setCohort] = useQueryParam("cohort", "first_seen");
  const [period, setPeriod] = useQueryParam("period", "week");
  const [returnOn, setReturnOn] = useQueryParam("return", "any");
  const [periods, setPeriods] = useQueryParam("periods", "");
  const report = useReport<RetentionReport>("retention", { cohort, period, return: returnOn, periods });
  return (
    <>
      <PageHeader title="Retention" />
      <div className="controls">
        <label className="field">
          Cohort by
          <select value={cohort} onChange={(e) => setCohort(e.target.value)}>
            <option value="first_seen">first seen</option>
            <option value="first_goal">first goal</option>
          </select>
        </label>
        <ActiveMeans value={returnOn} onChange={setReturnOn} />
        <label className="field">
          Period
          <select value={period} onChange={(e) => setPeriod(e.target.value)}>
            <option value="week">week</option>
            <option value="month">month</option>
          </select>
        </label>
        <label className="field">
          Periods shown
          <input
            type="number"
            min={1}
            max={52}
            value={periods}
            placeholder={period === "week" ? "8" : "6"}
            onChange={(e) => setPeriods(e.target.value)}
          />
        </label>
      </div>
      {report.status === "loading" && <Loading label="Building the cohorts" />}
      {report.status === "error" && <ErrorState error={report.error} retry={report.reload} />}
      {report.status === "ok" && <Retention report={report.data} />}
    </>
  );
}

/**
 * What counts as active (the API's `return`): any event, a goal, or one touchpoint of the catalog, by
 * stage. A rule given in the URL that the list lacks (`event:NAME`) is kept as an option of its own.
 */
function ActiveMeans({ value, onChange }: { value: string; onChange: (value: string) => void }) {
  const catalog = useApi<CatalogAnswer>("/api/catalog");
  const stages = catalog.data?.stages ?? [];
  const touchpoints = catalog.data?.touchpoints ?? [];
  // A rule the list lacks shows as written: `event:NAME` always, `touchpoint:ID` until the catalog is in.
  const listed =
    value === "any" || value === "goal" || touchpoints.some((t) => value === `touchpoint:${t.id}`);
  return (
    <label className="field">
      Active means
      <select value={value} onChange={(e) => onChange(e.target.value)}>
        <option value="any">any event</option>
        <option value="goal">a goal</option>
        {!listed && <option value={value}>{value.replace(/^(touchpoint|event):/, "$1 ")}</option>}
        {stages.map((stage) => {
          const inStage = touchpoints.filter((t) => t.stage === stage.id);
          return (
            inStage.length > 0 && (
              <optgroup key={stage.id} label={`Touchpoint, ${stage.name}`}>
                {inStage.map((t) => (
                  <option key={t.id} value={`touchpoint:${t.id}`}>
                    {t.name}
                  </option>
                ))}
              </optgroup>
            )
          );
        })}
      </select>
    </label>
  );
}

const prefixOf = (report: RetentionReport) => (report.period === "week" ? "Week" : "Month");
const offsetsOf = (report: RetentionReport) => Array.from({ length: report.periods + 1 }, (_, k) => k);

function Retention({ report }: { report: RetentionReport }) {
  const [prefix, offsets] = [prefixOf(report), offsetsOf(report)];
  const heatmap = useMemo<ChartOption>(() => {
    const [prefix, offsets] = [prefixOf(report), offsetsOf(report)];
    const data = report.cohorts.flatMap((c, y) =>
      c.retention.map((cell) => ({
        value: [cell.offset, y, Math.round(cell.share * 1000) / 10],
        itemStyle: cell.complete ? undefined : { opacity: 0.45 },
      })),
    );
    return {
      tooltip: { position: "top" },
      grid: { left: 8, right: 8, top: 8, bottom: 56, containLabel: true },
      xAxis: { type: "category", data: offsets.map((k) => `${prefix} ${k}`), splitArea: { show: true } },
      yAxis: { type: "category", data: report.cohorts.map((c) => c.start), inverse: true },
      visualMap: {
        min: 0,
        max: 100,
        calculable: false,
        orient: "horizontal",
        left: "center",
        bottom: 0,
        itemHeight: 120,
        text: ["100%", "0%"],
        inRange: { color: ["#f2f6f8", "#1f6f8b"] },
      },
      series: [
        { name: "returning %", type: "heatmap", data, label: { show: offsets.length <= 13, fontSize: 10 } },
      ],
    };
  }, [report]);
  const lifecycle = useMemo<ChartOption>(
    () => ({
      tooltip: { trigger: "axis", axisPointer: { type: "shadow" } },
      legend: { top: 0 },
      grid: { left: 8, right: 16, top: 36, bottom: 8, containLabel: true },
      xAxis: { type: "category", data: report.lifecycle.map((l) => l.start) },
      yAxis: { type: "value", name: "customers" },
      series: [
        {
          name: "New",
          type: "bar",
          stack: "all",
          data: report.lifecycle.map((l) => l.new),
          color: PALETTE[0],
        },
        {
          name: "Returning",
          type: "bar",
          stack: "all",
          data: report.lifecycle.map((l) => l.returning),
          color: PALETTE[2],
        },
        {
          name: "Resurrected",
          type: "bar",
          stack: "all",
          data: report.lifecycle.map((l) => l.resurrected),
          color: PALETTE[1],
        },
        {
          name: "Dormant",
          type: "bar",
          stack: "all",
          data: report.lifecycle.map((l) => -l.dormant),
          color: PALETTE[3],
        },
      ],
    }),
    [report],
  );

  if (report.cohorts.length === 0)
    return (
      <Empty title="No cohorts in this range">
        Widen the dates, clear the segment or count any event as active.
      </Empty>
    );

  const cohortColumns: Column<RetentionCohort>[] = [
    { label: "Cohort", value: (c) => c.start },
    { label: "Customers", value: (c) => int(c.customers), num: true },
    ...offsets.map(
      (k): Column<RetentionCohort> => ({
        label: `${prefix} ${k}`,
        num: true,
        value: (c) => {
          const cell = c.retention.find((x) => x.offset === k);
          if (!cell) return "";
          return cell.complete ? (
            share(cell.share)
          ) : (
            <span title="the period has not ended">{share(cell.share)}*</span>
          );
        },
      }),
    ),
  ];
  const week1 = report.overall.find((o) => o.offset === 1);
  const last = report.overall.filter((o) => o.share !== null).at(-1);
  return (
    <>
      <StatRow>
        <Stat label="Cohorts" value={int(report.cohorts.length)} />
        <Stat label="Customers" value={int(report.cohorts.reduce((s, c) => s + c.customers, 0))} />
        <Stat label={`Returning in ${prefix.toLowerCase()} 1`} value={share(week1?.share)} />
        {last && (
          <Stat label={`Returning in ${prefix.toLowerCase()} ${last.offset}`} value={share(last.share)} />
        )}
      </StatRow>
      <section className="panel">
        <h2>Cohorts</h2>
        <Chart
          option={heatmap}
          label={`Share of each ${report.period}'s cohort active in the following ${report.period}s; the table below has the numbers`}
          height={Math.max(240, 90 + report.cohorts.length * 28)}
        />
        <Table
          caption="Share of the cohort active (* the period has not ended)"
          columns={cohortColumns}
          rows={report.cohorts}
          rowKey={(c) => c.start}
        />
      </section>
      <section className="panel">
        <h2>Lifecycle</h2>
        <Chart
          option={lifecycle}
          label={`New, returning, resurrected and dormant customers per ${report.period}`}
          height={300}
        >
          <Table
            columns={[
              { label: "Period", value: (l: LifecyclePeriod) => `${l.start}${l.complete ? "" : "*"}` },
              { label: "New", value: (l) => int(l.new), num: true },
              { label: "Returning", value: (l) => int(l.returning), num: true },
              { label: "Resurrected", value: (l) => int(l.resurrected), num: true },
              { label: "Dormant", value: (l) => int(l.dormant), num: true },
              { label: "Active", value: (l) => int(l.active), num: true },
            ]}
            rows={report.lifecycle}
            rowKey={(l) => l.start}
          />
        </Chart>
      </section>
    </>
  );
}
