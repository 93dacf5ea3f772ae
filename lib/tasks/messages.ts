/**
 * Every message the task library (control flow, filter, resource manager, applyMap, pause) shows
 * a user, in one place, so wording stays consistent and tests can assert whole messages. Kept
 * apart from `lib/messages.ts` so the task library owns its own wording.
 * @internal
 * @module
 */

/** How a value is shown in a task name or message: strings bare, other primitives as `String`, objects as JSON. */
export function showValue(value: unknown): string {
  if (typeof value === "string") return value;
  if (value === null || typeof value !== "object") return String(value);
  try {
    return JSON.stringify(value) ?? String(value);
  } catch {
    return String(value);
  }
}

/** @internal Messages of the task library. */
export const taskMessages = {
  // blocks (caseOf, resourceManager)
  blockNeedsFunction: (what: string, got: unknown) => `${what}: the builder must be a function (received ${typeof got})`,
  multipleFlows: (what: string) => `Multiple flows cannot be used with the same ${what} block: every task built inside it must belong to one flow`,
  noFlow: (what: string) =>
    `${what} needs a flow: call it inside Flow.build(...)/flow.define(...), or pass { flow }`,
  // control flow
  caseValueIsTask: (value: unknown) =>
    `caseOf(condition, value, builder): value cannot be a task (received ${String(value)}); compare against a plain value, or use switchOn to choose between tasks`,
  caseConditionNotTask: (got: unknown) =>
    `caseOf(condition, value, builder): condition must be a task (received ${typeof got})`,
  switchCasesInvalid: (got: unknown) =>
    `switchOn(condition, cases): cases must be an object or a Map of value -> task (received ${got === null ? "null" : Array.isArray(got) ? "an array" : typeof got})`,
  switchBranchNotTask: (key: unknown, got: unknown) =>
    `switchOn(condition, cases): the branch for ${JSON.stringify(showValue(key))} must be a task (received ${typeof got})`,
  mergeNeedsTasks: (index: number, got: unknown) =>
    `merge(...tasks): argument ${index + 1} must be a task (received ${typeof got})`,
  mergeSkipOnUpstreamSkip: () =>
    `Merge: invalid option "skipOnUpstreamSkip": a Merge must see skipped inputs, so it cannot be true`,
  compareMismatch: (got: unknown, expected: unknown) =>
    `Provided value ${JSON.stringify(showValue(got))} did not match ${JSON.stringify(showValue(expected))}`,
  // filter
  filterFnInvalid: (option: string) => `FilterTask: invalid option "${option}": must be a function`,
  filterInputNotList: (got: unknown) =>
    `FilterTask: taskResults must be an array (or another iterable) of results (received ${got === null ? "null" : typeof got})`,
  // resource manager
  resourceClassInvalid: (got: unknown) =>
    `resourceManager(ResourceClass): ResourceClass must be a class (received ${typeof got})`,
  resourceSkipped: () => "Resource manager init or setup did not succeed (failed or skipped): nothing to clean up",
  resourceUpstreamUnfinished: () => 'Trigger was "resourceCleanupTrigger" but some of the upstream tasks were not finished.',
  // applyMap
  applyMapNeedsFunction: (got: unknown) => `applyMap(fn, inputs): fn must be a function (received ${typeof got})`,
  applyMapInputsInvalid: (got: unknown) =>
    `applyMap(fn, inputs): inputs must be one object of named inputs (received ${got === null ? "null" : Array.isArray(got) ? "an array" : typeof got})`,
  applyMapNotSequence: (key: string, got: unknown) =>
    `applyMap(fn, inputs): cannot map over input "${key}": ${typeof got} is not an array (wrap it in unmapped(...) to give every child the whole value)`,
  applyMapConflict: (key: string, task: string) =>
    `applyMap(fn, inputs): input "${key}" uses ${task} both mapped and unmapped; give each a separate task`,
  applyMapNested: () =>
    "applyMap cannot be called when running from inside a mapped context (an applyMap inside another applyMap's fn)",
  // pause
  pauseDurationInvalid: (got: unknown) =>
    `pauseTask(message, { duration }): duration must be a number of milliseconds >= 0 (received ${String(got)})`,
  resumeNeedsFlowState: (got: unknown) =>
    `resumeTasks(flowState): flowState must be the state a flow run returned (its result is a Map of task states; received ${got === null ? "null" : typeof got})`,
};
