/**
 * `FilterTask`: keeps some results of a list, typically the children of a mapped task, so a reduce
 * can go on after some children failed or were skipped.
 *
 * ```ts
 * Flow.build("partial", () => {
 *   const fetched = fetchPage.map({ url: urls });             // some children may fail
 *   const pages = new FilterTask().call({ taskResults: fetched });
 *   save.call({ pages });                                     // only the pages that came back
 * });
 * ```
 *
 * How the results arrive: a mapped upstream feeding this (non-mapped) input gives the list of its
 * children's results, in map-index order. A failed child's result is its Error (a `TRIGGERFAIL`
 * signal for a child whose own upstream child failed); a skipped child's result is the `SKIP`
 * signal it threw, or `undefined` when it was skipped because its upstream was. The default filter
 * therefore drops `null`/`undefined` and every `Error` (signals included), i.e. the failed and
 * skipped children. (Prefect's default keeps signals, since they are not `Exception`s there.)
 * @module
 */
import { InvalidOptionError } from "../errors";
import { Task } from "../core/task";
import type { TaskOptions } from "../core/task-options";
import { context } from "../engine/context";
import { allFinished } from "../engine/triggers";
import { taskMessages } from "./messages";

/** Options of a {@link FilterTask}: task options plus the filter and an optional log line. */
export interface FilterTaskOptions<T = unknown> extends TaskOptions {
  /** Keeps a result when it returns true. @default drop `null`, `undefined` and Errors (failed or skipped children) */
  filterFn?: (value: unknown) => boolean;
  /** Called with the kept results; a returned string is logged at info level on the task's logger. */
  logFn?: (kept: T[]) => string | undefined | void;
}

/** The default filter: drops failed children (Errors, signals included) and skipped ones (no value). */
export function keepSuccessfulResults(value: unknown): boolean {
  return value !== undefined && value !== null && !(value instanceof Error);
}

/**
 * Filters `taskResults` (Prefect's `FilterTask`). It runs when every upstream task has finished
 * (trigger `allFinished`), whatever their states, and is not skipped by skipped upstream tasks
 * (`skipOnUpstreamSkip: false`); both can be overridden through the options.
 */
export class FilterTask<T = unknown> extends Task<{
  /** The results to filter (typically a mapped task's children's results). */
  taskResults: readonly unknown[];
}, T[]> {
  /** The predicate applied to every result. */
  declare readonly filterFn: (value: unknown) => boolean;
  /** Builds a log line from the kept results. */
  declare readonly logFn: ((kept: T[]) => string | undefined | void) | undefined;

  constructor(options: FilterTaskOptions<T> = {}) {
    const { filterFn, logFn, ...taskOptions } = options;
    if (filterFn !== undefined && typeof filterFn !== "function") throw new InvalidOptionError(taskMessages.filterFnInvalid("filterFn"));
    if (logFn !== undefined && typeof logFn !== "function") throw new InvalidOptionError(taskMessages.filterFnInvalid("logFn"));
    super({
      ...taskOptions,
      trigger: taskOptions.trigger ?? allFinished,
      skipOnUpstreamSkip: taskOptions.skipOnUpstreamSkip ?? false,
    });
    (this as { filterFn: (value: unknown) => boolean }).filterFn = filterFn ?? keepSuccessfulResults;
    (this as { logFn: FilterTaskOptions<T>["logFn"] }).logFn = logFn;
  }

  run({ taskResults }: { taskResults: readonly unknown[] }): T[] {
    if (taskResults === null || taskResults === undefined || typeof (taskResults as Iterable<unknown>)[Symbol.iterator] !== "function" || typeof taskResults === "string") {
      throw new TypeError(taskMessages.filterInputNotList(taskResults));
    }
    const kept = Array.from(taskResults as Iterable<unknown>).filter((v) => this.filterFn(v)) as T[];
    if (this.logFn) {
      const line = this.logFn(kept);
      if (typeof line === "string" && line) context.logger?.info(line);
    }
    return kept;
  }
}
