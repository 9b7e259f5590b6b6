import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";
import type { Catalog } from "./catalog.js";
import { loadCatalog } from "./load.js";

/**
 * The catalog that ships with the product. tsc does not copy .yml files into dist/, so from
 * dist/src/catalog/ the file is found in the source tree beside it.
 */
export function defaultCatalogPath(): string {
  const sibling = fileURLToPath(new URL("./default-catalog.yml", import.meta.url));
  if (existsSync(sibling)) return sibling;
  const source = fileURLToPath(new URL("../../../src/catalog/default-catalog.yml", import.meta.url));
  return existsSync(source) ? source : sibling;
}

export function loadDefaultCatalog(): Catalog {
  return loadCatalog(defaultCatalogPath());
}
