import { useMemo } from "react";
import type { ModelName } from "../../../src/analysis/attribution/models.js";
import type { AttributionReport } from "../../../src/analysis/attribution/report.js";
import { Chart, type ChartOption } from "../components/chart.js";
import { PageHeader } from "../components/layout.js";
import { Stat, StatRow } from "../components/stat.js";
import { Empty, ErrorState, Loading } from "../components/states.js";
import { type Column, Table } from "../components/table.js";
import { useQueryParam } from "../filters.js";
import { int, money, num, share } from "../format.js";
import { useReport } from "../use-api.js";

const MODEL_LABEL: Record<ModelName, string> = {
  first_touch: "First touch",
  last_touch: "Last touch",
  last_non_direct: "Last non-direct",
  linear: "Linear",
  time_decay: "Time decay",
  position_based: "Position based",
  markov: "Markov",
  shapley: "Shapley",
};

/** Every model the API knows, in its order (the Record type makes the compiler check the list). */
const MODELS = Object.keys(MODEL_LABEL) as ModelName[];

const DEFAULT_MODELS = "first_touch,last_touch,linear,position_based,markov,shapley";

/** The models side by side per channel or touchpoint: conversions and value, a grouped bar chart. */
export function AttributionPage() {
  const [by, setBy] = useQueryParam("by", "channel");
  const [models, setModels] = useQueryParam("model", DEFAULT_MODELS);
  const [measure, setMeasure] = useQueryParam("measure", "conversions");
  const chosen = models.split(",").filter((m): m is ModelName => (MODELS as readonly string[]).includes(m));
  const report = useReport<AttributionReport>("attribution", { by, model: chosen.join(",") || undefined });

  const toggle = (m: ModelName) => {
    const next = chosen.includes(m) ? chosen.filter((x) => x !== m) : [...chosen, m];
    setModels(MODELS.filter((x) => next.includes(x)).join(","));
  };

  return (
    <>
      <PageHeader title="Attribution" />
      <div className="controls">
        <fieldset className="segmented">
          <legend>Credit</legend>
          {(["channel", "touchpoint"] as const).map((b) => (
            <label key={b}>
              <input type="radio" name="by" checked={by === b} onChange={() => setBy(b)} />
              {b === "channel" ? "Channels" : "Touchpoints"}
            </label>
          ))}
        </fieldset>
        <fieldset className="segmented">
          <legend>Models</legend>
          {MODELS.map((m) => (
            <label key={m}>
              <input
                type="checkbox"
                checked={chosen.includes(m)}
                disabled={chosen.length === 1 && chosen[0] === m}
                onChange={() => toggle(m)}
              />
              {MODEL_LABEL[m]}
            </label>
          ))}
        </fieldset>
        <fieldset className="segmented">
          <legend>Chart</legend>
          {(["conversions", "value"] as const).map((m) => (
            <label key={m}>
              <input type="radio" name="measure" checked={measure === m} onChange={() => setMeasure(m)} />
              {m === "conversions" ? "Conversions" : "Value"}
            </label>
          ))}
        </fieldset>
      </div>
      {report.status === "loading" && <Loading label="Running the models" />}
      {report.status === "error" && <ErrorState error={report.error} retry={report.reload} />}
      {report.status === "ok" && (
        <Credits report={report.data} measure={measure === "value" ? "value" : "conversions"} />
      )}
    </>
  );
}

const modelsOf = (report: AttributionReport) => Object.keys(report.models) as ModelName[];
const creditOf = (report: AttributionReport, m: ModelName, key: string) =>
  report.models[m]?.find((c) => c.key === key);

/** Channels or touchpoints, the largest Markov credit (or the first model's) first. */
function keysOf(report: AttributionReport): string[] {
  const models = modelsOf(report);
  const lead = models.includes("markov") ? "markov" : models[0];
  const all = [...new Set(models.flatMap((m) => report.models[m]!.map((c) => c.key)))];
  const weight = (k: string) => (lead ? (creditOf(report, lead, k)?.conversions ?? 0) : 0);
  return all.sort((a, b) => weight(b) - weight(a) || a.localeCompare(b));
}

function Credits({ report, measure }: { report: AttributionReport; measure: "conversions" | "value" }) {
  const models = modelsOf(report);
  const credit = (m: ModelName, key: string) => creditOf(report, m, key);
  const keys = useMemo(() => keysOf(report), [report]);
  const option = useMemo<ChartOption>(
    () => ({
      tooltip: { trigger: "axis", axisPointer: { type: "shadow" } },
      legend: { top: 0, type: "scroll" },
      grid: { left: 8, right: 24, top: 40, bottom: 8, containLabel: true },
      xAxis: { type: "value" },
      yAxis: { type: "category", data: keys, inverse: true },
      series: modelsOf(report).map((m) => ({
        name: MODEL_LABEL[m] ?? m,
        type: "bar",
        data: keys.map((k) => Number((creditOf(report, m, k)?.[measure] ?? 0).toFixed(2))),
      })),
    }),
    [report, keys, measure],
  );

  if (report.conversions === 0 || models.length === 0)
    return (
      <Empty title={models.length === 0 ? "Choose at least one model" : "No conversions with a journey"}>
        {models.length > 0 && "Widen the dates or clear the segment."}
      </Empty>
    );

  const c = report.currency;
  const columns: Column<string>[] = [
    { label: report.by === "channel" ? "Channel" : "Touchpoint", value: (k) => k },
    ...models.flatMap((m): Column<string>[] => [
      {
        label: `${MODEL_LABEL[m] ?? m} conv.`,
        value: (k) => num(credit(m, k)?.conversions ?? 0, 1),
        num: true,
      },
      { label: `${MODEL_LABEL[m] ?? m} value`, value: (k) => money(credit(m, k)?.value ?? 0, c), num: true },
    ]),
  ];
  return (
    <>
      <StatRow>
        <Stat label="Conversions" value={int(report.conversions)} hint="with a journey" />
        <Stat label="Value" value={money(report.value, c)} />
        <Stat label="Journeys without conversion" value={int(report.nulls)} />
        <Stat label="Distinct paths" value={int(report.paths)} />
        <Stat
          label="Unattributed"
          value={int(report.unattributed.conversions)}
          hint={`no touch in ${num(report.lookbackDays, 0)} days`}
        />
        {report.markov && (
          <Stat
            label="Conversion probability"
            value={share(report.markov.conversionProbability)}
            hint="Markov chain"
          />
        )}
      </StatRow>
      <section className="panel">
        <h2>{measure === "value" ? "Value" : "Conversions"} credited by each model</h2>
        <Chart
          option={option}
          label={`${measure} credited to each ${report.by} by ${models.length} models; the table below has the numbers`}
          height={Math.max(260, 60 + keys.length * models.length * 9)}
        />
        <Table caption={`Credit per ${report.by}`} columns={columns} rows={keys} rowKey={(k) => k} />
      </section>
      <p className="note">
        Every model distributes the same {int(report.conversions)} conversions and {money(report.value, c)}.
        Journeys look back {num(report.lookbackDays, 0)} days
        {report.halfLifeDays !== null && `; time decay halves every ${num(report.halfLifeDays, 0)} days`}
        {report.markov &&
          `; the Markov chain is of order ${report.markov.order} over ${int(report.markov.states)} states`}
        .
      </p>
    </>
  );
}
