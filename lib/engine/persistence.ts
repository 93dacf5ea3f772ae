/**
 * The TaskRunner's persistence steps. Before the trigger, a target that exists or a valid cache
 * gives `Cached` (and `run` is skipped). After a successful run, the value is written where a
 * feature needs it (checkpointing, `target`, `persistResult`, a `cacheKeyFn` cache,
 * `cacheResultInMemory: false`), recorded in the run's journal (for resuming after a crash), and
 * cached. Tasks that use none of this never enter these functions (see {@link usesPersistence}).
 * @internal
 * @module
 */
import type { AnyTask } from "../core/task";
import { ResultError, SerializationError } from "../errors";
import { CacheStore } from "../results/cache-store";
import { LocalResult } from "../results/local-result";
import type { Result } from "../results/result";
import type { RunJournal } from "../results/run-journal";
import { durationOnly } from "./cache-validators";
import { cacheKeyFromValue } from "./cache-key";
import { flattenContext, type RunContext } from "./context";
import { Cached, Failed, Mapped, Pending, State, Success, type PersistedRef } from "./state";
import { messages } from "../messages";
import { formatContextTemplate, templateArgs } from "./templates";

/** What the persistence steps need to know about a task run. */
export interface PersistenceContext {
  readonly task: AnyTask;
  readonly ctx: RunContext;
  readonly inputs: Record<string, unknown>;
  readonly flowResult: Result | undefined;
  /** The run's cache key and target, filled on first use (see cacheKeyOf / targetOf). */
  readonly memo: { cacheKey?: string; target?: string };
}

/** In-process caches for `cacheFor` (Prefect's `context.caches`), by cache key. */
const memoryCaches = new Map<string, Cached[]>();

/** Drops every in-process `cacheFor` entry. */
export function clearMemoryCaches(): void {
  memoryCaches.clear();
}

/** The context key under which a flow run keeps its journal. */
export const JOURNAL_KEY = "_journal";
/** Set on a flow run's context when the run has ended (cancelled, or stopped by an engine error). */
export const RUN_ENDED = "_runEnded";

/** Whether a run of `task` with `state` needs the persistence steps at all (the hot path skips them). */
export function usesPersistence(task: AnyTask, state: State, ctx: RunContext): boolean {
  return (
    state instanceof Cached ||
    task.target !== undefined ||
    task.cacheFor !== undefined ||
    task.cacheKeyFn !== undefined ||
    task.persistResult === true ||
    task.cacheResultInMemory === false ||
    (ctx.checkpointing === true && task.checkpoint !== false) ||
    ctx[JOURNAL_KEY] !== undefined
  );
}

/**
 * Whether the value must be written to the task's result. As in Prefect, nothing is written for a
 * `null`/`undefined` value (so a target is not created and the next run runs the task again), and
 * checkpointing writes only where a result is configured (the task's or the flow's): Prefect's
 * base `Result()` keeps the value in memory.
 */
function mustWrite(p: PersistenceContext, value: unknown, cacheKey: string | undefined): boolean {
  const { task, ctx } = p;
  if (value === null || value === undefined) return false;
  if (task.target !== undefined || task.cacheResultInMemory === false || task.persistResult === true || cacheKey !== undefined) return true;
  if (task.persistResult === false || task.checkpoint === false) return false;
  return ctx.checkpointing === true && (task.result ?? p.flowResult) !== undefined;
}

/** The result a task writes to: its own, else the flow's, else a LocalResult under FLOWSMITH_HOME. */
function resultFor(p: PersistenceContext): Result {
  return resultOfTask(p.task, p.flowResult);
}

/**
 * One instance per FLOWSMITH_HOME: the default result and the cache store live under it, and
 * tests (or users) may move it between runs.
 */
function perHome<T>(make: () => T): () => T {
  let made: { home: string | undefined; value: T } | undefined;
  return () => {
    const home = process.env.FLOWSMITH_HOME;
    if (!made || made.home !== home) made = { home, value: make() };
    return made.value;
  };
}
const defaultResult = perHome(() => new LocalResult());
const cacheStore = perHome(() => new CacheStore());

/** The cross-run cache key of this run, or undefined when the task has no `cacheKeyFn` (or it declines). */
function cacheKeyOf(p: PersistenceContext): string | undefined {
  const fn = p.task.cacheKeyFn;
  if (!fn) return undefined;
  // Computed once per run: beforeRun, writeResult and recordSuccess must agree, and a user's function may have
  // side effects or not be deterministic.
  if ("cacheKey" in p.memo) return p.memo.cacheKey;
  return (p.memo.cacheKey = cacheKeyFromValue(p.task, fn(flattenContext(p.ctx) as RunContext, p.inputs)));
}

/** The target location of this run (filled from inputs, context and parameters). */
function targetOf(p: PersistenceContext): string | undefined {
  if (p.task.target === undefined) return undefined;
  if ("target" in p.memo) return p.memo.target;
  return (p.memo.target = formatContextTemplate(p.task.target, p.ctx, p.inputs));
}


