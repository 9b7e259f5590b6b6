import { Link } from "wouter";
import type { FeedbackReport } from "../../../src/analysis/feedback/report.js";
import { dateTime, num } from "../format.js";

type Detractor = FeedbackReport["detractors"][number];

/** Detractors' answers, most recent first, each linked to the customer's 360. */
export function DetractorComments({ rows, names }: { rows: Detractor[]; names?: Map<string, string> }) {
  if (rows.length === 0) return <p className="muted">No detractor answers in this range.</p>;
  return (
    <ul className="feed">
      {rows.map((d) => (
        <li key={`${d.customerId}-${d.time}-${d.metric}`}>
          <span className="when">{dateTime(d.time)}</span> ·{" "}
          <Link href={`/customers/${encodeURIComponent(d.customerId)}`}>{d.customerId}</Link> ·{" "}
          {d.metric.toUpperCase()} {num(d.score, 0)}
          {d.touchpoint && <> · {names?.get(d.touchpoint) ?? d.touchpoint}</>}
          {d.comment ? <p className="comment">“{d.comment}”</p> : <p className="comment muted">no comment</p>}
        </li>
      ))}
    </ul>
  );
}
