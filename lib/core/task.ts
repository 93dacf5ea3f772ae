/**
 * `Task`: one unit of work. Subclass it and implement `run(inputs)`, or wrap a function with
 * `task(fn)`. Tasks are configured with {@link TaskOptions} (validated once, at construction) and
 * wired into flows with `call` / `map` / `bind` (functional) or the flow's imperative methods.
 * @module
 */
import { BindError, InvalidOptionError, TaskDefinitionError } from "../errors";
import { messages } from "../messages";
import type { Edge } from "./edge";
import type { Flow } from "./flow";
import type { Unmapped } from "./annotations";
import { classMeta, ClassMeta } from "./metadata";
import { guardResourceFields, releaseResourceFields } from "./decorators/resource";
import { currentFlow, currentTags, hasScopeTags, inMappedContext } from "./scope";
import { ContextTemplate, ErrorClass, StateHandler, TaskOptions, validateTaskOptions } from "./task-options";
import type { KeywordTasks, MapInputs, OUTPUT, PhantomOutput, ProducesElements, TaskInputs } from "./types";
import type { CacheValidator } from "../engine/cache-validators";
import { allSuccessful, Trigger } from "../engine/triggers";
import type { State } from "../engine/state";
import type { Result } from "../results/result";

export type { TaskOptions } from "./task-options";

/** Options of `bind`. */
export interface BindOptions {
  /** The flow to bind into (default: the builder scope's flow). */
  flow?: Flow;
  /** State-only upstream dependencies (no data flows along them). */
  upstreamTasks?: Array<Task<any, any> | Unmapped<Task<any, any>>>;
}

/** Options of `call` and `map`. */
export interface CallOptions extends BindOptions {
  /** Options to override on the copy (`name`, `maxRetries`, `trigger`, ...). */
  taskArgs?: Partial<TaskOptions>;
}

/**
 * The dependencies of `setDependencies`. For a task whose inputs are typed (`In`), the keys of
 * `keywordTasks` must be its inputs and each value must fit, as in `call` (as in `map` when
 * `mapped: true`); an untyped task (`In` is `any`) takes any keys.
 */
export interface Dependencies<In = any, M extends boolean = boolean> {
  /** Tasks this task waits for (state-only edges); plain values become constants. */
  upstreamTasks?: Array<Task<any, any> | unknown>;
  /** Tasks that wait for this task (state-only edges). */
  downstreamTasks?: Task<any, any>[];
  /** Keyed inputs: tasks, constants or plain values (auto-wrapped). */
  keywordTasks?: KeywordTasks<In, M>;
  /** Map over the upstream and keyword edges. @default false */
  mapped?: M;
  /** Validate the flow (cycles) after adding the edges. */
  validate?: boolean;
}

/** `(inputs, opts?)`, where `inputs` may be left out only when every input is optional. */
type InputsArgs<I, O = CallOptions> = {} extends I ? [inputs?: I, opts?: O] : [inputs: I, opts?: O];

let nextTaskId = 0;

/** @internal A fresh id for a task instance (copies get their own). */
export function newTaskId(): number {
  return ++nextTaskId;
}

/**
 * The base of every task. `In` is the object `run` receives; `Out` what it returns.
 *
 * ```ts
 * class Add extends Task<{ x: number; y: number }, number> {
 *   run({ x, y }: { x: number; y: number }) { return x + y; }
 * }
 * ```
 */
export abstract class Task<In extends object = {}, Out = unknown> {
  /** @internal Phantom: the output type, for typed edges. */
  declare readonly [OUTPUT]?: PhantomOutput<Out>;

