import { useEffect, useRef, useState } from "react";
import { ApiError, api } from "../api.js";
import { PageHeader } from "../components/layout.js";
import { ErrorState, Loading } from "../components/states.js";
import { Table } from "../components/table.js";
import { useApi } from "../use-api.js";

export interface CatalogTouchpoint {
  id: string;
  name: string;
  stage: string;
  channel: string | null;
  owner: string | null;
  description: string | null;
  line: number;
}

/** A problem in a catalog text; line 0 when it is about the file as a whole. */
interface CheckIssue {
  line: number;
  column: number;
  message: string;
}

/** As `GET /api/catalog` answers (src/server/catalog-routes.ts). */
export interface CatalogAnswer {
  /** "built-in", or the catalog file as given to the server. */
  source: string;
  yaml: string;
  /** Problems in the file as it is now; when any, the catalog in force is its last valid version. */
  fileIssues: CheckIssue[];
  currency: string | null;
  stages: { id: string; name: string }[];
  goals: { id: string; name: string }[];
  touchpoints: CatalogTouchpoint[];
  surveys: { id: string; metric: string; touchpoint: string | null }[];
}

type Check =
  | { ok: true; stages: number; goals: number; touchpoints: number; surveys: number }
  | { ok: false; issues: CheckIssue[] };

/** The journey map definition, and an editor whose text the server validates, issues shown at their lines. */
export function CatalogPage() {
  const catalog = useApi<CatalogAnswer>("/api/catalog");
  return (
    <>
      <PageHeader title="Catalog" filter={false} />
      {catalog.status === "loading" && <Loading label="Reading the catalog" />}
      {catalog.status === "error" && <ErrorState error={catalog.error} retry={catalog.reload} />}
      {catalog.status === "ok" && (
        <>
          <Definition catalog={catalog.data} />
          <Editor initial={catalog.data.yaml} />
        </>
      )}
    </>
  );
}

function Definition({ catalog }: { catalog: CatalogAnswer }) {
  const stageName = new Map(catalog.stages.map((s) => [s.id, s.name]));
  return (
    <section className="panel" aria-labelledby="definition">
      <h2 id="definition">The journey map in force</h2>
      {catalog.fileIssues.length > 0 && (
        <div className="form-error" role="alert">
          The catalog file does not validate as it is now, so its last valid version stays in force:
          <ul>
            {catalog.fileIssues.map((i) => (
              <li key={`${i.line}:${i.column}:${i.message}`}>
                {i.line > 0 && `line ${i.line}: `}
                {i.message}
              </li>
            ))}
          </ul>
        </div>
      )}
      <p className="note">
        {catalog.stages.length} stages, {catalog.touchpoints.length} touchpoints, {catalog.goals.length} goals
        and {catalog.surveys.length} surveys, from{" "}
        {catalog.source === "built-in" ? "the built-in catalog" : catalog.source}
        {catalog.currency ? `; amounts in ${catalog.currency}` : ""}. Goals:{" "}
        {catalog.goals.map((g) => g.name).join(", ") || "none"}.
      </p>
      <Table
        caption="Touchpoints, in the order their rules are tried"
        rows={catalog.touchpoints}
        rowKey={(t) => t.id}
        columns={[
          { label: "Stage", value: (t: CatalogTouchpoint) => stageName.get(t.stage) ?? t.stage },
          { label: "Touchpoint", value: (t) => t.name },
          { label: "Id", value: (t) => <code>{t.id}</code> },
          { label: "Channel", value: (t) => t.channel ?? "—" },
          { label: "Owner", value: (t) => t.owner ?? "—" },
          { label: "Line", value: (t) => t.line, num: true },
        ]}
      />
    </section>
  );
}

function Editor({ initial }: { initial: string }) {
  const [text, setText] = useState(initial);
  const [result, setResult] = useState<Check | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const area = useRef<HTMLTextAreaElement>(null);
  const gutter = useRef<HTMLPreElement>(null);

  // Edits make the last check stale.
  // biome-ignore lint/correctness/useExhaustiveDependencies: runs when the text changes.
  useEffect(() => setResult(null), [text]);

  async function check() {
    setBusy(true);
    setError(null);
    try {
      setResult(await api<Check>("/api/catalog/check", { method: "POST", body: { text } }));
    } catch (err) {
      setError(err instanceof ApiError ? err.message : String(err));
    } finally {
      setBusy(false);
    }
  }

  /** Puts the cursor at the start of a line and scrolls it into view. */
  function goTo(line: number) {
    const el = area.current!;
    const lines = text.split("\n");
    const offset = lines.slice(0, line - 1).reduce((n, l) => n + l.length + 1, 0);
    el.focus();
    el.setSelectionRange(offset, offset + (lines[line - 1]?.length ?? 0));
    const lineHeight = Number.parseFloat(getComputedStyle(el).lineHeight) || 20;
    el.scrollTop = Math.max(0, (line - 3) * lineHeight);
  }

  const issues = result && !result.ok ? result.issues : [];
  const bad = new Set(issues.map((i) => i.line));
  const count = text.split("\n").length;
  return (
    <section className="panel" aria-labelledby="editor">
      <h2 id="editor">Edit and check</h2>
      <p className="note">
        Check a change before you save it to the catalog file: the server validates the text with the same
        rules it loads the catalog with. Nothing is saved from here.
      </p>
      <div className="editor">
        <pre className="gutter" ref={gutter} aria-hidden="true">
          {Array.from({ length: count }, (_, i) => i + 1).map((line) => (
            <span key={line} className={bad.has(line) ? "bad" : undefined}>
              {line}
              {"\n"}
            </span>
          ))}
        </pre>
        <textarea
          ref={area}
          className="code"
          aria-label="Catalog YAML"
          aria-invalid={issues.length > 0 || undefined}
          aria-describedby="catalog-issues"
          spellCheck={false}
          value={text}
          onChange={(e) => setText(e.target.value)}
          onScroll={(e) => {
            if (gutter.current) gutter.current.scrollTop = e.currentTarget.scrollTop;
          }}
        />
      </div>
      <div className="controls" style={{ marginTop: "0.75rem" }}>
        <button type="button" className="primary" onClick={() => void check()} disabled={busy}>
          {busy ? "Checking…" : "Check"}
        </button>
        <button type="button" onClick={() => setText(initial)} disabled={text === initial}>
          Revert
        </button>
      </div>
      <div id="catalog-issues" role="status" aria-live="polite">
        {error && <p className="form-error">{error}</p>}
        {result?.ok && (
          <p className="ok-message">
            The catalog is valid: {result.stages} stages, {result.touchpoints} touchpoints, {result.goals}{" "}
            goals and {result.surveys} surveys.
          </p>
        )}
        {issues.length > 0 && (
          <ul className="issues feed">
            {issues.map((issue) => (
              <li key={`${issue.line}:${issue.column}: ${issue.message}`}>
                {issue.line > 0 ? (
                  <button type="button" onClick={() => goTo(issue.line)}>
                    Line {issue.line}
                    {issue.column > 0 && `, column ${issue.column}`}
                  </button>
                ) : (
                  "The file"
                )}
                : {issue.message}
              </li>
            ))}
          </ul>
        )}
      </div>
    </section>
  );
}
