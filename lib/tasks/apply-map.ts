/**
 * `applyMap(fn, inputs)`: maps a whole sub-pipeline (several tasks, control flow included) over
 * its inputs, where `task.map` maps one task (Prefect's `apply_map`).
 *
 * ```ts
 * Flow.build("evens", () => {
 *   const out = applyMap(({ x }) => {
 *     const even = isEven.call({ x });
 *     const x2 = caseOf(even, true, () => inc.call({ x }));
 *     return merge(x2, x);                       // x + 1 for even x, else x
 *   }, { x: [0, 1, 2, 3] });
 *   total.call({ xs: out });                     // a plain task downstream reduces: [1, 1, 3, 3]
 * });
 * ```
 *
 * `fn` is called once, in a temporary flow, with an object of the same keys whose values stand
 * for one element each: the input task itself, or a `Constant` holding a plain array. Every task
 * `fn` builds is then copied into the real flow (the builder scope's, or `opts.flow`) as a mapped
 * task:
 * - edges from a mapped input are mapped (one element per child); from an `unmapped(...)` input
 *   they are not (every child gets the whole value); `flatten(...)` is kept;
 * - edges between tasks built by `fn` are mapped (child i feeds child i);
 * - edges from tasks that were already in the flow before the call (a Parameter or any other
 *   task `fn` closes over) are kept as built: every child gets the whole value (Prefect maps
 *   them too; here only the inputs are elements);
 * - Parameters and Constants built inside are not mapped;
 * - every task built by `fn` with no upstream task built by `fn` gets state-only edges from all
 *   the inputs (mapped ones mapped, except unmapped plain values), so all the mapped tasks have as
 *   many children as the shortest mapped input (zip semantics), and only run once the inputs are
 *   done.
 *
 * Inside `fn`, `task.map(...)` throws (the tasks are mapped by `applyMap`). The copy happens in the
 * caller's scope, so an enclosing `caseOf` or resource block gates the copied tasks. Returns what
 * `fn` returns (typically a task, now mapped: a plain task downstream of it gets the list).
 * @module
 */
import { BindError, InvalidOptionError } from "../errors";
import { EdgeAnnotation, unwrapAnnotation, type Flattened, type Unmapped } from "../core/annotations";
import { Constant } from "../core/constants";
import { Flow } from "../core/flow";
import { Parameter } from "../core/parameter";
import { inMappedContext, withScope } from "../core/scope";
import { Task, AnyTask } from "../core/task";
import type { ProducesElements } from "../core/types";
import { NO_COLLECTOR, resolveFlow } from "./block";
import { taskMessages } from "./messages";

type WholeOf<V> = V extends ProducesElements<infer E> ? E[] : V extends Task<any, infer W> ? W : V;

/** The value one child sees for an input of `applyMap` given as `V`. */
export type ElementOf<V> =
  V extends Unmapped<infer U>
    ? WholeOf<U>
    : V extends Flattened<any>
      ? unknown
      : V extends readonly (infer E)[]
        ? E
        : V extends ProducesElements<infer E>
          ? E
          : V extends Task<any, infer W>
            ? W extends readonly (infer E)[]
              ? E
              : unknown
            : unknown;

/** What `fn` receives: for each input, a task standing for one element. */
export type ElementInputs<I> = { [K in keyof I]: Task<{}, ElementOf<I[K]>> };

/**
 * What `applyMap` returns for `fn`'s return type `R`: tasks (also inside arrays and plain objects)
 * come back mapped, so a plain task downstream takes the list of their children's results.
 */
export type MappedResult<R> =
  R extends Task<any, infer O>
    ? R & ProducesElements<O>
    : R extends readonly unknown[]
      ? { [K in keyof R]: MappedResult<R[K]> }
      : R extends Record<string, unknown>
        ? { [K in keyof R]: MappedResult<R[K]> }
        : R;

/** Options of {@link applyMap}. */
export interface ApplyMapOptions {
  /** The flow to build into. @default the builder scope's flow */
  flow?: Flow;
}

