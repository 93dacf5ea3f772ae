/**
 * `tags(names, builder)`: every task created or bound inside `builder` gets these tags.
 * @module
 */
import { InvalidOptionError } from "../errors";
import { withScope } from "./scope";

/** Adds `names` to every task created or bound inside `builder` (scopes nest). Returns what `builder` returns. */
export function tags<T>(names: string[], builder: () => T): T {
  if (!Array.isArray(names) || names.some((n) => typeof n !== "string" || !n)) {
    throw new InvalidOptionError(`tags(names, builder): names must be an array of non-empty strings (received ${JSON.stringify(names)})`);
  }
  return withScope({ tags: names }, builder);
}
