/**
 * `TaskRunner`: runs one task once, through Prefect 1's pipeline, and returns its new state.
 * Usable alone (to test a task as the engine sees it) and used by the FlowRunner for every task
 * and every mapped child.
 *
 * The pipeline, in order (each step may end the run with a state):
 *  1. context            5. inputs               9. trigger
 *  2. ready?             6. mapping parent       10. running
 *  3. start time         7. run name             11. run (validation, timeout, signals, persistence)
 *  4. upstream finished, 8. target / cache       12. retry, then loop
 *     upstream skipped
 *
 * Steps are written "synchronous unless they have to wait": each returns a state or a promise
 * of one, and {@link then} continues synchronously when it can. A task that is plain synchronous
 * code with no handlers or persistence therefore runs without creating a single promise, which is
 * what keeps the engine at a few microseconds per task.
 * @module
 */
import { randomUUID } from "node:crypto";
import { validate as validateClass } from "class-validator";
import { container as rootContainer } from "tsyringe";
import type { Edge } from "../core/edge";
import type { AnyTask } from "../core/task";
import type { StateHandler } from "../core/task-options";
import { InputValidationError, MappingError } from "../errors";
import { messages } from "../messages";
import { formatValidationErrors } from "../core/task-options";
import type { Executor } from "../executors/executor";
import type { Result } from "../results/result";
import { currentContext, installLazySignal, runWithContext, RunContext } from "./context";
import { rootLogger } from "./logging";
import { beforeRun, needsRecord, recordSuccess, PersistenceContext, usesPersistence } from "./persistence";
import { describe, LocalTaskRun } from "./task-run";
import { errorMatches } from "./codec";
import { OBSERVE_KEY, observeTask } from "./observer";
import type { FlowRef } from "./flow-locator";
import { callStateHandlers, isObserved, then, type HandlerChain, type Sync } from "./handlers";
import { ENDRUN, StateSignal, TRIGGERFAIL } from "./signals";
import {
  Cached, Failed, Looped, Mapped, Paused, Pending, Resume, Retrying, Running, Scheduled, Skipped, State, Success,
  TimedOut, TriggerFailed, ValidationFailed,
} from "./state";
import { dateContext, formatContextTemplate } from "./templates";

/** Options of a TaskRunner. */
export interface TaskRunnerOptions {
  /** Runner-level handlers, called after the task's own on every state change. */
  stateHandlers?: StateHandler[];
  /** The flow's result, used when the task has none of its own. */
  flowResult?: Result;
}

/** Options of `TaskRunner.run`. */
export interface TaskRunOptions {
  /** The state to start from. @default Pending */
  state?: State;
  /** The state of every upstream edge. */
  upstreamStates?: Map<Edge, State>;
  /** Extra context keys (e.g. `{ parameters: {...}, resume: true }`). */
  context?: RunContext;
  /** Where the task's body runs. @default in this process */
  executor?: Executor;
  /** @internal How the task's flow is found elsewhere (for executors that run tasks out of process). */
  flowRef?: FlowRef;
  /** @internal Run as the parent of a mapped task: decide how many children there are. */
  isMappedParent?: boolean;
  /** @internal The task's slug in its flow (`context.taskSlug`). */
  slug?: string;
  /** @internal The child's index when this run is a mapped child (`context.mapIndex`). */
  mapIndex?: number;
}

const START_MESSAGE = "Starting task run.";
/** The Running state of unobserved runs: nobody can see it, so one instance serves them all. */
const RUNNING = new Running(START_MESSAGE);
const EMPTY_UPSTREAM: Map<Edge, State> = new Map();
/** Runs task bodies right here: a lone TaskRunner's executor. */
const HERE: Pick<Executor, "submit"> = { submit: (run) => run.runHere() };

/** Runs one task through Prefect 1's pipeline. */
export class TaskRunner {
  /** The task this runner runs. */
  readonly task: AnyTask;
  /** Runner-level handlers, called after the task's own on every state change. @default [] */
  readonly stateHandlers: readonly StateHandler[];
  /** The flow's result, used when the task has none of its own. */
  readonly flowResult: Result | undefined;

