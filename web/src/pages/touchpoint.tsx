import { Link } from "wouter";
import type { FeedbackReport } from "../../../src/analysis/feedback/report.js";
import type { GapsReport } from "../../../src/analysis/gaps/report.js";
import type { JourneyMapReport, TouchpointStats } from "../../../src/analysis/journey-map/report.js";
import type { PathsReport } from "../../../src/analysis/paths/report.js";
import { DetractorComments } from "../components/comments.js";
import { FeedbackTrend } from "../components/feedback-trend.js";
import { PageHeader } from "../components/layout.js";
import { Stat, StatRow } from "../components/stat.js";
import { Empty, ErrorState, Loading } from "../components/states.js";
import { Table } from "../components/table.js";
import { useFilterQuery } from "../filters.js";
import { duration, int, money, num, percent, share, signed } from "../format.js";
import { evidenceStake, evidenceText, HEALTH_LABEL, healthOf } from "../journey.js";
import { useReport } from "../use-api.js";

/** One touchpoint: what the journey map measures of it, its gap, and what customers said about it. */
export function TouchpointPage({ params }: { params: { id: string } }) {
  const id = decodeURIComponent(params.id);
  const query = useFilterQuery();
  const map = useReport<JourneyMapReport>("journey-map");
  const gaps = useReport<GapsReport>("gaps");
  const feedback = useReport<FeedbackReport>("feedback", { by: "touchpoint", detractors: 500 });

  const t = map.data?.stages.flatMap((s) => s.touchpoints).find((x) => x.id === id);
  const back = (
    <Link href={`/${query}`} className="back">
      ← Journey map
    </Link>
  );
  if (map.status === "loading")
    return (
      <>
        <PageHeader title="Touchpoint">{back}</PageHeader>
        <Loading />
      </>
    );
  if (map.status === "error")
    return (
      <>
        <PageHeader title="Touchpoint">{back}</PageHeader>
        <ErrorState error={map.error} retry={map.reload} />
      </>
    );
  if (!t)
    return (
      <>
        <PageHeader title="Touchpoint">{back}</PageHeader>
        <Empty title={`No touchpoint "${id}" in the catalog`} />
      </>
    );

  const { currency, totals } = map.data!;
  const gap = gaps.data?.gaps.find((g) => g.touchpoint === id);
  const health = healthOf(t, gap, totals.revenue);
  const group = feedback.data?.groups.find((g) => g.key === id);
  const comments = feedback.data?.detractors.filter((d) => d.touchpoint === id) ?? [];

  return (
    <>
      <PageHeader title={t.name}>{back}</PageHeader>
      <p className="tp-meta">
        <span className={`badge health-${health}`}>{gap ? `Gap #${gap.rank}` : HEALTH_LABEL[health]}</span>
        <span>stage {t.stage}</span>
        {t.channel && <span>channel {t.channel}</span>}
        {t.owner && <span>owner {t.owner}</span>}
      </p>
      <StatRow>
        <Stat label="Customers reached" value={int(t.customers)} hint={`${int(t.events)} events`} />
        <Stat label="Conversion" value={share(t.conversionRate)} />
        <Stat label="Share of converters" value={share(t.shareOfConverters)} />
        <Stat label="Drop-off" value={share(t.dropOff)} hint={`${int(t.droppedCustomers)} customers`} />
        <Stat label="Time to next" value={duration(t.medianSecondsToNext)} hint="median" />
        <Stat label="Time to conversion" value={duration(t.medianSecondsToConversion)} hint="median" />
        <Stat label="Attributed conversions" value={num(t.attributedConversions, 1)} />
        <Stat label="Attributed revenue" value={money(t.attributedRevenue, currency)} />
      </StatRow>
      <div className="grid-2">
        <section className="panel" aria-labelledby="sat">
          <h2 id="sat">Satisfaction</h2>
          <Satisfaction t={t} />
        </section>
        <section className="panel" aria-labelledby="gap">
          <h2 id="gap">Gap</h2>
          {gaps.status === "error" && <ErrorState error={gaps.error} />}
          {gaps.status === "loading" && <Loading />}
          {gaps.status === "ok" &&
            (gap ? (
              <>
                <p>
                  Rank {gap.rank} of {gaps.data!.gaps.length}:{" "}
                  <strong>{money(gap.revenueAtStake, currency)}</strong> at stake.
                </p>
                <ul className="evidence-list">
                  {gap.evidence.map((e) => (
                    <li key={e.metric} className={e.counted ? undefined : "uncounted"}>
                      {evidenceText(e)}: {evidenceStake(e, currency)}
                      {!e.counted && " (overlaps a larger one; not counted)"}
                    </li>
                  ))}
                </ul>
              </>
            ) : (
              <p className="muted">No gap: it performs like its stage peers and meets its targets.</p>
            ))}
        </section>
      </div>
      <section className="panel" aria-labelledby="flows">
        <h2 id="flows">Flows in and out</h2>
        <div className="grid-2">
          <Neighbours id={id} direction="in" />
          <Neighbours id={id} direction="out" />
        </div>
      </section>
      <section className="panel" aria-labelledby="trend">
        <h2 id="trend">Feedback over time</h2>
        {feedback.status === "loading" && <Loading />}
        {feedback.status === "error" && <ErrorState error={feedback.error} retry={feedback.reload} />}
        {feedback.status === "ok" &&
          (group ? (
            <FeedbackTrend
              trend={group.trend}
              label={`NPS and CSAT of ${t.name} by ${feedback.data!.period}`}
            />
          ) : (
            <p className="muted">No survey answers rate this touchpoint in this range.</p>
          ))}
      </section>
      <section className="panel" aria-labelledby="comments">
        <h2 id="comments">Detractor comments</h2>
        {feedback.status === "ok" && <DetractorComments rows={comments} />}
      </section>
    </>
  );
}

