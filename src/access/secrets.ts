import { createHash, randomBytes, randomUUID } from "node:crypto";

/**
 * Write keys and tokens are 256-bit random secrets, so a fast hash is enough to store them safely
 * (there is nothing to brute-force); only the hash and a short hint are kept.
 */
export function newSecret(prefix: string): { secret: string; hash: string; hint: string; id: string } {
  const secret = `${prefix}_${randomBytes(32).toString("base64url")}`;
  return { secret, hash: hashSecret(secret), hint: `${prefix}_…${secret.slice(-4)}`, id: randomUUID() };
}

export function hashSecret(secret: string): string {
  return createHash("sha256").update(secret).digest("hex");
}