  readonly #handlers: HandlerChain<AnyTask>;

  constructor(task: AnyTask, opts: TaskRunnerOptions = {}) {
    this.task = task;
    this.stateHandlers = opts.stateHandlers ?? [];
    this.flowResult = opts.flowResult;
    this.#handlers = { own: task.stateHandlers, onFailure: task.onFailure, runner: this.stateHandlers };
  }

  /** Runs the task once and returns its new state. A task's failure is a state, never a rejection. */
  run(opts: TaskRunOptions = {}): Promise<State> {
    const out = this.runInContext(opts, currentContext() ?? standaloneContext());
    return out instanceof Promise ? out : Promise.resolve(out);
  }

  /** @internal Runs with `parent` as the parent context; synchronous when the task and its handlers are. */
  runInContext(opts: TaskRunOptions, parent: RunContext): Sync<State> {
    const ctx = this.#initContext(opts, parent);
    return runWithContext(ctx, () => this.#pipeline(opts, ctx));
  }

  /** Step 1: the task run's context, a child of the flow run's (or of a standalone one). */
  #initContext(opts: TaskRunOptions, parent: RunContext): RunContext {
    const task = this.task;
    // Built by plain property writes on a child of the parent: object spreads here cost microseconds.
    const ctx = Object.create(parent) as RunContext;
    const given = opts.context;
    if (given) for (const k in given) ctx[k] = given[k];
    if (opts.slug !== undefined) ctx.taskSlug = opts.slug;
    if (opts.mapIndex !== undefined) ctx.mapIndex = opts.mapIndex;
    const state = opts.state;
    const mapIndex = ctx.mapIndex as number | undefined;
    ctx.taskName = task.name;
    ctx.taskFullName = mapIndex === undefined ? task.name : `${task.name}[${mapIndex}]`;
    ctx.taskTags = task.tags;
    if (ctx.taskRunId === undefined) ctx.taskRunId = randomUUID();
    if (ctx.taskSlug === undefined) ctx.taskSlug = task.slug ?? task.name;
    if (state instanceof Retrying) ctx.taskRunCount = state.runCount + 1;
    else if (!(given && given.taskRunCount !== undefined)) ctx.taskRunCount = (state?.context?.taskRunCount as number | undefined) ?? 1;
    if (state instanceof Resume || (state instanceof Paused && state.startTime !== null && state.startTime.getTime() <= Date.now())) ctx.resume = true;
    const loop = state?.context;
    if (loop && loop.taskLoopCount !== undefined) {
      ctx.taskLoopCount = loop.taskLoopCount as number;
      ctx.taskLoopResult = loop.taskLoopResult;
    }
    return ctx;
  }

