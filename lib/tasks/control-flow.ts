/**
 * Control flow (Prefect's `prefect.tasks.control_flow`): run parts of a flow only when a task's
 * result has some value, and join the branches again.
 *
 * ```ts
 * Flow.build("branches", () => {
 *   const cond = pick.call();
 *   const a = caseOf(cond, "a", () => work.call({ x: 1 }));    // runs only when cond === "a"
 *   const b = caseOf(cond, "b", () => other.call({ x: 2 }));   // runs only when cond === "b"
 *   report.call({ value: merge(a, b) });                       // the branch that ran
 * });
 * ```
 *
 * Branches are skipped, not failed: a `CompareValue` task throws `SKIP` when the condition does not
 * match, and the skip propagates to every task of the branch (and to tasks downstream of it that
 * keep `skipOnUpstreamSkip: true`). `merge` sees skips and returns the value of the branch that ran.
 * @module
 */
import { InvalidOptionError } from "../errors";
import type { Flow } from "../core/flow";
import { Task, AnyTask } from "../core/task";
import type { TaskOptions } from "../core/task-options";
import type { OutputOf } from "../core/types";
import { SKIP } from "../engine/signals";
import { notAllSkipped } from "../engine/triggers";
import { resolveFlow, TaskBlock } from "./block";
import { showValue, taskMessages } from "./messages";

/** Options of `switchOn`, `ifElse` and `merge`. */
export interface BranchOptions {
  /** The flow to build into. @default the builder scope's flow */
  flow?: Flow;
  /** Map over the condition (one comparison per child), for branching inside mapped pipelines. @default false */
  mapped?: boolean;
}

/**
 * Passes when its input strictly equals (`===`) the value it was made with; otherwise throws
 * `SKIP`, so every task downstream of it is skipped. The gate of `caseOf` and `switchOn`.
 */
export class CompareValue<V = unknown> extends Task<{
  /** The condition's result, compared with the value. */
  value: unknown;
}, void> {
  /** The value the input must equal. */
  declare readonly value: V;

  constructor(value: V, options: TaskOptions = {}) {
    super({ ...options, name: options.name ?? `CompareValue: "${showValue(value)}"` });
    (this as { value: V }).value = value;
  }

  run({ value }: { value: unknown }): void {
    if (value !== this.value) throw new SKIP(taskMessages.compareMismatch(value, this.value));
  }
}

/**
 * Returns the first input that has a value (not `null`/`undefined`) among inputs that were not
 * skipped, in argument order (`task_1`, `task_2`, ..., `task_10`: numeric, unlike Prefect's string
 * sort). A skipped input arrives as `undefined` (or, for a task that threw `SKIP` itself, as the
 * signal): both are passed over. Every input skipped → the Merge is Skipped; any input failed →
 * TriggerFailed (trigger `notAllSkipped`). `skipOnUpstreamSkip` is always false.
 */
export class Merge<T = unknown> extends Task<Record<string, T>, T | undefined> {
  constructor(options: TaskOptions = {}) {
    if (options.skipOnUpstreamSkip === true) throw new InvalidOptionError(taskMessages.mergeSkipOnUpstreamSkip());
    super({ ...options, trigger: options.trigger ?? notAllSkipped, skipOnUpstreamSkip: false });
  }

  run(inputs: Record<string, T>): T | undefined {
    for (const key of argumentOrder(Object.keys(inputs))) {
      const v = inputs[key];
      if (v !== undefined && v !== null && !(v instanceof SKIP)) return v;
    }
    return undefined;
  }
}

/** `task_1 < task_2 < task_10`, then any other keys in string order. */
function argumentOrder(keys: string[]): string[] {
  const index = (k: string) => {
    const m = /^task_(\d+)$/.exec(k);
    return m ? Number(m[1]) : Infinity;
  };
  return keys.sort((a, b) => index(a) - index(b) || (a < b ? -1 : a > b ? 1 : 0));
}

/** `Boolean(value)` (JavaScript truthiness: `[]` and `{}` are true). Used by `ifElse`. */
export class AsBool extends Task<{
  /** The value to test. */
  value: unknown;
}, boolean> {
  constructor(options: TaskOptions = {}) {
    super({ ...options, name: options.name ?? "asBool" });
  }
  run({ value }: { value: unknown }): boolean {
    return Boolean(value);
  }
}

/** `!value`. */
export class Not extends Task<{
  /** The value to negate. */
  value: unknown;
}, boolean> {
  constructor(options: TaskOptions = {}) {
    super({ ...options, name: options.name ?? "not" });
  }
  run({ value }: { value: unknown }): boolean {
    return !value;
  }
}

/** `a === b`. */
export class IsEqual extends Task<{
  /** The left operand. */
  a: unknown;
  /** The right operand. */
  b: unknown;
}, boolean> {
  constructor(options: TaskOptions = {}) {
    super({ ...options, name: options.name ?? "isEqual" });
  }
  run({ a, b }: { a: unknown; b: unknown }): boolean {
    return a === b;
  }
}

/**
 * Builds a branch that runs only when `condition`'s result strictly equals `value` (Prefect's
 * `with case(condition, value):`). Every task added to the flow inside `builder` is recorded; on
 * exit, if there are any, a `CompareValue(value)` task named `case(<value>)` is bound to
 * `condition`, and each recorded task with no upstream task inside the block gets it as a
 * state-only upstream. On a mismatch the whole block is skipped through skip propagation.
 *
 * Cases nest (an inner case's comparison is itself a task of the outer case). Parameters and
 * constants made inside are not gated. Returns what `builder` returns, so a branch's last task can
 * be handed to `merge`.
 */
