import { Link } from "wouter";
import type { CustomerProfile } from "../../../src/analysis/customer/report.js";
import { PageHeader } from "../components/layout.js";
import { Stat, StatRow } from "../components/stat.js";
import { ErrorState, Loading } from "../components/states.js";
import { Table } from "../components/table.js";
import { date, dateTime, int, money, num, share } from "../format.js";
import { useApi } from "../use-api.js";

type Event = CustomerProfile["timeline"][number];

/** The customer 360: ids, traits, channels, value, feedback and the timeline of every touchpoint. */
export function CustomerPage({ params }: { params: { id: string } }) {
  const id = decodeURIComponent(params.id);
  const profile = useApi<CustomerProfile>(`/api/customers/${encodeURIComponent(id)}`);
  const back = <Link href="/customers">← Customers</Link>;
  return (
    <>
      <PageHeader title={`Customer ${id}`} filter={false}>
        {back}
      </PageHeader>
      {profile.status === "loading" && <Loading label="Loading the customer" />}
      {profile.status === "error" && <ErrorState error={profile.error} retry={profile.reload} />}
      {profile.status === "ok" && <Profile p={profile.data} />}
    </>
  );
}

const show = (v: unknown) => (typeof v === "string" ? v : JSON.stringify(v));

function Profile({ p }: { p: CustomerProfile }) {
  const lv = p.lifetimeValue;
  const traits = Object.entries(p.traits);
  return (
    <>
      <StatRow>
        <Stat label="First seen" value={date(p.firstSeen)} />
        <Stat label="Last seen" value={date(p.lastSeen)} />
        <Stat label="Events" value={int(p.events)} />
        <Stat label="Conversions" value={int(p.conversions)} />
        <Stat label="Revenue" value={money(p.revenue, p.currency, 2)} />
        {lv && <Stat label="CLV" value={money(lv.clv, p.currency, 2)} hint={lv.segment ?? undefined} />}
        {lv && <Stat label="P(alive)" value={share(lv.pAlive, 0)} />}
      </StatRow>
      <div className="grid-2">
        <section className="panel">
          <h2>Identity</h2>
          <ul className="feed">
            {p.ids.map((x) => (
              <li key={`${x.kind}:${x.id}`}>
                <span className="when">{x.kind}</span> <code>{x.id}</code>
              </li>
            ))}
          </ul>
          <h2 className="sub">Traits</h2>
          {traits.length === 0 ? (
            <p className="muted">No traits identified.</p>
          ) : (
            <dl className="metrics">
              {traits.map(([k, v]) => (
                <div key={k}>
                  <dt>{k}</dt>
                  <dd>{show(v)}</dd>
                </div>
              ))}
            </dl>
          )}
        </section>
        <section className="panel">
          <h2>Channels</h2>
          <Table
            rows={p.channels}
            rowKey={(c) => c.channel}
            columns={[
              { label: "Channel", value: (c: CustomerProfile["channels"][number]) => c.channel },
              { label: "Events", value: (c) => int(c.events), num: true },
            ]}
          />
          <h2 className="sub">Feedback</h2>
          {p.feedback.length === 0 ? (
            <p className="muted">No survey answers.</p>
          ) : (
            <ul className="feed">
              {p.feedback.map((f) => (
                <li key={`${f.time}-${f.metric}`}>
                  <span className="when">{dateTime(f.time)}</span> · {f.metric.toUpperCase()}{" "}
                  {num(f.score, 0)}
                  {f.touchpoint && ` · ${f.touchpoint}`}
                  {f.comment && <p className="comment">“{f.comment}”</p>}
                </li>
              ))}
            </ul>
          )}
        </section>
      </div>
      <section className="panel">
        <h2>Timeline</h2>
        <Table
          caption={`Most recent first (${int(p.timeline.length)} of ${int(p.events)} events)`}
          rows={p.timeline}
          rowKey={(e, i) => `${e.time}-${i}`}
          empty="No events."
          columns={[
            { label: "When", value: (e: Event) => dateTime(e.time) },
            {
              label: "Event",
              value: (e) => (
                <>
                  {e.goal ? <strong>{e.event}</strong> : e.event}
                  {e.value !== null && ` · ${money(e.value, p.currency, 2)}`}
                </>
              ),
            },
            { label: "Touchpoint", value: (e) => e.touchpoint ?? (e.goal ? `goal: ${e.goal}` : "—") },
            { label: "Stage", value: (e) => e.stage ?? "—" },
            { label: "Channel", value: (e) => e.channel },
            { label: "Source", value: (e) => e.source },
          ]}
        />
      </section>
    </>
  );
}
