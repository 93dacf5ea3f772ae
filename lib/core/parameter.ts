/**
 * `Parameter`: a flow input, given by name at run time. Its slug is its name, so a flow can have
 * one parameter of each name; it is never downstream of anything.
 *
 * A parameter may declare the `type` of its value (`Number`, `String`, `Boolean`, `Date`,
 * `Array`, `Object`) and a `check`. A value given as a string (as every value from a command line
 * is) is converted to the type; a value that is not of the type, or fails the check, is a
 * {@link ParameterError} naming the parameter and the value. `flow.run` converts and checks every
 * given value before any task runs, and tasks (and `context.parameters`) see the converted values.
 * @module
 */
import { BindError, InvalidOptionError, ParameterError } from "../errors";
import { messages } from "../messages";
import { context, currentContext } from "../engine/context";
import type { FlowRunOptions } from "../engine/flow-runner";
import { FAIL } from "../engine/signals";
import type { Flow } from "./flow";
import { CallOptions, Task } from "./task";
import type { TaskOptions } from "./task-options";

/** The types a parameter's value may be declared with. */
export type ParameterType = NumberConstructor | StringConstructor | BooleanConstructor | DateConstructor | ArrayConstructor | ObjectConstructor;

/** `C` when a parameter of value type `T` may declare it: always for an undeclared `T`, else when `T` is a `V`. */
type Fits<T, C, V> = unknown extends T ? C : [NonNullable<T>] extends [V] ? C : never;

/**
 * What the `type` option of a `Parameter<T>` accepts. `Number`, `String`, `Boolean` and `Array`
 * also let TypeScript infer `T` (`new Parameter("n", { type: Number })` is a `Parameter<number>`);
 * `Date` and `Object` cannot, so give `T` when it matters (`new Parameter<Date>("d", { type: Date })`).
 */
export type ParameterTypeOption<T> = Fits<T, DateConstructor, Date> | Fits<T, ObjectConstructor, object> | ((value?: any) => T);

/**
 * A parameter's `check`: receives the value (converted to the parameter's `type`) and returns the
 * value to use, or nothing to keep it; it throws to refuse the value. It must be synchronous.
 */
// A method signature, so a Parameter<number> is still a Parameter<unknown> (checks are bivariant).
export type ParameterCheck<T> = {
  /** Receives the converted value; returns the value to use (or nothing to keep it), or throws. */
  check(value: T): T | void;
}["check"];

/** Options of a Parameter. */
export interface ParameterOptions<T> {
  /** The value when the run does not give one; converted and checked like a given value when the parameter is made. */
  default?: T;
  /** Whether a run must give a value. @default true when there is no default */
  required?: boolean;
  /**
   * The value's type: `Number`, `String`, `Boolean`, `Date`, `Array` or `Object`. A value of that
   * type is taken as it is; a string is converted (`"42"` to 42, `"true"`/`"false"` to a boolean,
   * an ISO 8601 date to a `Date`, JSON text to an array or object); anything else is refused.
   * @default any value is taken as it is
   */
  type?: ParameterTypeOption<T>;
  /** Checks (and may replace) the value after its conversion; throws to refuse it. @default no check */
  check?: ParameterCheck<T>;
  /** Labels, as a task's `tags`. */
  tags?: string[];
  /** Free text for docs and visualisations. */
  description?: string;
}

/**
 * The context key by which `flow.run` tells its parameters that the values in
 * `context.parameters` are already converted and checked (so a check runs once per run).
 * @internal
 */
export const PARAMETERS_CONVERTED = "_parametersConverted";

/** A named input of a flow run: `flow.run({ parameters: { x: 1 } })`. */
export class Parameter<T = unknown> extends Task<{}, T> {
  /** The value when the run does not give one (converted to `type` and checked). */
  declare readonly default: T | undefined;
  /** Whether a run must give a value. @default true when there is no default */
  declare readonly required: boolean;
  /** The value's declared type (undefined: any value). */
  declare readonly type: ParameterType | undefined;
  /** Checks (and may replace) a value after its conversion (undefined: no check). */
  declare readonly check: ParameterCheck<T> | undefined;

