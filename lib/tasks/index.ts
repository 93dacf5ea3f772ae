/**
 * The task library: control flow (`caseOf`, `switchOn`, `ifElse`, `merge`), `FilterTask`,
 * `resourceManager`, `applyMap` and pausing (`pauseTask`, `resumeTasks`).
 * @module
 */
export {
  caseOf, switchOn, ifElse, merge, not, isEqual, CompareValue, Merge, AsBool, Not, IsEqual,
} from "./control-flow";
export type { BranchOptions } from "./control-flow";
export { FilterTask, keepSuccessfulResults } from "./filter";
export type { FilterTaskOptions } from "./filter";
export {
  resourceManager, resourceCleanupTrigger, ResourceInitTask, ResourceSetupTask, ResourceCleanupTask,
} from "./resource-manager";
export type {
  ResourceManager, ResourceManagerOptions, ResourceClass, ResourceLike, ResourceOf, ResourceBlock, InitArgsOf,
} from "./resource-manager";
export { applyMap } from "./apply-map";
export type { ApplyMapOptions, ElementInputs, ElementOf, MappedResult } from "./apply-map";
export { pauseTask, resumeTasks } from "./pause";
export type { PauseOptions } from "./pause";
