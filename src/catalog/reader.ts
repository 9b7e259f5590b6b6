import {
  type Alias,
  isAlias,
  isMap,
  isScalar,
  type LineCounter,
  type Node,
  type ParsedNode,
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
