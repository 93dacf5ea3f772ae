/**
 * `FlowRunner`: runs a whole flow to completion in one call, retries included, and returns its
 * final state (whose `result` maps every task to its state).
 *
 * Scheduling is dependency counting on the compiled plan: a task becomes ready when its last
 * upstream settles; a mapped task's child i becomes ready when child i of each mapped upstream
 * settles (depth-first, no barrier between levels). A task waiting for its retry delay sits on a
 * timer and holds up only its own downstream tasks. The executor decides how many runs are in
 * flight at once and where they happen.
 * @module
 */
import { randomUUID } from "node:crypto";
import { isDeepStrictEqual } from "node:util";
import { container as rootContainer, DependencyContainer } from "tsyringe";
import type { Logger } from "pino";
import type { Edge } from "../core/edge";
import type { Flow } from "../core/flow";
import type { AnyTask } from "../core/task";
import type { StateHandler } from "../core/task-options";
import { Constant } from "../core/constants";
import type { Executor } from "../executors/executor";
import { flowRefOf, type FlowRef } from "./flow-locator";
import { LocalExecutor } from "../executors/local";
import { MappingError, RunError, TaskNotFoundError } from "../errors";
import { defaultRunsDir, RunJournal } from "../results/run-journal";
import { JOURNAL_KEY, RUN_ENDED } from "./persistence";
import { currentContext, installLazySignal, RUN_SIGNAL, RunContext, runWithContext } from "./context";
import { dispatcher, OBSERVE_KEY, type RunObserver } from "./observer";
import { rootLogger } from "./logging";
import { planOf, Plan, PlanEdge, PlanNode } from "./plan";
import {
  Cancelled, Failed, Finished, Mapped, Pending, Retrying, Running, Scheduled, State, Success,
} from "./state";
import { callStateHandlers, type HandlerChain } from "./handlers";
import { flattenOnce, flattenStates, TaskRunner, type TaskRunOptions } from "./task-runner";
import { dateContext, formatContextTemplate } from "./templates";

/** Options of a flow run (`flow.run(opts)` / `FlowRunner.run(opts)`). */
export interface FlowRunOptions {
  /** Parameter values by name. */
  parameters?: Record<string, unknown>;
  /** Where tasks run. @default the flow's executor, else LocalExecutor */
  executor?: Executor;
  /** Extra context keys every task sees (e.g. `{ checkpointing: true, date: "2024-01-01" }`). */
  context?: Record<string, unknown>;
  /** States to start tasks from (finished ones are reused; the map is never changed). */
  taskStates?: Map<AnyTask, State>;
  /** Extra context keys per task. */
  taskContexts?: Map<AnyTask, Record<string, unknown>>;
  /** A name for this run (template or function), overriding the flow's. */
  flowRunName?: string | ((ctx: RunContext) => string);
  /** The tsyringe container `@Resource` properties resolve from (a child is made per run). @default the global container */
  container?: DependencyContainer;
  /**
   * This run's id (`context.flowRunId`). A run that checkpoints keeps a journal of every
   * successful task under `FLOWSMITH_HOME/runs/<runId>.jsonl`. @default a random UUID
   */
  runId?: string;
  /**
   * Resume an earlier run that checkpointed (and maybe crashed): every task (and mapped child)
   * whose success that run journaled gets its value back and is not run again; the rest run.
   * The resumed run keeps the same id and journal, and checkpoints.
   */
  resumeFrom?: string;
  /** Read-only observers of every flow and task state change of the run (see {@link RunObserver}). */
  observers?: RunObserver[];
  /**
   * Cancels the run when it aborts: nothing new starts, running tasks see `context.signal` aborted
   * (tasks in worker threads are stopped), every unfinished task ends `Cancelled` and the flow
   * ends `Cancelled`. A checkpointing run can be resumed afterwards.
   */
  signal?: AbortSignal;
  /**
   * At most `n` task runs with tag `tag` in flight at once in this run (`{ db: 2 }`), mapped
   * children included; a task waiting for a slot stays Pending.
   */
  tagLimits?: Record<string, number>;
}

/** Options of `FlowRunner.run`. */
export interface FlowRunnerRunOptions extends FlowRunOptions {
  /** The flow's starting state. @default Pending */
  state?: State;
  /** Tasks whose states must be final for the flow to finish (besides terminal and reference tasks). */
  returnTasks?: Iterable<AnyTask>;
}

/** Options of a FlowRunner. */
export interface FlowRunnerOptions {
  /** Flow-level state handlers, called after the flow's own. */
  stateHandlers?: Array<(flow: Flow, oldState: State, newState: State) => State | void | undefined | Promise<State | void | undefined>>;
  /** Handlers given to every task's TaskRunner. */
  taskRunnerStateHandlers?: StateHandler[];
}

/** Runs a flow to completion. */
export class FlowRunner {
  /**
   * @param flow The flow this runner runs.
   * @param options The runner's options: flow-level state handlers, and handlers for every TaskRunner.
   */
  constructor(
    /** The flow this runner runs. */
    readonly flow: Flow,
    /** The runner's options: flow-level state handlers, and handlers for every TaskRunner. */
    readonly options: FlowRunnerOptions = {},
  ) {}

