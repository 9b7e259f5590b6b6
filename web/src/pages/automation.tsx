import { type FormEvent, useEffect, useState } from "react";
import { Link } from "wouter";
import type {
  AutomationReport,
  DryRunReport,
  Job,
  JobLog,
  JobStatus,
  RuleSummary,
} from "../../../src/automation/report.js";
import { withQuery } from "../api.js";
import { PageHeader } from "../components/layout.js";
import { Stat, StatRow } from "../components/stat.js";
import { Empty, ErrorState, Loading } from "../components/states.js";
import { type Column, Table } from "../components/table.js";
import { type Filters, useFilters, useQueryParam } from "../filters.js";
import { date, dateTime, int, num, share, signed } from "../format.js";
import { useApi } from "../use-api.js";

/** Every job status the API knows, in its order (the Record type makes the compiler check the list). */
const STATUS_LABEL: Record<JobStatus, string> = {
  scheduled: "Scheduled",
  sending: "Sending",
  sent: "Sent",
  held_out: "Held out",
  skipped: "Skipped",
  suppressed: "Suppressed",
  failed: "Failed",
};
const STATUSES = Object.keys(STATUS_LABEL) as JobStatus[];

/** The statuses shown on each rule: what it did (scheduled and sending are in the run log). */
const RULE_STATUSES: JobStatus[] = ["sent", "held_out", "skipped", "suppressed", "failed"];

const STATUS_TONE: Partial<Record<JobStatus, string>> = {
  sent: "health-good",
  skipped: "health-watch",
  suppressed: "health-watch",
  failed: "health-poor",
};

/** A dry run's outcomes (src/automation/dry-run.ts). */
const OUTCOME_LABEL: Record<string, string> = {
  would_send: "Would send",
  held_out: "Held out",
  skipped: "Skipped",
  suppressed: "Suppressed",
  pending: "Pending",
};
const OUTCOMES = Object.keys(OUTCOME_LABEL);

const outcomeLabel = (o: string) => OUTCOME_LABEL[o] ?? o.replace(/_/g, " ");

/** Occurrences a dry run lists (all are counted). */
const DRY_RUN_LIMIT = 100;
/** Jobs the run log lists. */
const LOG_LIMIT = 50;
/** While the rules run live, the run log is refreshed this often. */
const LOG_POLL_MS = 10_000;

const DAY = 86_400_000;
const isoDay = (ms: number) => new Date(ms).toISOString().slice(0, 10);

/** The dry run's range from the global filter: to (exclusive) default tomorrow, from 30 days before it. */
function defaultRange(filters: Filters): { from: string; to: string } {
  const to = filters.to || isoDay(Date.now() + DAY);
  const toMs = Date.parse(`${to}T00:00:00Z`);
  const from = filters.from || (Number.isFinite(toMs) ? isoDay(toMs - 30 * DAY) : "");
  return { from, to };
}

/** A difference of two rates (0–1) in percentage points: +2.4 pp. */
const points = (x: number | null) => (x === null ? "—" : `${signed(x * 100, 1)} pp`);
const pValue = (p: number | null) => (p === null ? "—" : p < 0.001 ? "< 0.001" : num(p, 3));

const customerLink = (id: string) => <Link href={`/customers/${encodeURIComponent(id)}`}>{id}</Link>;

/** The automation rules with their lift, a dry run over past events, and the run log. */
export function AutomationPage() {
  const report = useApi<AutomationReport>("/api/automation");
  const rules = report.data?.rules ?? [];
  return (
    <>
      <PageHeader title="Automation" filter={false} />
      {report.status === "loading" && <Loading label="Loading the rules" />}
      {report.status === "error" &&
        (report.error.status === 404 ? (
          <Empty title="This server has no automation">
            Start it with <code>touchpoint serve</code> to see and dry-run the rules.
          </Empty>
        ) : (
          <ErrorState error={report.error} retry={report.reload} />
        ))}
      {report.status === "ok" && (
        <>
          <Banner report={report.data} />
          <Rules rules={report.data.rules} />
        </>
      )}
      <DryRun rules={rules} />
      <RunLog rules={rules} live={report.data?.live ?? false} />
    </>
  );
}

