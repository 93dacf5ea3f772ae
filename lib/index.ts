/**
 * flowsmith: Prefect 1 style workflows for Node. Subclass `Task` (or wrap a function with
 * `task()`), build a static `Flow`, and run it with `flow.run()` / `FlowRunner` / `TaskRunner`.
 * @module flowsmith
 */
import "reflect-metadata";

export * from "./errors";
export { Task } from "./core/task";
export type { AnyTask, BindOptions, CallOptions, Dependencies } from "./core/task";
export type { TaskOptions, StateHandler, ErrorClass, ContextTemplate } from "./core/task-options";
export { FunctionTask, task } from "./core/function-task";
export { Constant, NoOpTask } from "./core/constants";
export { Parameter, DateTimeParameter, convertParameterValue } from "./core/parameter";
export type { ParameterOptions, DateTimeParameterOptions, ParameterType, ParameterTypeOption, ParameterCheck } from "./core/parameter";
export { List, Dict, GetItem } from "./core/collections";
export { Edge } from "./core/edge";
export type { EdgeOptions } from "./core/edge";
export { Flow } from "./core/flow";
export type { FlowOptions, FlowStateHandler, TerminalStateHandler, TaskFilter } from "./core/flow";
export { unmapped, mapped, flatten, EdgeAnnotation } from "./core/annotations";
export type { Unmapped, MappedInput, Flattened } from "./core/annotations";
export type { TaskInputs, MapInputs, CallInput, MapInput, Produces, ProducesElements, OutputOf, InputsOf, KeywordTasks, Nested, ResultOf } from "./core/types";
export { tags } from "./core/tags";
export { TaskConfig } from "./core/decorators/task-config";
export { DefaultsFromAttrs } from "./core/decorators/defaults-from-attrs";
export { Inputs } from "./core/decorators/inputs";
export { Resource } from "./core/decorators/resource";
export type { VisualizeOptions, VisualizeFormat } from "./core/visualize";

export * from "./engine/state";
export { signals, SUCCESS, FAIL, TRIGGERFAIL, VALIDATIONFAIL, RETRY, SKIP, PAUSE, LOOP, ENDRUN, StateSignal, FlowsmithSignal } from "./engine/signals";
export type { SignalOptions } from "./engine/signals";
export { triggers, allSuccessful, allFailed, allFinished, alwaysRun, anySuccessful, anyFailed, someSuccessful, someFailed, notAllSkipped, manualOnly } from "./engine/triggers";
export type { Trigger, SomeOptions } from "./engine/triggers";
export { context } from "./engine/context";
export type { RunContext, TaskRunContext, ContextView } from "./engine/context";
export { FlowRunner } from "./engine/flow-runner";
export { TaskRunner } from "./engine/task-runner";
export type { TaskRunnerOptions, TaskRunOptions } from "./engine/task-runner";
export type { FlowRunOptions, FlowRunnerOptions, FlowRunnerRunOptions } from "./engine/flow-runner";

export type { Executor, TaskRun, TaskRunRequest, TaskRunReply, ContextFacts, MaybePromise } from "./executors/executor";
export { executeRequest } from "./engine/task-run";
export type { WorkerServices } from "./engine/task-run";
export { encodeError, decodeError, encodeState, decodeState, encodeValue, decodeValue, errorMatches, errorClassChain } from "./engine/codec";
export type { EncodedError, EncodedState, EncodedValue, DecodeOptions } from "./engine/codec";
export type { FlowRef } from "./engine/flow-locator";
export { LocalExecutor } from "./executors/local";
export { ConcurrentExecutor } from "./executors/concurrent";
export type { ConcurrentExecutorOptions } from "./executors/concurrent";
export { WorkerThreadsExecutor } from "./executors/worker-threads";
export type { WorkerThreadsExecutorOptions } from "./executors/worker-threads";

export * from "./results";

export * from "./tasks";

export { isSerializable, checkSerializable, assertSerializable, findFlowModule } from "./utilities/serializable";
export type { SerializationReport, SerializationProblem } from "./utilities/serializable";
export { getLogger, configureLogging, rootLogger } from "./engine/logging";
export type { LoggingOptions } from "./engine/logging";

export * from "./schedules";
export type { RunObserver, RunEvent, TaskStateChange, FlowStateChange } from "./engine/observer";
