/**
 * The abstract {@link Result} every store implements (Prefect 1's `Result`), and the persisted
 * document format shared by every store that writes bytes (LocalResult, the cache store, the
 * run journal).
 *
 * ## The persisted document
 * One JSON document per value:
 * ```json
 * { "serializer": { "type": "json" }, "encoding": "utf8", "data": "{\"rows\":3}", "flowsmithVersion": "0.1.0" }
 * ```
 * - `serializer`: the serializer's `describe()`, so a reader needs no configuration.
 * - `data`: the serialized bytes. For the plain `json` serializer they are stored as the JSON
 *   text itself (`encoding: "utf8"`) so a result file is readable in an editor; every other
 *   serializer's bytes are base64 (`encoding: "base64"`, also assumed when `encoding` is absent).
 * - `flowsmithVersion`: the package version that wrote it.
 * @module
 */
import { randomUUID } from "node:crypto";
import { ResultError, SerializationError } from "../errors";
import { flowsmithVersion } from "./home";
import { resultMessages as m } from "./messages";
import {
  resolveSerializer, sameDescription, serializerFromDescription,
  type Serializer, type SerializerDescription, type SerializerName,
} from "./serializers";
import { resolveLocation, type FormatArgs, type LocationTemplate } from "./template";

export type { FormatArgs, LocationTemplate } from "./template";

/** One persisted value, as stored on disk (see the module description). */
export interface ResultDocument {
  /** The description of the serializer that made `data`. */
  serializer: SerializerDescription;
  /** How `data` holds the bytes: the UTF-8 text itself, or base64. @default "base64" */
  encoding?: "utf8" | "base64";
  /** The serialized bytes. */
  data: string;
  /** The flowsmith version that wrote the document. */
  flowsmithVersion: string;
}

/** The document for `value` (throws {@link SerializationError} if the serializer cannot store it). */
export function toDocument(value: unknown, serializer: Serializer): ResultDocument {
  const bytes = serializer.serialize(value);
  const utf8 = serializer.type === "json";
  return {
    serializer: serializer.describe(),
    encoding: utf8 ? "utf8" : "base64",
    data: bytes.toString(utf8 ? "utf8" : "base64"),
    flowsmithVersion: flowsmithVersion(),
  };
}

/** The document for `value` as the bytes of one JSON document. */
export function encodeDocument(value: unknown, serializer: Serializer): Buffer {
  return Buffer.from(JSON.stringify(toDocument(value, serializer)), "utf8");
}

const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;

/**
 * Checks that `doc` is a result document; `origin` (a file, a journal line, ...) names it in the
 * {@link ResultError} thrown for anything else.
 */
export function checkDocument(doc: unknown, origin: string): ResultDocument {
  const bad = (why: string): never => { throw new ResultError(m.notADocument(origin, why)); };
  if (typeof doc !== "object" || doc === null || Array.isArray(doc)) return bad("expected a JSON object");
  const d = doc as Partial<ResultDocument>;
  if (typeof d.serializer !== "object" || d.serializer === null || typeof d.serializer.type !== "string") {
    return bad('missing "serializer" (an object with a "type")');
  }
  if (typeof d.data !== "string") return bad('missing "data" (a string)');
  if (typeof d.flowsmithVersion !== "string") return bad('missing "flowsmithVersion"');
  if (d.encoding !== undefined && d.encoding !== "utf8" && d.encoding !== "base64") return bad(`unknown encoding ${JSON.stringify(d.encoding)}`);
  if (d.encoding !== "utf8" && !BASE64.test(d.data)) return bad('"data" is not valid base64');
  return d as ResultDocument;
}

/** Parses and checks the bytes of a document ({@link ResultError} naming `origin` if they are not one). */
export function parseDocument(buf: Buffer | string, origin: string): ResultDocument {
  let doc: unknown;
  try {
    doc = JSON.parse(typeof buf === "string" ? buf : buf.toString("utf8"));
  } catch (err) {
    throw new ResultError(m.notADocument(origin, `not JSON (${(err as Error).message})`), { cause: err });
  }
  return checkDocument(doc, origin);
}

/**
 * The value stored in a document. The document names its serializer; when `preferred` describes
 * the same serializer it is used (this is how a custom serializer, which
 * {@link serializerFromDescription} cannot rebuild, reads its own documents). Any failure is a
 * {@link ResultError} naming `origin`, with the serializer's error as `cause`.
 */
export function fromDocument(doc: unknown, origin: string, preferred?: Serializer): unknown {
  const d = checkDocument(doc, origin);
  try {
    const fromDoc = preferred && sameDescription(preferred.describe(), d.serializer) ? preferred : serializerFromDescription(d.serializer);
    return fromDoc.deserialize(Buffer.from(d.data, d.encoding === "utf8" ? "utf8" : "base64"));
  } catch (err) {
    if (err instanceof SerializationError) throw new ResultError(m.cannotDecode(origin, err.message), { cause: err });
    throw err;
  }
}

