import { createSource, listSources } from "../sources/sources.js";
import { withWarehouse } from "./runtime.js";

export async function sourcesAdd(name: string, options: { db?: string; kind?: string }): Promise<void> {
  await withWarehouse(options.db, async (wh) => {
    const { source, writeKey } = await createSource(wh, name, options.kind ?? "web");
    process.stdout.write(
      `created source "${source.name}" (${source.kind}${source.channel ? `, channel ${source.channel}` : ""}).\n` +
        "Its write key is shown only now; store it where your clients can read it:\n" +
        `${writeKey}\n`,
    );
  });
}

export async function sourcesList(options: { db?: string; json?: boolean }): Promise<void> {
  await withWarehouse(options.db, async (wh) => {
    const sources = await listSources(wh);
    if (options.json) {
      process.stdout.write(`${JSON.stringify(sources, null, 2)}\n`);
      return;
    }
    for (const s of sources) {
      process.stdout.write(
        `${s.name}\t${s.kind}\t${s.channel ?? "(channel grouping)"}\t${s.keyHint}\t${s.revokedAt ? "revoked" : "active"}\n`,
      );
    }
  });
}