  #pipeline(opts: TaskRunOptions, ctx: RunContext): Sync<State> {
    const debug = ctx._logDebug ?? ctx.logger?.isLevelEnabled("debug") ?? false;
    if (debug) ctx.logger!.debug(`Task '${ctx.taskFullName}': Starting task run...`);
    const unexpected = (err: unknown): State =>
      err instanceof ENDRUN
        ? err.state
        : new Failed({ message: `Task '${ctx.taskFullName}': Unexpected error while running task: ${describe(err)}`, result: err as Error });
    const done = (state: State): State => {
      if (debug) ctx.logger!.debug(`Task '${ctx.taskFullName}': Finished task run for task with final state: '${state.type}'`);
      if (state instanceof Failed || state instanceof Retrying) logOutcome(state, ctx);
      return state;
    };
    let out: Sync<State>;
    try {
      out = this.#stages(opts.state ?? new Pending(), opts, ctx);
    } catch (err) {
      return done(unexpected(err));
    }
    return out instanceof Promise ? out.then(done, (err) => done(unexpected(err))) : done(out);
  }

  /** Steps 2–6. */
  #stages(state: State, opts: TaskRunOptions, ctx: RunContext): Sync<State> {
    const task = this.task;
    const upstream = opts.upstreamStates ?? EMPTY_UPSTREAM;
    // 2. ready? Pending (and its kinds), Cached (to revalidate) and a Mapped parent (to regenerate children) go on.
    if (!(state instanceof Pending || state instanceof Cached || (state instanceof Mapped && opts.isMappedParent))) return state;
    // 3. start time
    if (state instanceof Scheduled && !ctx.resume && (state.startTime === null || state.startTime.getTime() > Date.now())) return state;
    // 4. upstream finished, then upstream skipped (children of a Mapped upstream count on a plain edge)
    let anySkipped = false;
    let anyDropped = false;
    for (const [edge, s] of upstream) {
      if (s instanceof Mapped && !edge.mapped) {
        for (const c of s.mapStates) {
          if (!c || !c.isFinished()) return state;
          if (c instanceof Skipped) anySkipped = true;
          if (c.resultDropped) anyDropped = true;
        }
      } else {
        if (!s.isFinished()) return state;
        if (s instanceof Skipped) anySkipped = true;
        if (s.resultDropped) anyDropped = true;
      }
    }
    if (anySkipped && task.skipOnUpstreamSkip) {
      return this.#change(state, new Skipped({
        message: "Upstream task was skipped; if this was not the intended behavior, consider changing `skipOnUpstreamSkip: false` for this task.",
      }), ctx);
    }
    // 5. inputs (values dropped from memory are read back from storage)
    const inputs = anyDropped ? readInputsAsync(upstream) : readInputs(upstream);
    // 6. a mapping parent decides its children and stops: it never runs its trigger or body.
    if (opts.isMappedParent) return then(inputs, () => this.#change(state, readyToMap(task, state, upstream, ctx), ctx));
    return then(inputs, (values) => this.#prepare(state, upstream, values, opts, ctx));
  }

  /** Steps 7–10. */
  #prepare(state: State, upstream: Map<Edge, State>, inputs: Record<string, unknown>, opts: TaskRunOptions, ctx: RunContext): Sync<State> {
    const task = this.task;
    // 7. run name
    if (task.taskRunName !== undefined) ctx.taskRunName = formatContextTemplate(task.taskRunName, ctx, inputs);
    // 8. target / cache
    const persistence: PersistenceContext | undefined = usesPersistence(task, state, ctx)
      ? { task, ctx, inputs, flowResult: this.flowResult, memo: {} }
      : undefined;
    const checked = persistence
      ? beforeRun(state, persistence).then((c) => (c && c !== state ? this.#change(state, c, ctx) : state))
      : state;
    return then(checked, (current) => {
      // 9. trigger (it runs for a Cached state too)
      const stop = this.#trigger(upstream);
      if (stop) return this.#change(current, stop, ctx);
      // 10. running: only from Pending (a valid Cached state stops here)
      if (!(current instanceof Pending)) return current;
      if (!isObserved(this.#handlers) && ctx[OBSERVE_KEY] === undefined) return this.#execute(RUNNING, inputs, persistence, opts, ctx);
      return then(this.#change(current, new Running(START_MESSAGE), ctx), (running) =>
        running instanceof Running ? this.#execute(running, inputs, persistence, opts, ctx) : running,
      );
    });
  }

  /** Steps 11–12. */
  #execute(running: State, inputs: Record<string, unknown>, persistence: PersistenceContext | undefined, opts: TaskRunOptions, ctx: RunContext): Sync<State> {
    const task = this.task;
    const outcome = then(this.#runTask(inputs, persistence, opts, ctx), (o) =>
      persistence && o instanceof Success && !(o instanceof Skipped) && !(o instanceof Cached) && needsRecord(task, ctx) ? recordSuccess(o, persistence) : o,
    );
    return then(outcome, (o) =>
      then(this.#change(running, o, ctx), (afterRun) =>
        // 11b. cache the result: Success -> Cached is a state change of its own, seen by the handlers
        // (Prefect's cache_result), so a handler that turned the run's state around is respected.
        then(task.cacheFor !== undefined && afterRun instanceof Success && !(afterRun instanceof Skipped)
          ? this.#change(afterRun, cachedState(afterRun, task.cacheFor, inputs, ctx), ctx)
          : afterRun, (state) => {
          // 12. retry, then loop
          if (state instanceof Failed && !(state instanceof TriggerFailed) && !(state.result instanceof InputValidationError)) {
            const retry = this.#retryState(state, ctx);
            if (retry) return this.#change(state, retry, ctx);
          }
          if (state instanceof Looped) {
            const loopCount = (ctx.taskLoopCount ?? 1) + 1;
            ctx.taskLoopCount = loopCount;
            ctx.taskLoopResult = state.result;
            // As in Prefect, the next iteration starts from Pending without a state change of its own.
            const next = new Pending({ message: `Looping task (on loop index ${loopCount - 1})`, context: { taskLoopCount: loopCount, taskLoopResult: state.result } });
            return this.#stages(next, opts, ctx);
          }
          return state;
        }),
      ),
    );
  }

  /** Step 9: the trigger. Returns a state to stop with, or undefined to run. */
  #trigger(upstream: Map<Edge, State>): State | undefined {
    try {
      // A trigger that returns false fails like one that throws TRIGGERFAIL: the signal is the result.
      if (!this.task.trigger(upstream)) return new TRIGGERFAIL("Trigger failed").state;
      return undefined;
    } catch (err) {
      if (err instanceof StateSignal) return err.state;
      return new TriggerFailed({ message: `Unexpected error while checking task trigger: ${describe(err)}`, result: err as Error });
    }
  }

  /**
   * Step 11: validates the inputs, then hands the run to the executor, which runs the body where
   * the code lives (see task-run.ts). An executor that fails (a crashed worker) fails the run,
   * naming it.
   */
  #runTask(inputs: Record<string, unknown>, persistence: PersistenceContext | undefined, opts: TaskRunOptions, ctx: RunContext): Sync<State> {
    const inputsClass = this.task.classMeta.inputsClass;
    if (inputsClass) {
      return validateInputs(this.task, inputsClass, inputs).then((invalid) => invalid ?? this.#submit(inputs, persistence, opts, ctx));
    }
    return this.#submit(inputs, persistence, opts, ctx);
  }

  #submit(inputs: Record<string, unknown>, persistence: PersistenceContext | undefined, opts: TaskRunOptions, ctx: RunContext): Sync<State> {
    const run = new LocalTaskRun(this.task, inputs, ctx, persistence, this.flowResult, opts.flowRef);
    const failed = (err: unknown) => new Failed({
      message: `Task '${ctx.taskFullName}': the executor could not run it: ${describe(err)}`,
      result: err as Error,
    });
    let out: Sync<State>;
    try {
      out = (opts.executor ?? HERE).submit(run);
    } catch (err) {
      return failed(err);
    }
    return out instanceof Promise ? out.then(undefined, failed) : out;
  }

  /** Step 12: a retryable failure becomes Retrying, with its start time and run count. */
  #retryState(state: State, ctx: RunContext): Retrying | undefined {
    const task = this.task;
    const runCount = ctx.taskRunCount ?? 1;
    if (runCount > task.maxRetries) return undefined;
    if (task.retryOn && !task.retryOn.some((cls) => errorMatches(state.result, cls))) return undefined;
    const delay = typeof task.retryDelay === "function" ? task.retryDelay(runCount) : task.retryDelay;
    const loopContext = ctx.taskLoopCount !== undefined ? { taskLoopCount: ctx.taskLoopCount, taskLoopResult: ctx.taskLoopResult } : undefined;
    return new Retrying({
      message: `Retrying Task (after attempt ${runCount} of ${task.maxRetries + 1})`,
      startTime: new Date(Date.now() + Math.max(0, delay)),
      runCount,
      context: loopContext,
      result: state.result,
    });
  }

  /**
   * A state change through the handler chain (the task's handlers, `onFailure`, the runner's).
   * A handler that throws ends the run Failed, with a message naming the handler's error.
   */
  #change(oldState: State, newState: State, ctx: RunContext): Sync<State> {
    // Handlers see changes only: a step that keeps its state (a restarted Mapped parent) calls none.
    if (newState === oldState) return newState;
    if (!isObserved(this.#handlers)) {
      if (ctx[OBSERVE_KEY] !== undefined) observeTask(ctx, this.task, oldState, newState);
      return newState;
    }
    const out = callStateHandlers(this.task, this.#handlers, oldState, newState, (err) => {
      if (err instanceof StateSignal || err instanceof ENDRUN) return err.state;
      // As in Prefect (ENDRUN): the run stops here, Failed; no retry, loop or further step. The
      // failure is logged once, with the run's outcome.
      const failed = new Failed({ message: `Unexpected error while calling state handlers: ${describe(err)}`, result: err as Error });
      if (ctx[OBSERVE_KEY] !== undefined) observeTask(ctx, this.task, oldState, failed);
      throw new ENDRUN(failed);
    });
    if (ctx[OBSERVE_KEY] === undefined) return out;
    return then(out, (final) => {
      observeTask(ctx, this.task, oldState, final);
      return final;
    });
  }
}

