/**
 * Cache validators (Prefect 1's `engine/cache_validators.py`): decide whether a {@link Cached}
 * state may stand in for a new run of a task, given that run's inputs and the flow's parameters.
 * Also {@link stableHash}, the order-independent hash they compare values with, and
 * {@link taskInputHash}, a ready `cacheKeyFn`.
 * @module
 */
import { createHash, type Hash } from "node:crypto";
import { InvalidOptionError } from "../errors";
import { resultMessages as m } from "../results/messages";
import type { Cached } from "./state";

/** Decides whether a Cached state may be used for a run with these inputs and parameters. */
export type CacheValidator = (state: Cached, inputs: Record<string, unknown>, parameters: Record<string, unknown>) => boolean;

// ---------------------------------------------------------------------------------------------
// stableHash

/** Writes a canonical, unambiguous encoding of `v` into `h`; `stack` holds the ancestors (cycles). */
function feed(h: Hash, v: unknown, stack: object[]): void {
  switch (typeof v) {
    case "undefined": h.update("u;"); return;
    case "boolean": h.update(v ? "T;" : "F;"); return;
    case "number": h.update(Object.is(v, -0) ? "n-0;" : `n${v};`); return;
    case "bigint": h.update(`b${v};`); return;
    case "string": str(h, "s", v); return;
    case "symbol": str(h, "y", v.description ?? ""); return;
    case "function": str(h, "f", `${v.name}:${Function.prototype.toString.call(v)}`); return;
  }
  if (v === null) { h.update("N;"); return; }
  const obj = v as object;
  const at = stack.indexOf(obj);
  if (at >= 0) { h.update(`r${stack.length - at};`); return; } // a cycle: how many levels up it points
  stack.push(obj);
  try {
    feedObject(h, obj, stack);
  } finally {
    stack.pop();
  }
}

/** Length-prefixed so `["ab","c"]` and `["a","bc"]` differ; UTF-16 so lone surrogates survive. */
function str(h: Hash, tag: string, s: string): void {
  h.update(`${tag}${s.length}:`);
  h.update(s, "utf16le");
}

function feedObject(h: Hash, obj: object, stack: object[]): void {
  if (obj instanceof Date) { h.update(`d${obj.getTime()};`); return; }
  if (obj instanceof RegExp) { str(h, "x", `${obj.source}/${obj.flags}`); return; }
  if (obj instanceof Number || obj instanceof String || obj instanceof Boolean) { h.update("P"); feed(h, obj.valueOf(), stack); return; }
  if (ArrayBuffer.isView(obj) || obj instanceof ArrayBuffer) {
    const bytes = obj instanceof ArrayBuffer ? new Uint8Array(obj) : new Uint8Array(obj.buffer, obj.byteOffset, obj.byteLength);
    // Buffer and Uint8Array holding the same bytes hash equal: both are "bytes" to a user.
    const kind = obj instanceof ArrayBuffer || obj instanceof Uint8Array ? "bytes" : obj.constructor.name;
    h.update(`B${kind}:${bytes.length}:`);
    h.update(bytes);
    return;
  }
  if (Array.isArray(obj)) {
    h.update(`a${obj.length}[`);
    for (let i = 0; i < obj.length; i++) feed(h, obj[i], stack);
    h.update("]");
    return;
  }
  if (obj instanceof Map || obj instanceof Set) {
    // Order-independent: each entry is hashed on its own and the entry hashes are sorted.
    const entries = obj instanceof Map ? [...obj.entries()] : [...obj.values()].map((x) => [x]);
    const digests = entries.map((entry) => {
      const eh = createHash("sha256");
      for (const part of entry) feed(eh, part, stack);
      return eh.digest("hex");
    }).sort();
    h.update(`${obj instanceof Map ? "M" : "S"}${digests.length}{${digests.join(",")}}`);
    return;
  }
  if (obj instanceof Error) {
    str(h, "E", obj.name);
    str(h, "", obj.message);
  }
  // Plain objects and class instances: the class name, then own enumerable keys, sorted.
  const proto = Object.getPrototypeOf(obj) as { constructor?: { name?: string } } | null;
  const ctor = proto === null || proto === Object.prototype ? "Object" : (proto.constructor?.name ?? "?");
  const keys = Object.keys(obj).sort();
  str(h, "o", ctor);
  h.update(`${keys.length}{`);
  for (const k of keys) {
    str(h, "k", k);
    feed(h, (obj as Record<string, unknown>)[k], stack);
  }
  h.update("}");
}

/**
 * A stable sha256 (hex) of any value: equal for deep-equal values, whatever the order of object
 * keys, Map entries or Set items; different types never collide (`1` vs `"1"`, `[]` vs `{}`).
 * Dates hash by time, binary data by bytes, functions by their source, class instances by class
 * name and own enumerable fields; cycles are allowed.
 */
export function stableHash(value: unknown): string {
  const h = createHash("sha256");
  feed(h, value, []);
  return h.digest("hex");
}

