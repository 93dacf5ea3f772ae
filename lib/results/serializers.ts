/**
 * Serializers turn a task's value into bytes and back. Each one can describe itself as plain
 * JSON (`describe()`), and that description is stored with every persisted value, so a reader
 * rebuilds the right serializer with {@link serializerFromDescription} without being told.
 *
 * A serializer never loses data silently: a value it cannot represent faithfully is a
 * {@link SerializationError} whose message names the serializer and the culprit's path
 * (`json serializer cannot serialize the value: a function at $.client.send (...)`). Callers add
 * the task name in front of that message.
 * @module
 */
import * as v8 from "node:v8";
import * as zlib from "node:zlib";
import { SerializationError } from "../errors";
import { resultMessages as m } from "./messages";

/** The plain-JSON description of a serializer, stored in every persisted document. */
export interface SerializerDescription {
  /** The serializer's type: `"json"`, `"v8"`, `"compressed"`, or a custom serializer's own type. */
  type: string;
  /** Any settings the serializer needs to be rebuilt (e.g. `format` and `serializer` for compressed). */
  [k: string]: unknown;
}

/** Turns values into bytes and back. */
export interface Serializer {
  /** A short name, also the `type` of {@link Serializer.describe}'s description. */
  readonly type: string;
  /** The value as bytes; throws {@link SerializationError} for a value it cannot represent. */
  serialize(value: unknown): Buffer;
  /** The value back from bytes made by `serialize`; throws {@link SerializationError} on bad data. */
  deserialize(data: Buffer): unknown;
  /** A plain-JSON description from which {@link serializerFromDescription} rebuilds an equal serializer. */
  describe(): SerializerDescription;
}

/** The serializer names accepted wherever a serializer is. */
export type SerializerName = "json" | "v8" | "compressed/json" | "compressed/v8";

/** The compression formats of {@link CompressedSerializer} (all from `node:zlib`). */
export type CompressionFormat = "gzip" | "brotli" | "deflate";

/** Every {@link SerializerName}, in the order messages list them. */
export const serializerNames: readonly SerializerName[] = ["json", "v8", "compressed/json", "compressed/v8"];

/** Every {@link CompressionFormat}. */
export const compressionFormats: readonly CompressionFormat[] = ["gzip", "brotli", "deflate"];

const JS_PATH_KEY = /^[A-Za-z_$][\w$]*$/;
const childPath = (path: string, key: string | number) =>
  typeof key === "number" ? `${path}[${key}]` : JS_PATH_KEY.test(key) ? `${path}.${key}` : `${path}[${JSON.stringify(key)}]`;

/** Objects that JSON.stringify turns into `{}` (or garbage) without complaint. */
function lossyObjectKind(v: object): string | undefined {
  if (v instanceof Map) return "a Map";
  if (v instanceof Set) return "a Set";
  if (v instanceof WeakMap || v instanceof WeakSet) return "a WeakMap/WeakSet";
  if (v instanceof RegExp) return "a RegExp";
  if (v instanceof Error) return "an Error";
  if (v instanceof Promise) return "a Promise (await it in the task)";
  if (v instanceof ArrayBuffer || ArrayBuffer.isView(v)) return `binary data (${v.constructor?.name ?? "ArrayBuffer"})`;
  return undefined;
}

const V8_HINT = 'use the "v8" serializer, or convert it to plain data';

/**
 * Why JSON cannot represent `value` faithfully, or `undefined` if it can. Follows JSON.stringify's
 * own rules (`toJSON` is applied, so a Date becomes its ISO string and a Buffer its `{type,data}`),
 * but reports what JSON.stringify would drop or mangle silently: functions, symbols, bigints,
 * NaN/Infinity, cycles, `undefined` array items, Maps, Sets and other objects that become `{}`.
 * An object property whose value is `undefined` is allowed: it is omitted, exactly as
 * JSON.stringify does, and reading `obj.key` back still gives `undefined`.
 */
