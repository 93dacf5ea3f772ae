/**
 * Codecs for what crosses a thread or process boundary: values, errors and states, as plain data.
 *
 * - A value travels as the bytes of a serializer (the task's own, else V8's structured clone),
 *   with the serializer's description, so the other side needs no configuration.
 * - An error travels as its class chain, message, stack, `cause` chain, JSON-able own fields and
 *   the flowsmith brand. It comes back as its own class when that class is known here (every
 *   flowsmith error and signal, the built-in errors, and the classes a task names in `retryOn`),
 *   else as an `Error` that keeps the class names, so `retryOn` still matches it by name.
 * - A state travels as its class name and fields, its result encoded as a value or an error.
 *
 * Everything here is `structuredClone`-able, and JSON-able apart from the value bytes.
 * @module
 */
import { ERROR_BRAND, FlowsmithError } from "../errors";
import * as errorClasses from "../errors";
import { SerializationError } from "../errors";
import type { ErrorClass } from "../core/task-options";
import { resolveSerializer, serializerFromDescription, type Serializer, type SerializerDescription } from "../results/serializers";
import * as signalClasses from "./signals";
import { StateSignal } from "./signals";
import {
  Cached, Looped, Mapped, Retrying, Scheduled, State, stateClasses, type PersistedRef, type StateOptions,
} from "./state";

/** A value as a serializer's bytes. */
export interface EncodedValue {
  /** The serializer's description (its `describe()`). */
  readonly serializer: SerializerDescription;
  /** The serialized bytes. */
  readonly data: Uint8Array;
}

/** An error as plain data. */
export interface EncodedError {
  /** `err.name`. */
  readonly name: string;
  /** The class names from the error's class up to `Error` (e.g. `["DbError", "Error"]`). */
  readonly classChain: readonly string[];
  /** `err.message`. */
  readonly message: string;
  /** `err.stack`, as the thrower saw it. */
  readonly stack?: string;
  /** The `cause`, when it is an error. */
  readonly cause?: EncodedError;
  /** The `cause`, when it is not an error (its text). */
  readonly causeText?: string;
  /** The flowsmith brand (class names up to FlowsmithError), for flowsmith errors and signals. */
  readonly brand?: readonly string[];
  /** The error's own JSON-able fields (`code`, `errors`, ...). */
  readonly fields?: Record<string, unknown>;
  /** True when what was thrown was not an Error at all (a string, a number, ...). */
  readonly notAnError?: boolean;
}

/** A state as plain data. */
export interface EncodedState {
  /** The state's class name (`"Success"`, `"Retrying"`, ...). */
  readonly type: string;
  readonly message?: string;
  readonly timestamp: number;
  /** The result: a value, or an error. */
  readonly value?: EncodedValue;
  readonly error?: EncodedError;
  /** For Scheduled kinds: the start time in ms since the epoch, or null to wait for a resume. */
  readonly startTime?: number | null;
  readonly runCount?: number;
  readonly loopCount?: number;
  /** The state's free-form context (a looping task's loop result), as a value. */
  readonly context?: EncodedValue;
  /** Where the value was persisted (read back with the task's result). */
  readonly location?: string;
  readonly resultDropped?: boolean;
  readonly cachedResultExpiration?: number | null;
}

/** The serializer used when a task has no result configured: V8's structured clone. */
export const TRANSPORT_SERIALIZER: Serializer = resolveSerializer("v8");

/** Encodes `value` with `serializer` (a {@link SerializationError} naming the culprit when it cannot). */
export function encodeValue(value: unknown, serializer: Serializer = TRANSPORT_SERIALIZER): EncodedValue {
  const buf = serializer.serialize(value);
  return { serializer: serializer.describe(), data: new Uint8Array(buf.buffer, buf.byteOffset, buf.byteLength) };
}

/** Decodes a value; `preferred` (the task's own serializer) is used when it matches the description. */
export function decodeValue(encoded: EncodedValue, preferred?: Serializer): unknown {
  const desc = encoded.serializer;
  const serializer = preferred && sameDescription(preferred.describe(), desc) ? preferred : serializerFromDescription(desc);
  const data = encoded.data;
  return serializer.deserialize(Buffer.from(data.buffer, data.byteOffset, data.byteLength));
}

function sameDescription(a: SerializerDescription, b: SerializerDescription): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}

const CLASS_CHAIN = Symbol.for("flowsmith.errorClassChain");

