import { readFileSync } from "node:fs";
import {
  type Alias,
  isAlias,
  isMap,
  isScalar,
  LineCounter,
  type Node,
  type ParsedNode,
  parseDocument,
  type YAMLMap,
} from "yaml";

export interface CatalogIssue {
  file: string;
  line: number;
  column: number;
  message: string;
}

export function formatIssue(issue: CatalogIssue): string {
  return issue.line > 0
    ? `${issue.file}:${issue.line}:${issue.column}: ${issue.message}`
    : `${issue.file}: ${issue.message}`;
}

/** Every problem found in a catalog file, one `FILE:LINE:COL: message` line each. */
export class CatalogError extends Error {
  constructor(readonly issues: CatalogIssue[]) {
    super(issues.map(formatIssue).join("\n"));
    this.name = "CatalogError";
  }
}

export interface Field {
  key: Node;
  value: Node | null;
}

/** The text of a YAML file, or a CatalogError saying why it cannot be read (`what`: "the catalog"…). */
export function readYamlFile(path: string, what: string): string {
  try {
    return readFileSync(path, "utf8");
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    const why = e.code === "ENOENT" ? "no such file" : e.message;
    throw new CatalogError([{ file: path, line: 0, column: 0, message: `cannot read ${what}: ${why}` }]);
  }
}

/**
 * Parses YAML text whose top level must be a mapping: its Reader and root, or a CatalogError with the
 * syntax errors (or `notAMapping` when the top level is something else).
 */
export function readMapping(text: string, file: string, notAMapping: string): { r: Reader; root: YAMLMap } {
  const lines = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lines, prettyErrors: false, uniqueKeys: false });
  const r = new Reader(file, lines, (alias) => alias.resolve(doc));
  for (const error of doc.errors) r.report(error.pos[0], error.message);
  r.throwIfIssues();
  const root = r.node(doc.contents);
  if (!root || !isMap(root)) {
    r.report(root ?? 0, notAMapping);
    r.throwIfIssues();
  }
  return { r, root: root as YAMLMap };
}

/** Walks the YAML tree, collecting issues with their positions instead of stopping at the first. */
export class Reader {
  readonly issues: CatalogIssue[] = [];

  constructor(
    readonly file: string,
    private readonly lines: LineCounter,
    private readonly resolveAlias: (alias: Alias) => Node | undefined,
  ) {}

  position(at: Node | number): { line: number; column: number } {
    const offset = typeof at === "number" ? at : (at.range?.[0] ?? 0);
    const { line, col } = this.lines.linePos(offset);
    return { line, column: col };
  }

  report(at: Node | number, message: string): void {
    this.issues.push({ file: this.file, ...this.position(at), message });
  }

  /** The node itself, an alias's target, or null for an absent or `~` value. */
  node(value: unknown): Node | null {
    let node = value as Node | null | undefined;
    if (node && isAlias(node)) node = this.resolveAlias(node);
    if (!node) return null;
    if (isScalar(node) && node.value === null) return null;
    return node;
  }

  /** The entries of a mapping by key name, reporting keys that are not plain names and repeated keys. */
  entries(map: YAMLMap, what: string): Map<string, Field> {
    const out = new Map<string, Field>();
    for (const pair of map.items) {
      const key = pair.key as ParsedNode | null;
      const name = key ? scalarText(key) : undefined;
      if (!key || name === undefined) {
        this.report(key ?? map, `${what}: keys must be plain names`);
      } else if (out.has(name)) {
        const first = this.position(out.get(name)!.key).line;
        this.report(key, `duplicate key "${name}" in ${what} (first at line ${first})`);
      } else {
        out.set(name, { key, value: (pair.value as Node | null) ?? null });
      }
    }
    return out;
  }

  /** The keys of a mapping, reporting unknown and repeated ones. */
  fields(map: YAMLMap, allowed: readonly string[], what: string): Map<string, Field> {
    const out = this.entries(map, what);
    for (const [name, field] of out) {
      if (!allowed.includes(name)) {
        this.report(field.key, `unknown key "${name}" in ${what}; allowed: ${allowed.join(", ")}`);
        out.delete(name);
      }
    }
    return out;
  }

  /** Every issue found so far, in file order, as one CatalogError; nothing when there is none. */
  throwIfIssues(): void {
    if (this.issues.length === 0) return;
    this.issues.sort((a, b) => a.line - b.line || a.column - b.column);
    throw new CatalogError(this.issues);
  }

  /** A field that must be present; reports it missing from `what` (found at `at`) otherwise. */
  required(fields: Map<string, Field>, name: string, at: Node, what: string): Field | undefined {
    const field = fields.get(name);
    if (!field) this.report(at, `${what} is missing "${name}"`);
    return field;
  }

  /** An optional scalar as text; null when absent or empty. */
  optionalText(field: Field | undefined, what: string): string | null {
    if (!field || !this.node(field.value)) return null;
    return this.text(field, what) ?? null;
  }

  /** Where to report a problem with a field's value: the value, or the key when the value is empty. */
  at(field: Field): Node {
    return field.value ?? field.key;
  }

  /** A scalar as text; numbers keep their source spelling ("1.0" stays "1.0"). */
  text(field: Field | undefined, what: string): string | undefined {
    if (!field) return undefined;
    const node = this.node(field.value);
    if (!node) {
      this.report(field.key, `${what} must not be empty`);
      return undefined;
    }
    const text = scalarText(node);
    if (text === undefined)
      this.report(node, `${what} must be a text, not a ${isMap(node) ? "mapping" : "list"}`);
    return text;
  }
}

export function scalarText(node: Node): string | undefined {
  if (!isScalar(node) || node.value === null || typeof node.value === "object") return undefined;
  if (typeof node.value === "string") return node.value;
  return node.source ?? String(node.value);
}
