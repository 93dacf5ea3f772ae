/**
 * {@link cacheKeyFromValue}: what a task's `cacheKeyFn` returned, as the key of the cross-run
 * cache. Keys are strings (entries are files named by the key's hash, shared by processes), so
 * only values with one obvious, collision-free text are accepted; anything else is refused with a
 * {@link CacheKeyError} naming the task, rather than becoming `"[object Object]"` and sharing one
 * entry with every other object.
 * @module
 */
import type { AnyTask } from "../core/task";
import { CacheKeyError } from "../errors";
import { messages } from "../messages";

/**
 * The cache key for `value`, returned by `task`'s `cacheKeyFn`:
 * - `undefined` or `null`: no key, the run is not cached;
 * - a non-empty string: itself;
 * - a finite number or a bigint: its decimal text (`4` and `"4"` are the same key, as they are in
 *   Prefect, whose keys are strings; `-0` is `"0"`).
 *
 * Anything else is a {@link CacheKeyError} naming the task and what it returned: an empty
 * string, `NaN` or an infinity (most likely a bug upstream), a boolean, a Promise (`cacheKeyFn`
 * must be synchronous), and objects, which have no one text (hash them on purpose with
 * `stableHash(value)`, as `taskInputHash` does).
 */
export function cacheKeyFromValue(task: AnyTask, value: unknown): string | undefined {
  switch (typeof value) {
    case "undefined":
      return undefined;
    case "string":
      if (value.length > 0) return value;
      break;
    case "number":
      if (Number.isFinite(value)) return String(value);
      break;
    case "bigint":
      return String(value);
    case "object":
      if (value === null) return undefined;
      break;
  }
  throw new CacheKeyError(messages.badCacheKey(task.name, describeKey(value), hintFor(value)));
}

function isThenable(value: unknown): boolean {
  return typeof value === "object" && value !== null && typeof (value as { then?: unknown }).then === "function";
}

/** What was returned, for the message: `the empty string`, `NaN`, `an object of class Point`, ... */
function describeKey(value: unknown): string {
  switch (typeof value) {
    case "string": return "the empty string";
    case "number": return String(value);
    case "boolean": return `the boolean ${value}`;
    case "symbol": return `the symbol ${String(value)}`;
    case "function": return `a function${value.name ? ` (${value.name})` : ""}`;
  }
  if (isThenable(value)) return "a Promise";
  if (Array.isArray(value)) return `an array (${value.length} items)`;
  const proto = Object.getPrototypeOf(value) as { constructor?: { name?: string } } | null;
  const cls = proto === null || proto === Object.prototype ? undefined : proto.constructor?.name;
  return cls ? `an object of class ${cls}` : "a plain object";
}

function hintFor(value: unknown): string {
  if (isThenable(value)) return "cacheKeyFn must be synchronous";
  if (typeof value === "object" || typeof value === "function") return "to key by an object's contents, return stableHash(value)";
  return "return undefined or null to not cache this run";
}
