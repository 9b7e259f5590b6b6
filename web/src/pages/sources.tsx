import { type FormEvent, useState } from "react";
import { ApiError, api, withQuery } from "../api.js";
import { PageHeader } from "../components/layout.js";
import { useScrollable } from "../components/scrollable.js";
import { Empty, ErrorState, Loading } from "../components/states.js";
import { Table } from "../components/table.js";
import { dateTime } from "../format.js";
import { useSession } from "../session.js";
import { useApi } from "../use-api.js";

/** The kinds a source may declare (src/sources/sources.ts); offline kinds give their events a channel. */
const KINDS = [
  "web",
  "app",
  "server",
  "pos",
  "support",
  "call-center",
  "chat",
  "email",
  "sms",
  "survey",
  "loyalty",
  "sales",
  "events",
];

/** As `GET /api/sources` answers (src/server/source-routes.ts). */
interface Source {
  name: string;
  kind: string;
  channel: string | null;
  keyHint: string;
  createdAt: string;
  revokedAt: string | null;
}

interface ReceivedEvent {
  messageId: string;
  type: string;
  event: string | null;
  userId: string | null;
  anonymousId: string | null;
  groupId: string | null;
  source: string;
  channel: string;
  timestamp: string;
  receivedAt: string;
  properties: unknown;
  traits: unknown;
  context: unknown;
}

interface RejectedEvent {
  receivedAt: string;
  source: string | null;
  reason: string;
  field: string | null;
  messageId: string | null;
  userId: string | null;
  anonymousId: string | null;
  payload: string | null;
}

const ms = (t: string) => Date.parse(t);

/** Polling interval of the live debugger. */
const LIVE_MS = 3000;

/** Write keys (create, rotate, revoke), a live view of the events arriving, and the rejected ones. */
export function SourcesPage() {
  return (
    <>
      <PageHeader title="Sources" filter={false} />
      <Keys />
      <LiveEvents />
      <Rejected />
    </>
  );
}

function Keys() {
  const { session } = useSession();
  const sources = useApi<{ sources: Source[] }>("/api/sources");
  const [secret, setSecret] = useState<{ name: string; writeKey: string; action: string } | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [confirming, setConfirming] = useState<string | null>(null);
  const admin = session.role === "admin";

  async function act(action: () => Promise<void>) {
    setError(null);
    try {
      await action();
      sources.reload();
    } catch (err) {
      setError(err instanceof ApiError ? err.message : String(err));
    }
  }
  const rotate = (name: string) =>
    act(async () => {
      const r = await api<{ writeKey: string }>(`/api/sources/${encodeURIComponent(name)}/rotate`, {
        method: "POST",
      });
      setSecret({ name, writeKey: r.writeKey, action: "rotated" });
    });
  const revoke = (name: string) =>
    act(async () => {
      setConfirming(null);
      await api<void>(`/api/sources/${encodeURIComponent(name)}`, { method: "DELETE" });
    });

  return (
    <section className="panel" aria-labelledby="keys">
      <h2 id="keys">Write keys</h2>
      {!admin && <p className="note">Creating, rotating and revoking keys needs an admin token.</p>}
      {admin && (
        <CreateSource
          onCreated={(name, writeKey) => act(async () => setSecret({ name, writeKey, action: "created" }))}
        />
      )}
      {secret && (
        <div className="secret" role="status">
          <span>
            The write key of <strong>{secret.name}</strong> ({secret.action}), shown only now:
          </span>
          <code data-testid="write-key">{secret.writeKey}</code>
          <button type="button" onClick={() => void navigator.clipboard?.writeText(secret.writeKey)}>
            Copy
          </button>
          <button type="button" onClick={() => setSecret(null)}>
            I have saved it
          </button>
        </div>
      )}
      {error && (
        <p className="form-error" role="alert">
          {error}
        </p>
      )}
      {sources.status === "loading" && <Loading label="Loading the sources" />}
      {sources.status === "error" && <ErrorState error={sources.error} retry={sources.reload} />}
      {sources.status === "ok" &&
        (sources.data.sources.length === 0 ? (
          <Empty title="No sources yet">Create one to receive events.</Empty>
        ) : (
          <Table
            caption="Sources"
            rows={sources.data.sources}
            rowKey={(s) => s.name}
            columns={[
              { label: "Name", value: (s: Source) => s.name },
              { label: "Kind", value: (s) => s.kind },
              { label: "Channel", value: (s) => s.channel ?? "from UTM and referrer" },
              { label: "Key", value: (s) => <code>{s.keyHint}</code> },
              { label: "Created", value: (s) => dateTime(ms(s.createdAt)) },
              {
                label: "Status",
                value: (s) => (s.revokedAt ? `revoked ${dateTime(ms(s.revokedAt))}` : "active"),
              },
              {
                label: "Actions",
                value: (s) =>
                  admin && !s.revokedAt ? (
                    <span className="row-actions">
                      <button type="button" onClick={() => void rotate(s.name)}>
                        Rotate<span className="visually-hidden"> the key of {s.name}</span>
                      </button>
                      {confirming === s.name ? (
                        <>
                          <button type="button" className="danger" onClick={() => void revoke(s.name)}>
                            Revoke {s.name} for good
                          </button>
                          <button type="button" onClick={() => setConfirming(null)}>
                            Keep
                          </button>
                        </>
                      ) : (
                        <button type="button" className="danger" onClick={() => setConfirming(s.name)}>
                          Revoke<span className="visually-hidden"> {s.name}</span>
                        </button>
                      )}
                    </span>
                  ) : (
                    "—"
                  ),
              },
            ]}
          />
        ))}
    </section>
  );
}