  /** Runs the flow and returns its final state (`result`: a Map of every task to its state). */
  async run(opts: FlowRunnerRunOptions = {}): Promise<State> {
    const executor: Executor = opts.executor ?? this.flow.options.executor ?? new LocalExecutor();
    // An executor that runs tasks elsewhere must find the flow there: checked before anything runs.
    const flowRef = executor.inProcess ? undefined : await flowRefOf(this.flow);
    const ctx = this.#flowContext(opts);
    const logger = ctx.logger as Logger;
    const journal = ctx[JOURNAL_KEY] as RunJournal | undefined;
    try {
      return await this.#run(opts, ctx, logger, journal, executor, flowRef);
    } finally {
      journal?.close();
    }
  }

  async #run(opts: FlowRunnerRunOptions, ctx: RunContext, logger: Logger, journal: RunJournal | undefined, executor: Executor, flowRef: FlowRef | undefined): Promise<State> {
    const flow = this.flow;
    let state = opts.state ?? new Pending();
    if (state.isFinished()) return state;
    if (state instanceof Scheduled && state.startTime && state.startTime.getTime() > Date.now()) return state;
    return runWithContext(ctx, async () => {
      if (logger.isLevelEnabled("info")) logger.info(`Beginning Flow run for '${flow.name}'`);
      state = await this.#change(state, new Running("Running flow."));
      if (!(state instanceof Running)) return state;
      const retries = flow.options.retries ?? 0;
      let given = opts.taskStates;
      for (let attempt = 1; ; attempt++) {
        ctx.flowRunCount = attempt;
        const { final, plan, retryable } = await this.#attempt(opts, ctx, logger, journal, executor, flowRef, given);
        const last = !retryable || !(final instanceof Failed) || attempt > retries || opts.signal?.aborted === true;
        const out = await this.#change(state, last && attempt > 1 ? final.with({ message: `${final.message} (after ${attempt} flow run attempts)` }) : final);
        if (plan) logFlowOutcome(logger, out, plan);
        if (last || !(out instanceof Failed)) return out;
        // Flow retries: the run goes again after the delay, with the same id, reusing every task state
        // that succeeded (mapped children included), so only what failed or never ran runs again.
        const delay = flow.options.retryDelay ?? 0;
        const retrying = await this.#change(out, new Retrying({
          message: `Retrying flow run (after attempt ${attempt} of ${retries + 1})`,
          startTime: new Date(Date.now() + delay),
          runCount: attempt,
          result: out.result,
        }));
        if (!(retrying instanceof Retrying)) return retrying;
        if (logger.isLevelEnabled("warn")) logger.warn(`${retrying.message}; next attempt in ${delay} ms`);
        if (!(await sleep(delay, opts.signal))) return this.#change(retrying, cancelledFlow(out.result as Map<AnyTask, State>));
        state = await this.#change(retrying, new Running("Running flow."));
        if (!(state instanceof Running)) return state;
        given = retainedStates(out.result as Map<AnyTask, State>, opts.taskStates);
      }
    });
  }

  /** One attempt of the run: the plan executed, and the flow state it ends in. */
  async #attempt(
    opts: FlowRunnerRunOptions, ctx: RunContext, logger: Logger, journal: RunJournal | undefined, executor: Executor,
    flowRef: FlowRef | undefined, given: Map<AnyTask, State> | undefined,
  ): Promise<{ final: State; plan: Plan | undefined; retryable: boolean }> {
    const flow = this.flow;
    let plan: Plan | undefined;
    let outcome: PlanOutcome | undefined;
    try {
      plan = planOf(flow);
      const returnTasks = [...(opts.returnTasks ?? [])];
      for (const t of returnTasks) {
        if (!plan.indexOf.has(t)) throw new TaskNotFoundError(`Return task ${t} is not in ${flow}`);
      }
      // Executors outlive runs (threads and connections are reused); `shutdown()` is their owner's call.
      await executor.start?.();
      const resumed = opts.resumeFrom !== undefined && journal ? resumedStates(journal) : undefined;
      if (resumed && ctx.flowRunCount === 1) warnIgnoredParameters(flow, resumed, opts.parameters, logger);
      outcome = await new PlanRun(plan, this, executor, ctx, { ...opts, taskStates: given }, resumed, flowRef).execute();
      if (outcome.error !== undefined) throw outcome.error;
      if (outcome.cancelled) return { final: cancelledFlow(outcome.states), plan, retryable: false };
      return { final: this.#finalState(plan, outcome.states, returnTasks.map((t) => plan!.indexOf.get(t)!)), plan, retryable: true };
    } catch (err) {
      // An engine error (or a bad argument) still returns every task's state: what ran keeps its
      // state, the rest are Pending. The error is logged and kept in the state's context.
      const message = `Unexpected error while running flow: ${(err as Error)?.message ?? String(err)}`;
      logger.error({ err }, message);
      const states = outcome?.states ?? new Map([...flow.tasks].map((t) => [t, new Pending("Task not run.")] as const));
      return { final: new Failed({ message, result: states, context: { error: err } }), plan: undefined, retryable: false };
    }
  }

  /** The flow run's context: parameters (defaults < context < given), dates, ids, logger, container. */
  #flowContext(opts: FlowRunnerRunOptions): RunContext {
    const flow = this.flow;
    const userCtx = { ...(opts.context ?? {}) };
    const parameters: Record<string, unknown> = { ...((userCtx.parameters as Record<string, unknown>) ?? {}) };
    for (const p of flow.parameters()) if (!p.required && !(p.name in parameters)) parameters[p.name] = p.default;
    Object.assign(parameters, opts.parameters ?? {});
    const rawDate = userCtx.date;
    const date = rawDate instanceof Date ? rawDate : typeof rawDate === "string" && !Number.isNaN(Date.parse(rawDate)) ? new Date(rawDate) : new Date();
    const flowRunId = opts.resumeFrom ?? opts.runId ?? (userCtx.flowRunId as string | undefined) ?? randomUUID();
    if (opts.resumeFrom !== undefined) {
      if (!RunJournal.exists(opts.resumeFrom)) throw new RunError(`Cannot resume flow run ${JSON.stringify(opts.resumeFrom)} of ${flow}: it has no journal in ${defaultRunsDir()} (only runs that checkpoint keep one)`);
      userCtx.checkpointing = true;
    }
    const ctx: RunContext = {
      ...dateContext(date),
      scheduledStartTime: new Date(),
      checkpointing: flow.options.checkpointing ?? false,
      ...userCtx,
      date,
      flowName: flow.name,
      flowRunId,
      parameters,
      container: (opts.container ?? rootContainer).createChildContainer(),
    };
    if (opts.signal) ctx[RUN_SIGNAL] = opts.signal;
    if (ctx.signal === undefined) installLazySignal(ctx);
    const nameTemplate = opts.flowRunName ?? flow.options.flowRunName;
    ctx.flowRunName = nameTemplate ? formatContextTemplate(nameTemplate, ctx) : (userCtx.flowRunName as string | undefined) ?? flowRunId;
    const flowLogger = rootLogger().child({ flow: flow.name, flowRun: ctx.flowRunName });
    ctx._logDebug = flowLogger.isLevelEnabled("debug");
    const observe = dispatcher(opts.observers ?? [], ctx);
    if (observe) ctx[OBSERVE_KEY] = observe;
    // Task contexts inherit this one; each gets its own child logger the first time it logs.
    Object.defineProperty(ctx, "logger", {
      enumerable: true,
      configurable: true,
      get(this: RunContext) {
        if (this === ctx || this.taskFullName === undefined) return flowLogger;
        const l = flowLogger.child({ task: this.taskFullName });
        Object.defineProperty(this, "logger", { value: l, enumerable: true, configurable: true });
        return l;
      },
    });
    // Opened last: it takes the run's lock, which nothing after it may fail to release.
    if (ctx.checkpointing === true) ctx[JOURNAL_KEY] = RunJournal.open(flowRunId);
    return ctx;
  }

  /** Prefect's final flow state, from the terminal, reference and return tasks. */
  #finalState(plan: Plan, taskStates: Map<AnyTask, State>, returnIdx: number[]): State {
    const expand = (idx: readonly number[]) => {
      const out: State[] = [];
      for (const i of idx) {
        const s = taskStates.get(plan.nodes[i]!.task)!;
        // A Mapped task stands for its children (none for an empty map).
        if (s instanceof Mapped) for (const c of s.mapStates) out.push(c ?? new Pending("Task not run."));
        else out.push(s);
      }
      return out;
    };
    const terminal = expand([...plan.terminal, ...returnIdx]);
    const reference = expand(plan.reference);
    let state: State;
    if (!terminal.every((s) => s.isFinished()) || !reference.every((s) => s.isFinished())) {
      state = new Running({ message: "Running flow.", result: taskStates });
    } else if (reference.some((s) => s.isFailed())) {
      state = new Failed({ message: "Some reference tasks failed.", result: taskStates });
    } else if (reference.every((s) => s.isSuccessful())) {
      state = new Success({ message: "All reference tasks succeeded.", result: taskStates });
    } else {
      state = new Success({ message: "No reference tasks failed.", result: taskStates });
    }
    const handler = this.flow.options.terminalStateHandler;
    if (handler) state = handler(this.flow, state, new Set(reference)) ?? state;
    return state;
  }

  /** A flow state change through the handler chain (the flow's handlers, `onFailure`, the runner's). */
  async #change(oldState: State, newState: State): Promise<State> {
    const flow = this.flow;
    const chain: HandlerChain<Flow> = { own: flow.options.stateHandlers ?? [], onFailure: flow.options.onFailure, runner: this.options.stateHandlers ?? [] };
    const out = await callStateHandlers(flow, chain, oldState, newState, (err) =>
      new Failed({ message: `Unexpected error while calling flow state handlers: ${(err as Error)?.message ?? String(err)}`, result: err as Error }),
    );
    const ctx = currentContext();
    const observe = ctx?.[OBSERVE_KEY] as RunObserver | undefined;
    if (observe && out !== oldState) observe({ kind: "flow", flowRunId: ctx!.flowRunId ?? "", flow, oldState, newState: out });
    return out;
  }

  /** @internal The TaskRunner for a task (one per task per run). */
  taskRunner(task: AnyTask): TaskRunner {
    return new TaskRunner(task, { stateHandlers: this.options.taskRunnerStateHandlers, flowResult: this.flow.options.result });
  }
}