function Satisfaction({ t }: { t: TouchpointStats }) {
  const s = t.satisfaction;
  if (s.responses === 0)
    return <p className="muted">No survey answers rate this touchpoint in this range.</p>;
  const target = t.target;
  return (
    <dl className="metrics">
      <div>
        <dt>Answers</dt>
        <dd>{int(s.responses)}</dd>
      </div>
      <div>
        <dt>CSAT (4–5)</dt>
        <dd>{percent(s.csat)}</dd>
      </div>
      <div>
        <dt>CSAT mean</dt>
        <dd>
          {num(s.csatMean, 2)}
          {target.csat !== undefined && <span className="hint"> target {num(target.csat, 2)}</span>}
        </dd>
      </div>
      <div>
        <dt>NPS</dt>
        <dd>
          {signed(s.nps)}
          {target.nps !== undefined && <span className="hint"> target {signed(target.nps)}</span>}
        </dd>
      </div>
      <div>
        <dt>CES (1–7)</dt>
        <dd>
          {num(s.ces, 2)}
          {target.ces !== undefined && <span className="hint"> target {num(target.ces, 2)}</span>}
        </dd>
      </div>
    </dl>
  );
}

interface Neighbour {
  key: string;
  name: string;
  count: number;
}

/**
 * Where customers come from before the touchpoint, or go after it: the paths report from it (or to it)
 * over two steps. Those who start (or end) their journey there are a row of their own.
 */
function Neighbours({ id, direction }: { id: string; direction: "in" | "out" }) {
  const paths = useReport<PathsReport>(
    "paths",
    direction === "in" ? { end: id, depth: 2 } : { start: id, depth: 2 },
  );
  const title = direction === "in" ? "Comes from" : "Goes to";
  if (paths.status === "loading") return <Loading label={title} />;
  if (paths.status === "error") return <ErrorState error={paths.error} retry={paths.reload} />;
  const { nodes, links } = paths.data.sankey;
  const self = nodes.find((n) => n.touchpoint === id && n.step === (direction === "in" ? 2 : 1));
  const total = paths.data.sequences;
  const rows: Neighbour[] = links
    .filter((l) => (direction === "in" ? l.target === self?.id : l.source === self?.id))
    .map((l) => {
      const other = nodes.find((n) => n.id === (direction === "in" ? l.source : l.target));
      return { key: other?.id ?? "", name: other?.name ?? "", count: l.value };
    })
    .sort((a, b) => b.count - a.count);
  const edge = direction === "in" ? self?.entries : self?.dropOff;
  if (edge)
    rows.push({
      key: "(edge)",
      name: direction === "in" ? "(the journey starts here)" : "(the journey ends here)",
      count: edge,
    });
  return (
    <Table
      caption={title}
      rows={rows}
      rowKey={(r) => r.key}
      empty={`No customers reached it in this range.`}
      columns={[
        { label: direction === "in" ? "Before" : "After", value: (r: Neighbour) => r.name },
        { label: "Customers", value: (r) => int(r.count), num: true },
        { label: "Share", value: (r) => share(total ? r.count / total : null), num: true },
      ]}
    />
  );
}
