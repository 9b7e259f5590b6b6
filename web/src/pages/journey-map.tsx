import type { CSSProperties } from "react";
import { Link } from "wouter";
import type { Gap, GapsReport } from "../../../src/analysis/gaps/report.js";
import type { JourneyMapReport, TouchpointStats } from "../../../src/analysis/journey-map/report.js";
import { PageHeader } from "../components/layout.js";
import { Stat, StatRow } from "../components/stat.js";
import { Empty, ErrorState, Loading } from "../components/states.js";
import { useFilterQuery } from "../filters.js";
import { int, money, share } from "../format.js";
import { evidenceText, HEALTH_LABEL, healthOf, satisfactionText } from "../journey.js";
import { useReport } from "../use-api.js";

/** The home page: stages as columns, touchpoints as cards coloured by health, gaps with their evidence. */
export function JourneyMapPage() {
  const map = useReport<JourneyMapReport>("journey-map");
  const gaps = useReport<GapsReport>("gaps");

  return (
    <>
      <PageHeader title="Journey map">
        <HealthLegend />
      </PageHeader>
      {map.status === "loading" && <Loading label="Measuring the journey" />}
      {map.status === "error" && <ErrorState error={map.error} retry={map.reload} />}
      {map.status === "ok" && (
        <JourneyBoard report={map.data} gaps={gaps.status === "ok" ? gaps.data.gaps : []} />
      )}
      {map.status === "ok" && gaps.status === "error" && (
        <p className="note">The gaps could not be ranked: {gaps.error.message}</p>
      )}
    </>
  );
}

function HealthLegend() {
  return (
    <ul className="legend" aria-label="Colours">
      {(["good", "watch", "poor", "idle"] as const).map((h) => (
        <li key={h}>
          <span className={`swatch health-${h}`} aria-hidden="true" />
          {HEALTH_LABEL[h]}
        </li>
      ))}
    </ul>
  );
}

function JourneyBoard({ report, gaps }: { report: JourneyMapReport; gaps: Gap[] }) {
  const { totals, currency } = report;
  const gapOf = new Map(gaps.map((g) => [g.touchpoint, g]));
  if (report.stages.length === 0)
    return <Empty title="The catalog has no stages">Define the journey in the catalog file.</Empty>;
  return (
    <>
      <StatRow>
        <Stat label="Customers" value={int(totals.customers)} />
        <Stat label="Converters" value={int(totals.converters)} />
        <Stat label="Conversions" value={int(totals.conversions)} />
        <Stat label="Revenue" value={money(totals.revenue, currency)} />
      </StatRow>
      {totals.customers === 0 && (
        <Empty title="No customers in this range">
          Widen the dates or clear the segment, or send events to a source (see Sources).
        </Empty>
      )}
      <div className="board" style={{ "--stages": report.stages.length } as CSSProperties}>
        {report.stages.map((stage) => (
          <section key={stage.id} className="stage" aria-labelledby={`stage-${stage.id}`}>
            <h2 id={`stage-${stage.id}`}>
              {stage.name} <span className="count">{stage.touchpoints.length}</span>
            </h2>
            {stage.touchpoints.length === 0 ? (
              <p className="muted">No touchpoints in this stage.</p>
            ) : (
              <ul className="cards">
                {stage.touchpoints.map((t) => (
                  <li key={t.id}>
                    <TouchpointCard
                      t={t}
                      gap={gapOf.get(t.id)}
                      currency={currency}
                      revenue={totals.revenue}
                    />
                  </li>
                ))}
              </ul>
            )}
          </section>
        ))}
      </div>
      <p className="note">
        Revenue is credited by the data-driven (Markov, order {report.attribution.order}) model over a{" "}
        {report.attribution.lookbackDays}-day lookback. Shares are of the customers who reached each
        touchpoint.
      </p>
    </>
  );
}

function TouchpointCard(props: { t: TouchpointStats; gap?: Gap; currency: string | null; revenue: number }) {
  const { t, currency } = props;
  const query = useFilterQuery();
  const health = healthOf(t, props.gap, props.revenue);
  // Minor gaps stay off the map (the Gaps page lists them all).
  const gap = health === "poor" || health === "watch" ? props.gap : undefined;
  const counted = gap?.evidence.filter((e) => e.counted) ?? [];
  return (
    <article className={`tp-card health-${health}`} data-touchpoint={t.id}>
      <h3>
        <Link href={`/touchpoints/${encodeURIComponent(t.id)}${query}`} className="card-link">
          {t.name}
        </Link>
      </h3>
      <p className="tp-meta">
        <span className={`badge health-${health}`}>{gap ? `Gap #${gap.rank}` : HEALTH_LABEL[health]}</span>
        {t.channel && <span>{t.channel}</span>}
      </p>
      <dl className="metrics">
        <div>
          <dt>Reach</dt>
          <dd data-metric="customers">{int(t.customers)}</dd>
        </div>
        <div>
          <dt>Conversion</dt>
          <dd data-metric="conversionRate">{share(t.conversionRate)}</dd>
        </div>
        <div>
          <dt>Drop-off</dt>
          <dd data-metric="dropOff">{share(t.dropOff)}</dd>
        </div>
        <div>
          <dt>Satisfaction</dt>
          <dd data-metric="satisfaction" className={t.satisfaction.responses ? undefined : "muted"}>
            {satisfactionText(t.satisfaction)}
          </dd>
        </div>
        <div className="wide">
          <dt>Attributed revenue</dt>
          <dd data-metric="attributedRevenue">{money(t.attributedRevenue, currency)}</dd>
        </div>
      </dl>
      {gap && (
        <div className="gap-evidence">
          <p className="gap-stake">
            <strong>{money(gap.revenueAtStake, currency)}</strong> at stake
          </p>
          <ul className="gap-list">
            {counted.map((e) => (
              <li key={e.metric}>{evidenceText(e)}</li>
            ))}
          </ul>
        </div>
      )}
    </article>
  );
}