/** What the scheduler tracks for one task in one run. */
interface NodeRun {
  readonly node: PlanNode;
  runner: TaskRunner | undefined;
  /** The task's state (for a mapped task: the parent's, then the final Mapped). */
  state: State | undefined;
  /** Upstream edges not yet satisfied (see PlanEdge.childToChild). */
  pending: number;
  /** Started from a finished state given by the caller (or a journal): settled before anything runs. */
  given: boolean;
  fullySettled: boolean;
  children: ChildRun[] | undefined;
  unsettledChildren: number;
  /** Memo for flattened edges out of this task: the flattened element states. */
  flat: State[] | undefined;
  /** Memo for flattened reduce edges out of this task: a Mapped state over the flattened elements. */
  flatMapped: Mapped | undefined;
  /** The state with its value read back from storage, when it was dropped from memory and is mapped over. */
  hydrated: State | undefined;
}

interface ChildRun {
  readonly index: number;
  state: State | undefined;
  pending: number;
  settled: boolean;
}

/** A unit of work: a task (or a mapped parent), or one mapped child. */
interface Unit {
  readonly run: NodeRun;
  readonly child: ChildRun | undefined;
  state: State;
  /** The tag-limit slots this unit holds while in flight (see `tagLimits`). */
  slots?: readonly string[];
}

