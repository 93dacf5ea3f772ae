/**
 * The TaskRunner's persistence steps: before the trigger, a target that exists or a valid cache
 * gives `Cached` (and `run` is skipped); after a successful run, the value is written where a
 * feature needs it (checkpointing, `target`, `persistResult`, a `cacheKeyFn` cache,
 * `cacheResultInMemory: false`) and cached.
 * @internal
 * @module
 */
import type { AnyTask } from "../core/task";
import type { Result } from "../results/result";
import type { RunContext } from "./context";
import { Cached, Pending, State, Success } from "./state";

/** What the persistence steps need to know about a task run. */
export interface PersistenceContext {
  readonly task: AnyTask;
  readonly ctx: RunContext;
  readonly inputs: Record<string, unknown>;
  readonly flowResult: Result | undefined;
}

/** In-process caches for `cacheFor` (Prefect's `context.caches`), by cache key. */
const memoryCaches = new Map<string, Cached[]>();

/** @internal Drops every in-process cache entry (tests). */
export function clearMemoryCaches(): void {
  memoryCaches.clear();
}

/** Step 8: a Cached state to use instead of running, or the state to continue with. */
export async function beforeRun(state: State, p: PersistenceContext): Promise<State | undefined> {
  const { task, ctx, inputs } = p;
  const parameters = ctx.parameters ?? {};
  if (state instanceof Cached) {
    const validator = task.cacheValidator;
    if (validator && validator(state, inputs, parameters)) return state;
    if (!validator && state.cachedResultExpiration && state.cachedResultExpiration.getTime() > Date.now()) return state;
    return new Pending({ message: "Cache was invalid; ready to run." });
  }
  if (task.cacheFor !== undefined) {
    const candidates = memoryCaches.get(task.cacheKey ?? task.name);
    if (candidates) {
      const validator = task.cacheValidator ?? durationOnly;
      for (const c of candidates) if (validator(c, inputs, parameters)) return c;
    }
  }
  return undefined;
}

const durationOnly = (state: Cached) => state.cachedResultExpiration === null || state.cachedResultExpiration.getTime() > Date.now();

/** Steps 11–13: persists the value where needed, then caches it. */
export async function afterSuccess(state: Success, p: PersistenceContext): Promise<State> {
  const { task, ctx, inputs } = p;
  if (task.cacheFor !== undefined) {
    const cached = new Cached({
      message: state.message,
      result: state.result,
      cachedInputs: inputs,
      cachedParameters: ctx.parameters,
      cachedResultExpiration: new Date(Date.now() + task.cacheFor),
      persisted: state.persisted,
    });
    const key = task.cacheKey ?? task.name;
    const list = memoryCaches.get(key) ?? [];
    list.unshift(cached);
    memoryCaches.set(key, list.filter((c) => durationOnly(c)).slice(0, 16));
    return cached;
  }
  return state;
}
