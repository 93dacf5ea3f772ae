/**
 * Every message flowsmith shows a user, in one place, so wording stays consistent and tests can
 * assert whole messages.
 * @internal
 * @module
 */
const q = (s: unknown) => JSON.stringify(String(s));

/** A short description of a value's type for messages: `null`, `a number (42)`, `a string`, `an object (Map)`. */
export function describeValue(value: unknown): string {
  if (value === null) return "null";
  if (value === undefined) return "undefined";
  switch (typeof value) {
    case "number": case "bigint": case "boolean": return `a ${typeof value} (${String(value)})`;
    case "string": return `a string (${value.length > 40 ? JSON.stringify(value.slice(0, 40)) + "..." : JSON.stringify(value)})`;
    case "function": return "a function";
    default: {
      const ctor = (value as object).constructor?.name;
      return ctor && ctor !== "Object" ? `an object (${ctor})` : "an object";
    }
  }
}

const clip = (s: string, max = 80) => (s.length > max ? `${s.slice(0, max)}... (${s.length} chars)` : s);

/** A parameter's value as a message shows it: strings quoted, objects as (clipped) JSON. */
function showValue(v: unknown): string {
  switch (typeof v) {
    case "string": return clip(JSON.stringify(v));
    case "bigint": return `${v}n`;
    case "function": return `a function${v.name ? ` ${v.name}` : ""}`;
    case "symbol": return v.toString();
    case "object":
      if (v === null) return "null";
      if (v instanceof Date) return Number.isNaN(v.getTime()) ? "an invalid Date" : `the Date ${v.toISOString()}`;
      try {
        return clip(JSON.stringify(v) ?? Object.prototype.toString.call(v));
      } catch {
        return Object.prototype.toString.call(v);
      }
    default: return String(v);
  }
}

