// Incremental identity resolution: which customer every linked id belongs to.
//
// A union-find over id nodes. Each root carries what is needed to name its
// component and to report exactly which nodes changed customer on a merge, so
// callers can maintain the customer_map table from the emitted changes alone.

export type IdKind = "user" | "anonymous";
export interface IdRef {
  kind: IdKind;
  id: string;
}
export interface LinkInput {
  from: IdRef;
  to: IdRef;
  kind: "identify" | "alias";
  seenAt: number /* epoch ms */;
}
/** New value of customer_map for that node. */
export interface MapChange {
  kind: IdKind;
  id: string;
  customerId: string;
}
export type LinkResult =
  | { status: "linked"; changes: MapChange[] }
  | { status: "unchanged" }
  | { status: "refused"; reason: string };
export interface IdentityGraphOptions {
  maxUserIdsPerCustomer?: number;
  maxIdsPerCustomer?: number;
  blockList?: readonly string[];
}

const PLACEHOLDERS: ReadonlySet<string> = new Set([
  "null",
  "undefined",
  "0",
  "none",
  "nil",
  "anonymous",
  "guest",
  "unknown",
  "[object object]",
  "00000000-0000-0000-0000-000000000000",
]);

const normalize = (id: string): string => id.trim().toLowerCase();

/**
 * True for ids that must never link anything: anything that is not a string, empty or
 * whitespace-only strings, well-known placeholder values sent by broken clients, and
 * entries of `blockList` (all compared case-insensitively after trimming).
 */
export function isPlaceholderId(id: unknown, blockList?: readonly string[]): boolean {
  if (typeof id !== "string") return true;
  const n = normalize(id);
  if (n === "" || PLACEHOLDERS.has(n)) return true;
  return blockList?.some((b) => normalize(b) === n) ?? false;
}

const USER_PREFIX = "u:";
const ANON_PREFIX = "a:";
const keyOf = (ref: IdRef): string => (ref.kind === "user" ? USER_PREFIX : ANON_PREFIX) + ref.id;
const label = (kind: IdKind): string => (kind === "user" ? "userId" : "anonymousId");

function quote(id: unknown): string {
  if (typeof id !== "string") return String(id);
  // Reasons end up in logs; a runaway id must not make them huge.
  return JSON.stringify(id.length > 100 ? `${id.slice(0, 100)}…` : id);
}

function checkLimit(name: string, value: number | undefined, fallback: number, min: number): number {
  if (value === undefined) return fallback;
  if (value !== Number.POSITIVE_INFINITY && (!Number.isInteger(value) || value < min)) {
    throw new RangeError(`${name} must be an integer >= ${min} (or Infinity), got ${value}`);
  }
  return value;
}

function grownInt32(a: Int32Array<ArrayBuffer>, capacity: number): Int32Array<ArrayBuffer> {
  const b = new Int32Array(capacity);
  b.set(a);
  return b;
}

export class IdentityGraph {
  readonly #maxUserIds: number;
  readonly #maxIds: number;
  readonly #blocked: ReadonlySet<string>;

  // Per node, indexed by creation order (which doubles as the tie-break sequence).
  // Typed arrays keep a node at ~32 bytes plus its key, instead of an object each.
  readonly #index = new Map<string, number>();
  readonly #keys: string[] = []; // "u:<id>" / "a:<id>": kind and bare id are recovered from it
  #count = 0;
  #parent = new Int32Array(1024);
  #seen = new Float64Array(1024);
  // Circular singly linked list of a component's members, so merging lists is O(1).
  #next = new Int32Array(1024);
  // Only meaningful at roots.
  #size = new Int32Array(1024);
  #users = new Int32Array(1024);
  #bestUser = new Int32Array(1024); // -1 when the component has no userId
  #bestAnon = new Int32Array(1024); // -1 when the component has no anonymousId

  constructor(options: IdentityGraphOptions = {}) {
    this.#maxUserIds = checkLimit("maxUserIdsPerCustomer", options.maxUserIdsPerCustomer, 1, 1);
    this.#maxIds = checkLimit("maxIdsPerCustomer", options.maxIdsPerCustomer, 10_000, 2);
    this.#blocked = new Set((options.blockList ?? []).map(normalize));
  }