export function jsonProblem(value: unknown): string | undefined {
  const ancestors = new Map<object, string>(); // objects on the current path, to tell a cycle from a shared reference
  const visit = (raw: unknown, key: string, path: string, inArray: boolean): string | undefined => {
    let v = raw;
    if ((typeof v === "object" && v !== null) || typeof v === "bigint") {
      const toJSON = (v as { toJSON?: unknown }).toJSON;
      if (typeof toJSON === "function") v = toJSON.call(v, key);
    }
    switch (typeof v) {
      case "string":
      case "boolean":
        return undefined;
      case "number":
        return Number.isFinite(v) ? undefined : `the number ${v} at ${path} (JSON has no NaN or Infinity; it would become null)`;
      case "bigint":
        return `a bigint at ${path} (JSON has no bigint; ${V8_HINT})`;
      case "function":
        return `a function at ${path} (JSON has no functions; ${V8_HINT} without functions)`;
      case "symbol":
        return `a symbol at ${path} (JSON has no symbols)`;
      case "undefined":
        if (path === "$") return "undefined at $ (JSON has no undefined)";
        return inArray ? `undefined at ${path} (it would become null)` : undefined;
    }
    if (v === null) return undefined;
    const obj = v as object;
    const lossy = lossyObjectKind(obj);
    if (lossy) return `${lossy} at ${path} (JSON would not keep it; ${V8_HINT})`;
    const seenAt = ancestors.get(obj);
    if (seenAt !== undefined) return `a cycle at ${path} (it refers back to ${seenAt}; ${V8_HINT})`;
    ancestors.set(obj, path);
    try {
      if (Array.isArray(obj)) {
        for (let i = 0; i < obj.length; i++) {
          const p = visit(obj[i], String(i), childPath(path, i), true);
          if (p) return p;
        }
      } else {
        for (const k of Object.keys(obj)) {
          const p = visit((obj as Record<string, unknown>)[k], k, childPath(path, k), false);
          if (p) return p;
        }
      }
    } finally {
      ancestors.delete(obj);
    }
    return undefined;
  };
  try {
    return visit(value, "", "$", false);
  } catch (err) {
    if (err instanceof RangeError) return `the value is nested too deeply (${err.message})`;
    throw err;
  }
}

/**
 * JSON, as UTF-8 text. Lossless for plain data; anything JSON would drop or change silently is a
 * {@link SerializationError} (see {@link jsonProblem}). A top-level `undefined` (a task that
 * returns nothing) is stored as an empty payload and read back as `undefined`.
 */
export class JSONSerializer implements Serializer {
  /** Always `"json"`. */
  readonly type = "json";

  /** The value as UTF-8 JSON text (empty for `undefined`). */
  serialize(value: unknown): Buffer {
    if (value === undefined) return Buffer.alloc(0);
    const problem = jsonProblem(value);
    if (problem) throw new SerializationError(m.cannotSerialize(this.type, problem));
    return Buffer.from(JSON.stringify(value), "utf8");
  }

  /** The value parsed from UTF-8 JSON text (`undefined` for an empty payload). */
  deserialize(data: Buffer): unknown {
    if (data.length === 0) return undefined;
    try {
      return JSON.parse(data.toString("utf8"));
    } catch (err) {
      throw new SerializationError(m.cannotDeserialize(this.type, (err as Error).message), { cause: err });
    }
  }

  /** `{ type: "json" }`. */
  describe(): SerializerDescription {
    return { type: this.type };
  }
}

