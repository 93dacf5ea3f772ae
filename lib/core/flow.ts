/**
 * `Flow`: a static DAG of tasks. Build it imperatively (`addTask`, `addEdge`, `setDependencies`,
 * `chain`) or functionally (`Flow.build(name, (flow) => { ... })` with `task.call` / `task.map`),
 * then run it with `flow.run()` or a `FlowRunner`.
 *
 * Adjacency is kept per task as it is built, so every query is O(degree) and a topological sort
 * is one O(V + E) pass, cached until the flow changes.
 * @module
 */
import { createHash } from "node:crypto";
import { Graph, alg } from "@dagrejs/graphlib";
import {
  BindError, CycleError, FlowValidationError, InvalidOptionError, ParameterError, RunError, TaskNotFoundError,
} from "../errors";
import { messages } from "../messages";
import { unwrapAnnotation, EdgeAnnotation } from "./annotations";
import { Dict, List } from "./collections";
import { Constant } from "./constants";
import { Edge } from "./edge";
import { classMeta } from "./metadata";
import { convertRunParameters, Parameter } from "./parameter";
import { currentCollectors, currentFlow, hasCollectors, inMappedContext, withScope } from "./scope";
import { Task, AnyTask, Dependencies } from "./task";
import type { ContextTemplate } from "./task-options";
import type { InputsOf } from "./types";
import { Scheduled, type State } from "../engine/state";
import { rememberCachedStates } from "../engine/persistence";
import type { Executor } from "../executors/executor";
import type { Result } from "../results/result";
import { FlowRunner, FlowRunOptions } from "../engine/flow-runner";
import { renderFlow, renderFlowSvg, VisualizeOptions } from "./visualize";
import { callerFile, FLOW_BRAND } from "../engine/flow-locator";
import { Schedule } from "../schedules/schedule";
import { runOnSchedule, ScheduledRunOptions } from "../schedules/run-on-schedule";

/** A flow state handler: called on every flow state change; may return a replacement state. */
export type FlowStateHandler = (flow: Flow, oldState: State, newState: State) => State | void | undefined | Promise<State | void | undefined>;

/** Has the last word on a finished flow run's state. */
export type TerminalStateHandler = (flow: Flow, state: State, referenceTaskStates: Set<State>) => State | void | undefined;

/** Options of a flow. */
export interface FlowOptions {
  /** Free text for docs and visualisations. */
  description?: string;
  /** A version label. @default a hash of the flow's structure and its tasks' code */
  version?: string;
  /** The tasks whose states decide the flow's final state. @default the terminal tasks */
  referenceTasks?: Iterable<AnyTask>;
  /** Called in order on every flow state change. */
  stateHandlers?: FlowStateHandler[];
  /** Called when the flow's state becomes failed. */
  onFailure?: (flow: Flow, state: State) => void | Promise<void>;
  /** Has the last word on the final state. */
  terminalStateHandler?: TerminalStateHandler;
  /** Where tasks run. @default LocalExecutor */
  executor?: Executor;
  /** Where results are persisted when a task has no `result` of its own. */
  result?: Result;
  /** A template (or function) for each run's name. */
  flowRunName?: ContextTemplate;
  /** Write every task's result (unless the task opts out with `checkpoint: false`). @default false */
  checkpointing?: boolean;
  /**
   * How many times a flow run that ends Failed runs again (same run id, `context.flowRunCount` 2,
   * 3, ...), reusing every task state that succeeded. @default 0
   */
  retries?: number;
  /** Milliseconds to wait before a flow retry. @default 0 */
  retryDelay?: number;
  /** When the flow should run: `flow.run({ runOnSchedule: true })` follows it (a plain `flow.run()` runs once). */
  schedule?: Schedule;
  /**
   * The module that exports this flow (an absolute path or a `file:` URL), for executors that run
   * tasks in other threads or processes. @default found by looking for the module that exports it
   */
  module?: string;
}

/** What `getTasks` filters on (all given filters must match). */
export interface TaskFilter {
  /** Tasks with this name. */
  name?: string;
  /** The task with this slug (its stable id in the flow). */
  slug?: string;
  /** Tasks that have all of these tags. */
  tags?: string[];
  /** Tasks that are instances of this class. */
  taskType?: Function;
}

type Keyed = Edge | { constant: unknown };

