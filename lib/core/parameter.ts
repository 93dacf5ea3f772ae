/**
 * `Parameter`: a flow input, given by name at run time. Its slug is its name, so a flow can have
 * one parameter of each name; it is never downstream of anything.
 * @module
 */
import { BindError, InvalidOptionError } from "../errors";
import { messages } from "../messages";
import { context } from "../engine/context";
import { FAIL } from "../engine/signals";
import type { Flow } from "./flow";
import { CallOptions, Task } from "./task";
import type { TaskOptions } from "./task-options";

/** Options of a Parameter. */
export interface ParameterOptions<T> {
  /** The value when the run does not give one. */
  default?: T;
  /** Whether a run must give a value. @default true when there is no default */
  required?: boolean;
  /** Labels, as a task's `tags`. */
  tags?: string[];
  /** Free text for docs and visualisations. */
  description?: string;
}

/** A named input of a flow run: `flow.run({ parameters: { x: 1 } })`. */
export class Parameter<T = unknown> extends Task<{}, T> {
  /** The value when the run does not give one. */
  declare readonly default: T | undefined;
  /** Whether a run must give a value. @default true when there is no default */
  declare readonly required: boolean;

  constructor(name: string, options: ParameterOptions<T> = {}) {
    if (typeof name !== "string" || !name) throw new InvalidOptionError(messages.emptyName("Parameter"));
    super({ name, slug: name, tags: options.tags, description: options.description });
    (this as { default: T | undefined }).default = options.default;
    (this as { required: boolean }).required = options.required ?? options.default === undefined;
  }

  run(): T {
    const params = context.parameters;
    if (params && Object.prototype.hasOwnProperty.call(params, this.name)) return this.parse(params[this.name]);
    if (this.required) throw new FAIL(messages.parameterRequired(this.name));
    return this.default as T;
  }

  /** @internal Turns the raw value into the parameter's type (DateTimeParameter parses dates). */
  protected parse(raw: unknown): T {
    return raw as T;
  }

  /** Parameters take no inputs: `call` only adds this parameter (not a copy) to the flow. */
  override call(inputs?: Record<string, unknown>, opts: CallOptions = {}): this {
    if (inputs && Object.keys(inputs).length) throw new BindError(messages.parameterDownstream(String(this)));
    this.requireFlow(opts.flow, "call").addTask(this);
    return this;
  }

  override bind(inputs?: Record<string, unknown>, opts: { flow?: Flow } = {}): this {
    return this.call(inputs, opts);
  }

  override map(): never {
    throw new BindError(`${this} cannot be mapped: parameters take no inputs`);
  }

  /** A copy needs a new name (the name is the parameter's identity). */
  override copy(overrides?: Partial<TaskOptions>): this {
    if (!overrides?.name) throw new InvalidOptionError(`${this}.copy() needs a new name: copy({ name: "other" })`);
    const c = super.copy(overrides);
    (c as { slug?: string }).slug = overrides.name;
    return c;
  }

  override toString(): string {
    return `<Parameter: ${this.name}>`;
  }
}

/** A Parameter whose value is a date: an ISO string or a Date becomes a `Date`; null stays null. */
export class DateTimeParameter extends Parameter<Date | null> {
  protected override parse(raw: unknown): Date | null {
    if (raw === null || raw === undefined) return null;
    const d = raw instanceof Date ? new Date(raw.getTime()) : typeof raw === "string" || typeof raw === "number" ? new Date(raw) : undefined;
    if (!d || Number.isNaN(d.getTime())) throw new FAIL(`Parameter "${this.name}" expects a date (an ISO 8601 string or a Date), received ${JSON.stringify(raw)}`);
    return d;
  }
  override run(): Date | null {
    const v = super.run();
    return v === undefined ? null : v instanceof Date ? v : this.parse(v);
  }
}
