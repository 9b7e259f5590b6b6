import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";
import type { Catalog } from "../catalog/catalog.js";
import { loadPlaybook } from "./load.js";
import type { Playbook } from "./rules.js";

/**
 * The playbook that ships with the product. tsc does not copy .yml files into dist/, so from
 * dist/src/automation/ the file is found in the source tree beside it.
 */
export function defaultPlaybookPath(): string {
  const sibling = fileURLToPath(new URL("./default-playbook.yml", import.meta.url));
  if (existsSync(sibling)) return sibling;
  const source = fileURLToPath(new URL("../../../src/automation/default-playbook.yml", import.meta.url));
  return existsSync(source) ? source : sibling;
}

/** The built-in playbook, validated against `catalog` (its rules name the default catalog's goals and touchpoints). */
export function loadDefaultPlaybook(catalog: Catalog): Playbook {
  return loadPlaybook(defaultPlaybookPath(), catalog);
}