/** Units waiting for a tag-limit slot, first come first served (per set of limited tags). */
interface SlotQueue {
  readonly tags: readonly string[];
  readonly units: Unit[];
  head: number;
}

/** What a plan run ends with: every task's state, and the engine error that stopped it, if one did. */
interface PlanOutcome {
  readonly states: Map<AnyTask, State>;
  readonly error?: unknown;
  /** The run's signal aborted: every unfinished task is Cancelled. */
  readonly cancelled?: boolean;
}

/**
 * How long the scheduler may run synchronous tasks back to back before it lets the event loop
 * turn (timers, I/O and signals of the rest of the program keep running during a long run).
 */
const SLICE_MS = 10;
/** How many units run between two looks at the clock. */
const SLICE_CHECK_EVERY = 64;

/** One execution of a plan. */
class PlanRun {
  readonly #runs: NodeRun[];
  readonly #queue: Unit[] = [];
  #head = 0;
  #inFlight = 0;
  /** Pending wake-ups (retry timers, reads of dropped values, event-loop yields): the run is not over while any is due. */
  #timers = 0;
  #pumping = false;
  #finished = false;
  #done!: (v: PlanOutcome) => void;
  readonly #max: number;
  /** Per node: the limited tags its runs take a slot of (undefined when none). */
  readonly #limitedTags: Array<readonly string[] | undefined> | undefined;
  readonly #slotsInUse = new Map<string, number>();
  readonly #slotQueues = new Map<string, SlotQueue>();
  #onAbort: (() => void) | undefined;