  /** @internal Identity of this instance (a copy gets a new one). */
  _id!: number;
  /** Display name. @default the class name */
  declare readonly name: string;
  /** A stable id, unique within a flow (the flow generates one if unset). */
  declare readonly slug: string | undefined;
  /** Labels for filtering (`flow.getTasks({ tags })`) and executors (builder-scope `tags(...)` included). @default an empty set */
  declare readonly tags: ReadonlySet<string>;
  /** Free text for docs and visualisations. */
  declare readonly description: string | undefined;
  /** How many times a failed run is retried. @default 0 */
  declare readonly maxRetries: number;
  /** Milliseconds to wait before a retry, or a function of the attempt number for backoff. @default 0 */
  declare readonly retryDelay: number | ((attempt: number) => number);
  /** Only retry when the error is an instance of one of these classes, or has one of these class names (undefined: any error). */
  declare readonly retryOn: readonly (ErrorClass | string)[] | undefined;
  /** Milliseconds the run may take before it is TimedOut (undefined: no limit). */
  declare readonly timeout: number | undefined;
  /** When the task may run, given its upstream states. @default triggers.allSuccessful */
  declare readonly trigger: Trigger;
  /** Become Skipped when an upstream task was skipped (before the trigger runs). @default true */
  declare readonly skipOnUpstreamSkip: boolean;
  /** Called in order on every state change; each may replace the new state. @default [] */
  declare readonly stateHandlers: readonly StateHandler[];
  /** Called when the task's state becomes failed. */
  declare readonly onFailure: ((task: Task, state: State) => void | Promise<void>) | undefined;
  /** Cache a successful result for this many milliseconds (Prefect's `cache_for`). */
  declare readonly cacheFor: number | undefined;
  /** Decides whether a cached state can be used. @default cacheValidators.durationOnly when cacheFor is set */
  declare readonly cacheValidator: CacheValidator | undefined;
  /** The cache entry's name, shareable across tasks and flows. @default the task's name */
  declare readonly cacheKey: string | undefined;
  /** Computes a cross-run cache key from the context and inputs (persisted under `FLOWSMITH_HOME`). */
  declare readonly cacheKeyFn: TaskOptions["cacheKeyFn"];
  /** Milliseconds a `cacheKeyFn` entry stays valid. @default never expires */
  declare readonly cacheExpiration: number | undefined;
  /** `false` opts out of writing results when the flow checkpoints. */
  declare readonly checkpoint: boolean | undefined;
  /** Where and how the result is persisted; beats the flow's `result`. */
  declare readonly result: Result | undefined;
  /** A location template (or function); if it exists the task is Cached and `run` is skipped. */
  declare readonly target: ContextTemplate | undefined;
  /** Always persist the result, whatever the flow's checkpointing. */
  declare readonly persistResult: boolean | undefined;
  /** Keep the value in memory after it is persisted. @default true */
  declare readonly cacheResultInMemory: boolean;
  /** A template (or function) for the run's name, shown in logs. */
  declare readonly taskRunName: ContextTemplate | undefined;
  /** How many items the result has, so it can be destructured: `const [a, b] = t.call(...)`. */
  declare readonly nout: number | undefined;
  /** Send `console.log` output written during `run` to the task's logger. @default false */
  declare readonly logStdout: boolean;
  /** The `@Inputs` class that declares input names and validation rules. */
  declare readonly inputs: (new () => object) | undefined;
  /** @internal True for tasks the builder made itself (collections, constants of mapped edges). */
  declare readonly autoGenerated: boolean;
  /** @internal The task's role in a resource manager block (excluded from default reference tasks). */
  declare readonly resourceRole: "init" | "setup" | "cleanup" | undefined;

  /**
   * Validates `options` (an {@link InvalidOptionError} names the task and the option). A class
   * with no `run` method is a {@link TaskDefinitionError} naming it.
   */
  constructor(options: TaskOptions = {}) {
    const ctor = new.target;
    const meta = classMeta(ctor);
    if (meta.runMissing) throw new TaskDefinitionError(messages.taskWithoutRun(ctor.name));
    // Fields compiled with define semantics would hide @Resource accessors: guard the class's run.
    if (meta.resources.length !== 0) guardResourceFields(ctor);
    const merged = hasKeys(meta.defaults) ? { ...meta.defaults, ...options } : options;
    this._id = newTaskId();
    const owner = `Task '${merged.name ?? ctor.name}'`;
    if (!meta.deferValidation && hasKeys(merged)) validateTaskOptions(owner, merged);
    applyOptions(this, merged);
    if (merged.name === undefined) (this as { name: string }).name = ctor.name;
    if (merged.tags !== undefined || hasScopeTags()) {
      (this as { tags: ReadonlySet<string> }).tags = new Set([...(merged.tags ?? []), ...currentTags()]);
    }
  }

