import { useMemo } from "react";
import type { FeedbackScores } from "../../../src/analysis/feedback/report.js";
import { int, num, percent, signed } from "../format.js";
import { Chart, type ChartOption } from "./chart.js";
import "./charts/line.js";
import { Table } from "./table.js";

type Point = FeedbackScores & { period: string };

/** NPS and CSAT over time (CES, on its own 1–7 scale, in the table). */
export function FeedbackTrend({ trend, label }: { trend: Point[]; label: string }) {
  const option = useMemo<ChartOption>(
    () => ({
      tooltip: { trigger: "axis" },
      legend: { top: 0 },
      grid: { left: 48, right: 16, top: 36, bottom: 28 },
      xAxis: { type: "category", data: trend.map((p) => p.period) },
      yAxis: { type: "value", min: -100, max: 100, name: "score" },
      series: [
        { name: "NPS", type: "line", data: trend.map((p) => p.nps), connectNulls: true },
        { name: "CSAT %", type: "line", data: trend.map((p) => p.csat), connectNulls: true },
      ],
    }),
    [trend],
  );
  if (trend.length === 0) return <p className="muted">No answers in this range.</p>;
  return (
    <Chart option={option} label={label} height={260}>
      <Table
        columns={[
          { label: "Period", value: (p: Point) => p.period },
          { label: "Answers", value: (p) => int(p.responses), num: true },
          { label: "NPS", value: (p) => signed(p.nps), num: true },
          { label: "CSAT", value: (p) => percent(p.csat), num: true },
          { label: "CES", value: (p) => num(p.ces, 2), num: true },
        ]}
        rows={trend}
        rowKey={(p) => p.period}
      />
    </Chart>
  );
}
