/**
 * `task(fn)`: a task whose `run` is a plain function of one inputs object.
 * @module
 */
import { InvalidOptionError } from "../errors";
import { Task } from "./task";
import type { TaskOptions } from "./task-options";

/** A task that calls a function. Made by {@link task}. */
export class FunctionTask<In extends object = {}, Out = unknown> extends Task<In, Out> {
  /** The wrapped function. */
  declare readonly fn: (inputs: In) => Out | Promise<Out>;

  constructor(fn: (inputs: In) => Out | Promise<Out>, options: TaskOptions = {}) {
    if (typeof fn !== "function") throw new InvalidOptionError(`task(fn) needs a function (received ${typeof fn})`);
    super({ name: fn.name || "anonymous", ...options });
    (this as { fn: typeof fn }).fn = fn;
  }

  run(inputs: In): Out | Promise<Out> {
    return this.fn(inputs);
  }
}

/**
 * Wraps a function as a task: `task(({ x, y }: { x: number; y: number }) => x + y)`, or
 * `task({ name: "add", maxRetries: 2 }, fn)`. The name defaults to the function's name.
 */
export function task<In extends object = {}, Out = unknown>(fn: (inputs: In) => Out): FunctionTask<In, Awaited<Out>>;
export function task<In extends object = {}, Out = unknown>(options: TaskOptions, fn: (inputs: In) => Out): FunctionTask<In, Awaited<Out>>;
export function task(a: unknown, b?: unknown): FunctionTask<any, any> {
  if (typeof a === "function") return new FunctionTask(a as (i: object) => unknown);
  if (b === undefined) throw new InvalidOptionError(`task(fn) needs a function (received ${a === null ? "null" : typeof a})`);
  if (typeof b !== "function") throw new InvalidOptionError(`task(options, fn) needs a function as its second argument (received ${typeof b})`);
  return new FunctionTask(b as (i: object) => unknown, (a ?? {}) as TaskOptions);
}
