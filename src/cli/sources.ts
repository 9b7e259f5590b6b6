import { audit, cliActor } from "../privacy/audit.js";
import { createSource, listSources, revokeSource, rotateSourceKey } from "../sources/sources.js";
import { withWarehouse } from "./runtime.js";

export async function sourcesAdd(name: string, options: { db?: string; kind?: string }): Promise<void> {
  await withWarehouse(options.db, async (wh) => {
    const { source, writeKey } = await createSource(wh, name, options.kind ?? "web");
    await audit(wh, {
      actor: cliActor(),
      action: "source.create",
      subject: source.name,
      detail: { kind: source.kind },
    });
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

export async function sourcesRotate(name: string, options: { db?: string }): Promise<void> {
  await withWarehouse(options.db, async (wh) => {
    const writeKey = await rotateSourceKey(wh, name);
    await audit(wh, { actor: cliActor(), action: "source.rotate", subject: name });
    process.stdout.write(
      `the old write key of "${name}" no longer works. The new one, shown only now:\n${writeKey}\n`,
    );
  });
}

export async function sourcesRevoke(name: string, options: { db?: string }): Promise<void> {
  await withWarehouse(options.db, async (wh) => {
    await revokeSource(wh, name);
    await audit(wh, { actor: cliActor(), action: "source.revoke", subject: name });
    process.stdout.write(`revoked the write key of "${name}"; its clients now get 401\n`);
  });
}