/** The shared, frozen adjacency list of a task with no edges on that side yet. */
const NO_EDGES: Edge[] = Object.freeze([]) as unknown as Edge[];

/** What a flow keeps per task: its slug, its edges both ways, and which inputs are taken. */
interface TaskNode {
  readonly slug: string;
  /** Edges into the task ({@link NO_EDGES} until the first one: most tasks have one or two). */
  in: Edge[];
  /** Edges out of the task ({@link NO_EDGES} until the first one). */
  out: Edge[];
  /** Input key → the edge or constant that feeds it (made on the first keyed input). */
  keys: Map<string, Keyed> | undefined;
}

/** A static DAG of tasks. */
export class Flow {
  /** The flow's name (required, non-empty). */
  readonly name: string;
  /** The options the flow was made with (a read-only copy of the {@link FlowOptions} given). */
  readonly options: Readonly<FlowOptions>;
  #tasks = new Set<AnyTask>();
  #edges = new Set<Edge>();
  /** One record per task (adjacency, taken inputs): a single map lookup per endpoint. */
  #nodes = new Map<AnyTask, TaskNode>();
  #constants = new Map<AnyTask, Record<string, unknown>>();
  #slugToTask = new Map<string, AnyTask>();
  #slugs: { revision: number; map: Map<AnyTask, string> } | undefined;
  #slugCounters = new Map<string, number>();
  #reference: Set<AnyTask> | undefined;
  #revision = 0;
  #sorted: { revision: number; tasks: AnyTask[] } | undefined;
  #version: { revision: number; value: string } | undefined;
  #parameters: { revision: number; list: Parameter[] } | undefined;
  /** @internal The file the flow was defined in (a hint for finding ES modules that export it). */
  readonly definedIn: string | undefined;
  /** @internal Recognises a Flow made by another copy of the library. */
  readonly [FLOW_BRAND] = true;

  constructor(name: string, options: FlowOptions = {}) {
    if (typeof name !== "string" || !name) throw new InvalidOptionError(messages.flowNameRequired());
    if (options.stateHandlers !== undefined && (!Array.isArray(options.stateHandlers) || options.stateHandlers.some((h) => typeof h !== "function"))) {
      throw new InvalidOptionError(messages.invalidOption(`Flow '${name}'`, "stateHandlers", "must be an array of functions"));
    }
    if (options.schedule !== undefined && !(options.schedule instanceof Schedule)) {
      throw new InvalidOptionError(messages.invalidOption(`Flow '${name}'`, "schedule", "must be a Schedule (e.g. new IntervalSchedule({ interval: 3_600_000 }))"));
    }
    for (const k of ["onFailure", "terminalStateHandler"] as const) {
      if (options[k] !== undefined && typeof options[k] !== "function") {
        throw new InvalidOptionError(messages.invalidOption(`Flow '${name}'`, k, "must be a function"));
      }
    }
    for (const k of ["retries", "retryDelay"] as const) {
      const v = options[k];
      if (v !== undefined && !(Number.isInteger(v) && v >= 0)) {
        throw new InvalidOptionError(messages.invalidOption(`Flow '${name}'`, k, `must be an integer >= 0 (received ${String(v)})`));
      }
    }
    this.name = name;
    this.options = { ...options };
    this.definedIn = callerFile();
    if (options.referenceTasks) {
      for (const t of options.referenceTasks) this.addTask(t);
      this.setReferenceTasks(options.referenceTasks);
    }
  }

  /** Builds a flow with the functional API: `Flow.build("etl", (flow) => { ... })`. */
  static build(name: string, builder: (flow: Flow) => void): Flow;
  static build(name: string, options: FlowOptions, builder: (flow: Flow) => void): Flow;
  static build(name: string, a: FlowOptions | ((flow: Flow) => void), b?: (flow: Flow) => void): Flow {
    const builder = typeof a === "function" ? a : b;
    const options = typeof a === "function" ? {} : a;
    if (typeof builder !== "function") throw new InvalidOptionError(`Flow.build("${name}", ...) needs a builder function`);
    return new Flow(name, options).define(builder);
  }

  /** Opens the functional scope on this flow: inside `builder`, `call`/`map`/`bind` add to it. */
  define(builder: (flow: Flow) => void): this {
    withScope({ flow: this }, () => builder(this));
    return this;
  }

