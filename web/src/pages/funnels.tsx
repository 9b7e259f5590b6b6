import { type FormEvent, useEffect, useId, useMemo, useState } from "react";
import type { FunnelReport, FunnelStepStats } from "../../../src/analysis/funnel/report.js";
import type { JourneyMapReport } from "../../../src/analysis/journey-map/report.js";
import { Chart, type ChartOption } from "../components/chart.js";
import "../components/charts/funnel.js";
import { PageHeader } from "../components/layout.js";
import { Empty, ErrorState, Loading } from "../components/states.js";
import { type Column, Table } from "../components/table.js";
import { useQueryParam } from "../filters.js";
import { duration, int, share } from "../format.js";
import { useReport } from "../use-api.js";

/** What a breakdown may split by (the funnel analysis's BREAKDOWN_COLUMNS), or property.PATH. */
const BREAKDOWNS = ["channel", "source", "device_type", "utm_source", "utm_medium", "utm_campaign"];

/** The funnel shown before the user builds one: the purchase path of the default catalog. */
const EXAMPLE = ["product_pages", "cart", "checkout", "purchase"];

interface Step {
  key: number;
  text: string;
  optional: boolean;
}

let nextKey = 1;
const step = (text: string, optional = false): Step => ({ key: nextKey++, text, optional });

function parseSteps(value: string): Step[] {
  // Commas inside [property filters] belong to the step.
  const parts: string[] = [];
  let depth = 0;
  let current = "";
  for (const ch of value) {
    if (ch === "[") depth++;
    if (ch === "]") depth--;
    if (ch === "," && depth === 0) {
      parts.push(current);
      current = "";
    } else current += ch;
  }
  parts.push(current);
  return parts
    .map((p) => p.trim())
    .filter(Boolean)
    .map((p) => (p.endsWith("?") ? step(p.slice(0, -1).trim(), true) : step(p)));
}

const formatSteps = (steps: Step[]) =>
  steps
    .filter((s) => s.text.trim())
    .map((s) => `${s.text.trim()}${s.optional ? "?" : ""}`)
    .join(", ");

/** A funnel builder (steps, window, order, breakdown) and the funnel with the times between steps. */
export function FunnelsPage() {
  const map = useReport<JourneyMapReport>("journey-map");
  const touchpoints = useMemo(() => map.data?.stages.flatMap((s) => s.touchpoints) ?? [], [map.data]);
  const [stepsParam, setStepsParam] = useQueryParam("steps", "");
  const [within, setWithin] = useQueryParam("window", "14d");
  const [order, setOrder] = useQueryParam("order", "ordered");
  const [breakdown, setBreakdown] = useQueryParam("breakdown", "");
  const [exclude, setExclude] = useQueryParam("exclude", "");

  const example = useMemo(() => {
    const ids = new Set(touchpoints.map((t) => t.id));
    const known = EXAMPLE.filter((id) => ids.has(id) || id === "purchase");
    return known.length >= 2
      ? known.join(", ")
      : touchpoints
          .slice(0, 3)
          .map((t) => t.id)
          .join(", ");
  }, [touchpoints]);
  const steps = stepsParam || (map.status === "ok" ? example : "");

  return (
    <>
      <PageHeader title="Funnels" />
      <Builder
        key={steps}
        steps={steps}
        suggestions={touchpoints.map((t) => ({ id: t.id, name: t.name }))}
        window={within}
        order={order}
        breakdown={breakdown}
        exclude={exclude}
        onRun={(b) => {
          setStepsParam(b.steps);
          setWithin(b.window);
          setOrder(b.order);
          setBreakdown(b.breakdown);
          setExclude(b.exclude);
        }}
      />
      {steps ? (
        <FunnelResult params={{ steps, window: within, order, breakdown, exclude }} />
      ) : map.status === "error" ? (
        <ErrorState error={map.error} retry={map.reload} />
      ) : (
        <Loading />
      )}
    </>
  );
}

