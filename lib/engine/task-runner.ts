/**
 * `TaskRunner`: runs one task once, through Prefect 1's pipeline, and returns its new state.
 * Usable alone (to test a task as the engine sees it) and used by the FlowRunner for every task
 * and every mapped child.
 *
 * The pipeline, in order (each step may end the run with a state):
 *  1. context        5. inputs               9. trigger
 *  2. ready?         6. mapping parent       10. running
 *  3. start time     7. run name             11. run (timeout, validation, signals, persistence)
 *  4. upstream finished / skipped            8. target / cache    12. cache result, retry, loop
 * @module
 */
import { randomUUID } from "node:crypto";
import { validate as validateClass } from "class-validator";
import { container as rootContainer } from "tsyringe";
import type { Edge } from "../core/edge";
import type { AnyTask } from "../core/task";
import type { StateHandler } from "../core/task-options";
import { InputValidationError } from "../errors";
import { formatValidationErrors } from "../core/task-options";
import type { Executor } from "../executors/executor";
import type { Result } from "../results/result";
import { childContext, currentContext, runWithContext, RunContext } from "./context";
import { rootLogger } from "./logging";
import { ENDRUN, StateSignal } from "./signals";
import {
  Cached, Failed, Looped, Mapped, Paused, Pending, Resume, Retrying, Running, Scheduled, Skipped, State, Success,
  TimedOut, TriggerFailed, ValidationFailed,
} from "./state";
import { afterSuccess, beforeRun, PersistenceContext } from "./persistence";
import { formatContextTemplate, dateContext } from "./templates";

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
  /** Accepted for symmetry with Prefect; a single task run happens in this process. */
  executor?: Executor;
  /** @internal Plain values bound to inputs (the flow's constants for this task). */
  constants?: Readonly<Record<string, unknown>>;
  /** @internal Run as the parent of a mapped task: decide how many children there are. */
  isMappedParent?: boolean;
}

const START_MESSAGE = "Starting task run.";
const NO_SIGNAL = new AbortController().signal;

/** Runs one task through Prefect 1's pipeline. */
export class TaskRunner {
  readonly task: AnyTask;
  readonly stateHandlers: readonly StateHandler[];
  readonly flowResult: Result | undefined;

  constructor(task: AnyTask, opts: TaskRunnerOptions = {}) {
    this.task = task;
    this.stateHandlers = opts.stateHandlers ?? [];
    this.flowResult = opts.flowResult;
  }

  /** Runs the task once and returns its new state. Never throws for a task's failure. */
  async run(opts: TaskRunOptions = {}): Promise<State> {
    const ctx = this.#initContext(opts);
    return runWithContext(ctx, () => this.#pipeline(opts, ctx));
  }

  /** Step 1: the task run's context (inherits the flow run's, when there is one). */
  #initContext(opts: TaskRunOptions): RunContext {
    const task = this.task;
    const parent = currentContext() ?? standaloneContext();
    const own: RunContext = opts.context ? { ...opts.context } : {};
    const state = opts.state;
    const mapIndex = own.mapIndex ?? (parent.mapIndex as number | undefined);
    own.taskName = task.name;
    own.taskFullName = mapIndex === undefined ? task.name : `${task.name}[${mapIndex}]`;
    own.taskTags = task.tags;
    own.taskRunId ??= randomUUID();
    if (own.taskSlug === undefined && parent.taskSlug === undefined) own.taskSlug = task.slug ?? task.name;
    if (state instanceof Retrying) own.taskRunCount = state.runCount + 1;
    else own.taskRunCount ??= (state?.context?.taskRunCount as number | undefined) ?? 1;
    if (state instanceof Resume || (state instanceof Paused && state.startTime !== null && state.startTime.getTime() <= Date.now())) own.resume = true;
    const loop = state?.context;
    if (loop && loop.taskLoopCount !== undefined) {
      own.taskLoopCount = loop.taskLoopCount as number;
      own.taskLoopResult = loop.taskLoopResult;
    }
    return childContext(parent, own);
  }

