/**
 * The one error hierarchy of flowsmith. Every error the library throws is a {@link FlowsmithError};
 * each failure has its own class. `instanceof` checks a `Symbol.for` brand, not the prototype chain
 * alone, so it also holds for an error made by another copy of the library. An error that crossed a
 * thread or process boundary is rebuilt by the codec (engine/codec.ts) with its class, brand,
 * message, stack and cause, so `instanceof` holds there too.
 * @module
 */

import type { State } from "./engine/state";

const BRAND = Symbol.for("flowsmith.error");

/** Base class of every error flowsmith throws. */
export class FlowsmithError extends Error {
  /** @internal The class names from this error's class up to FlowsmithError. */
  readonly [BRAND]: readonly string[];

  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
    this[BRAND] = brandChain(new.target);
  }

  /** @internal `instanceof` checks the brand, so it works across module copies and threads. */
  static override [Symbol.hasInstance](value: unknown): boolean {
    if (typeof value !== "object" || value === null) return false;
    const brand = (value as Record<symbol, unknown>)[BRAND];
    return Array.isArray(brand) && brand.includes(this.name);
  }
}

/** @internal Names of `ctor` and its ancestors up to (and including) the branded base. */
export function brandChain(ctor: Function): string[] {
  const names: string[] = [];
  for (let c: any = ctor; c && c !== Error && c !== Function.prototype; c = Object.getPrototypeOf(c)) names.push(c.name);
  return names;
}

/** @internal The brand symbol, shared with signals. */
export const ERROR_BRAND = BRAND;

/** A task or flow option (or a decorator argument) has a value it cannot take. */
export class InvalidOptionError extends FlowsmithError {}
/** The flow's graph is not valid: a cycle, a dangling edge, a bad reference task. */
export class FlowValidationError extends FlowsmithError {}
/** The graph has a cycle; `cycle` lists the tasks in cycle order. */
export class CycleError extends FlowValidationError {
  constructor(
    message: string,
    /** The names of the tasks in the cycle, in cycle order (the first task is repeated at the end). */
    readonly cycle: readonly string[],
  ) {
    super(message);
  }
}
/** A task was bound to inputs it does not declare, twice to one key, or with no flow. */
export class BindError extends FlowsmithError {}
/** A task was looked up in a flow it does not belong to. */
export class TaskNotFoundError extends FlowsmithError {}
/**
 * Flow parameters passed to `flow.run` are unknown or missing, or a parameter's value is not of
 * its `type` or fails its `check` (the `cause` says why).
 */
export class ParameterError extends FlowsmithError {}
/** A Task class cannot make tasks: e.g. a subclass of `Task` that has no `run` method. */
export class TaskDefinitionError extends FlowsmithError {}
/** A task's `cacheKeyFn` returned something that cannot be a cache key (an object, a Promise, `NaN`, ...). */
export class CacheKeyError extends FlowsmithError {}
/** A `@Resource` could not be resolved (no run container, or an unregistered token). */
export class ResourceError extends FlowsmithError {}
/** A task's inputs did not pass their `@Inputs` validation rules. */
export class InputValidationError extends FlowsmithError {
  constructor(
    message: string,
    /** One entry per input that failed its rules. */
    readonly errors: readonly {
      /** The input's name. */
      property: string;
      /** The failed rules: rule name to message (class-validator's `constraints`). */
      constraints: Record<string, string>;
    }[],
  ) {
    super(message);
  }
}
/** A result could not be written, read or located. */
export class ResultError extends FlowsmithError {}
/** A value could not be serialized or deserialized. */
export class SerializationError extends FlowsmithError {}
/** A task (or its flow) cannot leave the process: see `checkSerializable`. */
export class NotSerializableError extends FlowsmithError {}
/** A mapped task cannot map over an upstream value (it is not an array). */
export class MappingError extends FlowsmithError {}
/** A flow cannot be found again in another thread or process: no module exports it, or the module fails to load. */
export class FlowNotImportableError extends FlowsmithError {}
/** A worker's copy of a flow is not the driver's version: its module changed since the run started. */
export class VersionSkewError extends FlowsmithError {}
/** An executor could not run a task run: a worker crashed, a queue was unreachable, a value was too big to send. */
export class ExecutorError extends FlowsmithError {}
/** A run was started in a way the engine refuses (e.g. `flow.run` inside its own builder). */
export class RunError extends FlowsmithError {}
/**
 * Another live run with the same run id holds the run's journal (two checkpointing runs would
 * write one journal). The lock file next to the journal names the process that holds it.
 */
export class RunLockedError extends RunError {
  constructor(
    message: string,
    /** The run id whose journal is locked. */
    readonly runId: string,
    /** The process id holding the lock (undefined when the lock file does not say). */
    readonly pid: number | undefined,
    /** The lock file. */
    readonly lockPath: string,
  ) {
    super(message);
  }
}
/**
 * A task's result was asked for (`flowState.resultOf(task)`), but the task has none: it failed,
 * was skipped or cancelled, did not finish, or (a mapped task) one of its children did.
 */
export class TaskResultError extends FlowsmithError {
  constructor(
    message: string,
    /** The state without a value: the task's, or its first mapped child's that has none. */
    readonly state: State,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}
/** A flow could not be drawn: Graphviz (WebAssembly) failed to load or to lay the graph out. */
export class VisualizeError extends FlowsmithError {}