interface BuilderValue {
  steps: string;
  window: string;
  order: string;
  breakdown: string;
  exclude: string;
}

function Builder(
  props: BuilderValue & { suggestions: { id: string; name: string }[]; onRun: (b: BuilderValue) => void },
) {
  const [steps, setSteps] = useState<Step[]>(() => {
    const parsed = parseSteps(props.steps);
    return parsed.length >= 2 ? parsed : [...parsed, step(""), step("")].slice(0, Math.max(2, parsed.length));
  });
  const [within, setWithin] = useState(props.window);
  const [order, setOrder] = useState(props.order);
  const [breakdown, setBreakdown] = useState(props.breakdown);
  const [exclude, setExclude] = useState(props.exclude);
  const listId = useId();
  useEffect(() => {
    setWithin(props.window);
    setOrder(props.order);
    setBreakdown(props.breakdown);
    setExclude(props.exclude);
  }, [props.window, props.order, props.breakdown, props.exclude]);

  const update = (i: number, change: Partial<Step>) =>
    setSteps(steps.map((s, j) => (j === i ? { ...s, ...change } : s)));
  const move = (i: number, by: number) => {
    const next = [...steps];
    const [s] = next.splice(i, 1);
    next.splice(i + by, 0, s!);
    setSteps(next);
  };
  function run(event: FormEvent) {
    event.preventDefault();
    props.onRun({
      steps: formatSteps(steps),
      window: within.trim(),
      order,
      breakdown,
      exclude: exclude.trim(),
    });
  }

  return (
    <form className="panel builder" onSubmit={run} aria-label="Funnel builder">
      <h2>Steps</h2>
      <datalist id={listId}>
        {props.suggestions.map((s) => (
          <option key={s.id} value={s.id}>
            {s.name}
          </option>
        ))}
      </datalist>
      <ol className="steps">
        {steps.map((s, i) => (
          <li key={s.key}>
            <label className="field grow">
              Step {i + 1}
              <input
                list={listId}
                value={s.text}
                required={!s.optional}
                placeholder="touchpoint or goal id, or an event name"
                onChange={(e) => update(i, { text: e.target.value })}
              />
            </label>
            <label className="inline">
              <input
                type="checkbox"
                checked={s.optional}
                onChange={(e) => update(i, { optional: e.target.checked })}
              />
              optional
            </label>
            <span className="row-actions">
              <button
                type="button"
                disabled={i === 0}
                onClick={() => move(i, -1)}
                aria-label={`Move step ${i + 1} up`}
              >
                ↑
              </button>
              <button
                type="button"
                disabled={i === steps.length - 1}
                onClick={() => move(i, 1)}
                aria-label={`Move step ${i + 1} down`}
              >
                ↓
              </button>
              <button
                type="button"
                disabled={steps.length <= 2}
                onClick={() => setSteps(steps.filter((_, j) => j !== i))}
                aria-label={`Remove step ${i + 1}`}
              >
                ✕
              </button>
            </span>
          </li>
        ))}
      </ol>
      <div className="controls">
        <button type="button" onClick={() => setSteps([...steps, step("")])} disabled={steps.length >= 15}>
          Add a step
        </button>
      </div>
      <div className="controls">
        <label className="field">
          Window
          <input value={within} onChange={(e) => setWithin(e.target.value)} size={6} placeholder="14d" />
        </label>
        <label className="field">
          Order
          <select value={order} onChange={(e) => setOrder(e.target.value)}>
            <option value="ordered">in order (others may come between)</option>
            <option value="strict">strictly in order (nothing between)</option>
            <option value="any">any order</option>
          </select>
        </label>
        <label className="field">
          Breakdown
          <select value={breakdown} onChange={(e) => setBreakdown(e.target.value)}>
            <option value="">none</option>
            {BREAKDOWNS.map((b) => (
              <option key={b} value={b}>
                first step's {b.replace("_", " ")}
              </option>
            ))}
          </select>
        </label>
        <label className="field grow">
          Exclude (comma-separated)
          <input value={exclude} onChange={(e) => setExclude(e.target.value)} list={listId} />
        </label>
        <button type="submit" className="primary">
          Show the funnel
        </button>
      </div>
    </form>
  );
}