/** Finds where a structured-clone failure comes from, for a message better than V8's own. */
function uncloneablePath(value: unknown): string | undefined {
  const seen = new Set<object>();
  const visit = (v: unknown, path: string): string | undefined => {
    if (typeof v === "function") return `a function at ${path}`;
    if (typeof v === "symbol") return `a symbol at ${path}`;
    if (typeof v !== "object" || v === null || seen.has(v)) return undefined;
    seen.add(v);
    if (v instanceof WeakMap || v instanceof WeakSet) return `a WeakMap/WeakSet at ${path}`;
    if (v instanceof Promise) return `a Promise at ${path} (await it in the task)`;
    if (v instanceof Map) {
      let i = 0;
      for (const [k, item] of v) {
        const p = visit(k, `${path}<key ${i}>`) ?? visit(item, `${path}.get(${i})`);
        if (p) return p;
        i++;
      }
      return undefined;
    }
    if (v instanceof Set) {
      let i = 0;
      for (const item of v) {
        const p = visit(item, `${path}<item ${i++}>`);
        if (p) return p;
      }
      return undefined;
    }
    for (const k of Object.keys(v)) {
      const p = visit((v as Record<string, unknown>)[k], childPath(path, Array.isArray(v) ? Number(k) : k));
      if (p) return p;
    }
    return undefined;
  };
  try {
    return visit(value, "$");
  } catch {
    return undefined;
  }
}

/**
 * V8's structured-clone format (`node:v8`): keeps Map, Set, Date, RegExp, BigInt, typed arrays,
 * Errors, cycles and shared references. Class instances come back as plain objects (their
 * prototype is not stored), and functions and symbols cannot be stored at all.
 */
export class V8Serializer implements Serializer {
  /** Always `"v8"`. */
  readonly type = "v8";

  /** The value in V8's structured-clone format. */
  serialize(value: unknown): Buffer {
    try {
      return v8.serialize(value);
    } catch (err) {
      const where = uncloneablePath(value);
      const reason = where ? `${where} (structured clone cannot copy it)` : (err as Error).message;
      throw new SerializationError(m.cannotSerialize(this.type, reason), { cause: err });
    }
  }

  /** The value back from V8's structured-clone format. */
  deserialize(data: Buffer): unknown {
    try {
      return v8.deserialize(data);
    } catch (err) {
      throw new SerializationError(m.cannotDeserialize(this.type, (err as Error).message), { cause: err });
    }
  }

  /** `{ type: "v8" }`. */
  describe(): SerializerDescription {
    return { type: this.type };
  }
}

/** Options of {@link CompressedSerializer}. */
export interface CompressedSerializerOptions {
  /** The serializer whose bytes are compressed. */
  serializer: Serializer | SerializerName;
  /** The compression format. @default "gzip" */
  format?: CompressionFormat;
}

const compressors: Record<CompressionFormat, { compress: (b: Buffer) => Buffer; decompress: (b: Buffer) => Buffer }> = {
  gzip: { compress: (b) => zlib.gzipSync(b), decompress: (b) => zlib.gunzipSync(b) },
  brotli: { compress: (b) => zlib.brotliCompressSync(b), decompress: (b) => zlib.brotliDecompressSync(b) },
  deflate: { compress: (b) => zlib.deflateSync(b), decompress: (b) => zlib.inflateSync(b) },
};

/** Wraps another serializer and compresses its bytes with `node:zlib`. */
export class CompressedSerializer implements Serializer {
  /** Always `"compressed"`. */
  readonly type = "compressed";
  /** The serializer whose bytes are compressed. */
  readonly serializer: Serializer;
  /** The compression format. */
  readonly format: CompressionFormat;

  constructor(opts: CompressedSerializerOptions) {
    const format = opts?.format ?? "gzip";
    if (!compressionFormats.includes(format)) throw new SerializationError(m.unknownCompression(format, compressionFormats));
    this.format = format;
    this.serializer = resolveSerializer(opts?.serializer);
  }

  /** The inner serializer's bytes, compressed. */
  serialize(value: unknown): Buffer {
    return compressors[this.format].compress(this.serializer.serialize(value));
  }