/** The class names of an error, from its own class up to `Error` (kept on errors that crossed a boundary). */
export function errorClassChain(err: unknown): readonly string[] {
  if (typeof err !== "object" || err === null) return [];
  const kept = (err as Record<symbol, unknown>)[CLASS_CHAIN];
  if (Array.isArray(kept)) return kept as string[];
  const names: string[] = [];
  for (let p = Object.getPrototypeOf(err); p && p !== Object.prototype; p = Object.getPrototypeOf(p)) {
    const name = (p.constructor as Function | undefined)?.name;
    if (name) names.push(name);
    if (p === Error.prototype) break;
  }
  return names;
}

/**
 * Whether `err` is an instance of `cls`, also when it crossed a boundary and came back as a plain
 * Error: then its class names are compared. A string matches a class name.
 */
export function errorMatches(err: unknown, cls: ErrorClass | string): boolean {
  if (typeof cls === "string") return errorClassChain(err).includes(cls);
  if (err instanceof (cls as unknown as Function)) return true;
  return errorClassChain(err).includes(cls.name);
}

const MAX_CAUSE_DEPTH = 8;

/** Encodes anything thrown. */
export function encodeError(err: unknown, depth = 0): EncodedError {
  if (!(err instanceof Error) && !isBranded(err)) {
    return { name: "Error", classChain: ["Error"], message: describeThrown(err), notAnError: true };
  }
  const e = err as Error & Record<PropertyKey, unknown>;
  const out: {
    name: string; classChain: readonly string[]; message: string; stack?: string; cause?: EncodedError;
    causeText?: string; brand?: readonly string[]; fields?: Record<string, unknown>;
  } = { name: String(e.name), classChain: errorClassChain(e), message: String(e.message ?? "") };
  if (typeof e.stack === "string") out.stack = e.stack;
  const brand = e[ERROR_BRAND];
  if (Array.isArray(brand)) out.brand = brand as string[];
  if (e.cause !== undefined) {
    if ((e.cause instanceof Error || isBranded(e.cause)) && depth < MAX_CAUSE_DEPTH) out.cause = encodeError(e.cause, depth + 1);
    else out.causeText = describeThrown(e.cause);
  }
  for (const key of Object.keys(e)) {
    if (key === "name" || key === "message" || key === "stack" || key === "cause") continue;
    const v = e[key];
    if (v instanceof State) continue; // a signal's state is rebuilt from the state that carries it
    const json = jsonCopy(v);
    if (json !== undefined) (out.fields ??= {})[key] = json;
  }
  return out;
}

/** Decodes an error: its own class when known here (see the module doc), else a plain Error keeping the class names. */
export function decodeError(enc: EncodedError, known: readonly (ErrorClass | string)[] = []): Error {
  if (enc.notAnError) return Object.assign(new Error(enc.message), { name: "Error" });
  const cls = classFor(enc.classChain, known);
  const err = Object.create(cls.prototype) as Error & Record<PropertyKey, unknown>;
  Object.defineProperty(err, "message", { value: enc.message, writable: true, configurable: true });
  Object.defineProperty(err, "name", { value: enc.name, writable: true, configurable: true });
  Object.defineProperty(err, "stack", { value: enc.stack ?? `${enc.name}: ${enc.message}`, writable: true, configurable: true });
  if (enc.cause) Object.defineProperty(err, "cause", { value: decodeError(enc.cause, known), writable: true, configurable: true });
  else if (enc.causeText !== undefined) Object.defineProperty(err, "cause", { value: enc.causeText, writable: true, configurable: true });
  if (enc.fields) Object.assign(err, enc.fields);
  if (enc.brand) err[ERROR_BRAND] = enc.brand;
  Object.defineProperty(err, CLASS_CHAIN, { value: enc.classChain, enumerable: false });
  return err;
}