/** Step 8: a Cached state to use instead of running (or Pending when a given cache is invalid). */
export async function beforeRun(state: State, p: PersistenceContext): Promise<State | undefined> {
  const { task, ctx, inputs } = p;
  const parameters = ctx.parameters ?? {};
  const target = targetOf(p);
  if (target !== undefined) {
    const result = resultFor(p);
    if (await result.exists(target)) {
      const read = await result.read(target);
      return new Cached({
        message: `Result found at task target ${target}`,
        result: read.value,
        cachedInputs: inputs,
        cachedResultExpiration: null,
        persisted: { result: read, location: read.location ?? target },
      });
    }
    return undefined;
  }
  if (state instanceof Cached) {
    const validator = task.cacheValidator ?? durationOnly;
    if (validator(state, inputs, parameters)) return state;
    return new Pending({ message: "Cache was invalid; ready to run." });
  }
  if (task.cacheFor !== undefined) {
    const candidates = memoryCaches.get(task.cacheKey ?? task.name);
    const validator = task.cacheValidator ?? durationOnly;
    for (const c of candidates ?? []) if (validator(c, inputs, parameters)) return c;
  }
  const key = cacheKeyOf(p);
  if (key !== undefined) {
    const hit = await cacheStore().getValue(key, Date.now(), resultFor(p).serializer);
    if (hit) {
      return new Cached({
        message: `Cached result found for key ${JSON.stringify(key)}`,
        result: hit.value,
        cachedInputs: inputs,
        cachedResultExpiration: hit.entry.expiresAt === null ? null : new Date(hit.entry.expiresAt),
      });
    }
  }
  return undefined;
}

/**
 * Step 11, where the task ran (in an executor's worker too): write the value where a feature needs
 * it (a target, checkpointing, `persistResult`, a `cacheKeyFn` cache) and drop it from memory for
 * `cacheResultInMemory: false`. A write that fails fails the task.
 */
export async function writeResult(state: Success, p: PersistenceContext): Promise<State> {
  const { task, ctx, inputs } = p;
  const value = state.result;
  const key = cacheKeyOf(p);
  if (!mustWrite(p, value, key)) return state;
  const result = resultFor(p);
  let persisted: PersistedRef;
  try {
    const target = targetOf(p);
    const args = templateArgs(ctx, inputs);
    // The target is already filled: a function template keeps write from filling it again (a value with braces).
    const written = target !== undefined ? await result.copy({ locationTemplate: () => target }).write(value, args) : await result.write(value, args);
    persisted = { result: written, location: written.location! };
  } catch (err) {
    return writeFailure(task, result, err);
  }
  const dropped = task.cacheResultInMemory === false;
  return new Success({ message: state.message, result: dropped ? undefined : value, persisted, resultDropped: dropped });
}

/**
 * Step 11, back in the coordinator: a successful value goes into the `cacheKeyFn` store and the
 * run's journal (nothing else writes them, so they never see another process's half-done work).
 */
export async function recordSuccess(state: Success, p: PersistenceContext): Promise<State> {
  const { task, ctx } = p;
  const key = cacheKeyOf(p);
  const journal = ctx[JOURNAL_KEY] as RunJournal | undefined;
  // A task that finishes after its run ended (a cancelled run) is not journaled: the journal is closed.
  const journaled = journal !== undefined && task.checkpoint !== false && ctx[RUN_ENDED] !== true;
  if (key === undefined && !journaled) return state;
  let value: unknown;
  try {
    value = state.resultDropped ? await state.fetchResult() : state.result;
  } catch (err) {
    return writeFailure(task, resultFor(p), err);
  }
  if (key !== undefined) {
    try {
      await cacheStore().putValue(key, value, { taskName: task.name, ttl: task.cacheExpiration, serializer: resultFor(p).serializer });
    } catch (err) {
      return writeFailure(task, resultFor(p), err);
    }
  }
  if (journaled) {
    const serializer = (task.result ?? p.flowResult)?.serializer;
    try {
      journal!.recordValue(ctx.taskSlug!, value, { mapIndex: ctx.mapIndex, serializer });
    } catch (err) {
      // A value its serializer cannot keep does not fail the task (Prefect keeps such values in
      // memory); the run just cannot skip this task when it is resumed.
      if (!(err instanceof SerializationError)) return writeFailure(task, resultFor(p), err);
      ctx.logger?.warn({ err }, messages.notJournaled(ctx.taskFullName ?? task.name, err.message));
    }
  }
  return state;
}

/** Whether a successful run must go through {@link recordSuccess} (a `cacheKeyFn` key, or a journal). */
export function needsRecord(task: AnyTask, ctx: RunContext): boolean {
  return task.cacheKeyFn !== undefined || (ctx[JOURNAL_KEY] !== undefined && task.checkpoint !== false);
}

/** The result a task's persisted values are read back with (the same configuration on every side). */
export function resultOfTask(task: AnyTask, flowResult: Result | undefined): Result {
  return task.result ?? flowResult ?? defaultResult();
}

/**
 * After a `flow.run`, the Cached states of the run (mapped children included) become candidates
 * for later runs of the same cache key, and expired candidates are dropped (Prefect's
 * `context.caches` update, `core/flow.py`): a run never finds its own caches, so mapped children
 * do not share one value within a run.
 */
export function rememberCachedStates(taskStates: Map<AnyTask, State>, now: number = Date.now()): void {
  for (const [task, s] of taskStates) {
    let fresh: Cached[] | undefined;
    if (s instanceof Cached) fresh = [s];
    else if (s instanceof Mapped) for (const c of s.mapStates) if (c instanceof Cached) (fresh ??= []).push(c);
    const key = task.cacheKey ?? task.name;
    const old = memoryCaches.get(key);
    if (!fresh && !old) continue;
    const keep = [...(old ?? []), ...(fresh ?? [])].filter((c) => c.cachedResultExpiration !== null && c.cachedResultExpiration !== undefined && c.cachedResultExpiration.getTime() > now);
    if (keep.length) memoryCaches.set(key, keep);
    else memoryCaches.delete(key);
  }
}

function writeFailure(task: AnyTask, result: Result, err: unknown): State {
  const reason = err instanceof Error ? err.message : String(err);
  const what = err instanceof SerializationError ? `its result cannot be serialized by ${result.serializer.type} serializer` : `its result could not be written with ${result.describe()}`;
  const error = new ResultError(`Task '${task.name}': ${what}: ${reason}`, { cause: err });
  return new Failed({ message: error.message, result: error });
}