  constructor(
    readonly plan: Plan,
    readonly runner: FlowRunner,
    readonly executor: Executor,
    readonly ctx: RunContext,
    readonly opts: FlowRunnerRunOptions,
    /** States recovered from a crashed run's journal, by `slug` / `slug[i]`. */
    readonly resumed: Map<string, State> | undefined,
    /** How the flow is found by executors that run tasks elsewhere. */
    readonly flowRef: FlowRef | undefined,
  ) {
    this.#max = Math.max(1, executor.maxConcurrency);
    const limits = opts.tagLimits;
    if (limits && Object.keys(limits).length) {
      this.#limitedTags = plan.nodes.map((n) => {
        const tags = [...n.task.tags].filter((t) => limits[t] !== undefined).sort();
        return tags.length ? tags : undefined;
      });
    }
    this.#runs = plan.nodes.map((node) => ({
      node, runner: undefined, state: undefined, pending: node.inEdges.length, given: false, fullySettled: false,
      children: undefined, unsettledChildren: 0, flat: undefined, flatMapped: undefined, hydrated: undefined,
    }));
  }

  /** Runs the plan. Never rejects: an engine error ends the run with every task's state so far. */
  execute(): Promise<PlanOutcome> {
    return new Promise((resolve) => {
      this.#done = resolve;
      this.#guard(() => {
        const given = this.opts.taskStates;
        for (const r of this.#runs) {
          const task = r.node.task;
          let start = given?.get(task) ?? this.resumed?.get(r.node.slug);
          if (task.resourceRole !== undefined && task.resourceRole !== "init" && start?.isFinished() && !start.isCached()) start = undefined;
          if (start === undefined && task instanceof Constant) start = new Success({ result: task.value });
          if (start && start.isFinished() && !start.isCached() && !(start instanceof Mapped && r.node.mapped)) r.given = true;
          r.state = start;
        }
        for (const r of this.#runs) if (!r.given && r.pending === 0) this.#enqueue({ run: r, child: undefined, state: r.state ?? new Pending() });
        // Settling a given task releases its downstream tasks; given ones among them are not queued.
        for (const r of this.#runs) if (r.given) this.#settleParent(r, true);
        const signal = this.opts.signal;
        if (signal?.aborted) return this.#cancel();
        if (signal) signal.addEventListener("abort", (this.#onAbort = () => this.#guard(() => this.#cancel())), { once: true });
        this.#pump();
      });
    });
  }

  /** Ends the run with `outcome` (once). */
  #end(outcome: PlanOutcome): void {
    if (this.#finished) return;
    this.#finished = true;
    if (this.#onAbort) this.opts.signal!.removeEventListener("abort", this.#onAbort);
    // Task runs still in flight when a run is cancelled or crashes must not touch its journal.
    if (outcome.cancelled || outcome.error !== undefined) this.ctx[RUN_ENDED] = true;
    this.#done(outcome);
  }

  /**
   * The run was cancelled: nothing new starts, and every task (and mapped child) that has not
   * finished ends Cancelled. Task runs in flight see their `context.signal` aborted; executors that
   * run tasks elsewhere stop them where they are. Their late outcomes are ignored.
   */
  #cancel(): void {
    if (this.#finished) return;
    const cancelled = () => new Cancelled("Task run cancelled: the flow run was cancelled.");
    for (const r of this.#runs) {
      if (r.children) for (const c of r.children) if (!c.state?.isFinished()) c.state = cancelled();
      if (!r.children && !r.state?.isFinished()) r.state = cancelled();
    }
    this.#end({ states: this.#snapshot(), cancelled: true });
  }

  /** Runs engine code; an error in it (a bug, never a task's failure) ends the run at once. */
  #guard(fn: () => void): void {
    try {
      fn();
    } catch (err) {
      this.#crash(err);
    }
  }

  #crash(err: unknown): void {
    if (this.#finished) return;
    this.#end({ states: this.#snapshot(), error: err });
  }

  #enqueue(u: Unit): void {
    this.#queue.push(u);
  }

  #pump(): void {
    if (this.#pumping || this.#finished) return;
    this.#pumping = true;
    const sliceStart = performance.now();
    let ran = 0;
    try {
      while (this.#inFlight < this.#max && this.#head < this.#queue.length) {
        if (++ran % SLICE_CHECK_EVERY === 0 && performance.now() - sliceStart > SLICE_MS) {
          this.#timers++;
          setImmediate(() => this.#guard(() => {
            this.#timers--;
            this.#pump();
          }));
          break;
        }
        const u = this.#queue[this.#head]!;
        this.#queue[this.#head++] = undefined as never;
        if (this.#limitedTags && !u.slots && !this.#takeSlots(u)) continue;
        this.#inFlight++;
        let out: State | Promise<State>;
        try {
          out = this.#runUnit(u);
        } catch (err) {
          out = unexpected(u, err);
        }
        if (out instanceof Promise) {
          out.then(
            (state) => this.#guard(() => this.#completed(u, state)),
            (err) => this.#guard(() => this.#completed(u, unexpected(u, err))),
          ).then(() => this.#guard(() => this.#pump()));
        } else {
          this.#completed(u, out);
        }
      }
      if (this.#head > 4096 && this.#head === this.#queue.length) {
        this.#queue.length = 0;
        this.#head = 0;
      }
    } finally {
      this.#pumping = false;
    }
    if (this.#inFlight === 0 && this.#timers === 0 && this.#head >= this.#queue.length && !this.#finished) {
      this.#end({ states: this.#snapshot() });
    }
  }

  /**
   * Takes a slot of every limited tag of the unit's task, or parks the unit (it stays Pending) until
   * the slots free up. A mapped parent only decides its children: it takes no slot.
   */
  #takeSlots(u: Unit): boolean {
    const tags = this.#limitedTags![u.run.node.index];
    if (!tags || (u.run.node.mapped && !u.child)) return true;
    const limits = this.opts.tagLimits!;
    for (const t of tags) if ((this.#slotsInUse.get(t) ?? 0) >= limits[t]!) {
      const key = tags.join("\u0000");
      let q = this.#slotQueues.get(key);
      if (!q) this.#slotQueues.set(key, (q = { tags, units: [], head: 0 }));
      q.units.push(u);
      this.#timers++; // a parked unit keeps the run open
      return false;
    }
    for (const t of tags) this.#slotsInUse.set(t, (this.#slotsInUse.get(t) ?? 0) + 1);
    u.slots = tags;
    return true;
  }

  /** Gives a unit's slots back and queues the parked units that can now have theirs. */
  #releaseSlots(u: Unit): void {
    const tags = u.slots!;
    u.slots = undefined;
    for (const t of tags) this.#slotsInUse.set(t, this.#slotsInUse.get(t)! - 1);
    const limits = this.opts.tagLimits!;
    for (const q of this.#slotQueues.values()) {
      while (q.head < q.units.length && q.tags.every((t) => (this.#slotsInUse.get(t) ?? 0) < limits[t]!)) {
        const next = q.units[q.head]!;
        q.units[q.head++] = undefined as never;
        for (const t of q.tags) this.#slotsInUse.set(t, (this.#slotsInUse.get(t) ?? 0) + 1);
        next.slots = q.tags;
        this.#timers--;
        this.#enqueue(next);
      }
      if (q.head > 1024 && q.head === q.units.length) {
        q.units.length = 0;
        q.head = 0;
      }
    }
  }

  #runUnit(u: Unit): State | Promise<State> {
    const r = u.run;
    const node = r.node;
    const child = u.child;
    const upstreamStates = new Map<Edge, State>();
    for (const pe of node.inEdges) upstreamStates.set(pe.edge, this.#upstreamView(pe, child));
    for (const [edge, state] of node.constantEdges) upstreamStates.set(edge, state);
    const extra = this.opts.taskContexts?.get(node.task);
    const runner = (r.runner ??= this.runner.taskRunner(node.task));
    const runOpts: TaskRunOptions = {
      state: u.state, upstreamStates, isMappedParent: node.mapped && !child, context: extra, slug: node.slug, mapIndex: child?.index,
      executor: this.executor, flowRef: this.flowRef,
    };
    return runner.runInContext(runOpts, this.ctx);
  }

  /**
   * What a unit sees for one upstream edge (Prefect's `prepare_upstream_states_for_mapping` and
   * `flatten_upstream_state`): a plain edge sees the upstream's state (a Mapped one with its
   * children); a mapped edge from a Mapped task gives child i the upstream's child i; a mapped edge
   * from any other state gives child i a copy of that state holding element i of its value.
   */
  #upstreamView(pe: PlanEdge, child: ChildRun | undefined): State {
    const u = this.#runs[pe.up]!;
    const edge = pe.edge;
    const state = u.state;
    if (state === undefined) return new Pending("Task state not available.");
    if (pe.childToChild && state instanceof Mapped && u.children) {
      if (!child) return state; // the parent only needs to know how many children there are
      return u.children[child.index]?.state ?? new Pending("Task state not available.");
    }
    if (!edge.mapped) {
      if (!edge.flattened) return state;
      if (state instanceof Mapped) return (u.flatMapped ??= flatMappedState(state, (u.flat ??= flattenStates(state))));
      return flattenedState(state);
    }
    const whole = u.hydrated ?? state;
    if (edge.flattened && whole instanceof Mapped) {
      const flat = (u.flat ??= flattenStates(whole));
      if (!child) return (u.flatMapped ??= flatMappedState(whole, flat));
      return flat[child.index] ?? new Pending("Task state not available.");
    }
    const source = edge.flattened ? flattenedState(whole) : whole;
    return child ? elementState(source, child.index) : source;
  }

  /** A unit finished its run: record the state, then release, retry later, or wait. */
  #completed(u: Unit, state: State): void {
    if (this.#finished) return; // a late unit of a run that already ended (an engine error, a cancel)
    this.#inFlight--;
    if (u.slots) this.#releaseSlots(u);
    const r = u.run;
    if (u.child) u.child.state = state;
    else r.state = state;
    if (state instanceof Scheduled && !(state instanceof Finished)) {
      // A retry, or a pause with a start time, runs again at its start time; a pause without one
      // waits for a resume, and its downstream tasks do not run in this run.
      const start = state.startTime;
      if (start !== null) {
        this.#timers++;
        setTimeout(() => this.#guard(() => {
          this.#timers--;
          u.state = state;
          this.#enqueue(u);
          this.#pump();
        }), Math.max(0, start.getTime() - Date.now()));
      }
    } else if (u.child) {
      this.#settleChild(r, u.child);
    } else if (r.node.mapped && state instanceof Mapped) {
      this.#spawnChildren(r, state);
    } else {
      // Finished, or stuck in a state that will not move in this run (a handler returned Pending):
      // its downstream tasks see it and stay Pending themselves, so the run still ends.
      this.#settleParent(r, true);
    }
  }

  /** The task (or mapped parent) reached a final state: release what waits on it. */
  #settleParent(r: NodeRun, full: boolean): void {
    for (const pe of r.node.outEdges) if (pe.childToChild) this.#release(this.#runs[pe.down]!);
    if (full) this.#settleFully(r);
  }

  #settleFully(r: NodeRun): void {
    r.fullySettled = true;
    if (r.children) r.state = mappedState(r);
    for (const pe of r.node.outEdges) if (!pe.childToChild) this.#release(this.#runs[pe.down]!);
  }

  #release(d: NodeRun): void {
    if (--d.pending === 0 && !d.given) this.#ready(d);
  }

  /**
   * Queues a task whose upstreams are settled. Mapping splits a value element by element, so a
   * value that was dropped from memory (`cacheResultInMemory: false`) is read back first.
   */
  #ready(d: NodeRun): void {
    const unit: Unit = { run: d, child: undefined, state: d.state ?? new Pending() };
    let dropped: NodeRun[] | undefined;
    for (const pe of d.node.inEdges) {
      if (!pe.edge.mapped || pe.childToChild) continue;
      const u = this.#runs[pe.up]!;
      if (u.state?.resultDropped && !u.hydrated) (dropped ??= []).push(u);
    }
    if (!dropped) return this.#enqueue(unit);
    this.#timers++;
    Promise.all(dropped.map(async (u) => {
      u.hydrated = u.state!.with({ result: await u.state!.fetchResult(), resultDropped: false });
    })).then(
      () => this.#enqueue(unit),
      (err) => {
        this.#inFlight++;
        this.#completed(unit, new Failed({ message: `Could not read back an upstream value to map over: ${(err as Error)?.message ?? String(err)}`, result: err as Error }));
      },
    ).then(() => this.#guard(() => {
      this.#timers--;
      this.#pump();
    }), (err) => this.#crash(err));
  }

  /** A mapped parent decided its children: create them, each waiting on its upstream children. */
  #spawnChildren(r: NodeRun, parent: Mapped): void {
    const n = this.#childCount(r, parent);
    const previous = parent.mapStates;
    r.children = new Array<ChildRun>(n);
    r.unsettledChildren = n;
    const links = r.node.inEdges.filter((pe) => pe.childToChild && this.#runs[pe.up]!.children !== undefined);
    for (let i = 0; i < n; i++) {
      const c: ChildRun = { index: i, state: undefined, pending: 0, settled: false };
      r.children[i] = c;
      for (const pe of links) if (!this.#runs[pe.up]!.children![i]!.settled) c.pending++;
    }
    this.#settleParent(r, false);
    if (n === 0) return this.#settleFully(r);
    for (const c of r.children) {
      const start = previous[c.index] ?? this.resumed?.get(RunJournal.keyOf(r.node.slug, c.index));
      if (c.pending === 0) this.#enqueue({ run: r, child: c, state: start ?? new Pending() });
      else c.state = start;
    }
  }

  /**
   * How many children a Mapped parent has: its own count (a restarted parent keeps its children),
   * bounded by every mapped input (Prefect zips to the shortest). A mapped edge from an upstream
   * that did not succeed and holds no value gives no children at all (Prefect's
   * `prepare_upstream_states_for_mapping` stops at once on it); one that holds a value (an error)
   * gives each child a copy of its state.
   */
  #childCount(r: NodeRun, parent: Mapped): number {
    let n = parent.mapStates.length > 0 ? parent.mapStates.length : parent.nMapStates;
    for (const pe of r.node.inEdges) {
      if (!pe.edge.mapped) continue;
      const u = this.#runs[pe.up]!;
      const state = u.hydrated ?? u.state;
      if (state === undefined) continue;
      if (state instanceof Mapped) {
        const len = pe.edge.flattened ? (u.flat ??= flattenStates(state)).length : u.children ? u.children.length : state.nMapStates;
        n = Math.min(n, len);
      } else {
        const source = pe.edge.flattened ? flattenedState(state) : state;
        if (source.isSuccessful()) {
          if (Array.isArray(source.result)) n = Math.min(n, source.result.length);
        } else if (source.result === undefined || source.result instanceof MappingError) {
          // Prefect's NoResult: the state holds no value. (A mapping failure keeps its error in
          // `result` for the user, but Prefect's engine made that state without a value.)
          n = 0;
        }
      }
    }
    return n;
  }

  #settleChild(r: NodeRun, c: ChildRun): void {
    c.settled = true;
    for (const pe of r.node.outEdges) {
      if (!pe.childToChild) continue;
      const d = this.#runs[pe.down]!;
      const dc = d.children?.[c.index];
      if (dc && --dc.pending === 0) this.#enqueue({ run: d, child: dc, state: dc.state ?? new Pending() });
    }
    if (--r.unsettledChildren === 0) this.#settleFully(r);
  }

  /** Every task's state now (tasks that never ran are `Pending("Task not run.")`). */
  #snapshot(): Map<AnyTask, State> {
    const states = new Map<AnyTask, State>();
    for (const r of this.#runs) {
      const s = r.children && !r.fullySettled ? mappedState(r) : r.state;
      states.set(r.node.task, s ?? new Pending("Task not run."));
    }
    return states;
  }
}