  /** Number of linked nodes. */
  get size(): number {
    return this.#count;
  }

  /** Customer id of a node, or undefined when it has never been linked. */
  customerOf(ref: IdRef): string | undefined {
    const i = this.#index.get(keyOf(ref));
    return i === undefined ? undefined : this.#idOf(this.#nameOf(this.#find(i)));
  }

  link(input: LinkInput): LinkResult {
    const { from, to, kind, seenAt } = input;
    // Built only when refusing: link() is on the ingest hot path.
    const what = (): string =>
      `${kind} link ${label(from.kind)} ${quote(from.id)} -> ${label(to.kind)} ${quote(to.id)}`;
    const placeholder = this.#isPlaceholder(from.id) ? from : this.#isPlaceholder(to.id) ? to : undefined;
    if (placeholder !== undefined) {
      return {
        status: "refused",
        reason: `Refused ${what()}: ${label(placeholder.kind)} ${quote(placeholder.id)} is a placeholder id, and placeholder ids never link anything.`,
      };
    }
    if (!Number.isFinite(seenAt)) {
      // A NaN time would make the first-seen ordering, hence customer naming, arbitrary.
      return { status: "refused", reason: `Refused ${what()}: seenAt ${seenAt} is not a finite epoch ms.` };
    }

    const fromKey = keyOf(from);
    const toKey = keyOf(to);
    // An id is trivially in its own component (e.g. an alias whose previousId is the userId).
    if (fromKey === toKey) return { status: "unchanged" };

    const fi = this.#index.get(fromKey);
    const ti = this.#index.get(toKey);
    const fr = fi === undefined ? -1 : this.#find(fi);
    const tr = ti === undefined ? -1 : this.#find(ti);
    if (fr !== -1 && fr === tr) return { status: "unchanged" };

    // Decide on limits before creating anything, so a refused link leaves no trace.
    const fSize = fr === -1 ? 1 : this.#size[fr]!;
    const tSize = tr === -1 ? 1 : this.#size[tr]!;
    const fUsers = fr === -1 ? (from.kind === "user" ? 1 : 0) : this.#users[fr]!;
    const tUsers = tr === -1 ? (to.kind === "user" ? 1 : 0) : this.#users[tr]!;
    // Only a merge that brings userIds from both sides together can add userIds to a
    // customer; attaching an id without userIds never does, even to a customer that an
    // alias already took past the limit (its new devices must still be recognized).
    if (kind === "identify" && fUsers > 0 && tUsers > 0 && fUsers + tUsers > this.#maxUserIds) {
      return {
        status: "refused",
        reason:
          `Refused ${what()}: it would merge ${this.#describe(fr, from)} (${fUsers} userId${fUsers === 1 ? "" : "s"}) ` +
          `with ${this.#describe(tr, to)} (${tUsers} userId${tUsers === 1 ? "" : "s"}) into ${fUsers + tUsers} userIds, ` +
          `more than maxUserIdsPerCustomer (${this.#maxUserIds}); an alias can merge them on purpose.`,
      };
    }
    if (fSize + tSize > this.#maxIds) {
      return {
        status: "refused",
        reason:
          `Refused ${what()}: it would merge ${this.#describe(fr, from)} (${fSize} id${fSize === 1 ? "" : "s"}) ` +
          `with ${this.#describe(tr, to)} (${tSize} id${tSize === 1 ? "" : "s"}) into ${fSize + tSize} ids, ` +
          `more than maxIdsPerCustomer (${this.#maxIds}).`,
      };
    }

    const a = fr === -1 ? this.#add(fromKey, from.kind, seenAt) : fr;
    const b = tr === -1 ? this.#add(toKey, to.kind, seenAt) : tr;
    return { status: "linked", changes: this.#union(a, b, fr === -1, tr === -1) };
  }

  #isPlaceholder(id: unknown): boolean {
    if (typeof id !== "string") return true;
    const n = normalize(id);
    return n === "" || PLACEHOLDERS.has(n) || this.#blocked.has(n);
  }

