/**
 * `resourceManager`: a resource (a connection pool, a temporary directory, a cluster) that is set
 * up before a block of tasks and always cleaned up after it, even when the block fails (Prefect's
 * `resource_manager`).
 *
 * ```ts
 * class TempDir {
 *   constructor(readonly opts: { prefix: string }) {}
 *   setup() { return mkdtempSync(join(tmpdir(), this.opts.prefix)); }   // the resource
 *   cleanup(dir: string) { rmSync(dir, { recursive: true }); }
 * }
 * const withTempDir = resourceManager(TempDir);
 *
 * Flow.build("report", () => {
 *   withTempDir({ prefix: "report-" }, (dir) => {
 *     const csv = download.call({ dir });
 *     render.call({ dir, csv });
 *   });
 * });
 * ```
 *
 * The block makes three tasks: `<Name>.init` (`new ResourceClass(initArgs)`), `<Name>.setup`
 * (`mgr.setup()`; its result is the resource the builder receives as a task) and `<Name>.cleanup`
 * (`mgr.cleanup(resource)`). Tasks built in the block with no upstream task in the block wait for
 * setup; tasks with no downstream task in the block are waited for by cleanup (state-only edges).
 * Cleanup runs once all of them finished, whatever their states, unless init or setup did not
 * succeed (then it is skipped). Init and cleanup are not reference tasks, so the flow's state is
 * the block's: a failing task still fails the flow, a clean block with a clean cleanup succeeds.
 * On a restart (`flow.run({ taskStates })`) setup and cleanup run again.
 *
 * Setup and cleanup may be async. A class without `setup` gives an `undefined` resource; without
 * `cleanup`, cleanup does nothing.
 * @module
 */
import { BindError, InvalidOptionError } from "../errors";
import type { Flow } from "../core/flow";
import { Task, type AnyTask } from "../core/task";
import type { TaskOptions } from "../core/task-options";
import type { TaskInputs } from "../core/types";
import { SKIP, TRIGGERFAIL } from "../engine/signals";
import { expandStates, Trigger } from "../engine/triggers";
import { resolveFlow, TaskBlock } from "./block";
import { taskMessages } from "./messages";

/** What a resource class's instances may do: make the resource, and clean it up. */
export interface ResourceLike<R = unknown> {
  /** Makes the resource (its value is what block tasks receive). */
  setup?(): R | Promise<R>;
  /** Releases the resource made by `setup`. */
  cleanup?(resource: R): unknown;
}

/**
 * A class whose constructor takes the init arguments (one object) and whose instances manage a
 * resource (`setup` and `cleanup` are both optional).
 */
export type ResourceClass<A extends object = any, R = unknown> = new (args: A) => ResourceLike<R> | object;

/** The resource type a resource class's `setup` makes. */
export type ResourceOf<C> = C extends new (args: any) => {
  /** Makes the resource. */
  setup(): infer R;
}
  ? Awaited<R>
  : undefined;

/** The init arguments a resource class's constructor takes (`{}` for a constructor without arguments). */
export type InitArgsOf<C> = C extends new (...args: infer P) => unknown ? (P extends [infer A, ...unknown[]] ? (A extends object ? A : {}) : {}) : {};

/** Options of {@link resourceManager}. */
export interface ResourceManagerOptions {
  /** The prefix of the three tasks' names (`<name>.init`, `.setup`, `.cleanup`). @default the class name */
  name?: string;
  /** Options of the init task. */
  initTaskOptions?: TaskOptions;
  /** Options of the setup task. */
  setupTaskOptions?: TaskOptions;
  /** Options of the cleanup task. */
  cleanupTaskOptions?: TaskOptions;
}

/** The three tasks of one resource block (the second argument of the builder). */
export interface ResourceBlock<R> {
  /** `<name>.init`: makes the manager, `new ResourceClass(initArgs)`. */
  readonly init: ResourceInitTask<any, R>;
  /** `<name>.setup`: makes the resource, `mgr.setup()` (the builder's first argument). */
  readonly setup: ResourceSetupTask<R>;
  /** `<name>.cleanup`: releases the resource, `mgr.cleanup(resource)`, after the block. */
  readonly cleanup: ResourceCleanupTask<R>;
}

/**
 * A resource manager: call it with the init arguments (plain values or tasks, e.g. Parameters) and
 * a builder; the builder receives the resource (the setup task: bind it as an input) and the block's
 * tasks, and what it returns is returned.
 */
export interface ResourceManager<A extends object, R> {
  <T>(initArgs: TaskInputs<A>, builder: (resource: Task<{}, R>, block: ResourceBlock<R>) => T, opts?: { flow?: Flow }): T;
  /** The managed class. */
  readonly resourceClass: ResourceClass<A, R>;
  /** The prefix of the block's task names. */
  readonly managerName: string;
}

/**
 * Cleanup's trigger (Prefect's `resource_cleanup_trigger`): every upstream task must be finished
 * (else TriggerFailed); the init (`mgr`) and setup (`resource`) inputs must be successful and not
 * skipped, else the cleanup is skipped (there is nothing to clean up).
 */
