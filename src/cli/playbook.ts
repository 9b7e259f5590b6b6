import { existsSync, statSync } from "node:fs";
import { defaultPlaybookPath } from "../automation/default.js";
import { loadPlaybook } from "../automation/load.js";
import type { Playbook } from "../automation/rules.js";
import type { Catalog } from "../catalog/catalog.js";
import { CatalogError } from "../catalog/load.js";
import { CliError, logger } from "./runtime.js";

/** The playbook a user wrote: `--rules FILE`, else `./automation.yml` when present; null when neither. */
export function ownPlaybookPath(file: string | undefined): string | null {
  if (file) {
    if (!existsSync(file)) throw new CliError(`cannot read the automation rules ${file}: no such file`);
    return file;
  }
  return existsSync("automation.yml") ? "automation.yml" : null;
}

/** The user's playbook, else the built-in one (for dry runs and the dashboard, never run live by default). */
export function playbookPath(file: string | undefined): string {
  return ownPlaybookPath(file) ?? defaultPlaybookPath();
}

export function resolvePlaybook(path: string, catalog: Catalog): Playbook {
  try {
    return loadPlaybook(path, catalog);
  } catch (err) {
    if (err instanceof CatalogError) throw new CliError(err.message);
    throw err;
  }
}

/**
 * The playbook of a long-running server, re-read when its file or the catalog changes (rules name the
 * catalog's goals and touchpoints). An edit that does not validate is reported; the last good one stays.
 */
export function watchedPlaybook(path: string, catalog: () => Catalog): () => Playbook {
  let forCatalog = catalog();
  let current = resolvePlaybook(path, forCatalog);
  let mtime = statSync(path).mtimeMs;
  return () => {
    const c = catalog();
    const now = statSync(path, { throwIfNoEntry: false })?.mtimeMs;
    if ((now !== undefined && now !== mtime) || c !== forCatalog) {
      mtime = now ?? mtime;
      forCatalog = c;
      try {
        current = loadPlaybook(path, c);
        logger.info(`automation rules ${path} reloaded`);
      } catch (err) {
        logger.error(
          `automation rules ${path} not reloaded, keeping the previous ones:\n${(err as Error).message}`,
        );
      }
    }
    return current;
  };
}