/**
 * A failure is logged once, when the run ends: `error` with the error (stack and cause) for a
 * failed run, `warn` for a trigger that did not pass and for a retry.
 */
function logOutcome(state: Failed | Retrying, ctx: RunContext): void {
  const logger = ctx.logger;
  if (!logger) return;
  const name = ctx.taskFullName;
  const err = state.result instanceof Error ? state.result : undefined;
  if (state instanceof Retrying) logger.warn({ err }, `Task '${name}': ${state.message ?? "retrying"}`);
  else if (state instanceof TriggerFailed) logger.warn(`Task '${name}': ${state.message ?? "trigger failed"}`);
  else logger.error({ err }, `Task '${name}' failed: ${state.message ?? state.type}`);
}

/**
 * Step 5: `{ key: value }` for every keyed upstream edge (the flow's constants arrive as edges of
 * their own, as in Prefect). A reduce edge from a mapped task gets the children's values. As in
 * Prefect, flattening is the flow runner's work: a flattened edge's state arrives flattened.
 */
function readInputs(upstream: Map<Edge, State>): Record<string, unknown> {
  const inputs: Record<string, unknown> = {};
  for (const [edge, s] of upstream) {
    if (edge.key === undefined) continue;
    inputs[edge.key] = !(s instanceof Mapped) || edge.mapped ? s.result : reduceValue(s.mapStates, (c) => c.result);
  }
  return inputs;
}

