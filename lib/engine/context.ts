/**
 * The run context: what a task can know about the run it is in (flow name, parameters, map index,
 * run count, logger, abort signal, ...). It lives in an AsyncLocalStorage, so it is empty outside a
 * run and isolated between concurrent tasks. Per-task contexts inherit from the flow run's context
 * through the prototype chain, so creating one costs a handful of property writes, not a copy of
 * everything (Prefect 1 spent most of a task run copying its context).
 * @module
 */
import { AsyncLocalStorage } from "node:async_hooks";
import type { DependencyContainer } from "tsyringe";
import type { Logger } from "pino";

/** Every key flowsmith puts in a run's context. User keys passed in `flow.run({ context })` are there too. */
export interface RunContext {
  /** The running flow's name. */
  flowName?: string;
  /** This flow run's id: `flow.run({ runId })`, the run being resumed (`resumeFrom`), or a random UUID. */
  flowRunId?: string;
  /** 1 on a flow run's first attempt, 2 on its first flow retry (`FlowOptions.retries`), ... */
  flowRunCount?: number;
  /** This flow run's name: the flow's (or the run's) `flowRunName` template filled in. @default the flowRunId */
  flowRunName?: string;
  /** The run's parameter values by name. */
  parameters?: Record<string, unknown>;
  /** Whether results are written for every task that does not opt out. */
  checkpointing?: boolean;
  /** The running task's name. */
  taskName?: string;
  /** `name`, or `name[i]` for the i-th child of a mapped task. */
  taskFullName?: string;
  /** This task run's id (a random UUID unless given). */
  taskRunId?: string;
  /** This task run's name, from the task's `taskRunName` template (when it has one). */
  taskRunName?: string;
  /** The running task's slug: its stable id in the flow. @default the task's name (outside a flow) */
  taskSlug?: string;
  /** The running task's tags. */
  taskTags?: ReadonlySet<string>;
  /** The child's index when the task is mapped. */
  mapIndex?: number;
  /** 1 on the first run, 2 on the first retry, ... */
  taskRunCount?: number;
  /** 1 on the first loop iteration, ... */
  taskLoopCount?: number;
  /** The `result` of the previous `LOOP` signal. */
  taskLoopResult?: unknown;
  /** True when the task is being resumed after a pause. */
  resume?: boolean;
  /**
   * The run's date, from which `today` and the other date keys derive: the `date` given in
   * `flow.run({ context })` (a `Date` or an ISO string), else when the run started.
   */
  date?: Date;
  /** The run's date as `YYYY-MM-DD` (UTC). */
  today?: string;
  /** The day before the run's date, `YYYY-MM-DD`. */
  yesterday?: string;
  /** The day after the run's date, `YYYY-MM-DD`. */
  tomorrow?: string;
  /** The run's date as `YYYYMMDD`. */
  todayNodash?: string;
  /** The day before the run's date, `YYYYMMDD`. */
  yesterdayNodash?: string;
  /** The day after the run's date, `YYYYMMDD`. */
  tomorrowNodash?: string;
  /** When the flow run started (a `Date`). */
  scheduledStartTime?: Date;
  /** The task's (or flow's) pino logger. */
  logger?: Logger;
  /** Aborted when the task times out: pass it to fetch, timers, streams. */
  signal?: AbortSignal;
  /** The run's tsyringe child container (where `@Resource` properties are resolved). */
  container?: DependencyContainer;
  [key: string]: unknown;
}

/** The context a task's run sees (a {@link RunContext} with the task's keys set). */
export type TaskRunContext = RunContext;

const storage = new AsyncLocalStorage<RunContext>();

/** @internal The live context object (or undefined outside a run). */
export function currentContext(): RunContext | undefined {
  return storage.getStore();
}

/** @internal Runs `fn` with `ctx` as the context. */
export function runWithContext<T>(ctx: RunContext, fn: () => T): T {
  return storage.run(ctx, fn);
}

/** @internal A child context: inherits every key of `parent`, overrides `own`. */
export function childContext(parent: RunContext, own: RunContext): RunContext {
  return Object.assign(Object.create(parent) as RunContext, own);
}

/** @internal The context key of the flow run's cancellation signal. */
export const RUN_SIGNAL = "_runSignal";

/**
 * @internal Gives every task run under `root` its own `signal`, made the first time the task reads
 * it (most never do). One signal shared by all runs would collect every task's abort listeners
 * (Node warns past 10). It follows the flow run's cancellation signal when there is one; a task
 * with a timeout sets its own (see {@link taskSignal}).
 */
export function installLazySignal(root: RunContext): void {
  Object.defineProperty(root, "signal", {
    enumerable: true,
    configurable: true,
    get(this: RunContext) {
      const run = this[RUN_SIGNAL] as AbortSignal | undefined;
      const signal = run ? AbortSignal.any([run]) : new AbortController().signal;
      Object.defineProperty(this, "signal", { value: signal, enumerable: true, configurable: true, writable: true });
      return signal;
    },
    set(this: RunContext, value: AbortSignal) {
      Object.defineProperty(this, "signal", { value, enumerable: true, configurable: true, writable: true });
    },
  });
}

/** @internal A task's signal when it has a timeout: aborted at the timeout, or when the flow run is cancelled. */
export function taskSignal(ctx: RunContext, timeout: AbortSignal): AbortSignal {
  const run = ctx[RUN_SIGNAL] as AbortSignal | undefined;
  return run ? AbortSignal.any([timeout, run]) : timeout;
}

/** @internal Every key of a context, own and inherited, as a plain object. */
export function flattenContext(ctx: RunContext | undefined): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  if (!ctx) return out;
  // eslint-disable-next-line guard-for-in
  for (const k in ctx) out[k] = ctx[k];
  return out;
}

/** A read-only view of the current run's context: `context.taskName`, `context.get("key", fallback)`. */
export interface ContextView extends Readonly<RunContext> {
  /** The value of `key`, or `fallback` when it is not set (or outside a run). */
  get<K extends keyof RunContext>(key: K, fallback?: RunContext[K]): RunContext[K];
  /** The value of any `key` (a user key, typed as `T`), or `fallback` when it is not set. */
  get<T = unknown>(key: string, fallback?: T): T;
  /** Whether `key` is set. */
  has(key: string): boolean;
  /** Every key as a plain object (empty outside a run). */
  toObject(): Record<string, unknown>;
}

const methods = {
  get(key: string, fallback?: unknown) {
    const ctx = storage.getStore();
    if (!ctx) return fallback;
    const v = ctx[key];
    return v === undefined ? fallback : v;
  },
  has(key: string) {
    const ctx = storage.getStore();
    return ctx !== undefined && ctx[key] !== undefined;
  },
  toObject() {
    return flattenContext(storage.getStore());
  },
};

/**
 * The current run's context. Outside a run every key is undefined. It is read-only: pass values in
 * through `flow.run({ context })`.
 */
export const context: ContextView = new Proxy(methods, {
  get(target, key) {
    if (typeof key === "string" && key in target) return (target as Record<string, unknown>)[key];
    if (typeof key !== "string") return undefined;
    return storage.getStore()?.[key];
  },
  set(_target, key) {
    throw new TypeError(`context is read-only (tried to set "${String(key)}"); pass values through flow.run({ context })`);
  },
  has(target, key) {
    return (typeof key === "string" && key in target) || (typeof key === "string" && storage.getStore()?.[key] !== undefined);
  },
}) as unknown as ContextView;