  /** The work. Receives one object of inputs; returns (or resolves to) the result. */
  abstract run(inputs: In): Out | Promise<Out>;

  /** @internal The compiled metadata of this task's class. */
  get classMeta(): ClassMeta {
    return classMeta(this.constructor);
  }

  /**
   * A shallow copy with some options replaced (Prefect's `copy(**task_args)`). The copy is a new
   * node: it shares no edges. A set slug becomes `slug-copy`.
   */
  copy(overrides?: Partial<TaskOptions>): this {
    const c = Object.create(Object.getPrototypeOf(this)) as this;
    if (this.classMeta.resources.length !== 0) releaseResourceFields(this);
    Object.assign(c, this);
    c._id = newTaskId();
    if (this.slug !== undefined) (c as { slug?: string }).slug = `${this.slug}-copy`;
    if (overrides && hasKeys(overrides)) {
      validateTaskOptions(`Task '${overrides.name ?? this.name}'`, { maxRetries: this.maxRetries, ...overrides });
      applyOptions(c, overrides);
    }
    if (overrides?.tags !== undefined || hasScopeTags()) {
      (c as { tags: ReadonlySet<string> }).tags = new Set([...this.tags, ...(overrides?.tags ?? []), ...currentTags()]);
    }
    return c;
  }

  /**
   * Wires this task (not a copy) into a flow with these inputs. Needs a flow: `opts.flow`, or the
   * builder scope of `Flow.build` / `flow.define`.
   */
  bind(...args: InputsArgs<TaskInputs<In>, BindOptions & { mapped?: boolean }>): this;
  bind(inputs: Record<string, unknown> = {}, opts: BindOptions & { mapped?: boolean } = {}): this {
    const flow = this.requireFlow(opts.flow, "bind");
    this.bindInto(flow, inputs, opts, opts.mapped ?? false);
    return this;
  }

  /** A copy of this task bound to `inputs` (Prefect's `task(...)` call). Returns the copy. */
  call(...args: InputsArgs<TaskInputs<In>>): this;
  call(inputs: Record<string, unknown> = {}, opts: CallOptions = {}): this {
    const flow = this.requireFlow(opts.flow, "call");
    const copy = this.copy(opts.taskArgs);
    copy.bindInto(flow, inputs, opts, false);
    return copy;
  }

  /**
   * A copy of this task mapped over `inputs`: one child run per element (inputs are zipped, to the
   * shortest). `unmapped(x)` keeps an input whole. Returns the mapped copy, which feeds a mapped
   * downstream task one element per child and a plain downstream task the whole list.
   */
  map(...args: InputsArgs<MapInputs<In>>): this & ProducesElements<PhantomOutput<Out>>;
  map(inputs: Record<string, unknown> = {}, opts: CallOptions = {}): this & ProducesElements<PhantomOutput<Out>> {
    const flow = this.requireFlow(opts.flow, "map");
    if (inMappedContext()) throw new BindError(messages.mapInMappedContext());
    const copy = this.copy({ ...opts.taskArgs });
    (copy as { nout?: number }).nout = undefined;
    copy.bindInto(flow, inputs, opts, true);
    return copy as this & ProducesElements<PhantomOutput<Out>>;
  }

  /** @internal */
  protected requireFlow(flow: Flow | undefined, method: string): Flow {
    const f = flow ?? currentFlow();
    if (!f) throw new BindError(messages.noFlow(String(this), method));
    return f;
  }

  /** @internal */
  protected bindInto(flow: Flow, inputs: Record<string, unknown>, opts: BindOptions, mapped: boolean): void {
    if (inputs === null || typeof inputs !== "object" || Array.isArray(inputs)) {
      throw new BindError(`${this}: inputs must be one object of named inputs (received ${Array.isArray(inputs) ? "an array" : typeof inputs})`);
    }
    if (hasScopeTags()) (this as { tags: ReadonlySet<string> }).tags = new Set([...this.tags, ...currentTags()]);
    flow.setDependencies(this as AnyTask, { keywordTasks: inputs, upstreamTasks: opts.upstreamTasks, mapped });
  }