function CreateSource({ onCreated }: { onCreated: (name: string, writeKey: string) => void }) {
  const [name, setName] = useState("");
  const [kind, setKind] = useState("web");
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  async function submit(event: FormEvent) {
    event.preventDefault();
    setBusy(true);
    setError(null);
    try {
      const r = await api<{ writeKey: string }>("/api/sources", {
        method: "POST",
        body: { name: name.trim(), kind },
      });
      onCreated(name.trim(), r.writeKey);
      setName("");
    } catch (err) {
      setError(err instanceof ApiError ? err.message : String(err));
    } finally {
      setBusy(false);
    }
  }
  return (
    <form className="controls" onSubmit={submit} aria-label="Create a source">
      <label className="field grow">
        New source name
        <input
          name="name"
          required
          value={name}
          onChange={(e) => setName(e.target.value)}
          autoComplete="off"
        />
      </label>
      <label className="field">
        Kind
        <select name="kind" value={kind} onChange={(e) => setKind(e.target.value)}>
          {KINDS.map((k) => (
            <option key={k}>{k}</option>
          ))}
        </select>
      </label>
      <button type="submit" className="primary" disabled={busy}>
        Create
      </button>
      {error && (
        <p className="form-error" role="alert">
          {error}
        </p>
      )}
    </form>
  );
}

function LiveEvents() {
  const [live, setLive] = useState(true);
  const events = useApi<{ events: ReceivedEvent[] }>(
    withQuery("/api/sources/events", { limit: 50 }),
    live ? LIVE_MS : undefined,
  );
  return (
    <section className="panel" aria-labelledby="live">
      <div className="page-header">
        <h2 id="live">Live events</h2>
        <button type="button" aria-pressed={!live} onClick={() => setLive(!live)}>
          {live ? "Pause" : "Resume"}
        </button>
      </div>
      <p className="note" aria-live="off">
        The last 50 events received, newest first
        {live ? `; refreshed every ${LIVE_MS / 1000} seconds` : "; paused"}.
      </p>
      {events.status === "loading" && <Loading label="Waiting for events" />}
      {events.status === "error" && <ErrorState error={events.error} retry={events.reload} />}
      {events.status === "ok" &&
        (events.data.events.length === 0 ? (
          <Empty title="No events received yet">
            Send one with a source's write key to see it here at once.
          </Empty>
        ) : (
          <ul className="feed" data-testid="live-events">
            {events.data.events.map((e) => (
              <li key={e.messageId}>
                <span className="when">{dateTime(ms(e.receivedAt))}</span> ·{" "}
                <strong>{e.event ?? e.type}</strong> · {e.type} · source {e.source}· {e.channel} ·{" "}
                {e.userId ?? e.anonymousId ?? "no id"}
                <details>
                  <summary>Payload</summary>
                  <Payload text={JSON.stringify(e, null, 2)} label={`Payload of ${e.messageId}`} />
                </details>
              </li>
            ))}
          </ul>
        ))}
    </section>
  );
}

/** An event as received; it scrolls in its box past a few lines (a region named `label` then). */
function Payload({ text, label }: { text: string; label: string }) {
  const scrollable = useScrollable({ label });
  return (
    <pre className="json" {...scrollable}>
      {text}
    </pre>
  );
}

function Rejected() {
  const rejected = useApi<{ rejected: RejectedEvent[] }>(withQuery("/api/sources/rejected", { limit: 50 }));
  return (
    <section className="panel" aria-labelledby="rejected">
      <div className="page-header">
        <h2 id="rejected">Rejected events</h2>
        <button type="button" onClick={rejected.reload}>
          Refresh
        </button>
      </div>
      {rejected.status === "loading" && <Loading />}
      {rejected.status === "error" && <ErrorState error={rejected.error} retry={rejected.reload} />}
      {rejected.status === "ok" &&
        (rejected.data.rejected.length === 0 ? (
          <Empty title="Nothing rejected">Every event received so far was valid.</Empty>
        ) : (
          <ul className="feed">
            {rejected.data.rejected.map((r) => (
              <li key={`${r.receivedAt} ${r.messageId} ${r.reason} ${r.field}`}>
                <span className="when">{dateTime(ms(r.receivedAt))}</span> · source {r.source ?? "unknown"} ·{" "}
                <strong>{r.reason}</strong>
                {r.field && ` (${r.field})`}
                {r.payload && (
                  <details>
                    <summary>Payload</summary>
                    <Payload
                      text={r.payload}
                      label={`Payload rejected ${dateTime(ms(r.receivedAt))}, ${r.messageId ?? "no message id"}`}
                    />
                  </details>
                )}
              </li>
            ))}
          </ul>
        ))}
    </section>
  );
}