  async #pipeline(opts: TaskRunOptions, ctx: RunContext): Promise<State> {
    let state = opts.state ?? new Pending();
    const logger = ctx.logger;
    const info = logger !== undefined && logger.isLevelEnabled("info");
    if (info) logger!.info(`Task '${ctx.taskFullName}': Starting task run...`);
    try {
      state = await this.#stages(state, opts, ctx);
    } catch (err) {
      if (err instanceof ENDRUN) state = err.state;
      else state = new Failed({ message: `Task '${ctx.taskFullName}': Unexpected error while running task: ${describe(err)}`, result: err as Error });
    }
    if (info) logger!.info(`Task '${ctx.taskFullName}': Finished task run for task with final state: '${state.type}'`);
    return state;
  }

  async #stages(initial: State, opts: TaskRunOptions, ctx: RunContext): Promise<State> {
    const task = this.task;
    let state = initial;
    const upstream = opts.upstreamStates ?? EMPTY_UPSTREAM;

    // 2. ready? Pending (and its kinds), Mapped (to regenerate children) and Cached (to revalidate) go on.
    if (!(state instanceof Pending || state instanceof Cached || (state instanceof Mapped && opts.isMappedParent))) return state;
    // 3. start time
    if (state instanceof Scheduled && !ctx.resume && (state.startTime === null || state.startTime.getTime() > Date.now())) return state;
    // 4. upstream finished, then upstream skipped
    let anySkipped = false;
    for (const [edge, s] of upstream) {
      if (s instanceof Mapped && !edge.mapped) {
        for (const c of s.mapStates) {
          if (!c || !c.isFinished()) return state;
          if (c instanceof Skipped) anySkipped = true;
        }
      } else {
        if (!(s.isFinished())) return state;
        if (s instanceof Skipped) anySkipped = true;
      }
    }
    if (anySkipped && task.skipOnUpstreamSkip) {
      return this.#change(state, new Skipped({
        message: "Upstream task was skipped; if this was not the intended behavior, consider changing `skipOnUpstreamSkip: false` for this task.",
      }), ctx);
    }
    // 5. inputs
    const inputs = await this.#inputs(upstream, opts.constants);
    // 6. mapping parent: decide the children; the parent never runs its trigger or its body.
    if (opts.isMappedParent) return this.#change(state, readyToMap(state, upstream), ctx);
    // 7. run name
    if (task.taskRunName !== undefined) ctx.taskRunName = formatContextTemplate(task.taskRunName, ctx, inputs);
    // 8. target / cache
    const persistence: PersistenceContext = { task, ctx, inputs, flowResult: this.flowResult };
    const cached = await beforeRun(state, persistence);
    if (cached && cached !== state) state = await this.#change(state, cached, ctx);
    // 9. trigger (it runs for a Cached state too)
    const triggered = this.#trigger(upstream);
    if (triggered) return this.#change(state, triggered, ctx);
    // 10. running: only from Pending (a valid Cached state stops here)
    if (!(state instanceof Pending)) return state;
    state = await this.#change(state, new Running(START_MESSAGE), ctx);
    if (!(state instanceof Running)) return state;
    // 11. run
    let outcome = await this.#runTask(inputs, ctx);
    if (outcome instanceof Success && !(outcome instanceof Skipped) && !(outcome instanceof Cached)) {
      outcome = await afterSuccess(outcome, persistence);
    }
    state = await this.#change(state, outcome, ctx);
    // 12. retry, then loop
    if (state instanceof Failed && !(state instanceof TriggerFailed)) {
      const retry = this.#retryState(state, ctx);
      if (retry) state = await this.#change(state, retry, ctx);
    }
    if (state instanceof Looped) {
      const loopCount = (ctx.taskLoopCount ?? 1) + 1;
      ctx.taskLoopCount = loopCount;
      ctx.taskLoopResult = state.result;
      state = await this.#change(state, new Pending({ message: "Looping", context: { taskLoopCount: loopCount, taskLoopResult: state.result } }), ctx);
      return this.#stages(state, opts, ctx);
    }
    return state;
  }

  /** Reads every upstream value (fetching dropped ones back from storage) and adds constants. */
  async #inputs(upstream: Map<Edge, State>, constants: Readonly<Record<string, unknown>> | undefined): Promise<Record<string, unknown>> {
    const inputs: Record<string, unknown> = constants ? { ...constants } : {};
    for (const [edge, s] of upstream) {
      if (edge.key === undefined) continue;
      let value: unknown;
      if (s instanceof Mapped && !edge.mapped) {
        value = await Promise.all(s.mapStates.map((c) => valueOf(c)));
      } else value = await valueOf(s);
      if (edge.flattened && !edge.mapped) value = flattenOnce(value);
      inputs[edge.key] = value;
    }
    return inputs;
  }

  /** Step 9: the trigger. Returns a state to stop with, or undefined to run. */
  #trigger(upstream: Map<Edge, State>): State | undefined {
    try {
      if (!this.task.trigger(upstream)) return new TriggerFailed({ message: "Trigger failed" });
      return undefined;
    } catch (err) {
      if (err instanceof StateSignal) return err.state;
      return new TriggerFailed({ message: `Unexpected error while checking task trigger: ${describe(err)}`, result: err as Error });
    }
  }

  /** Step 11: calls `run` (validated inputs, timeout, signals) and turns the outcome into a state. */
  async #runTask(inputs: Record<string, unknown>, ctx: RunContext): Promise<State> {
    const task = this.task;
    const meta = task.classMeta;
    if (meta.inputsClass) {
      const invalid = await validateInputs(task, meta.inputsClass, inputs);
      if (invalid) return invalid;
    }
    const timeout = task.timeout;
    let controller: AbortController | undefined;
    if (timeout !== undefined) {
      controller = new AbortController();
      ctx.signal = controller.signal;
    } else if (ctx.signal === undefined) ctx.signal = NO_SIGNAL;
    try {
      let value: unknown = task.run(inputs as never);
      if (value instanceof Promise || (value !== null && typeof value === "object" && typeof (value as PromiseLike<unknown>).then === "function")) {
        value = timeout === undefined ? await value : await withTimeout(value as Promise<unknown>, timeout, controller!);
      }
      return new Success({ message: "Task run succeeded.", result: value });
    } catch (err) {
      if (err === TIMED_OUT) return new TimedOut({ message: `Task timed out during execution (after ${timeout} ms).`, result: new Error(`Task '${ctx.taskFullName}' timed out after ${timeout} ms`) });
      if (err instanceof StateSignal) return err.state;
      if (err instanceof ENDRUN) return err.state;
      return new Failed({ message: `Error during execution of task: ${describe(err)}`, result: err as Error });
    }
  }

  /** Step 12: a retryable failure becomes Retrying, with its start time and run count. */
  #retryState(state: State, ctx: RunContext): Retrying | undefined {
    const task = this.task;
    const runCount = ctx.taskRunCount ?? 1;
    if (runCount > task.maxRetries) return undefined;
    if (task.retryOn && !task.retryOn.some((cls) => state.result instanceof cls)) return undefined;
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
   * A state change: the task's handlers (and `onFailure`), then the runner's, each may replace the
   * new state. A handler that throws fails the task with a message naming the handler's error.
   */
  async #change(oldState: State, newState: State, ctx: RunContext): Promise<State> {
    const task = this.task;
    const taskHandlers = task.stateHandlers;
    if (taskHandlers.length === 0 && this.stateHandlers.length === 0 && task.onFailure === undefined) return newState;
    let state = newState;
    try {
      for (const h of taskHandlers) state = (await h(task, oldState, state)) ?? state;
      if (task.onFailure && state.isFailed()) await task.onFailure(task, state);
      for (const h of this.stateHandlers) state = (await h(task, oldState, state)) ?? state;
    } catch (err) {
      if (err instanceof StateSignal) return err.state;
      if (err instanceof ENDRUN) return err.state;
      ctx.logger?.error({ err }, `Task '${ctx.taskFullName}': Unexpected error while calling state handlers: ${describe(err)}`);
      return new Failed({ message: `Unexpected error while calling state handlers: ${describe(err)}`, result: err as Error });
    }
    return state;
  }
}

