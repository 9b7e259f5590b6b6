import type { Dialect } from "./dialect.js";
import type { SqlValue } from "./warehouse.js";

/**
 * Collects the parameters of one statement while its SQL is composed from fragments, so values from
 * users (catalog rules, filters, dates) are always bound, never spliced into the text.
 */
export class SqlBuilder {
  readonly params: SqlValue[] = [];

  constructor(readonly dialect: Dialect) {}

  /** Binds a value and returns its placeholder. */
  param(value: SqlValue): string {
    this.params.push(value);
    return this.dialect.param(this.params.length);
  }
}