/** Encodes a state; its value goes through `serializer`. */
export function encodeState(state: State, serializer: Serializer = TRANSPORT_SERIALIZER): EncodedState {
  const out: {
    -readonly [K in keyof EncodedState]: EncodedState[K];
  } = { type: state.type, timestamp: state.timestamp };
  if (state.message !== undefined) out.message = state.message;
  const r = state.result;
  if (r instanceof Error || isBranded(r)) out.error = encodeError(r);
  else if (r !== undefined && !state.resultDropped) out.value = encodeValue(r, serializer);
  if (state instanceof Scheduled) out.startTime = state.startTime === null ? null : state.startTime.getTime();
  if (state instanceof Retrying) out.runCount = state.runCount;
  if (state instanceof Looped) out.loopCount = state.loopCount;
  if (state.context !== undefined) out.context = encodeValue(state.context, serializer);
  if (state.persisted) out.location = state.persisted.location;
  if (state.resultDropped) out.resultDropped = true;
  if (state instanceof Cached) out.cachedResultExpiration = state.cachedResultExpiration === null ? null : state.cachedResultExpiration.getTime();
  if (state instanceof Mapped) throw new SerializationError("A Mapped state does not cross a boundary: its children do, one by one");
  return out;
}

/** How a decoded state finds its way back to a persisted value, and which error classes it knows. */
export interface DecodeOptions {
  /** The task's own serializer, preferred over rebuilding one from a description. */
  serializer?: Serializer;
  /** Reads a persisted value back (the task's result): rebuilds `state.persisted` from the location. */
  persistedReader?: PersistedRef["result"];
  /** Error classes to rebuild besides flowsmith's and the built-in ones (e.g. the task's `retryOn`). */
  knownErrors?: readonly (ErrorClass | string)[];
}

/** Decodes a state. */
export function decodeState(enc: EncodedState, opts: DecodeOptions = {}): State {
  const Cls = (stateClasses as Record<string, new (o: StateOptions) => State>)[enc.type];
  if (!Cls) throw new SerializationError(`Cannot decode a state of unknown type ${JSON.stringify(enc.type)}`);
  const o: StateOptions = { message: enc.message };
  if (enc.error) o.result = decodeError(enc.error, opts.knownErrors);
  else if (enc.value) o.result = decodeValue(enc.value, opts.serializer);
  if (enc.startTime !== undefined) o.startTime = enc.startTime === null ? null : new Date(enc.startTime);
  if (enc.runCount !== undefined) o.runCount = enc.runCount;
  if (enc.loopCount !== undefined) o.loopCount = enc.loopCount;
  if (enc.context) o.context = decodeValue(enc.context, opts.serializer) as Record<string, unknown>;
  if (enc.location !== undefined && opts.persistedReader) o.persisted = { result: opts.persistedReader, location: enc.location };
  if (enc.resultDropped) o.resultDropped = true;
  if (enc.cachedResultExpiration !== undefined) o.cachedResultExpiration = enc.cachedResultExpiration === null ? null : new Date(enc.cachedResultExpiration);
  const state = new Cls(o);
  (state as { timestamp: number }).timestamp = enc.timestamp;
  // A signal's state is the state that carries it.
  if (state.result instanceof StateSignal) (state.result as { state: State }).state = state;
  return state;
}

/** Every class an error can come back as without being named: flowsmith's errors and signals, and the built-in errors. */
const KNOWN_CLASSES: ReadonlyMap<string, Function> = (() => {
  const map = new Map<string, Function>();
  for (const cls of [Error, TypeError, RangeError, SyntaxError, ReferenceError, EvalError, URIError, AggregateError]) map.set(cls.name, cls);
  for (const mod of [errorClasses, signalClasses] as Array<Record<string, unknown>>) {
    for (const v of Object.values(mod)) {
      if (typeof v === "function" && (v === FlowsmithError || v.prototype instanceof FlowsmithError)) map.set(v.name, v);
    }
  }
  return map;
})();

function classFor(chain: readonly string[], known: readonly (ErrorClass | string)[]): Function {
  for (const name of chain) {
    for (const k of known) if (typeof k !== "string" && k.name === name) return k as unknown as Function;
    const cls = KNOWN_CLASSES.get(name);
    if (cls) return cls;
  }
  return Error;
}

function isBranded(v: unknown): boolean {
  return typeof v === "object" && v !== null && Array.isArray((v as Record<symbol, unknown>)[ERROR_BRAND]);
}

function describeThrown(v: unknown): string {
  if (typeof v === "string") return v;
  try {
    return JSON.stringify(v) ?? String(v);
  } catch {
    return String(v);
  }
}

/** A JSON copy of `v`, or undefined when it has no faithful one. */
function jsonCopy(v: unknown): unknown {
  if (v === undefined || typeof v === "function" || typeof v === "symbol" || typeof v === "bigint") return undefined;
  try {
    const text = JSON.stringify(v);
    return text === undefined ? undefined : JSON.parse(text);
  } catch {
    return undefined;
  }
}