  #describe(root: number, ref: IdRef): string {
    return root === -1
      ? `new ${label(ref.kind)} ${quote(ref.id)}`
      : `customer ${quote(this.#idOf(this.#nameOf(root)))}`;
  }

  #idOf(node: number): string {
    return this.#keys[node]!.slice(2);
  }

  #nameOf(root: number): number {
    const u = this.#bestUser[root]!;
    return u === -1 ? this.#bestAnon[root]! : u;
  }

  /** Earlier first-seen wins; equal times fall back to creation order. */
  #better(i: number, j: number): number {
    if (i === -1) return j;
    if (j === -1) return i;
    const si = this.#seen[i]!;
    const sj = this.#seen[j]!;
    return si < sj || (si === sj && i < j) ? i : j;
  }

  #find(i: number): number {
    const parent = this.#parent;
    let r = i;
    while (parent[r] !== r) r = parent[r]!;
    while (parent[i] !== r) {
      const p = parent[i]!;
      parent[i] = r;
      i = p;
    }
    return r;
  }

  #add(key: string, kind: IdKind, seenAt: number): number {
    const i = this.#count;
    if (i === this.#parent.length) this.#grow();
    this.#count++;
    this.#index.set(key, i);
    this.#keys.push(key);
    this.#parent[i] = i;
    this.#seen[i] = seenAt;
    this.#next[i] = i;
    this.#size[i] = 1;
    const isUser = kind === "user";
    this.#users[i] = isUser ? 1 : 0;
    this.#bestUser[i] = isUser ? i : -1;
    this.#bestAnon[i] = isUser ? -1 : i;
    return i;
  }

  #grow(): void {
    const capacity = this.#parent.length * 2;
    this.#parent = grownInt32(this.#parent, capacity);
    this.#next = grownInt32(this.#next, capacity);
    this.#size = grownInt32(this.#size, capacity);
    this.#users = grownInt32(this.#users, capacity);
    this.#bestUser = grownInt32(this.#bestUser, capacity);
    this.#bestAnon = grownInt32(this.#bestAnon, capacity);
    const seen = new Float64Array(capacity);
    seen.set(this.#seen);
    this.#seen = seen;
  }

  /** Merges two distinct roots and returns the nodes whose customer id is new or changed. */
  #union(a: number, b: number, aIsNew: boolean, bIsNew: boolean): MapChange[] {
    const nameA = this.#nameOf(a);
    const nameB = this.#nameOf(b);
    const bestUser = this.#better(this.#bestUser[a]!, this.#bestUser[b]!);
    const name = bestUser === -1 ? this.#better(nameA, nameB) : bestUser;

    // The merged name is always one side's current name, so only the other side's
    // members change customer, plus the winning root itself if it was just created.
    const [winner, winnerIsNew, loser] = name === nameA ? [a, aIsNew, b] : [b, bIsNew, a];
    const customerId = this.#idOf(name);
    const changes: MapChange[] = [];
    let i = loser;
    do {
      changes.push(this.#change(i, customerId));
      i = this.#next[i]!;
    } while (i !== loser);
    if (winnerIsNew) changes.push(this.#change(winner, customerId));

    const [big, small] = this.#size[a]! >= this.#size[b]! ? [a, b] : [b, a];
    this.#parent[small] = big;
    this.#size[big] = this.#size[big]! + this.#size[small]!;
    this.#users[big] = this.#users[big]! + this.#users[small]!;
    this.#bestUser[big] = bestUser;
    this.#bestAnon[big] = this.#better(this.#bestAnon[a]!, this.#bestAnon[b]!);
    const t = this.#next[big]!;
    this.#next[big] = this.#next[small]!;
    this.#next[small] = t;
    return changes;
  }

  #change(node: number, customerId: string): MapChange {
    const key = this.#keys[node]!;
    return { kind: key.startsWith(USER_PREFIX) ? "user" : "anonymous", id: key.slice(2), customerId };
  }
}