  /**
   * @param name The parameter's name, which is also its slug.
   * @param options Default, required, type, check, tags and description. A `type` that is not one
   *   of the six, a `check` that is not a function, or a default of the wrong type (or one its
   *   check refuses) is an {@link InvalidOptionError} naming the parameter.
   */
  constructor(name: string, options: ParameterOptions<T> = {}) {
    if (typeof name !== "string" || !name) throw new InvalidOptionError(messages.emptyName("Parameter"));
    super({ name, slug: name, tags: options.tags, description: options.description });
    const owner = `Parameter "${name}"`;
    const type = options.type as unknown;
    if (type !== undefined && !TYPES.has(type as ParameterType)) {
      throw new InvalidOptionError(messages.invalidOption(owner, "type", messages.parameterBadType(type)));
    }
    if (options.check !== undefined && typeof options.check !== "function") {
      throw new InvalidOptionError(messages.invalidOption(owner, "check", messages.parameterBadCheck(options.check)));
    }
    (this as { type: ParameterType | undefined }).type = type as ParameterType | undefined;
    (this as { check: ParameterCheck<T> | undefined }).check = options.check;
    (this as { required: boolean }).required = options.required ?? options.default === undefined;
    let value = options.default;
    if (value !== undefined && value !== null) {
      const out = convert(this, value);
      if (!out.ok) throw new InvalidOptionError(messages.invalidOption(owner, "default", out.why), { cause: out.cause });
      value = out.value as T;
    }
    (this as { default: T | undefined }).default = value;
  }

  /**
   * The parameter's value in the current run: the run's value (converted and checked, unless
   * `flow.run` already did), else the default. A required parameter without a value FAILs; a bad
   * value throws a {@link ParameterError}, which fails this task.
   */
  run(): T {
    const params = context.parameters;
    if (params && Object.prototype.hasOwnProperty.call(params, this.name)) {
      const raw = params[this.name];
      return currentContext()?.[PARAMETERS_CONVERTED] === true ? (raw as T) : convertParameterValue(this, raw);
    }
    if (this.required) throw new FAIL(messages.parameterRequired(this.name));
    return this.default as T;
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

/** Options of a DateTimeParameter: a Parameter's, without `type` (always `Date`). */
export type DateTimeParameterOptions = Omit<ParameterOptions<Date | null>, "type">;

/**
 * A Parameter whose value is a date (`type: Date`): a `Date`, a number of milliseconds since the
 * epoch, or an ISO 8601 string becomes a `Date`; `null` (and no value) stays `null`.
 */
export class DateTimeParameter extends Parameter<Date | null> {
  /**
   * @param name The parameter's name, which is also its slug.
   * @param options As a Parameter's; the type is always `Date`.
   */
  constructor(name: string, options: DateTimeParameterOptions = {}) {
    super(name, { ...options, type: Date });
  }

  override run(): Date | null {
    return super.run() ?? null;
  }
}

/**
 * `value` as `parameter` takes it: converted to its `type` (a string becomes a number, boolean,
 * date, array or object) and passed through its `check`. This is what a run does with every given
 * value, and what a command line does with `--param name=value`. A parameter without `type` and
 * `check` takes any value as it is; `null` or `undefined` is taken as it is by a parameter that
 * is not required (a DateTimeParameter gives `null`). Anything else is a {@link ParameterError}
 * naming the parameter and the value, with the check's error as its `cause`.
 */
export function convertParameterValue<T>(parameter: Parameter<T>, value: unknown): T {
  const out = convert(parameter, value);
  if (!out.ok) throw new ParameterError(messages.parameterInvalid(parameter.name, out.why), { cause: out.cause });
  return out.value as T;
}

/**
 * `opts` with every value given for one of `parameters` (in `opts.parameters`, and in
 * `opts.context.parameters` where `opts.parameters` does not override it) converted and checked,
 * and the context marked so the parameter tasks do not do it again. A bad value is a
 * {@link ParameterError}. `opts` itself is not changed; it is returned as it is when no
 * parameter has a `type` or `check`.
 * @internal
 */
export function convertRunParameters(parameters: Iterable<Parameter<unknown>>, opts: FlowRunOptions): FlowRunOptions {
  const typed = [...parameters].filter((p) => p.type !== undefined || p.check !== undefined);
  if (typed.length === 0) return opts;
  const given = opts.parameters ?? {};
  const ctxParams = opts.context?.parameters as Record<string, unknown> | undefined;
  const converted: Record<string, unknown> = { ...given };
  const convertedCtx: Record<string, unknown> | undefined = ctxParams ? { ...ctxParams } : undefined;
  for (const p of typed) {
    if (hasOwn(given, p.name)) converted[p.name] = convertParameterValue(p, given[p.name]);
    else if (convertedCtx && hasOwn(convertedCtx, p.name)) convertedCtx[p.name] = convertParameterValue(p, convertedCtx[p.name]);
  }
  const ctx: Record<string, unknown> = { ...opts.context, [PARAMETERS_CONVERTED]: true };
  if (convertedCtx) ctx.parameters = convertedCtx;
  return { ...opts, parameters: converted, context: ctx };
}

const hasOwn = (obj: object, key: string) => Object.prototype.hasOwnProperty.call(obj, key);

type Conversion = { ok: true; value: unknown } | { ok: false; why: string; cause?: unknown };

/** A value a type refused; `cause` is the JSON error when the text did not parse. */
class Mismatch {
  constructor(readonly cause?: unknown) {}
}
const INVALID = new Mismatch();

/** How a value of one type is given. */
interface TypeSpec {
  /** What the value must be, for a message: `a number, or a string holding one such as "42"`. */
  readonly expected: string;
  /** The value converted, or a {@link Mismatch}. */
  convert(value: unknown): unknown;
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch (err) {
    return new Mismatch(err);
  }
}

// ISO 8601 as Date.parse reads it: a date, optionally a time, optionally a zone.
const ISO_DATE = /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.\d+)?)?(?:Z|[+-]\d{2}(?::?\d{2})?)?)?$/i;