interface InputInfo {
  readonly mapped: boolean;
  readonly flattened: boolean;
  readonly key: string;
}

/** Maps the sub-pipeline `fn` builds over `inputs` (zipped). Returns what `fn` returns. */
export function applyMap<I extends Record<string, unknown>, R>(
  fn: (inputs: ElementInputs<I>) => R,
  inputs: I,
  opts: ApplyMapOptions = {},
): MappedResult<R> {
  if (typeof fn !== "function") throw new InvalidOptionError(taskMessages.applyMapNeedsFunction(fn));
  if (inputs === null || typeof inputs !== "object" || Array.isArray(inputs) || inputs instanceof Task || inputs instanceof EdgeAnnotation) {
    throw new InvalidOptionError(taskMessages.applyMapInputsInvalid(inputs));
  }
  if (inMappedContext()) throw new BindError(taskMessages.applyMapNested());
  const flow = resolveFlow(opts.flow, "applyMap(fn, inputs)");

  // The inputs as tasks, outside any enclosing case/resource block (their own wiring is not gated).
  const info = new Map<AnyTask, InputInfo>();
  const elements: Record<string, AnyTask> = {};
  withScope({ collector: NO_COLLECTOR }, () => {
    for (const key of Object.keys(inputs)) {
      const a = unwrapAnnotation(inputs[key]);
      const mapped = a.mapped !== false;
      const flattened = a.flattened ?? false;
      if (mapped && !(a.value instanceof Task) && !Array.isArray(a.value)) throw new InvalidOptionError(taskMessages.applyMapNotSequence(key, a.value));
      const t = flow.asTask(a.value);
      if (!(t instanceof Constant)) flow.addTask(t);
      const prev = info.get(t);
      if (prev && (prev.mapped !== mapped || prev.flattened !== flattened)) throw new InvalidOptionError(taskMessages.applyMapConflict(key, String(t)));
      info.set(t, { mapped, flattened, key });
      elements[key] = t;
    }
  });

  // Build the sub-pipeline in a temporary flow: enclosing blocks do not see it, `.map` is refused.
  const before = new Set(flow.tasks);
  const temp = new Flow(`applyMap(${fn.name || "fn"})`);
  const out = withScope({ flow: temp, mappedContext: true, collector: NO_COLLECTOR }, () => fn(elements as ElementInputs<I>));

  // Copy it into the real flow, in the caller's scope (so enclosing blocks collect the new tasks).
  const isNew = (t: AnyTask) => !info.has(t) && !before.has(t);
  const order = temp.sortedTasks();
  const mappedNew = new Set<AnyTask>();
  for (const t of order) if (isNew(t) && !(t instanceof Parameter) && !(t instanceof Constant)) mappedNew.add(t);
  for (const t of order) if (!info.has(t)) flow.addTask(t);
  for (const e of temp.edges) {
    let mapped = e.mapped;
    let flattened = e.flattened;
    if (mappedNew.has(e.downstreamTask)) {
      const input = info.get(e.upstreamTask);
      if (input) {
        mapped = input.mapped;
        flattened = input.flattened || e.flattened;
      } else if (mappedNew.has(e.upstreamTask)) mapped = true;
    }
    flow.addEdge(e.upstreamTask, e.downstreamTask, { key: e.key, mapped, flattened });
  }
  for (const [t, consts] of temp.constants) {
    const own: Record<string, unknown> = {};
    for (const k of Object.keys(consts)) if (flow.constants.get(t)?.[k] !== consts[k]) own[k] = consts[k];
    if (Object.keys(own).length) flow.setDependencies(t, { keywordTasks: own });
  }

  // Roots of the sub-pipeline wait on every input, so every mapped task zips all of them.
  for (const t of mappedNew) {
    const ups = flow.upstreamTasks(t);
    if ([...ups].some((u) => mappedNew.has(u))) continue;
    for (const [input, i] of info) {
      if (ups.has(input)) continue;
      if (!i.mapped && input instanceof Constant) continue;
      flow.addEdge(input, t, { mapped: i.mapped, flattened: i.flattened });
    }
  }
  return out as MappedResult<R>;
}