/** A resumed run keeps the parameter values it journaled: a different value given now is ignored, and said so. */
function warnIgnoredParameters(flow: Flow, resumed: Map<string, State>, given: Record<string, unknown> | undefined, logger: Logger): void {
  if (!given) return;
  for (const p of flow.parameters()) {
    const kept = resumed.get(flow.slugOf(p));
    if (kept && Object.prototype.hasOwnProperty.call(given, p.name) && !isDeepStrictEqual(kept.result, given[p.name])) {
      logger.warn(`Parameter '${p.name}': the resumed run keeps its journaled value ${JSON.stringify(kept.result)}; the value given now (${JSON.stringify(given[p.name])}) is ignored`);
    }
  }
}

/** The state of a cancelled flow run. */
function cancelledFlow(states: Map<AnyTask, State>): Cancelled {
  return new Cancelled({ message: "Flow run cancelled.", result: states });
}

/** Waits `ms`; false when `signal` aborted first. */
function sleep(ms: number, signal: AbortSignal | undefined): Promise<boolean> {
  if (signal?.aborted) return Promise.resolve(false);
  return new Promise((resolve) => {
    const done = (ok: boolean) => {
      clearTimeout(timer);
      signal?.removeEventListener("abort", onAbort);
      resolve(ok);
    };
    const onAbort = () => done(false);
    const timer = setTimeout(() => done(true), ms);
    signal?.addEventListener("abort", onAbort, { once: true });
  });
}

