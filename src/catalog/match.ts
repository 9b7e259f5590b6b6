import type { MatchValue } from "./catalog.js";

/** A glob (`*` any run, `?` one character) as a LIKE pattern with `\` as its escape character. */
export function globToLike(glob: string): string {
  return glob
    .replace(/[\\%_]/g, "\\$&")
    .replaceAll("*", "%")
    .replaceAll("?", "_");
}

/** The same glob as an anchored JavaScript regex; LIKE's `%` also crosses newlines, hence the `s` flag. */
export function globToRegExp(glob: string): RegExp {
  const body = glob
    .replace(/[.+^${}()|[\]\\]/g, "\\$&")
    .replaceAll("*", ".*")
    .replaceAll("?", ".");
  return new RegExp(`^${body}$`, "s");
}

/**
 * Why `source` would not run in the warehouse, or null when it is fine. DuckDB and ClickHouse use RE2,
 * which has no lookaround and no backreferences, so those are refused here rather than at query time.
 */
export function regexProblem(source: string): string | null {
  try {
    new RegExp(source);
  } catch (err) {
    return `invalid regex ${JSON.stringify(source)}: ${(err as Error).message.replace(/^Invalid regular expression: \/.*\/[a-z]*: /s, "")}`;
  }
  let inClass = false;
  for (let i = 0; i < source.length; i++) {
    const c = source[i];
    if (c === "\\") {
      const next = source[i + 1] ?? "";
      if (!inClass && /[1-9]/.test(next)) return unsupported(source, "backreferences");
      if (!inClass && next === "k" && source[i + 2] === "<") return unsupported(source, "backreferences");
      i++;
    } else if (inClass) {
      if (c === "]") inClass = false;
    } else if (c === "[") {
      inClass = true;
    } else if (c === "(" && /^\(\?(=|!|<=|<!)/.test(source.slice(i))) {
      return unsupported(source, "lookahead and lookbehind");
    }
  }
  return null;
}

function unsupported(source: string, what: string): string {
  return `invalid regex ${JSON.stringify(source)}: ${what} are not supported (the warehouse uses RE2 syntax)`;
}

const CATCH_ALL_REGEX = new Set(["", ".*", "^.*$", "^.*", ".*$"]);

/** True when the value matches any non-null text. */
export function isCatchAll(value: MatchValue): boolean {
  if (value.kind === "pattern") return /^\*+$/.test(value.glob);
  if (value.kind === "regex") return CATCH_ALL_REGEX.has(value.source);
  return false;
}

/** Whether `text` satisfies `value`, with the warehouse's semantics (regex: a match anywhere). */
export function matchesText(value: MatchValue, text: string): boolean {
  if (value.kind === "exact") return value.values.includes(text);
  if (value.kind === "pattern") return globToRegExp(value.glob).test(text);
  return new RegExp(value.source).test(text);
}