/** The value stored in the bytes of a document (see {@link fromDocument}). */
export function decodeDocument(buf: Buffer | string, origin: string, preferred?: Serializer): unknown {
  return fromDocument(parseDocument(buf, origin), origin, preferred);
}

/** Options every result takes. */
export interface ResultOptions<T = unknown> {
  /** A value to attach (e.g. a `ConstantResult`'s value). */
  value?: T;
  /** Where to write: `{key}` template or a function of the format arguments. @default a unique `YYYY/MM/DD/<uuid>.json` */
  location?: LocationTemplate;
  /** How values become bytes. @default "json" */
  serializer?: Serializer | SerializerName;
}

/** The fields {@link Result.copy} can replace. */
export interface ResultOverrides<T = unknown> {
  /** The value. */
  value?: T;
  /** The resolved location. */
  location?: string;
  /** The location template. */
  locationTemplate?: LocationTemplate;
  /** The serializer. */
  serializer?: Serializer | SerializerName;
}

/**
 * Where and how a task's value is persisted (Prefect 1's `Result`). A result is a small
 * description; `write` and `read` never change it but return a copy carrying the value and the
 * resolved location, so one result configured on a task serves every run of it.
 */
export abstract class Result<T = unknown> {
  /** The value (set by `read`, or when a value is attached). */
  value: T | undefined;
  /**
   * The resolved location (set by `write` / `read`). Before that, a string template is also the
   * initial location (as in Prefect); a function template leaves it `undefined`.
   */
  location: string | undefined;
  /** The template `write` resolves the location from (`undefined`: a unique default location). */
  locationTemplate: LocationTemplate | undefined;
  /** How values become bytes. */
  serializer: Serializer;

  constructor(opts: ResultOptions<T> = {}) {
    this.value = opts.value;
    this.location = typeof opts.location === "string" ? opts.location : undefined;
    this.locationTemplate = opts.location;
    this.serializer = resolveSerializer(opts.serializer);
  }

  /** Writes `value` at the location formatted from `formatArgs`; resolves to a copy with `value` and `location` set. */
  abstract write(value: T, formatArgs?: FormatArgs): Promise<Result<T>>;
  /** Reads the value at `location`; resolves to a copy with `value` (and `location`) set. */
  abstract read(location: string): Promise<Result<T>>;
  /** Whether a value exists at `location` (formatted with `formatArgs` when they are given). */
  abstract exists(location: string, formatArgs?: FormatArgs): Promise<boolean>;

  /** The location `write` would use for these arguments: the template filled, or {@link defaultLocation}. */
  format(args: FormatArgs = {}): string {
    return this.locationTemplate === undefined ? this.defaultLocation() : resolveLocation(this.locationTemplate, args);
  }

  /** A fresh unique location, `YYYY/MM/DD/<uuid>.json` (UTC date), used when there is no template. */
  defaultLocation(): string {
    const now = new Date();
    const pad = (n: number) => String(n).padStart(2, "0");
    return `${now.getUTCFullYear()}/${pad(now.getUTCMonth() + 1)}/${pad(now.getUTCDate())}/${randomUUID()}.json`;
  }

  /** A copy holding `value` and no resolved location (Prefect's `from_value`). */
  fromValue(value: T): this {
    return this.copy({ value, location: undefined });
  }

  /**
   * A copy of this result (same class and settings) with some fields replaced. A key present in
   * `overrides` wins even when its value is `undefined`.
   */
  copy(overrides: ResultOverrides<T> = {}): this {
    const c = Object.create(Object.getPrototypeOf(this)) as this;
    Object.assign(c, this);
    if ("value" in overrides) c.value = overrides.value;
    if ("location" in overrides) c.location = overrides.location;
    if ("locationTemplate" in overrides) c.locationTemplate = overrides.locationTemplate;
    if ("serializer" in overrides) c.serializer = resolveSerializer(overrides.serializer);
    return c;
  }

  /** A one-line description for logs: `LocalResult(location=..., serializer=json)`. */
  describe(): string {
    const parts = this.describeParts();
    return `${this.constructor.name}(${parts.join(", ")})`;
  }

  /** The `key=value` parts of {@link describe}; subclasses add theirs. */
  protected describeParts(): string[] {
    const parts: string[] = [];
    if (this.location !== undefined) parts.push(`location=${JSON.stringify(this.location)}`);
    else if (typeof this.locationTemplate === "function") parts.push("location=<function>");
    parts.push(`serializer=${serializerLabel(this.serializer)}`);
    return parts;
  }

  /** Same as {@link describe}. */
  toString(): string {
    return this.describe();
  }
}

/** `json`, `v8`, `compressed/json`, ...: a short name for a serializer in messages. */
export function serializerLabel(s: Serializer): string {
  const d = s.describe();
  if (d.type === "compressed" && typeof d.serializer === "object" && d.serializer !== null) {
    return `compressed/${(d.serializer as SerializerDescription).type}(${String(d.format ?? "gzip")})`;
  }
  return d.type;
}