/**
 * What a flow retry starts from: the given states, then every task state of the failed attempt
 * that succeeded. A Mapped task keeps its successful children; the others run again.
 */
function retainedStates(previous: Map<AnyTask, State>, given: Map<AnyTask, State> | undefined): Map<AnyTask, State> {
  const out = new Map(given ?? []);
  for (const [task, s] of previous) {
    if (s instanceof Mapped) {
      out.set(task, new Mapped({ message: s.message, nMapStates: s.mapStates.length, mapStates: s.mapStates.map((c) => (c.isSuccessful() ? c : new Pending())) }));
    } else if (s.isSuccessful()) out.set(task, s);
    else out.delete(task);
  }
  return out;
}

/**
 * The flow run's outcome in the log: `info` when it succeeded (or is still running), `error` when
 * it failed, naming the reference tasks (or mapped children) that failed.
 */
function logFlowOutcome(logger: Logger, out: State, plan: Plan): void {
  if (out instanceof Cancelled) {
    logger.warn("Flow run CANCELLED");
  } else if (out instanceof Running) {
    if (logger.isLevelEnabled("info")) logger.info("Flow run RUNNING: terminal tasks are incomplete.");
  } else if (out.isSuccessful()) {
    if (logger.isLevelEnabled("info")) logger.info(`Flow run SUCCESS: ${out.message === "No reference tasks failed." ? "no reference tasks failed" : "all reference tasks succeeded"}`);
  } else {
    const failed: string[] = [];
    const states = out.result instanceof Map ? (out.result as Map<AnyTask, State>) : undefined;
    for (const i of plan.reference) {
      const task = plan.nodes[i]!.task;
      const s = states?.get(task);
      if (s instanceof Mapped) s.mapStates.forEach((c, k) => c?.isFailed() && failed.push(`${task.name}[${k}]`));
      else if (s?.isFailed()) failed.push(task.name);
    }
    const which = failed.length > 10 ? `${failed.slice(0, 10).join(", ")} and ${failed.length - 10} more` : failed.join(", ");
    logger.error(`Flow run ${out.type.toUpperCase()}: ${failed.length ? `failed reference tasks: ${which}` : out.message ?? "some reference tasks failed"}`);
  }
}