const EMPTY_UPSTREAM: Map<Edge, State> = new Map();
const TIMED_OUT = Symbol("timed out");

function describe(err: unknown): string {
  if (err instanceof Error) return `${err.name}: ${err.message}`;
  return String(err);
}

async function valueOf(s: State): Promise<unknown> {
  return s.resultDropped ? s.fetchResult({ raiseOnFailure: false }) : s.result;
}

/** One level of nesting removed; a non-iterable item is kept as is. */
export function flattenOnce(value: unknown): unknown {
  if (!Array.isArray(value)) return value;
  const out: unknown[] = [];
  for (const item of value) {
    if (Array.isArray(item)) out.push(...item);
    else out.push(item);
  }
  return out;
}

/** Step 6: how many children a mapped task has (or why it cannot map). */
function readyToMap(state: State, upstream: Map<Edge, State>): State {
  if (state instanceof Mapped) return state;
  let anyMappedSuccess = false;
  let n = Infinity;
  for (const [edge, s] of upstream) {
    if (!edge.mapped) continue;
    if (!s.isSuccessful()) continue;
    anyMappedSuccess = true;
    if (s instanceof Mapped) n = Math.min(n, s.nMapStates);
    else {
      const value = edge.flattened ? flattenOnce(s.result) : s.result;
      if (!Array.isArray(value) && !(typeof value === "string")) {
        return new Failed({ message: "At least one upstream state has an unmappable result." });
      }
      n = Math.min(n, (value as ArrayLike<unknown>).length);
    }
  }
  if (upstream.size > 0 && !anyMappedSuccess) return new Failed({ message: "No upstream states can be mapped over." });
  return new Mapped({ message: "Ready to proceed with mapping.", nMapStates: n === Infinity ? 0 : n });
}

async function validateInputs(task: AnyTask, cls: new () => object, inputs: Record<string, unknown>): Promise<State | undefined> {
  const instance = Object.assign(new cls(), inputs);
  const errors = await validateClass(instance, { forbidUnknownValues: false });
  if (!errors.length) return undefined;
  const message = formatValidationErrors(`Task '${task.name}'`, errors, "input");
  const err = new InputValidationError(message, errors.map((e) => ({ property: e.property, constraints: e.constraints ?? {} })));
  return new ValidationFailed({ message, result: err });
}

function withTimeout(p: Promise<unknown>, ms: number, controller: AbortController): Promise<unknown> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      controller.abort(new Error(`timed out after ${ms} ms`));
      reject(TIMED_OUT);
    }, ms);
    p.then(
      (v) => { clearTimeout(timer); resolve(v); },
      (e) => { clearTimeout(timer); reject(e); },
    );
  });
}

/** The context a TaskRunner used outside any flow run inherits: dates, empty parameters, a container. */
function standaloneContext(): RunContext {
  return { parameters: {}, checkpointing: false, ...dateContext(new Date()), container: rootContainer.createChildContainer(), logger: rootLogger() };
}
