/**
 * The data cannot identify the model (no customers, no repeat purchases, no spend), or a summary row
 * is not a valid customer summary. Faces report it as a user error, not as a crash.
 */
export class ModelError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "ModelError";
  }
}