/**
 * A ready `cacheKeyFn` (Prefect's `task_input_hash`): the {@link stableHash} of the task's name
 * (from the context, so two different tasks with the same inputs never share an entry) and its
 * inputs (so `{ a, b }` and `{ b, a }` give the same key).
 */
export function taskInputHash(ctx: unknown, inputs: Record<string, unknown>): string {
  const taskName = typeof ctx === "object" && ctx !== null ? (ctx as { taskName?: unknown }).taskName : undefined;
  return stableHash({ task: typeof taskName === "string" ? taskName : null, inputs: inputs ?? {} });
}

// ---------------------------------------------------------------------------------------------
// validators

/** Engines may store Results (anything with a `value`) as cached inputs; compare their values. */
function unwrapInputs(inputs: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(inputs)) out[k] = isResultLike(v) ? v.value : v;
  return out;
}

function isResultLike(v: unknown): v is { value: unknown } {
  const o = v as { value?: unknown; read?: unknown; write?: unknown } | null;
  return typeof o === "object" && o !== null && "value" in o && typeof o.read === "function" && typeof o.write === "function";
}

function pick(obj: Record<string, unknown>, keys: readonly string[]): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const k of keys) if (Object.hasOwn(obj, k)) out[k] = obj[k];
  return out;
}

function checkKeys(validator: string, keys: unknown): readonly string[] | undefined {
  if (keys === undefined || keys === null) return undefined;
  if (!Array.isArray(keys) || !keys.every((k) => typeof k === "string")) throw new InvalidOptionError(m.badValidateOn(validator, keys));
  return [...keys];
}

/** Never use the cache. */
export const neverUse: CacheValidator = function neverUse() {
  return false;
};

/** Valid while the state's `cachedResultExpiration` is `null` (never expires) or in the future. */
export const durationOnly: CacheValidator = function durationOnly(state) {
  const exp: unknown = state.cachedResultExpiration;
  if (exp === null || exp === undefined) return true;
  // A state that crossed a process boundary may carry the date as a number or an ISO string.
  const t = exp instanceof Date ? exp.getTime() : new Date(exp as string | number).getTime();
  return !Number.isNaN(t) && t > Date.now();
};

/**
 * {@link durationOnly}, and the run's inputs equal the state's `cachedInputs` (deep equality via
 * {@link stableHash}). A state with only `hashedInputs` is compared to `stableHash(inputs)`.
 */
export const allInputs: CacheValidator = function allInputs(state, inputs) {
  if (!durationOnly(state, inputs, {})) return false;
  if (state.cachedInputs === undefined && state.hashedInputs !== undefined) return state.hashedInputs === stableHash(inputs ?? {});
  return stableHash(unwrapInputs(state.cachedInputs ?? {})) === stableHash(inputs ?? {});
};

/** {@link durationOnly}, and the flow's parameters equal the state's `cachedParameters`. */
export const allParameters: CacheValidator = function allParameters(state, inputs, parameters) {
  if (!durationOnly(state, inputs, parameters)) return false;
  return stableHash(state.cachedParameters ?? {}) === stableHash(parameters ?? {});
};

/**
 * {@link durationOnly}, and the inputs named in `keys` equal the state's cached ones (a key
 * missing on both sides counts as equal). Without `keys` (Prefect's `validate_on=None`) only the
 * duration is checked.
 */
export function partialInputsOnly(keys?: readonly string[]): CacheValidator {
  const validateOn = checkKeys("partialInputsOnly", keys);
  return function partialInputsOnly(state, inputs, parameters) {
    if (!durationOnly(state, inputs, parameters)) return false;
    if (validateOn === undefined) return true;
    return stableHash(pick(unwrapInputs(state.cachedInputs ?? {}), validateOn)) === stableHash(pick(inputs ?? {}, validateOn));
  };
}

/**
 * {@link durationOnly}, and the parameters named in `keys` equal the state's cached ones.
 * Without `keys` only the duration is checked.
 */
export function partialParametersOnly(keys?: readonly string[]): CacheValidator {
  const validateOn = checkKeys("partialParametersOnly", keys);
  return function partialParametersOnly(state, inputs, parameters) {
    if (!durationOnly(state, inputs, parameters)) return false;
    if (validateOn === undefined) return true;
    return stableHash(pick(state.cachedParameters ?? {}, validateOn)) === stableHash(pick(parameters ?? {}, validateOn));
  };
}

/** Every cache validator by name (Prefect's `prefect.engine.cache_validators`). */
export const cacheValidators = {
  /** {@inheritDoc neverUse} */
  neverUse,
  /** {@inheritDoc durationOnly} */
  durationOnly,
  /** {@inheritDoc allInputs} */
  allInputs,
  /** {@inheritDoc allParameters} */
  allParameters,
  /** {@inheritDoc partialInputsOnly} */
  partialInputsOnly,
  /** {@inheritDoc partialParametersOnly} */
  partialParametersOnly,
} as const;
