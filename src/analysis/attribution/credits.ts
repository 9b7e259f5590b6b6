import { compareKeys } from "./paths.js";

/** What a model gives one channel (or touchpoint). Markov also reports its two removal effects. */
export interface Credit {
  key: string;
  conversions: number;
  value: number;
  removalEffect?: number;
  valueRemovalEffect?: number;
}

/** Sums conversions and value per key; every key passed at construction is reported, even with 0. */
export class Ledger {
  private readonly byKey = new Map<string, Credit>();

  constructor(keys: Iterable<string> = []) {
    for (const key of keys) this.byKey.set(key, { key, conversions: 0, value: 0 });
  }

  add(key: string, conversions: number, value: number): void {
    const credit = this.byKey.get(key);
    if (credit) {
      credit.conversions += conversions;
      credit.value += value;
    } else {
      this.byKey.set(key, { key, conversions, value });
    }
  }

  credits(): Credit[] {
    return [...this.byKey.values()].sort((a, b) => compareKeys(a.key, b.key));
  }
}
