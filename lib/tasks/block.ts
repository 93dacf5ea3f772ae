/**
 * What `caseOf` and `resourceManager` share: a block that records the tasks added to a flow while
 * its builder runs (through a collector scope frame), so that on exit it can wire the block's
 * entry tasks (no upstream task inside the block) and exit tasks (no downstream task inside it).
 * @internal
 * @module
 */
import { BindError, InvalidOptionError } from "../errors";
import type { Flow } from "../core/flow";
import { currentFlow, TaskCollector, withScope } from "../core/scope";
import type { AnyTask } from "../core/task";
import { taskMessages } from "./messages";

/** Records the tasks added inside a block (innermost block only: nested blocks record their own). */
export class TaskBlock implements TaskCollector {
  readonly tasks = new Set<AnyTask>();
  #flow: Flow | undefined;

  /** `what` names the block in errors ("caseOf", "resourceManager"). */
  constructor(readonly what: string) {}

  /** The flow the block's tasks belong to (undefined while the block is empty). */
  get flow(): Flow | undefined {
    return this.#flow;
  }

  collect(task: AnyTask, flow: Flow): void {
    if (this.#flow === undefined) this.#flow = flow;
    else if (this.#flow !== flow) throw new BindError(taskMessages.multipleFlows(this.what));
    this.tasks.add(task);
  }

  /** Runs `builder` with this block collecting; returns what it returns. */
  run<T>(builder: () => T): T {
    if (typeof builder !== "function") throw new InvalidOptionError(taskMessages.blockNeedsFunction(this.what, builder));
    return withScope({ collector: this }, builder);
  }

  /** Block tasks with no upstream task inside the block. */
  entryTasks(): AnyTask[] {
    const flow = this.#flow;
    if (!flow) return [];
    return [...this.tasks].filter((t) => !flow.edgesTo(t, true).some((e) => this.tasks.has(e.upstreamTask)));
  }

  /** Block tasks with no downstream task inside the block. */
  exitTasks(): AnyTask[] {
    const flow = this.#flow;
    if (!flow) return [];
    return [...this.tasks].filter((t) => !flow.edgesFrom(t, true).some((e) => this.tasks.has(e.downstreamTask)));
  }
}

/** A collector that records nothing: hides the enclosing blocks while building a temporary graph. */
export const NO_COLLECTOR: TaskCollector = { collect() {} };

/** The flow to build into: the given one, else the builder scope's; `what` names the caller in the error. */
export function resolveFlow(flow: Flow | undefined, what: string): Flow {
  const f = flow ?? currentFlow();
  if (!f) throw new BindError(taskMessages.noFlow(what));
  return f;
}
