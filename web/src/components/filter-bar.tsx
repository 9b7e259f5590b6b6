import { type FormEvent, useEffect, useId, useState } from "react";
import { type Filters, useFilterError, useFilters } from "../filters.js";

/** The global date range and segment: applied on submit, kept in the URL, errors shown beside them. */
export function FilterBar() {
  const [filters, setFilters] = useFilters();
  const [draft, setDraft] = useState<Filters>(filters);
  const { error, report } = useFilterError();
  const errorId = useId();

  useEffect(() => setDraft(filters), [filters]);

  function apply(event: FormEvent) {
    event.preventDefault();
    report(null);
    setFilters(draft);
  }
  function clear() {
    report(null);
    setFilters({ from: "", to: "", segment: "" });
  }
  const field = (k: keyof Filters) => ({
    value: draft[k],
    onChange: (e: { target: { value: string } }) => setDraft({ ...draft, [k]: e.target.value }),
    "aria-invalid": error?.startsWith(k) ? true : undefined,
    "aria-describedby": error?.startsWith(k) ? errorId : undefined,
  });
  const active = filters.from || filters.to || filters.segment;

  return (
    <form className="filter-bar" onSubmit={apply} aria-label="Filter">
      <label className="field date">
        From
        <input type="date" name="from" {...field("from")} />
      </label>
      <label className="field date">
        Before
        <input type="date" name="to" {...field("to")} />
      </label>
      <label className="field segment">
        Segment
        <input
          name="segment"
          placeholder="e.g. clv > 500 and trait.plan = gold"
          spellCheck={false}
          autoComplete="off"
          {...field("segment")}
        />
      </label>
      <div className="filter-actions">
        <button type="submit" className="primary">
          Apply
        </button>
        {active && (
          <button type="button" onClick={clear}>
            Clear
          </button>
        )}
      </div>
      {error && (
        <p className="form-error filter-error" id={errorId} role="alert">
          {error}
        </p>
      )}
    </form>
  );
}