/**
 * The date an ISO 8601 string names, or undefined. Fields are range-checked first: `Date.parse`
 * rolls "2024-02-30" over to March 1st, and a mistyped day must be refused, not moved.
 */
function parseIsoDate(text: string): Date | undefined {
  const m = ISO_DATE.exec(text.trim());
  if (!m) return undefined;
  const [year, month, day, hour, minute, second] = m.slice(1, 7).map((f) => Number(f ?? 0));
  const daysInMonth = new Date(Date.UTC(year, month, 0)).getUTCDate();
  if (month < 1 || month > 12 || day < 1 || day > daysInMonth || hour > 23 || minute > 59 || second > 59) return undefined;
  const d = new Date(text.trim());
  return Number.isNaN(d.getTime()) ? undefined : d;
}

const isRecord = (v: unknown): v is object => typeof v === "object" && v !== null && !Array.isArray(v);

const TYPES = new Map<ParameterType, TypeSpec>([
  [Number, {
    expected: 'a number, or a string holding one such as "42"',
    convert: (v) => {
      if (typeof v === "number") return Number.isNaN(v) ? INVALID : v;
      if (typeof v !== "string" || v.trim() === "") return INVALID;
      const n = Number(v);
      return Number.isNaN(n) ? INVALID : n;
    },
  }],
  [String, { expected: "a string", convert: (v) => (typeof v === "string" ? v : INVALID) }],
  [Boolean, {
    expected: 'a boolean, or the string "true" or "false"',
    convert: (v) => {
      if (typeof v === "boolean") return v;
      if (typeof v !== "string") return INVALID;
      const s = v.trim().toLowerCase();
      return s === "true" ? true : s === "false" ? false : INVALID;
    },
  }],
  [Date, {
    expected: 'a date: a Date, milliseconds since the epoch, or an ISO 8601 string such as "2024-01-31" or "2024-01-31T12:00:00Z"',
    convert: (v) => {
      const d = v instanceof Date ? new Date(v.getTime()) : typeof v === "number" ? new Date(v) : typeof v === "string" ? parseIsoDate(v) : undefined;
      return d && !Number.isNaN(d.getTime()) ? d : INVALID;
    },
  }],
  [Array, {
    expected: "an array, or JSON text of one",
    convert: (v) => {
      const a = typeof v === "string" ? parseJson(v) : v;
      return Array.isArray(a) || a instanceof Mismatch ? a : INVALID;
    },
  }],
  [Object, {
    expected: "an object (not an array), or JSON text of one",
    convert: (v) => {
      const o = typeof v === "string" ? parseJson(v) : v;
      return isRecord(o) ? o : o instanceof Mismatch ? o : INVALID;
    },
  }],
]);

/** `value` converted to `parameter`'s type and checked, or why it cannot be. */
function convert(parameter: Parameter<any>, value: unknown): Conversion {
  const { type, check } = parameter;
  if (type === undefined && check === undefined) return { ok: true, value };
  const shown = () => messages.showParameterValue(value); // only a refusal pays for showing the value
  if (value === null || value === undefined) {
    if (parameter instanceof DateTimeParameter) return { ok: true, value: null };
    return parameter.required ? { ok: false, why: messages.parameterValueRequired(shown()) } : { ok: true, value };
  }
  let out: unknown = value;
  if (type !== undefined) {
    const spec = TYPES.get(type)!;
    const converted = spec.convert(value);
    if (converted instanceof Mismatch) return { ok: false, why: messages.parameterWrongType(shown(), spec.expected), cause: converted.cause };
    out = converted;
  }
  if (check !== undefined) {
    let checked: unknown;
    try {
      checked = check(out);
    } catch (err) {
      return { ok: false, why: messages.parameterCheckFailed(shown(), err instanceof Error ? err.message : String(err)), cause: err };
    }
    if (typeof (checked as { then?: unknown } | null)?.then === "function") {
      return { ok: false, why: messages.parameterCheckAsync(shown()) };
    }
    if (checked !== undefined) out = checked;
  }
  return { ok: true, value: out };
}
