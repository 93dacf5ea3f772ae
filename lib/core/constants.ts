/**
 * `Constant` (a task that returns a fixed value) and `NoOpTask` (a task that does nothing).
 * @module
 */
import { Task } from "./task";
import type { TaskOptions } from "./task-options";

/** Prefect's naming: the value itself when short, else `Constant[Type]`. */
function constantName(value: unknown): string {
  let repr: string;
  if (typeof value === "string") repr = JSON.stringify(value);
  else if (value === null || typeof value !== "object") repr = String(value);
  else repr = "";
  if (repr && repr.length <= 8) return repr;
  const type = value === null ? "null" : typeof value === "object" ? (value.constructor?.name ?? "Object") : typeof value;
  return `Constant[${type}]`;
}

/** A task whose result is a fixed value. The flow never runs it: its state is `Success(value)`. */
export class Constant<T = unknown> extends Task<{}, T> {
  /** The value this task returns. */
  declare readonly value: T;
  constructor(value: T, options: { name?: string } & Omit<TaskOptions, "name"> = {}) {
    super({ ...options, name: options.name ?? constantName(value) });
    (this as { value: T }).value = value;
  }
  run(): T {
    return this.value;
  }
}

/** A concrete task whose run does nothing: a stand-in in tests and a join point in flows. */
export class NoOpTask extends Task<{}, undefined> {
  run(): undefined {
    return undefined;
  }
}
