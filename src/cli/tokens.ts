import { createToken, ROLES, type Role } from "../access/tokens.js";
import { audit, cliActor } from "../privacy/audit.js";
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