/** A mapped task's state with its children's states and results (children not run yet are Pending). */
function mappedState(r: NodeRun): Mapped {
  const children = r.children!;
  const mapStates = new Array<State>(children.length);
  const results = new Array<unknown>(children.length);
  for (let i = 0; i < children.length; i++) {
    const s = children[i]!.state ?? new Pending("Task not run.");
    mapStates[i] = s;
    results[i] = s.result;
  }
  return new Mapped({ message: r.state?.message, mapStates, nMapStates: mapStates.length, result: results });
}

/** A unit whose run threw outside the TaskRunner (e.g. an executor failure): Failed, naming the task run. */
function unexpected(u: Unit, err: unknown): State {
  const name = u.child ? `${u.run.node.task.name}[${u.child.index}]` : u.run.node.task.name;
  return new Failed({ message: `Task '${name}': Unexpected error while running task: ${(err as Error)?.message ?? String(err)}`, result: err as Error });
}

/** The successful states a journal recorded, by `slug` / `slug[i]`. */
function resumedStates(journal: RunJournal): Map<string, State> {
  const out = new Map<string, State>();
  for (const [key, entry] of journal.load()) {
    out.set(key, new Success({ message: "Task run succeeded (recovered from the run journal).", result: journal.value(entry) }));
  }
  return out;
}

/** A Mapped state standing for the flattened elements of `state`'s children (a flattened reduce or mapped edge). */
function flatMappedState(state: Mapped, flat: State[]): Mapped {
  return new Mapped({ message: state.message, mapStates: flat, nMapStates: flat.length, result: flat.map((s) => s.result) });
}

/** Prefect's `flatten_upstream_state`: a successful list of lists loses one level; anything else is unchanged. */
function flattenedState(state: State): State {
  if (!state.isSuccessful()) return state;
  const flat = flattenOnce(state.result);
  return flat === state.result ? state : copyWithResult(state, flat);
}

/**
 * What child i of a mapped task sees of a whole upstream state: a copy of it holding element i of
 * its value (for a state that did not succeed, the copy holds nothing unless its value is a list).
 */
function elementState(state: State, i: number): State {
  const value = state.result;
  return copyWithResult(state, Array.isArray(value) ? value[i] : undefined);
}

/** A copy of `state` (same class) with another value; plain Success, the common case, is built directly. */
function copyWithResult(state: State, result: unknown): State {
  if (state.constructor === Success) return new Success({ result, message: state.message });
  return state.with({ result, persisted: undefined, resultDropped: false });
}