  /** Adds a dependency on `task` (keyed when `key` is given, else state-only). */
  setUpstream(task: Task<any, any>, opts: { flow?: Flow; key?: string; mapped?: boolean } = {}): this {
    const flow = this.requireFlow(opts.flow, "setUpstream");
    flow.addEdge(task, this, { key: opts.key, mapped: opts.mapped });
    return this;
  }

  /** Makes `task` depend on this task (keyed when `key` is given, else state-only). */
  setDownstream(task: Task<any, any>, opts: { flow?: Flow; key?: string; mapped?: boolean } = {}): this {
    const flow = this.requireFlow(opts.flow, "setDownstream");
    flow.addEdge(this, task, { key: opts.key, mapped: opts.mapped });
    return this;
  }

  /** `flow.setDependencies(this, deps)` (the flow defaults to the builder scope's); keyword inputs are typed as in `call`. */
  setDependencies<M extends boolean = false>(flow: Flow | undefined, deps: Dependencies<In, M>): this {
    this.requireFlow(flow, "setDependencies").setDependencies(this as AnyTask, deps as Dependencies);
    return this;
  }

  /** A `GetItem` task bound to this task's result: its value is `result[key]`. */
  getItem<K extends PropertyKey>(key: K, opts: { flow?: Flow } = {}): Task<{}, K extends keyof Out ? Out[K] : unknown> {
    const flow = this.requireFlow(opts.flow, "getItem");
    const item = getItemFactory(this, key as string | number);
    item.bind({ value: this } as never, { flow });
    return item as never;
  }

  /** With `nout`, `const [a, b] = t.call(...)` gives item tasks `t.getItem(0)`, `t.getItem(1)`. */
  *[Symbol.iterator](): Iterator<Task<{}, Out extends readonly unknown[] ? Out[number] : unknown>> {
    if (this.nout === undefined) throw new TypeError(messages.notIterable(String(this)));
    for (let i = 0; i < this.nout; i++) yield this.getItem(i) as never;
  }

  /** `<Task: name>` */
  toString(): string {
    return `<Task: ${this.name}>`;
  }

  /** @internal So `console.log(flow.tasks)` prints `<Task: name>`. */
  [Symbol.for("nodejs.util.inspect.custom")](): string {
    return this.toString();
  }
}

// Option defaults live on the prototype, so a task only stores the options it was given, and
// `copy` stays a handful of property writes.
Object.assign(Task.prototype, {
  slug: undefined,
  tags: new Set<string>(),
  maxRetries: 0,
  retryDelay: 0,
  trigger: allSuccessful,
  skipOnUpstreamSkip: true,
  stateHandlers: Object.freeze([]),
  cacheResultInMemory: true,
  logStdout: false,
  autoGenerated: false,
});

function hasKeys(o: object): boolean {
  for (const _ in o) return true;
  return false;
}

function applyOptions(task: Task<any, any>, options: TaskOptions): void {
  const t = task as unknown as Record<string, unknown>;
  for (const key in options) {
    const v = (options as Record<string, unknown>)[key];
    if (v === undefined) continue;
    if (key === "tags") continue; // handled by the caller (merged with scope tags)
    t[key] = key === "stateHandlers" || key === "retryOn" ? Object.freeze([...(v as unknown[])]) : v;
  }
}

/** @internal Set by getitem.ts (avoids an import cycle: GetItem is a Task). */
let getItemFactory: (task: Task<any, any>, key: string | number) => Task<any, any> = () => {
  throw new InvalidOptionError("GetItem is not loaded");
};
/** @internal */
export function registerGetItemFactory(f: typeof getItemFactory): void {
  getItemFactory = f;
}

/** Any task, whatever its inputs and output. */
export type AnyTask = Task<any, any>;

/** @internal Used by Flow to test an edge's endpoints. */
export type { Edge };
