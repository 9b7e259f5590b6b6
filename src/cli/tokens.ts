import { createToken, listTokens, ROLES, type Role, revokeToken } from "../access/tokens.js";
import { audit, cliActor } from "../privacy/audit.js";
import { formatTable } from "../util/table.js";
import { CliError, withWarehouse } from "./runtime.js";

export async function tokensCreate(options: { db?: string; role?: string; name?: string }): Promise<void> {
  const role = (options.role ?? "read") as Role;
  if (!ROLES.includes(role))
    throw new CliError(`unknown role ${JSON.stringify(options.role)}; use read or admin`);
  await withWarehouse(options.db, async (wh) => {
    const { id, token } = await createToken(wh, options.name ?? `${role} token`, role);
    await audit(wh, { actor: cliActor(), action: "token.create", subject: id, detail: { role } });
    process.stdout.write(`created a ${role} token; it is shown only now:\n${token}\n`);
  });
}

export async function tokensList(options: { db?: string; json?: boolean }): Promise<void> {
  await withWarehouse(options.db, async (wh) => {
    const tokens = await listTokens(wh);
    if (options.json) {
      process.stdout.write(`${JSON.stringify(tokens, null, 2)}\n`);
      return;
    }
    process.stdout.write(
      `${formatTable([
        ["id", "name", "role", "token (hint)", "created", "revoked"],
        ...tokens.map((t) => [t.id, t.name, t.role, t.hint, t.createdAt, t.revokedAt ?? ""]),
      ])}\n`,
    );
  });
}

export async function tokensRevoke(id: string, options: { db?: string }): Promise<void> {
  await withWarehouse(options.db, async (wh) => {
    if (!(await revokeToken(wh, id)))
      throw new CliError(`no active token with id ${JSON.stringify(id)} (see touchpoint tokens list)`);
    await audit(wh, { actor: cliActor(), action: "token.revoke", subject: id });
    process.stdout.write(`revoked token ${id}; its dashboard sessions are ended\n`);
  });
}