/** Step 5 when some upstream value was dropped from memory and must be read back. */
async function readInputsAsync(upstream: Map<Edge, State>): Promise<Record<string, unknown>> {
  const inputs: Record<string, unknown> = {};
  const valueOf = (s: State) => (s.resultDropped ? s.fetchResult({ raiseOnFailure: false }) : s.result);
  for (const [edge, s] of upstream) {
    if (edge.key === undefined) continue;
    inputs[edge.key] = !(s instanceof Mapped) || edge.mapped ? await valueOf(s) : await Promise.all(reduceValue(s.mapStates, valueOf));
  }
  return inputs;
}

function reduceValue<T>(children: readonly State[], valueOf: (c: State) => T): T[] {
  const out = new Array<T>(children.length);
  for (let i = 0; i < children.length; i++) out[i] = valueOf(children[i]!);
  return out;
}

/**
 * Prefect's `flatten` of a plain value: one level of nesting removed when every item is an array;
 * anything else (a non-array, or a list with a non-array item) is passed on unchanged.
 */
export function flattenOnce(value: unknown): unknown {
  if (!Array.isArray(value)) return value;
  let n = 0;
  for (const item of value) {
    if (!Array.isArray(item)) return value;
    n += item.length;
  }
  const out = new Array<unknown>(n);
  let k = 0;
  for (const item of value as unknown[][]) for (const v of item) out[k++] = v;
  return out;
}