function Banner({ report }: { report: AutomationReport }) {
  const file = <code title={report.playbook}>{report.playbook}</code>;
  return report.live ? (
    <div className="banner live" data-testid="automation-mode">
      <p>
        <strong>Live:</strong> the server runs the rules of {file}. Their emails, webhooks and traits go out
        as customers trigger them.
      </p>
    </div>
  ) : (
    <div className="banner off" data-testid="automation-mode">
      <p>
        <strong>Dry run only:</strong> the server runs no rules, and nothing is sent. Shown are the rules of{" "}
        {file}, so they can be dry-run below.
      </p>
      <p>
        To turn automation on, copy them to <code>automation.yml</code>, adapt them and start the server with{" "}
        <code>touchpoint serve --rules automation.yml</code>.
      </p>
    </div>
  );
}

function Rules({ rules }: { rules: RuleSummary[] }) {
  if (rules.length === 0)
    return <Empty title="No rules">The playbook has no rules yet: add some to its file.</Empty>;
  const enabled = rules.filter((r) => r.enabled).length;
  return (
    <section className="panel" aria-labelledby="rules">
      <h2 id="rules">
        Rules{" "}
        <span className="hint">
          {int(enabled)} of {int(rules.length)} enabled
        </span>
      </h2>
      <ul className="rule-cards">
        {rules.map((r) => (
          <li key={r.id}>
            <RuleCard rule={r} />
          </li>
        ))}
      </ul>
    </section>
  );
}

function RuleCard({ rule }: { rule: RuleSummary }) {
  const headingId = `rule-${rule.id}`;
  return (
    <article
      className={`card rule-card${rule.enabled ? "" : " disabled"}`}
      data-rule={rule.id}
      aria-labelledby={headingId}
    >
      <div className="rule-head">
        <h3 id={headingId}>{rule.name}</h3>
        {!rule.enabled && <span className="badge">Disabled</span>}
        <code className="muted">{rule.id}</code>
      </div>
      {rule.description && <p className="rule-description">{rule.description}</p>}
      <dl className="metrics">
        <div className="wide">
          <dt>Trigger</dt>
          <dd data-metric="trigger">{rule.trigger}</dd>
        </div>
        <div>
          <dt>Wait</dt>
          <dd data-metric="wait">{rule.wait}</dd>
        </div>
        <div>
          <dt>Holdout</dt>
          <dd data-metric="holdout">{share(rule.holdout)}</dd>
        </div>
        <div className="wide">
          <dt>Actions</dt>
          <dd data-metric="actions">
            <ul className="plain-list">
              {rule.actions.map((a, i) => (
                // biome-ignore lint/suspicious/noArrayIndexKey: two actions may read alike; their order is their identity.
                <li key={i}>{a}</li>
              ))}
            </ul>
          </dd>
        </div>
      </dl>
      <h4>Jobs</h4>
      <dl className="metrics job-counts">
        {RULE_STATUSES.map((s) => (
          <div key={s}>
            <dt>{STATUS_LABEL[s]}</dt>
            <dd data-metric={`jobs-${s}`}>{int(rule.jobs[s] ?? 0)}</dd>
          </div>
        ))}
      </dl>
      <Lift rule={rule} />
    </article>
  );
}

function Lift({ rule }: { rule: RuleSummary }) {
  const { treated, control, lift } = rule;
  const enough = treated.customers > 0 && control.customers > 0 && lift.absolute !== null;
  const group = (g: RuleSummary["treated"]) =>
    g.customers === 0 ? "no occurrences" : `${int(g.converted)} of ${int(g.customers)} converted`;
  const significant = enough && lift.pValue !== null && lift.pValue < 0.05;
  return (
    <>
      <h4>
        Lift: {rule.goal} within {rule.window}
      </h4>
      <dl className="metrics">
        <div>
          <dt>Treated</dt>
          <dd data-metric="treated">{share(treated.rate)}</dd>
          <dd className="hint">{group(treated)}</dd>
        </div>
        <div>
          <dt>Control (held out)</dt>
          <dd data-metric="control">{share(control.rate)}</dd>
          <dd className="hint">{group(control)}</dd>
        </div>
        {enough ? (
          <>
            <div>
              <dt>Lift</dt>
              <dd data-metric="lift">{points(lift.absolute)}</dd>
              <dd className="hint" data-metric="interval">
                95% interval {points(lift.low)} to {points(lift.high)}
              </dd>
            </div>
            <div>
              <dt>p-value</dt>
              <dd data-metric="p-value">{pValue(lift.pValue)}</dd>
              <dd className="hint">
                {significant ? (
                  <span className={`badge ${lift.absolute! > 0 ? "health-good" : "health-poor"}`}>
                    {lift.absolute! > 0 ? "better than no action" : "worse than no action"}
                  </span>
                ) : (
                  "not significant at 95%"
                )}
              </dd>
            </div>
          </>
        ) : (
          <div className="wide">
            <dt>Lift</dt>
            <dd data-metric="lift">not enough data</dd>
            <dd className="hint">
              {rule.holdout === 0
                ? "the rule holds no one out, so there is no control group"
                : "both groups need occurrences"}
            </dd>
          </div>
        )}
      </dl>
    </>
  );
}

