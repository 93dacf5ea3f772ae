/**
 * Every message flowsmith shows a user, in one place, so wording stays consistent and tests can
 * assert whole messages.
 * @internal
 * @module
 */
const q = (s: unknown) => JSON.stringify(String(s));

export const messages = {
  // options and decorators
  invalidOption: (owner: string, option: string, why: string) => `${owner}: invalid option "${option}": ${why}`,
  invalidDecoratorArg: (decorator: string, target: string, why: string) => `@${decorator} on ${target}: ${why}`,
  emptyName: (owner: string) => `${owner}: invalid option "name": a task name must be a non-empty string`,
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
  // states and runs
  resultDropped: (state: string) =>
    `The value of ${state} was dropped from memory after it was persisted; use await state.fetchResult()`,
  parameterRequired: (name: string) => `Parameter ${q(name)} was required but not provided.`,
  resourceNoContainer: (task: string, key: string) =>
    `${task}: @Resource property ${q(key)} can only be read while the task runs inside a flow or TaskRunner run`,
  resourceUnresolved: (task: string, key: string, token: string, cause: string) =>
    `${task}: cannot resolve @Resource property ${q(key)} (token ${token}). Reason: ${cause}`,
  resourceAssigned: (owner: string) => `${owner} is a @Resource: register it in the run's container instead of assigning it`,
} as const;