  /** The flow's tasks. */
  get tasks(): ReadonlySet<AnyTask> {
    return this.#tasks;
  }
  /** The flow's edges (edges from plain values are stored as {@link constants}, not edges). */
  get edges(): ReadonlySet<Edge> {
    return this.#edges;
  }
  /** Plain values bound to task inputs: task → { key: value }. */
  get constants(): ReadonlyMap<AnyTask, Readonly<Record<string, unknown>>> {
    return this.#constants;
  }
  /** Every task's slug in this flow. */
  get slugs(): ReadonlyMap<AnyTask, string> {
    if (this.#slugs?.revision !== this.#revision) {
      const map = new Map<AnyTask, string>();
      for (const [t, node] of this.#nodes) map.set(t, node.slug);
      this.#slugs = { revision: this.#revision, map };
    }
    return this.#slugs.map;
  }
  /** @internal Bumps on every change; caches compare it. */
  get revision(): number {
    return this.#revision;
  }
  /** The version label: the option, or a hash of the structure and the tasks' code. */
  get version(): string {
    if (this.options.version) return this.options.version;
    if (this.#version?.revision !== this.#revision) this.#version = { revision: this.#revision, value: this.#hash() };
    return this.#version.value;
  }

  /** The slug of `task` in this flow. */
  slugOf(task: AnyTask): string {
    const node = this.#nodes.get(task);
    if (node === undefined) throw new TaskNotFoundError(messages.taskNotInFlow(String(task), this.toString()));
    return node.slug;
  }

  /** The task with this slug. */
  taskBySlug(slug: string): AnyTask | undefined {
    return this.#slugToTask.get(slug);
  }

  /** Adds a task (once); returns it. */
  addTask<T extends AnyTask>(task: T): T {
    if (!(task instanceof Task)) throw new TypeError(messages.notATask("flow.addTask(task): task", task));
    if (this.#nodes.has(task)) return task;
    const slug = this.#slugFor(task);
    this.#tasks.add(task);
    this.#nodes.set(task, { slug, in: NO_EDGES, out: NO_EDGES, keys: undefined });
    this.#slugToTask.set(slug, task);
    this.#revision++;
    if (hasCollectors() && !(task instanceof Parameter) && !(task instanceof Constant)) {
      const c = currentCollectors()[0];
      if (c) c.collect(task, this);
    }
    return task;
  }

  #slugFor(task: AnyTask): string {
    if (task.slug !== undefined) {
      const other = this.#slugToTask.get(task.slug);
      if (other && other !== task) {
        throw new FlowValidationError(
          task instanceof Parameter && other instanceof Parameter ? messages.parameterNameTaken(task.name) : messages.slugTaken(task.slug),
        );
      }
      return task.slug;
    }
    const prefix = task.tags.size ? [task.name, ...[...task.tags].sort()].join("-") : task.name;
    let n = this.#slugCounters.get(prefix) ?? 0;
    let slug: string;
    do slug = `${prefix}-${++n}`;
    while (this.#slugToTask.has(slug));
    this.#slugCounters.set(prefix, n);
    return slug;
  }

  /** Adds an edge from `upstream` to `downstream` (keyed when `key` is given); returns it. */
  addEdge(
    upstream: AnyTask,
    downstream: AnyTask,
    opts: { key?: string; mapped?: boolean; flattened?: boolean; validate?: boolean } = {},
  ): Edge {
    if (!(upstream instanceof Task)) throw new TypeError(messages.notATask("flow.addEdge(upstream, ...): upstream", upstream));
    if (!(downstream instanceof Task)) throw new TypeError(messages.notATask("flow.addEdge(..., downstream): downstream", downstream));
    if (downstream instanceof Parameter) throw new FlowValidationError(messages.parameterDownstream(String(downstream)));
    const edge = new Edge(upstream, downstream, opts);
    // The same edge twice is one edge (Prefect's edges form a set); another edge on a taken key is an error.
    const same = edge.key !== undefined ? this.#checkKey(downstream, edge.key, edge) : this.#findEdge(edge);
    if (same) return same;
    this.addTask(upstream);
    this.addTask(downstream);
    const up = this.#nodes.get(upstream)!;
    const down = this.#nodes.get(downstream)!;
    if (edge.key !== undefined) (down.keys ??= new Map()).set(edge.key, edge);
    this.#edges.add(edge);
    if (up.out === NO_EDGES) up.out = [edge];
    else up.out.push(edge);
    if (down.in === NO_EDGES) down.in = [edge];
    else down.in.push(edge);
    this.#revision++;
    if (opts.validate) this.validate();
    return edge;
  }

  /**
   * Checks that `key` is a declared input of `task` that nothing feeds yet. Returns the existing
   * edge when `edge` is exactly the one already feeding it.
   */
  #checkKey(task: AnyTask, key: string, edge?: Edge): Edge | undefined {
    const names = classMeta(task.constructor).inputNames;
    if (names && !names.has(key)) throw new BindError(messages.unknownInputKey(String(task), key, [...names]));
    const prev = this.#nodes.get(task)?.keys?.get(key);
    if (prev === undefined) return undefined;
    if (edge && prev instanceof Edge && prev.equals(edge)) return prev;
    throw new FlowValidationError(messages.duplicateKey(String(task), key));
  }

  /** An edge of this flow equal to `like`, scanning the shorter of the two adjacency lists. */
  #findEdge(like: Edge): Edge | undefined {
    const up = this.#nodes.get(like.upstreamTask)?.out;
    const down = this.#nodes.get(like.downstreamTask)?.in;
    if (!up || !down) return undefined;
    const list = up.length <= down.length ? up : down;
    for (const e of list) if (e.equals(like)) return e;
    return undefined;
  }

  /** Binds `value` to input `key` of `task` as a constant (no node, no edge). */
  #addConstant(task: AnyTask, key: string, value: unknown): void {
    this.#checkKey(task, key);
    this.addTask(task);
    const node = this.#nodes.get(task)!;
    (node.keys ??= new Map()).set(key, { constant: value });
    let c = this.#constants.get(task);
    if (!c) this.#constants.set(task, (c = {}));
    c[key] = value;
    this.#revision++;
  }

