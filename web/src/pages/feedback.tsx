import { useMemo } from "react";
import type { FeedbackReport } from "../../../src/analysis/feedback/report.js";
import { Chart, type ChartOption } from "../components/chart.js";
import { DetractorComments } from "../components/comments.js";
import { FeedbackTrend } from "../components/feedback-trend.js";
import { PageHeader } from "../components/layout.js";
import { Stat, StatRow } from "../components/stat.js";
import { Empty, ErrorState, Loading } from "../components/states.js";
import { Table } from "../components/table.js";
import { useQueryParam } from "../filters.js";
import { int, num, percent, share, signed } from "../format.js";
import { useReport } from "../use-api.js";

type Group = FeedbackReport["groups"][number];

const BY_LABEL = { touchpoint: "Touchpoint", channel: "Channel", stage: "Stage" } as const;

/** NPS, CSAT and CES per touchpoint (or channel, stage) and over time; consistency; detractors. */
export function FeedbackPage() {
  const [by, setBy] = useQueryParam("by", "touchpoint");
  const [period, setPeriod] = useQueryParam("period", "month");
  const report = useReport<FeedbackReport>("feedback", { by, period, detractors: 25 });
  return (
    <>
      <PageHeader title="Feedback" />
      <div className="controls">
        <fieldset className="segmented">
          <legend>Group by</legend>
          {(["touchpoint", "channel", "stage"] as const).map((b) => (
            <label key={b}>
              <input type="radio" name="by" checked={by === b} onChange={() => setBy(b)} />
              {BY_LABEL[b]}
            </label>
          ))}
        </fieldset>
        <fieldset className="segmented">
          <legend>Trend by</legend>
          {(["week", "month"] as const).map((p) => (
            <label key={p}>
              <input type="radio" name="period" checked={period === p} onChange={() => setPeriod(p)} />
              {p === "week" ? "Week" : "Month"}
            </label>
          ))}
        </fieldset>
      </div>
      {report.status === "loading" && <Loading label="Scoring the answers" />}
      {report.status === "error" && <ErrorState error={report.error} retry={report.reload} />}
      {report.status === "ok" && <Feedback report={report.data} />}
    </>
  );
}

const interval = (x: number[] | null, digits: number) =>
  x ? `${num(x[0], digits)} to ${num(x[1], digits)}` : undefined;

function Feedback({ report }: { report: FeedbackReport }) {
  const { overall } = report;
  const groups = useMemo(() => report.groups.filter((g) => g.responses > 0), [report]);
  const option = useMemo<ChartOption>(
    () => ({
      tooltip: { trigger: "axis", axisPointer: { type: "shadow" } },
      legend: { top: 0 },
      grid: { left: 8, right: 24, top: 32, bottom: 8, containLabel: true },
      xAxis: { type: "value", min: -100, max: 100 },
      yAxis: { type: "category", inverse: true, data: groups.map((g) => g.name) },
      series: [
        { name: "NPS", type: "bar", data: groups.map((g) => g.nps) },
        { name: "CSAT %", type: "bar", data: groups.map((g) => g.csat) },
      ],
    }),
    [groups],
  );
  if (overall.responses === 0)
    return (
      <Empty title="No survey answers in this range">
        Send surveys (see the docs on surveys), or widen the dates and clear the segment.
      </Empty>
    );
  const names = new Map(report.groups.map((g) => [g.key, g.name]));
  const byLabel = BY_LABEL[report.by];
  return (
    <>
      <StatRow>
        <Stat
          label="Answers"
          value={int(overall.responses)}
          hint={`${int(overall.comments)} with a comment`}
        />
        <Stat
          label="NPS"
          value={signed(overall.nps)}
          hint={interval(overall.npsInterval, 0) && `95%: ${interval(overall.npsInterval, 0)}`}
        />
        <Stat
          label="CSAT"
          value={percent(overall.csat)}
          hint={interval(overall.csatInterval, 1) && `95%: ${interval(overall.csatInterval, 1)}`}
        />
        <Stat
          label="CES (1–7)"
          value={num(overall.ces, 2)}
          hint={interval(overall.cesInterval, 2) && `95%: ${interval(overall.cesInterval, 2)}`}
        />
        <Stat label="Negative comments" value={share(overall.negativeShare, 0)} />
      </StatRow>
      <section className="panel">
        <h2>Per {report.by}</h2>
        <Chart
          option={option}
          label={`NPS and CSAT per ${report.by}; the table below has the numbers`}
          height={Math.max(220, 50 + groups.length * 34)}
        />
        <Table
          caption={`Scores per ${report.by}`}
          rows={groups}
          rowKey={(g) => g.key}
          columns={[
            { label: byLabel, value: (g: Group) => g.name },
            { label: "Answers", value: (g) => int(g.responses), num: true },
            {
              label: "NPS",
              value: (g) => <span title={interval(g.npsInterval, 0)}>{signed(g.nps)}</span>,
              num: true,
            },
            {
              label: "CSAT",
              value: (g) => <span title={interval(g.csatInterval, 1)}>{percent(g.csat)}</span>,
              num: true,
            },
            {
              label: "CES",
              value: (g) => <span title={interval(g.cesInterval, 2)}>{num(g.ces, 2)}</span>,
              num: true,
            },
            { label: "Negative", value: (g) => share(g.negativeShare, 0), num: true },
            {
              label: "Recurring words",
              value: (g) =>
                g.negativeWords
                  .slice(0, 4)
                  .map((w) => w.word)
                  .join(", ") || "—",
            },
          ]}
        />
      </section>
      <section className="panel">
        <h2>Over time</h2>
        <FeedbackTrend trend={report.trend} label={`NPS and CSAT of all answers by ${report.period}`} />
      </section>
      <Consistency report={report} names={names} />
      <section className="panel">
        <h2>Detractor comments</h2>
        <DetractorComments rows={report.detractors} names={report.by === "touchpoint" ? names : undefined} />
      </section>
    </>
  );
}

function Consistency({ report, names }: { report: FeedbackReport; names: Map<string, string> }) {
  const c = report.consistency;
  return (
    <section className="panel">
      <h2>Consistency across channels</h2>
      {c.index === null ? (
        <p className="muted">
          Too few customers answered about two or more channels to measure consistency ({int(c.customers)}).
        </p>
      ) : (
        <>
          <p>
            Consistency index <strong>{num(c.index, 2)}</strong> over {int(c.customers)} customers who
            answered about two or more channels (1: the same experience on every channel).
          </p>
          <div className="grid-2">
            <Table
              caption="Satisfaction per channel"
              rows={c.channels}
              rowKey={(x) => x.channel}
              columns={[
                { label: "Channel", value: (x: (typeof c.channels)[number]) => x.channel },
                { label: "Satisfaction (0–1)", value: (x) => num(x.satisfaction, 2), num: true },
                { label: "Answers", value: (x) => int(x.responses), num: true },
              ]}
            />
            <Table
              caption="Where the experience breaks"
              rows={c.breakers}
              rowKey={(x) => x.touchpoint}
              empty="No touchpoint stands out."
              columns={[
                {
                  label: "Touchpoint",
                  value: (x: (typeof c.breakers)[number]) => names.get(x.touchpoint) ?? x.touchpoint,
                },
                { label: "Deficit (0–1)", value: (x) => num(x.deficit, 2), num: true },
                { label: "Customers", value: (x) => int(x.customers), num: true },
              ]}
            />
          </div>
        </>
      )}
    </section>
  );
}
