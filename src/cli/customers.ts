import { UnknownCustomerError } from "../analysis/customer/customer.js";
import { cliActor } from "../privacy/audit.js";
import { eraseLoadedCustomer, exportCustomer } from "../privacy/customer-data.js";
import { CliError, openRuntime, resolveCatalog } from "./runtime.js";

/** `touchpoint customers export ID`: everything stored about a customer, as JSON on stdout. */
export async function customersExport(id: string, options: { db?: string; catalog?: string }): Promise<void> {
  const catalog = resolveCatalog(options.catalog);
  const rt = await openRuntime({ db: options.db });
  try {
    // Pending segments first: an export must include every acknowledged event.
    await rt.ingestor.flush();
    const data = await exportCustomer(rt.warehouse, catalog, id, cliActor());
    process.stdout.write(`${JSON.stringify(data, null, 2)}\n`);
  } catch (err) {
    if (err instanceof UnknownCustomerError) throw new CliError(err.message);
    throw err;
  } finally {
    await rt.close();
  }
}

/** `touchpoint customers erase ID --yes`: erases the customer under every id merged into them. */
export async function customersErase(id: string, options: { db?: string; yes?: boolean }): Promise<void> {
  if (!options.yes) throw new CliError(`erasing "${id}" cannot be undone: add --yes to confirm`);
  const rt = await openRuntime({ db: options.db });
  try {
    const erasure = await eraseLoadedCustomer(rt.warehouse, rt.ingestor, id, cliActor());
    if (!erasure) throw new CliError(`no customer "${id}"`);
    process.stdout.write(
      `erased ${id}: ${erasure.events} events, ${erasure.identityLinks} identity links, ${erasure.rejectedEvents} rejected messages, ${erasure.ids.length} ids\n`,
    );
  } finally {
    await rt.close();
  }
}