  /**
   * Wires `task` to its dependencies. Keyword values may be tasks, plain values (kept as constants),
   * or array/object literals containing tasks (made into `List` / `Dict` tasks). For a typed task
   * the keys and values of `keywordTasks` are checked as `call` (or, with `mapped: true`, `map`)
   * checks them.
   */
  setDependencies<T extends AnyTask, M extends boolean = false>(task: T, deps?: Dependencies<InputsOf<T>, M>): void;
  setDependencies(task: AnyTask, deps: Dependencies = {}): void {
    if (!(task instanceof Task)) throw new TypeError(messages.notATask("flow.setDependencies(task, ...): task", task));
    const mappedDefault = deps.mapped ?? false;
    if (mappedDefault && inMappedContext()) throw new BindError(messages.mapInMappedContext());
    this.addTask(task);
    for (const up of deps.upstreamTasks ?? []) {
      const a = unwrapAnnotation(up);
      const mapped = a.mapped ?? mappedDefault;
      this.addEdge(this.asTask(a.value), task, { mapped, flattened: a.flattened });
    }
    for (const down of deps.downstreamTasks ?? []) this.addEdge(task, this.asTask(down), { mapped: false });
    const kw = deps.keywordTasks ?? {};
    for (const key of Object.keys(kw)) {
      const a = unwrapAnnotation(kw[key]);
      const mapped = a.mapped ?? mappedDefault;
      const flattened = a.flattened ?? false;
      if (!mapped && !flattened && !(a.value instanceof Task) && !containsTask(a.value)) {
        this.#addConstant(task, key, a.value);
      } else {
        this.addEdge(this.asTask(a.value), task, { key, mapped, flattened });
      }
    }
    if (deps.validate) this.validate();
  }

  /**
   * A task for `value`: a task as is; an array or plain object containing tasks → a `List` / `Dict`
   * task bound to its items; anything else → a `Constant` (no introspection).
   */
  asTask(value: unknown): AnyTask {
    if (value instanceof EdgeAnnotation) return this.asTask(unwrapAnnotation(value).value);
    if (value instanceof Task) return value;
    if (containsTask(value)) {
      const collection = Array.isArray(value) ? new List() : new Dict();
      (collection as { autoGenerated: boolean }).autoGenerated = true;
      const inputs: Record<string, unknown> = Array.isArray(value) ? Object.fromEntries(value.map((v, i) => [String(i), v])) : { ...(value as object) };
      this.setDependencies(collection, { keywordTasks: inputs });
      return collection;
    }
    const c = new Constant(value);
    (c as { autoGenerated: boolean }).autoGenerated = true;
    return c;
  }

