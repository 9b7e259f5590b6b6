import { createInterface } from "node:readline";
import { Writable } from "node:stream";
import { ROLES, type Role } from "../access/tokens.js";
import { addUser, checkPassword, listUsers, removeUser } from "../access/users.js";
import { audit, cliActor } from "../privacy/audit.js";
import { CliError, withWarehouse } from "./runtime.js";

/**
 * The password: `$TOUCHPOINT_PASSWORD`, else the first line of stdin (asked for without echo on a
 * terminal). Never an argument, which would show in `ps` and the shell's history.
 */
async function readPassword(): Promise<string> {
  const fromEnv = process.env.TOUCHPOINT_PASSWORD;
  if (fromEnv !== undefined) return fromEnv;
  const tty = process.stdin.isTTY === true;
  if (tty) process.stderr.write("password: ");
  // On a terminal, typed characters go to a sink instead of being echoed.
  const sink = new Writable({ write: (_chunk, _encoding, done) => done() });
  const lines = createInterface({ input: process.stdin, output: tty ? sink : undefined, terminal: tty });
  try {
    for await (const line of lines) return line;
  } finally {
    lines.close();
    if (tty) process.stderr.write("\n");
  }
  throw new CliError("no password: set TOUCHPOINT_PASSWORD or write it on the first line of stdin");
}

export async function usersAdd(name: string, options: { db?: string; role?: string }): Promise<void> {
  const role = (options.role ?? "read") as Role;
  if (!ROLES.includes(role))
    throw new CliError(`unknown role ${JSON.stringify(options.role)}; use read or admin`);
  const password = await readPassword();
  checkPassword(password);
  await withWarehouse(options.db, async (wh) => {
    const user = await addUser(wh, name, role, password);
    await audit(wh, { actor: cliActor(), action: "user.add", subject: user.name, detail: { role } });
    process.stdout.write(`added the ${role} user "${user.name}"; they sign in to the dashboard with it\n`);
  });
}

export async function usersList(options: { db?: string; json?: boolean }): Promise<void> {
  await withWarehouse(options.db, async (wh) => {
    const users = await listUsers(wh);
    if (options.json) {
      process.stdout.write(`${JSON.stringify(users, null, 2)}\n`);
      return;
    }
    for (const u of users) process.stdout.write(`${u.name}\t${u.role}\t${u.createdAt.toISOString()}\n`);
  });
}

export async function usersRemove(name: string, options: { db?: string }): Promise<void> {
  await withWarehouse(options.db, async (wh) => {
    await removeUser(wh, name);
    await audit(wh, { actor: cliActor(), action: "user.remove", subject: name });
    process.stdout.write(`removed the user "${name}"; their sessions have ended\n`);
  });
}