/**
 * The element states a flattened edge out of a Mapped task stands for (Prefect's
 * `flatten_mapped_children`): a successful, not skipped child whose value is an array contributes
 * one state per item; any other child contributes itself, once per item of an array value, else once.
 */
export function flattenStates(state: Mapped): State[] {
  const out: State[] = [];
  for (const c of state.mapStates) {
    const items = Array.isArray(c.result) ? (c.result as unknown[]) : undefined;
    if (c.isSuccessful() && !c.isSkipped() && items) for (const item of items) out.push(new Success({ result: item }));
    else for (let i = items ? items.length : 1; i > 0; i--) out.push(c);
  }
  return out;
}

/**
 * Step 6: how many children a mapped task has (or why it cannot map). Mapped inputs of different
 * lengths zip to the shortest, with a warning naming them.
 */
function readyToMap(task: AnyTask, state: State, upstream: Map<Edge, State>, ctx: RunContext): State {
  if (state instanceof Mapped) return state;
  let anyMappedSuccess = false;
  let n = Infinity;
  let lengths: Array<[string, number]> | undefined;
  for (const [edge, s] of upstream) {
    if (!edge.mapped || !s.isSuccessful()) continue;
    anyMappedSuccess = true;
    let len: number;
    if (s instanceof Mapped) len = s.nMapStates;
    else {
      const value = s.result;
      if (!Array.isArray(value)) {
        const error = new MappingError(messages.unmappable(task.name, edge.upstreamTask.name, edge.key, value));
        return new Failed({ message: `At least one upstream state has an unmappable result. ${error.message}`, result: error });
      }
      len = value.length;
    }
    (lengths ??= []).push([edge.key ?? `(${edge.upstreamTask.name})`, len]);
    n = Math.min(n, len);
  }
  if (upstream.size > 0 && !anyMappedSuccess) return new Failed({ message: "No upstream states can be mapped over." });
  if (lengths && lengths.some(([, len]) => len !== n)) ctx.logger?.warn(messages.mapZipShortest(task.name, lengths, n));
  return new Mapped({ message: "Ready to proceed with mapping.", nMapStates: n === Infinity ? 0 : n });
}

/** Prefect's cache_result: a successful run of a `cacheFor` task becomes Cached until it expires. */
function cachedState(state: Success, cacheFor: number, inputs: Record<string, unknown>, ctx: RunContext): Cached {
  return new Cached({
    message: state.message,
    result: state.result,
    persisted: state.persisted,
    resultDropped: state.resultDropped,
    cachedInputs: inputs,
    cachedParameters: ctx.parameters,
    cachedResultExpiration: new Date(Date.now() + cacheFor),
  });
}

async function validateInputs(task: AnyTask, cls: new () => object, inputs: Record<string, unknown>): Promise<State | undefined> {
  const instance = Object.assign(new cls(), inputs);
  const errors = await validateClass(instance, { forbidUnknownValues: false });
  if (!errors.length) return undefined;
  const message = formatValidationErrors(`Task '${task.name}'`, errors, "input");
  const err = new InputValidationError(message, errors.map((e) => ({ property: e.property, constraints: e.constraints ?? {} })));
  return new ValidationFailed({ message, result: err });
}

/** The context a TaskRunner used outside any flow run inherits: dates, empty parameters, a container. */
function standaloneContext(): RunContext {
  const ctx: RunContext = {
    parameters: {},
    checkpointing: false,
    ...dateContext(new Date()),
    container: rootContainer.createChildContainer(),
    logger: rootLogger(),
  };
  installLazySignal(ctx);
  return ctx;
}
