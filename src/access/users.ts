import type { Warehouse } from "../warehouse/warehouse.js";
import {
  decoyHash,
  hashPassword,
  MAX_PASSWORD_LENGTH,
  MIN_PASSWORD_LENGTH,
  verifyPassword,
} from "./passwords.js";
import { endSessionsOf } from "./sessions.js";
import { ROLES, type Role } from "./tokens.js";

/** A user-facing problem with a user or token change: printed as one line, answered as a 4xx. */
export class AccessError extends Error {}

export interface UserRecord {
  name: string;
  role: Role;
  createdAt: Date;
}

const NAME = /^[A-Za-z0-9][A-Za-z0-9_.@-]{0,63}$/;

export function checkPassword(password: string): void {
  if (password.length < MIN_PASSWORD_LENGTH)
    throw new AccessError(`the password must have at least ${MIN_PASSWORD_LENGTH} characters`);
  if (password.length > MAX_PASSWORD_LENGTH)
    throw new AccessError(`the password must have at most ${MAX_PASSWORD_LENGTH} characters`);
}

/** Adds a user who signs in to the dashboard with a password; only a scrypt hash of it is stored. */
export async function addUser(
  wh: Warehouse,
  name: string,
  role: Role,
  password: string,
): Promise<UserRecord> {
  if (!NAME.test(name))
    throw new AccessError(
      `invalid user name ${JSON.stringify(name)}: use 1–64 letters, digits, '.', '_', '@' or '-'`,
    );
  if (!ROLES.includes(role)) throw new AccessError(`unknown role ${JSON.stringify(role)}; use read or admin`);
  checkPassword(password);
  if ((await wh.query("SELECT 1 FROM users WHERE name = $1", [name])).length > 0)
    throw new AccessError(`a user named ${JSON.stringify(name)} already exists; remove it first`);
  await wh.run("INSERT INTO users (name, role, password_hash, created_at) VALUES ($1, $2, $3, now())", [
    name,
    role,
    await hashPassword(password),
  ]);
  return (await listUsers(wh)).find((u) => u.name === name)!;
}

export async function listUsers(wh: Warehouse): Promise<UserRecord[]> {
  const rows = await wh.query<{ name: string; role: Role; created_at: Date }>(
    "SELECT name, role, created_at FROM users ORDER BY name",
  );
  return rows.map((r) => ({ name: r.name, role: r.role, createdAt: r.created_at }));
}

/** Removes the user and ends their sessions at once. */
export async function removeUser(wh: Warehouse, name: string): Promise<void> {
  if ((await wh.run("DELETE FROM users WHERE name = $1", [name])) === 0)
    throw new AccessError(`no user named ${JSON.stringify(name)}`);
  await endSessionsOf(wh, `user:${name}`);
}

/** The user's name and role when the password is theirs, else null (unknown users take as long). */
export async function verifyUser(
  wh: Warehouse,
  name: string,
  password: string,
): Promise<{ name: string; role: Role } | null> {
  const [row] = await wh.query<{ role: Role; password_hash: string }>(
    "SELECT role, password_hash FROM users WHERE name = $1",
    [name],
  );
  const ok = await verifyPassword(password, row?.password_hash ?? (await decoyHash()));
  return row && ok ? { name, role: row.role } : null;
}