function DryRun({ rules }: { rules: RuleSummary[] }) {
  const [filters] = useFilters();
  const defaults = defaultRange(filters);
  const [from, setFrom] = useState(defaults.from);
  const [to, setTo] = useState(defaults.to);
  const [rule, setRule] = useState("");
  const [path, setPath] = useState<string | null>(null);
  const result = useApi<DryRunReport>(path);

  // A new global range (a link followed, back and forward) becomes the new default.
  useEffect(() => {
    setFrom(defaults.from);
    setTo(defaults.to);
  }, [defaults.from, defaults.to]);

  function run(event: FormEvent) {
    event.preventDefault();
    const next = withQuery("/api/automation/dry-run", { from, to, rule, limit: DRY_RUN_LIMIT });
    if (next === path) result.reload();
    else setPath(next);
  }

  return (
    <section className="panel" aria-labelledby="dry-run">
      <h2 id="dry-run">Dry run</h2>
      <p className="note">
        On the events of a past range: whom each rule would have triggered, when its actions would have been
        due, and what would have happened. Nothing is sent or written.
      </p>
      <form className="controls" onSubmit={run} aria-label="Dry run">
        <label className="field">
          From
          <input type="date" name="from" required value={from} onChange={(e) => setFrom(e.target.value)} />
        </label>
        <label className="field">
          Before
          <input type="date" name="to" value={to} onChange={(e) => setTo(e.target.value)} />
        </label>
        <RuleSelect rules={rules} value={rule} onChange={setRule} />
        <button type="submit" className="primary">
          Run
        </button>
      </form>
      {path === null ? (
        <p className="muted">Choose a range (at most a year) and run the rules over it.</p>
      ) : result.status === "loading" ? (
        <Loading label="Running the rules over past events" />
      ) : result.status === "error" ? (
        <ErrorState error={result.error} retry={result.reload} />
      ) : (
        <DryRunResult report={result.data} rules={rules} />
      )}
    </section>
  );
}

type DryRunRule = DryRunReport["rules"][number];
type Occurrence = DryRunReport["occurrences"][number];

function DryRunResult({ report, rules }: { report: DryRunReport; rules: RuleSummary[] }) {
  const names = new Map(rules.map((r) => [r.id, r.name]));
  const total = report.rules.reduce((n, r) => n + r.triggered, 0);
  const extra = [
    ...new Set(report.rules.flatMap((r) => Object.keys(r.outcomes)).filter((o) => !OUTCOMES.includes(o))),
  ];
  const columns: Column<DryRunRule>[] = [
    { label: "Rule", value: (r) => r.name },
    { label: "Triggered", value: (r) => int(r.triggered), num: true },
    ...[...OUTCOMES, ...extra].map(
      (o): Column<DryRunRule> => ({
        label: outcomeLabel(o),
        value: (r) => int(r.outcomes[o] ?? 0),
        num: true,
      }),
    ),
    { label: "Note", value: (r) => r.note ?? "" },
  ];
  return (
    <div className="dry-run-result" data-testid="dry-run-result">
      <p className="note" role="status">
        From {date(report.from)} to before {date(report.to)}: {int(total)} trigger occurrences.
      </p>
      <Table caption="Per rule" rows={report.rules} rowKey={(r) => r.id} columns={columns} />
      <Table
        caption={`Occurrences: the first ${int(report.occurrences.length)} of ${int(total)}, by trigger time`}
        rows={report.occurrences}
        rowKey={(o) => `${o.rule} ${o.triggerMessageId}`}
        empty="No rule would have triggered in this range."
        columns={[
          { label: "Triggered", value: (o: Occurrence) => dateTime(o.triggeredAt) },
          { label: "Rule", value: (o) => names.get(o.rule) ?? o.rule },
          { label: "Customer", value: (o) => customerLink(o.customerId) },
          { label: "Due", value: (o) => dateTime(o.dueAt) },
          { label: "Outcome", value: (o) => outcomeLabel(o.outcome) },
          { label: "Reason", value: (o) => o.reason ?? "" },
        ]}
      />
    </div>
  );
}

