/**
 * The messages stored within the dedupe window, in memory: for each, 24 bits of its 64-bit id hash and
 * the time slice it was received in, 4 bytes per slot of an open-addressing table. A load looks its ids
 * up here and reads the warehouse only for the few that match, from the earliest slice they may be in.
 * Without it each load read the hash of every message of the window: 240 ms per 50,000-event load
 * beside 13.5M events, and under light traffic that read paced the loads.
 *
 * A match is a candidate, never a verdict (the warehouse compares the ids); a message stored within the
 * window and added here always matches. A false match costs one read of the window from its slice on:
 * ~1 lookup in 1.3M at the fullest (13 slots compared, 24 bits each).
 *
 * The table is never resized: the entries keep too little of the hash to find their place in a larger
 * one. When it is full the warehouse builds a new one from the window's hashes, which also drops the
 * messages that have left the window.
 */
export class DedupeIndex {
  private readonly slots: Uint32Array;
  private count = 0;

  /** sliceMs: the width of a time slice (see `sliceFor`); slots: the table's size, 4 bytes each. */
  constructor(
    readonly sliceMs: number,
    slots: number,
  ) {
    this.slots = new Uint32Array(Math.max(MIN_SLOTS, slots));
  }

  /**
   * A slice width for a window: 128 slices to a window, at least one minute each. Entries keep 8 bits
   * of their slice, so a window of 256 slices or fewer tells each entry's slice exactly.
   */
  static sliceFor(windowMs: number): number {
    return Math.max(60_000, Math.ceil(windowMs / 128));
  }

  /** A table for `messages`, half full: room for 60 % more before it is. */
  static slotsFor(messages: number): number {
    return Math.ceil(messages / 0.5);
  }

  /** How many messages a table of `slots` holds when full. */
  static roomIn(slots: number): number {
    return Math.floor(Math.max(MIN_SLOTS, slots) * MAX_LOAD);
  }

  get size(): number {
    return this.count;
  }

  /** How many more messages fit before the table is full. */
  get room(): number {
    return DedupeIndex.roomIn(this.slots.length) - this.count;
  }

  /**
   * For a hash (its high and low 32 bits), the earliest time a message stored since `sinceMs` with that
   * hash may have been received at, or Infinity if none was.
   */
  earliest(hi: number, lo: number, sinceMs: number): number {
    const since = Math.floor(sinceMs / this.sliceMs);
    const fingerprint = fingerprintOf(hi);
    const slots = this.slots;
    let from = Number.POSITIVE_INFINITY;
    for (let i = this.home(lo); ; i = i + 1 === slots.length ? 0 : i + 1) {
      const slot = slots[i]!;
      if (slot === 0) break;
      // Of the slices whose low 8 bits the entry kept, the earliest within the window.
      if (slot >>> 8 === fingerprint) from = Math.min(from, since + ((slot - since) & 255));
    }
    return from === Number.POSITIVE_INFINITY ? from : Math.max(sinceMs, from * this.sliceMs);
  }

  /** Adds a message received at `receivedAtMs`; false, without adding it, when the table is full. */
  add(hi: number, lo: number, receivedAtMs: number): boolean {
    if (this.room < 1) return false;
    const entry = ((fingerprintOf(hi) << 8) | (Math.floor(receivedAtMs / this.sliceMs) & 255)) >>> 0;
    const slots = this.slots;
    for (let i = this.home(lo); ; i = i + 1 === slots.length ? 0 : i + 1) {
      const slot = slots[i]!;
      if (slot === entry) return true;
      if (slot === 0) {
        slots[i] = entry;
        this.count++;
        return true;
      }
    }
  }

  /**
   * Of a load's hashes, the positions of those that may be stored since `sinceMs`, and the earliest
   * time they may have been received at (Infinity if none).
   */
  check(hi: Float64Array, lo: Float64Array, sinceMs: number): { candidates: number[]; from: number } {
    const candidates: number[] = [];
    let from = Number.POSITIVE_INFINITY;
    for (let i = 0; i < hi.length; i++) {
      const earliest = this.earliest(hi[i]!, lo[i]!, sinceMs);
      if (earliest === Number.POSITIVE_INFINITY) continue;
      candidates.push(i);
      from = Math.min(from, earliest);
    }
    return { candidates, from };
  }

  /** Adds a load's messages received since `sinceMs`; false, adding none, if they would not all fit. */
  addAll(hi: Float64Array, lo: Float64Array, receivedAt: Float64Array, sinceMs: number): boolean {
    if (this.room < hi.length) return false;
    for (let i = 0; i < hi.length; i++)
      if (receivedAt[i]! >= sinceMs) this.add(hi[i]!, lo[i]!, receivedAt[i]!);
    return true;
  }

  private home(lo: number): number {
    // lo's high bits scaled to the table: any size, no modulo.
    return Math.floor((lo / 4294967296) * this.slots.length);
  }
}

const MIN_SLOTS = 1 << 16;
const MAX_LOAD = 0.8;

/** Never 0, which marks an empty slot. */
const fingerprintOf = (hi: number) => hi >>> 8 || 1;
