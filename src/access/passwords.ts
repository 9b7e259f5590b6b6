import { randomBytes, type ScryptOptions, scrypt, timingSafeEqual } from "node:crypto";

/** Long enough to resist guessing at the sign-in rate limit; short enough to type. */
export const MIN_PASSWORD_LENGTH = 12;
/** Bounds the work one sign-in request can ask of the KDF. */
export const MAX_PASSWORD_LENGTH = 1024;

// scrypt with N = 2^15, r = 8, p = 1: about 32 MiB and ~0.1 s per hash. The parameters are stored with
// each hash, so raising them later leaves existing passwords verifiable.
const N = 2 ** 15;
const R = 8;
const P = 1;
const KEY_BYTES = 32;

function derive(password: string, salt: Buffer, n: number, r: number, p: number): Promise<Buffer> {
  // Node's default memory cap (32 MiB) is just below what N = 2^15, r = 8 needs.
  const options: ScryptOptions = { N: n, r, p, maxmem: 256 * n * r + 1024 * 1024 };
  return new Promise((resolve, reject) =>
    scrypt(password.normalize("NFC"), salt, KEY_BYTES, options, (err, key) =>
      err ? reject(err) : resolve(key),
    ),
  );
}

/** `scrypt$N$r$p$salt$hash` (salt and hash in base64url): a per-user random salt, the parameters kept. */
export async function hashPassword(password: string): Promise<string> {
  const salt = randomBytes(16);
  const key = await derive(password, salt, N, R, P);
  return ["scrypt", N, R, P, salt.toString("base64url"), key.toString("base64url")].join("$");
}

/** Whether the password matches the stored hash; constant-time in the comparison of the keys. */
export async function verifyPassword(password: string, stored: string): Promise<boolean> {
  const [scheme, n, r, p, salt, hash] = stored.split("$");
  const params = [Number(n), Number(r), Number(p)] as const;
  // A stored hash is trusted data, but bound its parameters so a corrupt row cannot exhaust memory.
  if (scheme !== "scrypt" || !salt || !hash || !params.every(Number.isSafeInteger)) return false;
  if (params[0] > 2 ** 20 || params[1] > 32 || params[2] > 16) return false;
  const expected = Buffer.from(hash, "base64url");
  const key = await derive(password, Buffer.from(salt, "base64url"), ...params);
  return key.length === expected.length && timingSafeEqual(key, expected);
}

/**
 * A hash of a random password: verifying against it when the user is unknown takes as long as for a
 * known user, so the answer's timing does not tell which names exist.
 */
let decoy: Promise<string> | undefined;
export function decoyHash(): Promise<string> {
  decoy ??= hashPassword(randomBytes(18).toString("base64url"));
  return decoy;
}
