import { CatalogError, loadCatalog } from "../catalog/load.js";
import { CliError } from "./runtime.js";

const count = (n: number, noun: string) => `${n} ${noun}${n === 1 ? "" : "s"}`;

/** `touchpoint catalog check FILE`: validates a catalog and prints a one-line summary. */
export async function checkCatalog(file: string): Promise<void> {
  try {
    const c = loadCatalog(file);
    process.stdout.write(
      `${file}: ${count(c.stages.length, "stage")}, ${count(c.goals.length, "goal")}, ${count(c.touchpoints.length, "touchpoint")} — OK\n`,
    );
  } catch (err) {
    if (err instanceof CatalogError) throw new CliError(err.message);
    throw err;
  }
}