function FunnelResult({ params }: { params: BuilderValue }) {
  const report = useReport<FunnelReport>("funnel", { ...params });
  if (report.status === "loading") return <Loading label="Walking the funnel" />;
  if (report.status === "error") return <ErrorState error={report.error} retry={report.reload} />;
  return <Funnel report={report.data} />;
}

function Funnel({ report }: { report: FunnelReport }) {
  const option = useMemo<ChartOption>(
    () => ({
      tooltip: { trigger: "item" },
      series: [
        {
          name: "customers",
          type: "funnel",
          sort: "none",
          left: "5%",
          width: "90%",
          top: 8,
          bottom: 8,
          minSize: "4%",
          gap: 4,
          label: { show: true, position: "inside", formatter: "{b}: {c}" },
          data: report.steps.map((s, i) => ({
            name: `${i + 1}. ${s.name}`,
            value: s.customers,
            label: {
              formatter:
                i === 0 || s.medianSecondsFromPrevious === null
                  ? "{b}: {c}"
                  : `{b}: {c} · ${duration(s.medianSecondsFromPrevious)} after (median)`,
            },
          })),
        },
      ],
    }),
    [report],
  );
  const first = report.steps[0];
  if (!first || first.customers === 0)
    return (
      <Empty title="No customer did the first step in this range">
        Check the step, widen the dates or clear the segment.
      </Empty>
    );
  const last = report.steps.at(-1)!;
  return (
    <>
      <section className="panel">
        <h2>
          {share(last.conversionFromFirst)} of {int(first.customers)} customers completed the funnel
        </h2>
        <Chart
          option={option}
          label="Customers reaching each step; the table has the numbers"
          height={Math.max(240, report.steps.length * 64)}
        />
        <Table
          caption={`Within ${duration(report.windowSeconds)}, ${report.order === "any" ? "in any order" : report.order === "strict" ? "strictly in order" : "in order"}`}
          rows={report.steps}
          rowKey={(s) => s.name}
          columns={stepColumns}
        />
        {report.exclude.length > 0 && (
          <p className="note">Excluding customers who did {report.exclude.join(", ")} between steps.</p>
        )}
      </section>
      {report.breakdown && (
        <section className="panel">
          <h2>By the first step's {report.breakdown.by.replace("_", " ")}</h2>
          <Table
            rows={report.breakdown.values}
            rowKey={(v) => v.value}
            columns={[
              {
                label: report.breakdown.by,
                value: (v: NonNullable<FunnelReport["breakdown"]>["values"][number]) => v.value,
              },
              ...report.steps.map(
                (s, i): Column<NonNullable<FunnelReport["breakdown"]>["values"][number]> => ({
                  label: `${i + 1}. ${s.name}`,
                  num: true,
                  value: (v) => {
                    const x = v.steps[i];
                    return x ? `${int(x.customers)} (${share(x.conversionFromFirst, 0)})` : "—";
                  },
                }),
              ),
            ]}
          />
        </section>
      )}
    </>
  );
}

const stepColumns: Column<FunnelStepStats>[] = [
  { label: "Step", value: (s) => `${s.name}${s.optional ? " (optional)" : ""}` },
  { label: "Customers", value: (s) => int(s.customers), num: true },
  { label: "From previous", value: (s) => share(s.conversionFromPrevious), num: true },
  { label: "From first", value: (s) => share(s.conversionFromFirst), num: true },
  { label: "Dropped", value: (s) => int(s.dropOff), num: true },
  { label: "Median time from previous", value: (s) => duration(s.medianSecondsFromPrevious), num: true },
  { label: "90% within", value: (s) => duration(s.p90SecondsFromPrevious), num: true },
];