export function caseOf<T>(condition: AnyTask, value: unknown, builder: () => T): T {
  if (value instanceof Task) throw new InvalidOptionError(taskMessages.caseValueIsTask(value));
  if (!(condition instanceof Task)) throw new InvalidOptionError(taskMessages.caseConditionNotTask(condition));
  const block = new TaskBlock("caseOf");
  const out = block.run(builder);
  const flow = block.flow;
  if (flow && block.tasks.size) {
    // The condition itself may have been added inside the block (first used there): never gate it.
    block.tasks.delete(condition);
    const gated = block.entryTasks();
    if (gated.length) {
      const compare = new CompareValue(value, { name: `case(${showValue(value)})` });
      compare.bind({ value: condition }, { flow });
      for (const t of gated) flow.addEdge(compare, t);
    }
  }
  return out;
}

/**
 * Runs exactly the branch whose key equals `condition`'s result (Prefect's `switch`): a
 * `CompareValue` per case, tagged `"switch"`, is made upstream of its branch task; the other
 * branches are skipped. Object keys are strings, so `{ a: t1, b: t2 }` matches the results `"a"`
 * and `"b"`; use a `Map` for other values (`new Map([[1, t1], [true, t2]])`).
 */
export function switchOn(
  condition: AnyTask,
  cases: Record<string, AnyTask> | ReadonlyMap<unknown, AnyTask>,
  opts: BranchOptions = {},
): void {
  if (cases === null || typeof cases !== "object" || Array.isArray(cases)) throw new InvalidOptionError(taskMessages.switchCasesInvalid(cases));
  const entries: Array<[unknown, unknown]> = cases instanceof Map ? [...cases.entries()] : Object.entries(cases);
  for (const [key, branch] of entries) {
    if (!(branch instanceof Task)) throw new InvalidOptionError(taskMessages.switchBranchNotTask(key, branch));
  }
  const flow = resolveFlow(opts.flow, "switchOn(condition, cases)");
  const mapped = opts.mapped ?? false;
  for (const [key, branch] of entries) {
    const compare = new CompareValue(key, { tags: ["switch"] });
    flow.setDependencies(compare, { keywordTasks: { value: condition }, mapped });
    flow.setDependencies(branch as AnyTask, { upstreamTasks: [compare], mapped });
  }
}

/**
 * Runs `trueTask` when `condition`'s result is truthy, else `falseTask` (Prefect's `ifelse`): the
 * condition goes through an `asBool` task (JavaScript truthiness), then `switchOn` true/false. An
 * undefined branch is left out.
 */
export function ifElse(condition: AnyTask, trueTask: AnyTask | undefined, falseTask: AnyTask | undefined, opts: BranchOptions = {}): void {
  const flow = resolveFlow(opts.flow, "ifElse(condition, trueTask, falseTask)");
  const asBool = new AsBool();
  flow.setDependencies(asBool, { keywordTasks: { value: condition }, mapped: opts.mapped ?? false });
  const cases = new Map<boolean, AnyTask>();
  if (trueTask !== undefined && trueTask !== null) cases.set(true, trueTask);
  if (falseTask !== undefined && falseTask !== null) cases.set(false, falseTask);
  switchOn(asBool, cases, { ...opts, flow });
}

/** `merge`'s output: the union of its inputs' outputs (or undefined when none ran with a value). */
type MergeOutput<Ts extends readonly unknown[]> = OutputOf<Ts[number]>;

/**
 * Joins branches: a `Merge` task bound to `tasks` as `task_1..task_n`. It returns the first input
 * with a value among those not skipped, in argument order; when every input is skipped it is
 * Skipped too. A last argument `{ flow, mapped }` is taken as options.
 */
export function merge<Ts extends AnyTask[]>(...tasks: Ts): Merge<MergeOutput<Ts>>;
export function merge<Ts extends AnyTask[]>(...args: [...tasks: Ts, opts: BranchOptions]): Merge<MergeOutput<Ts>>;
export function merge(...args: unknown[]): Merge {
  let opts: BranchOptions = {};
  const last = args[args.length - 1];
  if (args.length && !(last instanceof Task) && last !== null && typeof last === "object") {
    opts = last as BranchOptions;
    args = args.slice(0, -1);
  }
  args.forEach((t, i) => {
    if (!(t instanceof Task)) throw new InvalidOptionError(taskMessages.mergeNeedsTasks(i, t));
  });
  const flow = resolveFlow(opts.flow, "merge(...tasks)");
  const m = new Merge();
  const inputs: Record<string, unknown> = {};
  args.forEach((t, i) => (inputs[`task_${i + 1}`] = t));
  flow.setDependencies(m, { keywordTasks: inputs, mapped: opts.mapped ?? false });
  return m;
}

/** A `Not` task bound to `task`: its result is `!value`. */
export function not(task: AnyTask, opts: { flow?: Flow } = {}): Task<{
  /** The value to negate (bound to `task`). */
  value: unknown;
}, boolean> {
  const flow = resolveFlow(opts.flow, "not(task)");
  const t = new Not();
  flow.setDependencies(t, { keywordTasks: { value: task } });
  return t;
}

/** An `IsEqual` task bound to `a` and `b` (tasks or plain values): its result is `a === b`. */
export function isEqual(a: unknown, b: unknown, opts: { flow?: Flow } = {}): Task<{
  /** The left operand. */
  a: unknown;
  /** The right operand. */
  b: unknown;
}, boolean> {
  const flow = resolveFlow(opts.flow, "isEqual(a, b)");
  const t = new IsEqual();
  flow.setDependencies(t, { keywordTasks: { a, b } });
  return t;
}