  /** Decompresses, then lets the inner serializer read the bytes. */
  deserialize(data: Buffer): unknown {
    let raw: Buffer;
    try {
      raw = compressors[this.format].decompress(data);
    } catch (err) {
      throw new SerializationError(m.cannotDeserialize(this.label(), `cannot decompress: ${(err as Error).message}`), { cause: err });
    }
    return this.serializer.deserialize(raw);
  }

  /** `{ type: "compressed", format, serializer: <inner description> }`. */
  describe(): SerializerDescription {
    return { type: this.type, format: this.format, serializer: this.serializer.describe() };
  }

  private label(): string {
    return `compressed(${this.format}, ${this.serializer.type})`;
  }
}

function isSerializer(s: unknown): s is Serializer {
  const o = s as Partial<Serializer> | null;
  return (
    typeof o === "object" && o !== null && typeof o.type === "string" &&
    typeof o.serialize === "function" && typeof o.deserialize === "function" && typeof o.describe === "function"
  );
}

/**
 * A serializer from an instance, a {@link SerializerName}, or nothing (then `fallback`).
 * Throws {@link SerializationError} naming an unknown name or a value that is not a serializer.
 */
export function resolveSerializer(s: Serializer | SerializerName | undefined, fallback: Serializer | SerializerName = "json"): Serializer {
  if (s === undefined || s === null) return resolveSerializer(fallback, "json");
  if (typeof s === "string") {
    switch (s) {
      case "json": return new JSONSerializer();
      case "v8": return new V8Serializer();
      case "compressed/json": return new CompressedSerializer({ serializer: "json" });
      case "compressed/v8": return new CompressedSerializer({ serializer: "v8" });
      default: throw new SerializationError(m.unknownSerializerName(s, serializerNames));
    }
  }
  if (isSerializer(s)) return s;
  throw new SerializationError(m.notASerializer(s));
}

/** The serializer types {@link serializerFromDescription} can rebuild. */
export const serializerTypes: readonly string[] = ["json", "v8", "compressed"];

/**
 * Rebuilds a serializer from its {@link Serializer.describe} output (as stored in a persisted
 * document). Throws {@link SerializationError} naming an unknown type or a malformed description.
 */
export function serializerFromDescription(desc: unknown): Serializer {
  if (typeof desc !== "object" || desc === null || Array.isArray(desc)) {
    throw new SerializationError(m.badSerializerDescription(`expected an object, got ${JSON.stringify(desc) ?? String(desc)}`));
  }
  const d = desc as Partial<SerializerDescription>;
  switch (d.type) {
    case "json": return new JSONSerializer();
    case "v8": return new V8Serializer();
    case "compressed":
      if (d.format !== undefined && !compressionFormats.includes(d.format as CompressionFormat)) {
        throw new SerializationError(m.unknownCompression(d.format, compressionFormats));
      }
      if (d.serializer === undefined) throw new SerializationError(m.badSerializerDescription('a "compressed" description needs its inner "serializer"'));
      return new CompressedSerializer({ serializer: serializerFromDescription(d.serializer), format: d.format as CompressionFormat | undefined });
    default:
      throw new SerializationError(m.unknownSerializerType(d.type, serializerTypes));
  }
}

/** Whether two serializers write the same bytes: their descriptions are equal. */
export function sameSerializer(a: Serializer, b: Serializer): boolean {
  return sameDescription(a.describe(), b.describe());
}

/** Whether two serializer descriptions are equal (key order does not matter). */
export function sameDescription(a: SerializerDescription, b: SerializerDescription): boolean {
  return canonicalJson(a) === canonicalJson(b);
}

function canonicalJson(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(canonicalJson).join(",")}]`;
  if (typeof v === "object" && v !== null) {
    const o = v as Record<string, unknown>;
    return `{${Object.keys(o).sort().map((k) => `${JSON.stringify(k)}:${canonicalJson(o[k])}`).join(",")}}`;
  }
  return JSON.stringify(v) ?? "null";
}
