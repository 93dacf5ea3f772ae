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
import { container as rootContainer, DependencyContainer } from "tsyringe";
import type { Logger } from "pino";
import type { Edge } from "../core/edge";
import type { Flow } from "../core/flow";
import type { AnyTask } from "../core/task";
import type { StateHandler } from "../core/task-options";
import { Constant } from "../core/constants";
import type { Executor, TaskRunRequest } from "../executors/executor";
import { LocalExecutor } from "../executors/local";
import { RunError, TaskNotFoundError } from "../errors";
import { defaultRunsDir, RunJournal } from "../results/run-journal";
import { JOURNAL_KEY } from "./persistence";
import { childContext, RunContext, runWithContext } from "./context";
import { rootLogger } from "./logging";
import { planOf, Plan, PlanNode } from "./plan";
import {
  Failed, Finished, Mapped, Pending, Running, Scheduled, State, Success,
} from "./state";
import { callStateHandlers, type HandlerChain } from "./handlers";
import { flattenOnce, TaskRunner, type TaskRunOptions } from "./task-runner";
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
    const ctx = this.#flowContext(opts);
    const logger = ctx.logger as Logger;
    const journal = ctx[JOURNAL_KEY] as RunJournal | undefined;
    try {
      return await this.#run(opts, ctx, logger, journal);
    } finally {
      journal?.close();
    }
  }

  async #run(opts: FlowRunnerRunOptions, ctx: RunContext, logger: Logger, journal: RunJournal | undefined): Promise<State> {
    const flow = this.flow;
    let state = opts.state ?? new Pending();
    if (state.isFinished()) return state;
    if (state instanceof Scheduled && state.startTime && state.startTime.getTime() > Date.now()) return state;
    return runWithContext(ctx, async () => {
      if (logger.isLevelEnabled("info")) logger.info(`Beginning Flow run for '${flow.name}'`);
      state = await this.#change(state, new Running("Running flow."));
      if (!(state instanceof Running)) return state;
      let taskStates: Map<AnyTask, State>;
      let final: State;
      try {
        const plan = planOf(flow);
        const returnTasks = [...(opts.returnTasks ?? [])];
        for (const t of returnTasks) {
          if (!plan.indexOf.has(t)) throw new TaskNotFoundError(`Return task ${t} is not in ${flow}`);
        }
        const executor: Executor = opts.executor ?? flow.options.executor ?? new LocalExecutor();
        await executor.start?.();
        try {
          const resumed = opts.resumeFrom !== undefined && journal ? resumedStates(journal) : undefined;
          const run = new PlanRun(plan, this, executor, ctx, opts, resumed);
          taskStates = await run.execute();
        } finally {
          await executor.shutdown?.();
        }
        final = this.#finalState(plan, taskStates, returnTasks.map((t) => plan.indexOf.get(t)!));
      } catch (err) {
        logger.error({ err }, `Unexpected error while running flow: ${(err as Error).message}`);
        final = new Failed({ message: `Unexpected error while running flow: ${(err as Error)?.message ?? String(err)}`, result: err as Error });
        return this.#change(state, final);
      }
      const out = await this.#change(state, final);
      if (logger.isLevelEnabled("info")) {
        if (out instanceof Running) logger.info("Flow run RUNNING: terminal tasks are incomplete.");
        else if (out.isSuccessful()) logger.info("Flow run SUCCESS: all reference tasks succeeded");
        else logger.info(`Flow run ${out.type.toUpperCase()}: some reference tasks failed.`);
      }
      return out;
    });
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
      flowName: flow.name,
      flowRunId,
      parameters,
      container: (opts.container ?? rootContainer).createChildContainer(),
    };
    if (ctx.checkpointing === true) ctx[JOURNAL_KEY] = RunJournal.open(flowRunId);
    const nameTemplate = opts.flowRunName ?? flow.options.flowRunName;
    ctx.flowRunName = nameTemplate ? formatContextTemplate(nameTemplate, ctx) : (userCtx.flowRunName as string | undefined) ?? flowRunId;
    const flowLogger = rootLogger().child({ flow: flow.name, flowRun: ctx.flowRunName });
    ctx._logInfo = flowLogger.isLevelEnabled("info");
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
    return ctx;
  }

  /** Prefect's final flow state, from the terminal, reference and return tasks. */
  #finalState(plan: Plan, taskStates: Map<AnyTask, State>, returnIdx: number[]): State {
    const expand = (idx: readonly number[]) => {
      const out: State[] = [];
      for (const i of idx) {
        const s = taskStates.get(plan.nodes[i]!.task)!;
        if (s instanceof Mapped && s.mapStates.length) out.push(...s.mapStates.map((c) => c ?? new Pending("Task not run.")));
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
    return callStateHandlers(flow, chain, oldState, newState, (err) =>
      new Failed({ message: `Unexpected error while calling flow state handlers: ${(err as Error)?.message ?? String(err)}`, result: err as Error }),
    );
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
  fullySettled: boolean;
  children: ChildRun[] | undefined;
  unsettledChildren: number;
  /** For a flattened mapped edge out of this task: the flattened element states. */
  flat: State[] | undefined;
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
}

/** One execution of a plan. */
class PlanRun {
  readonly #runs: NodeRun[];
  readonly #queue: Unit[] = [];
  #head = 0;
  #inFlight = 0;
  #timers = 0;
  #pumping = false;
  #finished = false;
  #done!: (v: Map<AnyTask, State>) => void;
  #fail!: (e: unknown) => void;
  readonly #max: number;

  constructor(
    readonly plan: Plan,
    readonly runner: FlowRunner,
    readonly executor: Executor,
    readonly ctx: RunContext,
    readonly opts: FlowRunnerRunOptions,
    /** States recovered from a crashed run's journal, by `slug` / `slug[i]`. */
    readonly resumed: Map<string, State> | undefined = undefined,
  ) {
    this.#max = Math.max(1, executor.maxConcurrency);
    this.#runs = plan.nodes.map((node) => ({
      node, runner: undefined, state: undefined, pending: node.inEdges.length, fullySettled: false,
      children: undefined, unsettledChildren: 0, flat: undefined, hydrated: undefined,
    }));
  }

  execute(): Promise<Map<AnyTask, State>> {
    return new Promise((resolve, reject) => {
      this.#done = resolve;
      this.#fail = reject;
      try {
        const given = this.opts.taskStates;
        for (const r of this.#runs) {
          const task = r.node.task;
          let start = given?.get(task) ?? this.resumed?.get(r.node.slug);
          if (task.resourceRole !== undefined && task.resourceRole !== "init" && start?.isFinished() && !start.isCached()) start = undefined;
          if (start === undefined && task instanceof Constant) start = new Success({ result: task.value });
          if (start && start.isFinished() && !start.isCached() && !(start instanceof Mapped && r.node.mapped)) {
            r.state = start;
            r.pending = -1; // settled before anything runs
          } else if (start) r.state = start;
        }
        for (const r of this.#runs) if (r.pending === 0) this.#enqueue({ run: r, child: undefined, state: r.state ?? new Pending() });
        for (const r of this.#runs) if (r.pending === -1) this.#settleParent(r, true);
        this.#pump();
      } catch (err) {
        reject(err);
      }
    });
  }

  #enqueue(u: Unit): void {
    this.#queue.push(u);
  }

  #pump(): void {
    if (this.#pumping) return;
    this.#pumping = true;
    try {
      while (this.#inFlight < this.#max && this.#head < this.#queue.length) {
        const u = this.#queue[this.#head]!;
        this.#queue[this.#head++] = undefined as never;
        this.#inFlight++;
        let out: State | Promise<State>;
        try {
          out = this.#runUnit(u);
        } catch (err) {
          out = unexpected(u, err);
        }
        if (out instanceof Promise) {
          out.then(
            (state) => this.#completed(u, state),
            (err) => this.#completed(u, unexpected(u, err)),
          ).then(() => this.#pump()).catch((err) => this.#fail(err));
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
      this.#finished = true;
      this.#finish();
    }
  }

  #runUnit(u: Unit): State | Promise<State> {
    const r = u.run;
    const node = r.node;
    const child = u.child;
    const upstreamStates = new Map<Edge, State>();
    for (const pe of node.inEdges) upstreamStates.set(pe.edge, this.#upstreamView(pe.up, pe.edge, pe.childToChild, child));
    const extra = this.opts.taskContexts?.get(node.task);
    const runner = (r.runner ??= this.runner.taskRunner(node.task));
    const runOpts: TaskRunOptions = {
      state: u.state, upstreamStates, constants: node.constants, isMappedParent: node.mapped && !child,
      context: extra, slug: node.slug, mapIndex: child?.index,
    };
    if (this.executor.inProcess) return runner.runInContext(runOpts, this.ctx);
    const request: TaskRunRequest = {
      task: node.task, flow: this.runner.flow, slug: node.slug, state: u.state, upstreamStates,
      context: childContext(this.ctx, { ...extra, taskSlug: node.slug, mapIndex: child?.index }), mapIndex: child?.index,
    };
    return this.executor.submit(request, () => Promise.resolve(runner.runInContext(runOpts, this.ctx)));
  }

  /** What the downstream unit sees for one upstream edge. */
  #upstreamView(up: number, edge: Edge, childToChild: boolean, child: ChildRun | undefined): State {
    const u = this.#runs[up]!;
    if (childToChild) {
      if (!child) return u.state!; // the upstream's parent state: how many children
      return u.children?.[child.index]?.state ?? new Pending("Task state not available.");
    }
    if (!edge.mapped) return u.state ?? new Pending("Task state not available.");
    const whole = u.hydrated ?? u.state ?? new Pending("Task state not available.");
    // A mapped edge from a whole value: the parent sees the list, child i its i-th element.
    if (edge.flattened) {
      const flat = (u.flat ??= flattenStates(whole));
      if (!child) return whole instanceof Mapped ? new Success({ result: flat.map((s) => s.result) }) : whole;
      return flat[child.index] ?? new Pending("Task state not available.");
    }
    if (!child) return whole;
    const value = whole.result as ArrayLike<unknown>;
    return new Success({ result: value[child.index] });
  }

  /** A unit finished its run: record the state, then release, retry later, or wait. */
  #completed(u: Unit, state: State): void {
    this.#inFlight--;
    const r = u.run;
    if (u.child) u.child.state = state;
    else r.state = state;
    if (isWaiting(state)) {
      const start = (state as Scheduled).startTime;
      if (start !== null) {
        this.#timers++;
        setTimeout(() => {
          this.#timers--;
          u.state = state;
          this.#enqueue(u);
          this.#pump();
        }, Math.max(0, start.getTime() - Date.now()));
      }
      // A paused task with no start time waits for a manual resume: its downstream never runs now.
    } else if (u.child) {
      this.#settleChild(r, u.child);
    } else if (r.node.mapped && state instanceof Mapped) {
      this.#spawnChildren(r, state);
    } else {
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
    // A childToChild downstream whose upstream ended without children (failed, skipped) is released
    // by #settleParent; its children (if any) see this task's final state through #upstreamView.
  }

  #release(d: NodeRun): void {
    if (--d.pending === 0) this.#ready(d);
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
    ).finally(() => {
      this.#timers--;
      this.#pump();
    }).catch((err) => this.#fail(err));
  }

  /** A mapped parent decided its children: create them, each waiting on its upstream children. */
  #spawnChildren(r: NodeRun, parent: Mapped): void {
    const n = parent.nMapStates;
    const previous = parent.mapStates;
    r.children = [];
    r.unsettledChildren = n;
    const links = r.node.inEdges.filter((pe) => pe.childToChild);
    for (let i = 0; i < n; i++) {
      const c: ChildRun = { index: i, state: undefined, pending: 0, settled: false };
      r.children.push(c);
      for (const pe of links) {
        const upChildren = this.#runs[pe.up]!.children;
        if (upChildren && !upChildren[i]?.settled) c.pending++;
      }
    }
    this.#settleParent(r, false);
    if (n === 0) return this.#settleFully(r);
    for (const c of r.children) {
      const start = previous[c.index] ?? this.resumed?.get(RunJournal.keyOf(r.node.slug, c.index));
      if (c.pending === 0) this.#enqueue({ run: r, child: c, state: start ?? new Pending() });
      else c.state = start;
    }
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

  #finish(): void {
    const states = new Map<AnyTask, State>();
    for (const r of this.#runs) {
      const s = r.children && !r.fullySettled ? mappedState(r) : r.state;
      states.set(r.node.task, s ?? new Pending("Task not run."));
    }
    this.#done(states);
  }
}

/** A mapped task's state with its children's states and results (children not run yet are Pending). */
function mappedState(r: NodeRun): Mapped {
  const mapStates = r.children!.map((c) => c.state ?? new Pending("Task not run."));
  return new Mapped({ message: r.state?.message, mapStates, nMapStates: mapStates.length, result: mapStates.map((s) => s.result) });
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

/** A state that will run again later (a retry, a timed pause) or waits for a resume. */
function isWaiting(state: State): boolean {
  return !(state instanceof Finished);
}

/** The element states a flattened edge feeds: each successful child's items, else the child itself. */
function flattenStates(state: State): State[] {
  if (state instanceof Mapped) {
    const out: State[] = [];
    for (const c of state.mapStates) {
      if (c && c.isSuccessful() && Array.isArray(c.result)) for (const item of c.result) out.push(new Success({ result: item }));
      else out.push(c);
    }
    return out;
  }
  const flat = flattenOnce(state.result);
  return Array.isArray(flat) ? flat.map((v) => new Success({ result: v })) : [state];
}