function RunLog({ rules, live }: { rules: RuleSummary[]; live: boolean }) {
  const [status, setStatus] = useQueryParam("status", "");
  const [rule, setRule] = useQueryParam("rule", "");
  const log = useApi<JobLog>(
    withQuery("/api/automation/jobs", { status, rule, limit: LOG_LIMIT }),
    live ? LOG_POLL_MS : undefined,
  );
  const names = new Map(rules.map((r) => [r.id, r.name]));
  return (
    <section className="panel" aria-labelledby="run-log">
      <div className="page-header">
        <h2 id="run-log">Run log</h2>
        <button type="button" onClick={log.reload}>
          Refresh
        </button>
      </div>
      <p className="note">
        The latest {LOG_LIMIT} jobs, most recently updated first
        {live ? `; refreshed every ${LOG_POLL_MS / 1000} seconds` : ""}. One job is one action of one
        occurrence.
      </p>
      <form className="controls" aria-label="Filter the run log" onSubmit={(e) => e.preventDefault()}>
        <label className="field">
          Status
          <select name="status" value={status} onChange={(e) => setStatus(e.target.value)}>
            <option value="">All statuses</option>
            {STATUSES.map((s) => (
              <option key={s} value={s}>
                {STATUS_LABEL[s]}
              </option>
            ))}
          </select>
        </label>
        <RuleSelect rules={rules} value={rule} onChange={setRule} />
      </form>
      {log.status === "loading" && <Loading label="Loading the run log" />}
      {log.status === "error" && <ErrorState error={log.error} retry={log.reload} />}
      {log.status === "ok" && <Jobs log={log.data} names={names} live={live} filtered={!!(status || rule)} />}
    </section>
  );
}

function Jobs({
  log,
  names,
  live,
  filtered,
}: {
  log: JobLog;
  names: Map<string, string>;
  live: boolean;
  filtered: boolean;
}) {
  return (
    <>
      <StatRow>
        {STATUSES.map((s) => (
          <Stat key={s} label={STATUS_LABEL[s]} value={int(log.counts[s] ?? 0)} />
        ))}
      </StatRow>
      {log.jobs.length === 0 ? (
        filtered ? (
          <Empty title="No job matches">Choose another status or rule.</Empty>
        ) : (
          <Empty title="No jobs yet">
            {live
              ? "Jobs appear here as customers trigger the rules."
              : "Automation is off: rules make jobs only when the server runs them."}
          </Empty>
        )
      ) : (
        <Table
          caption="Jobs"
          rows={log.jobs}
          rowKey={(j) => j.id}
          columns={[
            { label: "Updated", value: (j: Job) => dateTime(j.updatedAt) },
            { label: "Rule", value: (j) => names.get(j.rule) ?? j.rule },
            { label: "Action", value: (j) => `${j.action + 1}. ${j.actionKind}` },
            { label: "Customer", value: (j) => customerLink(j.customerId) },
            {
              label: "Status",
              value: (j) => (
                <span className={`badge ${STATUS_TONE[j.status] ?? ""}`}>
                  {STATUS_LABEL[j.status] ?? j.status}
                </span>
              ),
            },
            { label: "Attempts", value: (j) => int(j.attempts), num: true },
            { label: "Triggered", value: (j) => dateTime(j.triggeredAt) },
            { label: "Due", value: (j) => dateTime(j.dueAt) },
            {
              label: "Next attempt",
              value: (j) => (j.nextAttemptAt === null ? "—" : dateTime(j.nextAttemptAt)),
            },
            {
              label: "Last error or reason",
              value: (j) => [j.lastError, j.reason].filter(Boolean).join(" · ") || "—",
            },
          ]}
        />
      )}
    </>
  );
}

/** All rules or one, by id. */
function RuleSelect({
  rules,
  value,
  onChange,
}: {
  rules: readonly RuleSummary[];
  value: string;
  onChange: (id: string) => void;
}) {
  return (
    <label className="field">
      Rule
      <select name="rule" value={value} onChange={(e) => onChange(e.target.value)}>
        <option value="">All rules</option>
        {rules.map((r) => (
          <option key={r.id} value={r.id}>
            {r.name}
          </option>
        ))}
      </select>
    </label>
  );
}