export const resourceCleanupTrigger: Trigger = (upstream) => {
  if (!expandStates(upstream).every((s) => s.isFinished())) throw new TRIGGERFAIL(taskMessages.resourceUpstreamUnfinished());
  for (const [edge, state] of upstream) {
    if ((edge.key === "mgr" || edge.key === "resource") && (!state.isSuccessful() || state.isSkipped())) {
      throw new SKIP(taskMessages.resourceSkipped(), { result: undefined });
    }
  }
  return true;
};

/** Makes the manager: `new ResourceClass(initArgs)`. Not a reference task. */
export class ResourceInitTask<A extends object = any, R = unknown> extends Task<A, ResourceLike<R>> {
  /** The managed class, instantiated with the init arguments. */
  declare readonly resourceClass: ResourceClass<A, R>;
  constructor(resourceClass: ResourceClass<A, R>, options: TaskOptions = {}) {
    super({ ...options, checkpoint: options.checkpoint ?? false, name: options.name ?? `${resourceClass.name}.init` });
    (this as { resourceClass: ResourceClass<A, R> }).resourceClass = resourceClass;
    (this as { resourceRole: string }).resourceRole = "init";
  }
  run(inputs: A): ResourceLike<R> {
    return new this.resourceClass(inputs) as ResourceLike<R>;
  }
}

/** Makes the resource: `mgr.setup()`. Re-runs on restarts; never checkpointed. */
export class ResourceSetupTask<R = unknown> extends Task<{
  /** The manager made by the init task. */
  mgr: ResourceLike<R>;
}, R> {
  constructor(options: TaskOptions = {}) {
    super({ ...options, checkpoint: options.checkpoint ?? false });
    (this as { resourceRole: string }).resourceRole = "setup";
  }
  async run({ mgr }: { mgr: ResourceLike<R> }): Promise<R> {
    return (typeof mgr?.setup === "function" ? await mgr.setup() : undefined) as R;
  }
}

/** Releases the resource: `mgr.cleanup(resource)`. Runs after the block whatever its states; not a reference task. */
export class ResourceCleanupTask<R = unknown> extends Task<{
  /** The manager made by the init task. */
  mgr: ResourceLike<R>;
  /** The resource made by the setup task. */
  resource: R;
}, void> {
  constructor(options: TaskOptions = {}) {
    super({
      ...options,
      checkpoint: options.checkpoint ?? false,
      trigger: options.trigger ?? resourceCleanupTrigger,
      skipOnUpstreamSkip: options.skipOnUpstreamSkip ?? false,
    });
    (this as { resourceRole: string }).resourceRole = "cleanup";
  }
  async run({ mgr, resource }: { mgr: ResourceLike<R>; resource: R }): Promise<void> {
    if (typeof mgr?.cleanup === "function") await mgr.cleanup(resource);
  }
}

/**
 * Makes a resource manager for `ResourceClass` (Prefect's `resource_manager` / `ResourceManager`).
 * Each call of the returned function builds one resource block into the builder scope's flow
 * (or `opts.flow`).
 */
export function resourceManager<C extends ResourceClass>(
  ResourceClassArg: C,
  options: ResourceManagerOptions = {},
): ResourceManager<InitArgsOf<C>, ResourceOf<C>> {
  type A = InitArgsOf<C>;
  type R = ResourceOf<C>;
  if (typeof ResourceClassArg !== "function") throw new InvalidOptionError(taskMessages.resourceClassInvalid(ResourceClassArg));
  const name = options.name ?? ResourceClassArg.name;
  const manager = <T>(initArgs: TaskInputs<A>, builder: (resource: Task<{}, R>, block: ResourceBlock<R>) => T, opts: { flow?: Flow } = {}): T => {
    if (typeof builder !== "function") throw new InvalidOptionError(taskMessages.blockNeedsFunction(`resourceManager(${name})`, builder));
    const flow = resolveFlow(opts.flow, `resourceManager(${name})(initArgs, builder)`);
    const init = new ResourceInitTask<A, R>(ResourceClassArg as ResourceClass<A, R>, { name: `${name}.init`, ...options.initTaskOptions });
    const setup = new ResourceSetupTask<R>({ name: `${name}.setup`, ...options.setupTaskOptions });
    const cleanup = new ResourceCleanupTask<R>({ name: `${name}.cleanup`, ...options.cleanupTaskOptions });
    flow.setDependencies(init as AnyTask, { keywordTasks: (initArgs ?? {}) as Record<string, unknown> });
    flow.setDependencies(setup, { keywordTasks: { mgr: init } });
    flow.setDependencies(cleanup, { keywordTasks: { mgr: init, resource: setup } });

    const block = new TaskBlock(`resourceManager(${name})`);
    const out = block.run(() => builder(setup as unknown as Task<{}, R>, { init, setup, cleanup }));
    if (block.flow && block.flow !== flow) throw new BindError(taskMessages.multipleFlows(`resourceManager(${name})`));
    if (block.flow && block.tasks.size) {
      for (const t of block.entryTasks()) {
        if (!block.flow.upstreamTasks(t).has(setup)) block.flow.addEdge(setup, t);
      }
      for (const t of block.exitTasks()) block.flow.addEdge(t, cleanup);
    }
    return out;
  };
  return Object.assign(manager, { resourceClass: ResourceClassArg as ResourceClass<A, R>, managerName: name }) as ResourceManager<A, R>;
}