  /** State-only edges between each consecutive pair of tasks. */
  chain(...tasks: AnyTask[]): Edge[] {
    const edges: Edge[] = [];
    for (let i = 1; i < tasks.length; i++) edges.push(this.addEdge(tasks[i - 1]!, tasks[i]!));
    return edges;
  }

  /** Adds another flow's tasks, edges and constants. With `mergeParameters`, same-named parameters are replaced by the other flow's. */
  update(other: Flow, opts: { mergeParameters?: boolean; validate?: boolean } = {}): void {
    const ours = new Map([...this.parameters()].map((p) => [p.name, p] as const));
    for (const t of other.tasks) {
      const same = t instanceof Parameter ? ours.get(t.name) : undefined;
      if (same && same !== t && opts.mergeParameters) this.replace(same, t);
      else this.addTask(t);
    }
    for (const e of other.edges) this.addEdge(e.upstreamTask, e.downstreamTask, { key: e.key, mapped: e.mapped, flattened: e.flattened });
    for (const [t, consts] of other.constants) for (const k of Object.keys(consts)) {
      if (this.#constants.get(t)?.[k] !== consts[k]) this.#addConstant(t, k, consts[k]);
    }
    if (opts.validate || opts.mergeParameters) this.validate();
  }

  /** A new flow with the same tasks (shared), edges, constants, slugs and reference tasks. */
  copy(): Flow {
    const f = new Flow(this.name, { ...this.options, referenceTasks: undefined });
    for (const [t, { slug }] of this.#nodes) {
      f.#tasks.add(t);
      f.#nodes.set(t, { slug, in: NO_EDGES, out: NO_EDGES, keys: undefined });
      f.#slugToTask.set(slug, t);
    }
    f.#slugCounters = new Map(this.#slugCounters);
    for (const e of this.#edges) f.addEdge(e.upstreamTask, e.downstreamTask, { key: e.key, mapped: e.mapped, flattened: e.flattened });
    for (const [t, c] of this.#constants) for (const k of Object.keys(c)) f.#addConstant(t, k, c[k]);
    if (this.#reference) f.#reference = new Set(this.#reference);
    return f;
  }

  /** Replaces `oldTask` with `newTask` (a task or a plain value), rewiring every edge. */
  replace(oldTask: AnyTask, newTask: AnyTask | unknown): void {
    if (!this.#tasks.has(oldTask)) throw new TaskNotFoundError(messages.taskNotInFlow(String(oldTask), this.toString()));
    const replacement = this.asTask(newTask);
    const node = this.#nodes.get(oldTask)!;
    const inEdges = [...node.in];
    const outEdges = [...node.out];
    const consts = this.#constants.get(oldTask);
    this.#removeTask(oldTask);
    this.addTask(replacement);
    for (const e of inEdges) this.addEdge(e.upstreamTask, replacement, { key: e.key, mapped: e.mapped, flattened: e.flattened });
    for (const e of outEdges) this.addEdge(replacement, e.downstreamTask, { key: e.key, mapped: e.mapped, flattened: e.flattened });
    if (consts) for (const k of Object.keys(consts)) this.#addConstant(replacement, k, consts[k]);
    if (this.#reference?.delete(oldTask)) this.#reference.add(replacement);
  }

  #removeTask(task: AnyTask): void {
    const node = this.#nodes.get(task);
    for (const e of node?.in ?? []) {
      this.#edges.delete(e);
      remove(this.#nodes.get(e.upstreamTask)?.out, e);
    }
    for (const e of node?.out ?? []) {
      this.#edges.delete(e);
      const down = this.#nodes.get(e.downstreamTask);
      remove(down?.in, e);
      if (e.key !== undefined && down?.keys?.get(e.key) === e) down.keys.delete(e.key);
    }
    this.#nodes.delete(task);
    this.#constants.delete(task);
    this.#tasks.delete(task);
    if (node) this.#slugToTask.delete(node.slug);
    this.#revision++;
  }

  /** Tasks with no upstream edges (a task fed only by constants is a root). */
  rootTasks(): Set<AnyTask> {
    const out = new Set<AnyTask>();
    for (const [t, node] of this.#nodes) if (!node.in.length) out.add(t);
    return out;
  }

  /** Tasks with no downstream edges. */
  terminalTasks(): Set<AnyTask> {
    const out = new Set<AnyTask>();
    for (const [t, node] of this.#nodes) if (!node.out.length) out.add(t);
    return out;
  }

  /**
   * The tasks whose states decide the flow's final state: the ones set, else the terminal tasks
   * (resource-manager init and cleanup tasks excluded; a task whose only downstream tasks are
   * cleanups counts as terminal).
   */
  referenceTasks(): Set<AnyTask> {
    if (this.#reference?.size) return new Set(this.#reference);
    const out = new Set<AnyTask>();
    for (const [t, node] of this.#nodes) {
      if (t.resourceRole === "init" || t.resourceRole === "cleanup") continue;
      if (node.out.every((e) => e.downstreamTask.resourceRole === "cleanup")) out.add(t);
    }
    return out;
  }

  /** Sets the reference tasks (every one must be in the flow); an empty list resets to the default. */
  setReferenceTasks(tasks: Iterable<AnyTask>): void {
    const set = new Set(tasks);
    for (const t of set) if (!this.#tasks.has(t)) throw new FlowValidationError(messages.referenceNotInFlow(String(t), this.toString()));
    this.#reference = set.size ? set : undefined;
    this.#revision++;
  }

  #require(t: AnyTask): TaskNode {
    const node = this.#nodes.get(t);
    if (!node) throw new TaskNotFoundError(messages.taskNotInFlow(String(t), this.toString()));
    return node;
  }

  /** The tasks `t` depends on. */
  upstreamTasks(t: AnyTask): Set<AnyTask> {
    return new Set(this.edgesTo(t, true).map((e) => e.upstreamTask));
  }
  /** The tasks that depend on `t`. */
  downstreamTasks(t: AnyTask): Set<AnyTask> {
    return new Set(this.edgesFrom(t, true).map((e) => e.downstreamTask));
  }
  /** The edges into `t`. */
  edgesTo(t: AnyTask): Set<Edge>;
  /** @internal */
  edgesTo(t: AnyTask, asArray: true): readonly Edge[];
  edgesTo(t: AnyTask, asArray?: boolean): Set<Edge> | readonly Edge[] {
    const list = this.#require(t).in;
    return asArray ? list : new Set(list);
  }
  /** The edges out of `t`. */
  edgesFrom(t: AnyTask): Set<Edge>;
  /** @internal */
  edgesFrom(t: AnyTask, asArray: true): readonly Edge[];
  edgesFrom(t: AnyTask, asArray?: boolean): Set<Edge> | readonly Edge[] {
    const list = this.#require(t).out;
    return asArray ? list : new Set(list);
  }

  /** The tasks matching every given filter. */
  getTasks(filter: TaskFilter = {}): AnyTask[] {
    const out: AnyTask[] = [];
    for (const t of this.#tasks) {
      if (filter.name !== undefined && t.name !== filter.name) continue;
      if (filter.slug !== undefined && this.#nodes.get(t)!.slug !== filter.slug) continue;
      if (filter.tags && !filter.tags.every((tag) => t.tags.has(tag))) continue;
      if (filter.taskType && !(t instanceof filter.taskType)) continue;
      out.push(t);
    }
    return out;
  }

  /** The flow's parameters. */
  parameters(): Set<Parameter> {
    // Every run asks; scanning all tasks once per revision keeps that O(parameters).
    if (this.#parameters?.revision !== this.#revision) {
      const list: Parameter[] = [];
      for (const t of this.#tasks) if (t instanceof Parameter) list.push(t);
      this.#parameters = { revision: this.#revision, list };
    }
    return new Set(this.#parameters.list);
  }

  /**
   * The tasks in topological order (ties in the order tasks were added). With `rootTasks`, only
   * those roots and everything downstream of them. A cycle throws a {@link CycleError} naming it.
   */
  sortedTasks(rootTasks?: Iterable<AnyTask>): AnyTask[] {
    if (!rootTasks) {
      if (this.#sorted?.revision !== this.#revision) this.#sorted = { revision: this.#revision, tasks: this.#kahn(this.#tasks) };
      return [...this.#sorted.tasks];
    }
    const subset = new Set<AnyTask>();
    const stack: AnyTask[] = [];
    for (const r of rootTasks) {
      if (!this.#tasks.has(r)) throw new TaskNotFoundError(messages.rootNotInFlow(String(r), this.toString()));
      stack.push(r);
    }
    while (stack.length) {
      const t = stack.pop()!;
      if (subset.has(t)) continue;
      subset.add(t);
      for (const e of this.#nodes.get(t)!.out) stack.push(e.downstreamTask);
    }
    return this.#kahn(new Set([...this.#tasks].filter((t) => subset.has(t))));
  }

  #kahn(tasks: Set<AnyTask>): AnyTask[] {
    const indegree = new Map<AnyTask, number>();
    const whole = tasks === this.#tasks;
    for (const t of tasks) {
      const incoming = this.#nodes.get(t)!.in;
      let n = incoming.length;
      if (!whole) for (const e of incoming) if (!tasks.has(e.upstreamTask)) n--;
      indegree.set(t, n);
    }
    const order: AnyTask[] = [];
    for (const t of tasks) if (indegree.get(t) === 0) order.push(t);
    for (let i = 0; i < order.length; i++) {
      for (const e of this.#nodes.get(order[i]!)!.out) {
        const d = e.downstreamTask;
        const n = indegree.get(d);
        if (n === undefined) continue;
        indegree.set(d, n - 1);
        if (n === 1) order.push(d);
      }
    }
    if (order.length !== tasks.size) {
      const stuck = [...tasks].filter((t) => indegree.get(t)! > 0);
      const cycle = this.#findCycle(stuck);
      throw new CycleError(messages.cycle(cycle), cycle);
    }
    return order;
  }

  /**
   * Names one cycle among `stuck` tasks, in order (`a -> b -> c -> a`), using graphlib's Tarjan
   * SCCs. The cycle starts at its earliest-added task, so the message is stable.
   */
  #findCycle(stuck: AnyTask[]): string[] {
    const g = this.toGraph(new Set(stuck));
    const byId = new Map(stuck.map((t) => [String(t._id), t] as const));
    const rank = new Map(stuck.map((t, i) => [String(t._id), i] as const));
    const earliest = (ids: string[]) => ids.reduce((a, b) => (rank.get(b)! < rank.get(a)! ? b : a));
    const sccs = alg.findCycles(g);
    const scc = sccs.length ? sccs.reduce((a, b) => (rank.get(earliest(b))! < rank.get(earliest(a))! ? b : a)) : [];
    const inScc = new Set(scc);
    // Walk successors inside the strongly connected component until a task repeats.
    const path: string[] = [];
    const seenAt = new Map<string, number>();
    let v = earliest(scc);
    while (!seenAt.has(v)) {
      seenAt.set(v, path.length);
      path.push(v);
      v = earliest((g.successors(v) ?? []).filter((w) => inScc.has(w)));
    }
    const loop = path.slice(seenAt.get(v));
    const start = loop.indexOf(earliest(loop));
    const ordered = [...loop.slice(start), ...loop.slice(0, start)];
    ordered.push(ordered[0]!);
    return ordered.map((id) => byId.get(id)!.name);
  }

  /**
   * The flow as a graphlib multigraph (node ids are task ids, labels `{ task, slug }`, edge names
   * the keys), for graph algorithms and rendering. `only` restricts it to some tasks.
   */
  toGraph(only?: Set<AnyTask>): Graph {
    const g = new Graph({ directed: true, multigraph: true });
    for (const t of this.#tasks) if (!only || only.has(t)) g.setNode(String(t._id), { task: t, slug: this.#nodes.get(t)!.slug });
    for (const e of this.#edges) {
      if (only && !(only.has(e.upstreamTask) && only.has(e.downstreamTask))) continue;
      g.setEdge(String(e.upstreamTask._id), String(e.downstreamTask._id), e, e.key ?? `~${e.mapped ? "m" : ""}${e.flattened ? "f" : ""}`);
    }
    return g;
  }

  /** Checks the graph: every edge's tasks are in the flow, no cycles, reference tasks in the flow. */
  validate(): void {
    for (const e of this.#edges) {
      if (!this.#tasks.has(e.upstreamTask) || !this.#tasks.has(e.downstreamTask)) {
        throw new FlowValidationError(messages.danglingEdge(String(e), this.toString()));
      }
    }
    this.sortedTasks();
    for (const t of this.#reference ?? []) {
      if (!this.#tasks.has(t)) throw new FlowValidationError(messages.referenceNotInFlow(String(t), this.toString()));
    }
  }

  /**
   * Runs the flow to completion (retries included) and returns its final state. Unknown
   * parameters, missing required ones, and values that are not of their parameter's `type` or
   * fail its `check` reject with a {@link ParameterError} before any task runs; tasks and
   * `context.parameters` see the converted values. With `runOnSchedule: true`, runs on the
   * flow's schedule until it ends or `signal` aborts, and returns the last run's state.
   */
  async run(opts: FlowRunOptions & ScheduledRunOptions = {}): Promise<State> {
    if (currentFlow() === this) throw new RunError(messages.runInsideBuilder(this.toString()));
    if (opts.runOnSchedule === true) return runOnSchedule(this, (o) => this.#runOnce(o), opts);
    return this.#runOnce(opts);
  }

  /** One flow run: the parameter checks, then the FlowRunner. */
  async #runOnce(opts: FlowRunOptions): Promise<State> {
    const params = this.parameters();
    const given = opts.parameters ?? {};
    const names = new Set([...params].map((p) => p.name));
    const unknown = Object.keys(given).filter((k) => !names.has(k));
    if (unknown.length) throw new ParameterError(messages.unexpectedParameters(this.toString(), unknown));
    const missing = [...params].filter((p) => p.required && !Object.prototype.hasOwnProperty.call(given, p.name)).map((p) => p.name);
    if (missing.length) throw new ParameterError(messages.missingParameters(this.toString(), missing));
    // As in Prefect's flow.run, the run starts Scheduled for now (handlers see Scheduled -> Running),
    // and the Cached states it made become cache candidates for later runs only once it is over.
    const final = await new FlowRunner(this).run({ ...convertRunParameters(params, opts), state: new Scheduled({ startTime: new Date() }) });
    if (final.result instanceof Map) rememberCachedStates(final.result as Map<AnyTask, State>);
    return final;
  }

  /**
   * The DAG as Graphviz DOT (the default) or Mermaid text: mapped tasks and edges marked, input
   * keys as edge labels; with `flowState`, coloured by state with mapped children drawn and counted.
   * Wide flows are laid out left to right unless `horizontal` says otherwise.
   */
  visualize(opts?: VisualizeOptions & { format?: "dot" | "mermaid" }): string;
  /**
   * The DAG as an SVG picture, rendered from the DOT by Graphviz compiled to WebAssembly (no
   * system binary; the module is loaded once per process, on the first call).
   */
  visualize(opts: VisualizeOptions & { format: "svg" }): Promise<string>;
  /** DOT or Mermaid text, or (for `format: "svg"`) a promise of the SVG picture. */
  visualize(opts: VisualizeOptions): string | Promise<string>;
  visualize(opts: VisualizeOptions = {}): string | Promise<string> {
    return opts.format === "svg" ? renderFlowSvg(this, opts) : renderFlow(this, opts);
  }

  #hash(): string {
    const h = createHash("sha256");
    for (const t of this.sortedTasks()) {
      h.update(`${this.#nodes.get(t)!.slug}|${t.constructor.name}|${String((t as { fn?: unknown }).fn ?? t.run)}\n`);
    }
    for (const e of this.#edges) h.update(`${this.#nodes.get(e.upstreamTask)!.slug}>${this.#nodes.get(e.downstreamTask)!.slug}:${e.key ?? ""}:${e.mapped}:${e.flattened}\n`);
    return h.digest("hex").slice(0, 16);
  }

  /** `<Flow: name="...">` */
  toString(): string {
    return `<Flow: name="${this.name}">`;
  }

  /** @internal */
  [Symbol.for("nodejs.util.inspect.custom")](): string {
    return this.toString();
  }
}

function remove<V>(list: V[] | undefined, v: V): void {
  if (!list) return;
  const i = list.indexOf(v);
  if (i >= 0) list.splice(i, 1);
}

/** Whether an array or plain object (at any depth) holds a task. */
function containsTask(value: unknown): boolean {
  if (value instanceof Task) return true;
  if (value instanceof EdgeAnnotation) return containsTask(value.value);
  if (Array.isArray(value)) return value.some(containsTask);
  if (value !== null && typeof value === "object") {
    const proto = Object.getPrototypeOf(value);
    if (proto === Object.prototype || proto === null) return Object.values(value).some(containsTask);
  }
  return false;
}