export const messages = {
  // options and decorators
  invalidOption: (owner: string, option: string, why: string) => `${owner}: invalid option "${option}": ${why}`,
  invalidDecoratorArg: (decorator: string, target: string, why: string) => `@${decorator} on ${target}: ${why}`,
  emptyName: (owner: string) => `${owner}: invalid option "name": a task name must be a non-empty string`,
  taskWithoutRun: (className: string) =>
    `Task class ${className || "(anonymous)"} has no run method: a Task subclass must implement run(inputs) as a method (or wrap a function with task(fn))`,
  // binding
  noFlow: (task: string, method: string) =>
    `${task}.${method}(...) needs a flow: call it inside Flow.build(...)/flow.define(...), pass { flow }, or test the task directly with task.run(inputs) or a TaskRunner`,
  unknownInputKey: (task: string, key: string, known: readonly string[]) =>
    `${task} has no input ${q(key)}; its declared inputs are: ${known.length ? known.join(", ") : "(none)"}`,
  duplicateKey: (task: string, key: string) => `Argument ${q(key)} for task ${task} has already been assigned in this flow`,
  parameterDownstream: (task: string) => `Parameters must be root tasks: ${task} cannot have upstream tasks`,
  selfEdge: (task: string) => `Edges can not connect a task to itself: ${task}`,
  notATask: (what: string, value: unknown) => `${what} must be a Task (received ${typeof value === "object" ? Object.prototype.toString.call(value) : typeof value})`,
  slugTaken: (slug: string) => `A task with the slug ${q(slug)} already exists in this flow`,
  parameterNameTaken: (name: string) => `A parameter named ${q(name)} already exists in this flow`,
  notIterable: (task: string) => `${task} is not iterable: give it the "nout" option to destructure its result`,
  mapInMappedContext: () => "Cannot set `mapped: true` when running from inside a mapped context (applyMap builds mapped tasks itself)",
  notMappable: (task: string, key: string) => `Cannot map ${task} over input ${q(key)}: the value is not an array or a task`,
  // flows
  flowNameRequired: () => "A name must be provided for the flow",
  taskNotInFlow: (task: string, flow: string) => `Task ${task} was not found in Flow ${flow}`,
  referenceNotInFlow: (task: string, flow: string) => `Reference tasks must be part of the flow: ${task} is not in Flow ${flow}`,
  danglingEdge: (edge: string, flow: string) => `Edge ${edge} refers to a task that is not in Flow ${flow}`,
  cycle: (names: readonly string[]) => `Cycle found; flows must be acyclic: ${names.join(" -> ")}`,
  rootNotInFlow: (task: string, flow: string) => `Root task ${task} is not in Flow ${flow}`,
  runInsideBuilder: (flow: string) => `Flow ${flow} cannot be run inside its own builder`,
  // reading a flow run's results
  notAFlowState: (state: string) =>
    `${state} holds no task states: taskState() and resultOf() read the final state of a flow run (what flow.run() returns)`,
  taskNotInFlowState: (task: string, state: string) =>
    `Task ${task} has no state in the flow run's final state ${state}: it is not a task of that flow (call() and map() return copies: pass the task they returned), or the run's returnTasks left it out`,
  taskHasNoResult: (task: string, state: string) => `Task ${task} has no result: it ended ${state}`,
  mappedChildHasNoResult: (task: string, child: string, state: string) =>
    `Task ${task} has no result: its child ${child} ended ${state} (read flowState.taskState(task).mapStates for every child's state)`,
  // drawing flows
  visualizeFormat: (format: unknown) =>
    `flow.visualize: invalid option "format": must be one of "dot", "mermaid", "svg" (received ${JSON.stringify(format)})`,
  visualizeHorizontal: (value: unknown) =>
    `flow.visualize: invalid option "horizontal": must be a boolean or left out (received ${JSON.stringify(value) ?? typeof value})`,
  visualizeFlowState: (what: string) =>
    `flow.visualize: invalid option "flowState": must be a finished flow state whose result is a Map<Task, State>, as returned by flow.run() (received ${what})`,
  graphvizLoad: (cause: string) => `flow.visualize: could not load Graphviz (the @viz-js/viz WebAssembly build): ${cause}`,
  graphvizRender: (flow: string, cause: string) => `flow.visualize: Graphviz could not draw Flow ${flow}: ${cause}`,
  unexpectedParameters: (flow: string, names: readonly string[]) =>
    `Flow ${flow} received unexpected parameters: ${names.join(", ")}`,
  missingParameters: (flow: string, names: readonly string[]) =>
    `Flow ${flow} did not receive the required parameters: ${names.join(", ")}`,
  // caching
  badCacheKey: (task: string, returned: string, hint: string) =>
    `Task '${task}': cacheKeyFn returned ${returned}, which cannot be a cache key: a key is a non-empty string, a finite number or a bigint (${hint})`,
  // states and runs
  resultDropped: (state: string) =>
    `The value of ${state} was dropped from memory after it was persisted; use await state.fetchResult()`,
  unmappable: (task: string, upstream: string, key: string | undefined, value: unknown) =>
    `Task '${task}' cannot map over ${key === undefined ? "the state-only edge" : `input ${q(key)}`} from task '${upstream}': ` +
    `it needs an array and received ${describeValue(value)}`,
  mapZipShortest: (task: string, lengths: ReadonlyArray<readonly [string, number]>, n: number) =>
    `Task '${task}': mapped inputs have different lengths (${lengths.map(([k, len]) => `${k}: ${len}`).join(", ")}); ` +
    `mapping zips them to the shortest, so ${n} children run`,
  notJournaled: (task: string, why: string) =>
    `Task '${task}': its value is not kept in the run journal (${why}); if this run is resumed, the task runs again`,
  // leaving the process
  flowNotImportable: (flow: string, definedIn: string | undefined) =>
    `${flow} is not exported by any module, so its tasks cannot run in another thread or process: ` +
    `export it (module.exports / export const) from its module${definedIn ? ` (it was defined in ${definedIn})` : ""}, ` +
    `or name the module that exports it with the flow option "module"; a flow built inside a function cannot be loaded elsewhere`,
  flowModuleFailed: (flow: string, module: string, why: string) =>
    `Cannot load flow '${flow}': importing its module ${module} failed: ${why}`,
  flowNotExported: (flow: string, module: string, found: readonly string[]) =>
    `Module ${module} exports no flow named '${flow}'` + (found.length ? ` (it exports: ${found.map((f) => `'${f}'`).join(", ")})` : " (it exports no flow at all)") +
    `: export the flow from this module, or name its module with the flow option "module"`,
  versionSkew: (flow: string, module: string, expected: string, found: string) =>
    `Version skew: the driver runs flow '${flow}' version ${expected}, but ${module} here defines version ${found}; ` +
    `run workers with the same code as the driver (restart them after a change)`,
  slugNotInFlow: (slug: string, flow: string, module: string) => `Flow '${flow}' in ${module} has no task with slug ${q(slug)}`,
  notTransferable: (task: string, what: string, why: string) =>
    `Task '${task}': ${what} cannot be sent to another thread or process: ${why}`,
  workerThreadFailed: (task: string, why: string) =>
    `Task '${task}': its worker thread ended while running it (${why}); the pool replaced the thread`,
  standaloneCannotLeave: (task: string) =>
    `Task '${task}' runs outside a flow: only tasks of a flow exported by a module can run in another thread or process`,
  parameterRequired: (name: string) => `Parameter ${q(name)} was required but not provided.`,
  // parameter values
  showParameterValue: showValue,
  parameterInvalid: (name: string, why: string) => `Parameter ${q(name)} ${why}`,
  parameterWrongType: (shown: string, expected: string) => `cannot take the value ${shown}: expected ${expected}`,
  parameterCheckFailed: (shown: string, why: string) => `cannot take the value ${shown}: its check refused it: ${why}`,
  parameterCheckAsync: (shown: string) => `cannot take the value ${shown}: its check returned a Promise (a check must be synchronous)`,
  parameterValueRequired: (shown: string) => `cannot take the value ${shown}: the parameter is required`,
  parameterBadType: (type: unknown) => `must be one of Number, String, Boolean, Date, Array, Object (got ${showValue(type)})`,
  parameterBadCheck: (check: unknown) => `must be a function (got ${showValue(check)})`,
  resourceNoContainer: (task: string, key: string) =>
    `${task}: @Resource property ${q(key)} can only be read while the task runs inside a flow or TaskRunner run`,
  resourceUnresolved: (task: string, key: string, token: string, cause: string) =>
    `${task}: cannot resolve @Resource property ${q(key)} (token ${token}). Reason: ${cause}`,
  resourceAssigned: (owner: string) => `${owner} is a @Resource: register it in the run's container instead of assigning it`,
} as const;
