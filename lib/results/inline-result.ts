/**
 * Results that keep the value in the state itself: {@link InlineResult} (Prefect's
 * `PrefectResult`: the location *is* the JSON text) and {@link ConstantResult} (a fixed value
 * that is never written).
 * @module
 */
import { ResultError, SerializationError } from "../errors";
import { resultMessages as m } from "./messages";
import { Result, type FormatArgs, type ResultOptions } from "./result";
import type { JSONSerializer } from "./serializers";

/** Options of {@link InlineResult}. */
export interface InlineResultOptions<T = unknown> {
  /** A value to attach. */
  value?: T;
  /** The JSON text of a value already written. */
  location?: string;
  /** Only `"json"` (or a JSONSerializer) is accepted. @default "json" */
  serializer?: ResultOptions<T>["serializer"];
}

/**
 * The value travels in the state as JSON text: `write` checks the value is JSON data (with the
 * {@link JSONSerializer}'s strict checks, so nothing is dropped silently) and returns a copy whose
 * `location` is the JSON text; `read(location)` parses it back; `exists` tells whether the text is
 * valid JSON. A top-level `undefined` is written as the empty string. Nothing touches the disk.
 */
export class InlineResult<T = unknown> extends Result<T> {
  constructor(opts: InlineResultOptions<T> = {}) {
    super({ value: opts.value, location: opts.location, serializer: opts.serializer ?? "json" });
    if (this.serializer.type !== "json") throw new ResultError(m.inlineNeedsJson(this.serializer.type));
  }

  /** A copy whose `location` is the value's JSON text (throws {@link SerializationError} for non-JSON data). */
  async write(value: T, _formatArgs?: FormatArgs): Promise<InlineResult<T>> {
    const text = this.serializer.serialize(value).toString("utf8");
    return this.copy({ value, location: text });
  }

  /** A copy whose `value` is parsed from the JSON text `location`. */
  async read(location: string): Promise<InlineResult<T>> {
    let value: T;
    try {
      value = this.serializer.deserialize(Buffer.from(location, "utf8")) as T;
    } catch (err) {
      if (err instanceof SerializationError) throw new ResultError(m.inlineBadJson(location, (err.cause as Error)?.message ?? err.message), { cause: err });
      throw err;
    }
    return this.copy({ value, location });
  }

  /** Whether `location` is valid JSON text (the empty string stands for `undefined`). */
  async exists(location: string, _formatArgs?: FormatArgs): Promise<boolean> {
    try {
      this.serializer.deserialize(Buffer.from(location, "utf8"));
      return true;
    } catch {
      return false;
    }
  }
}

/** Options of {@link ConstantResult}. */
export interface ConstantResultOptions<T = unknown> {
  /** The constant value. */
  value?: T;
  /** A location, kept for display only. */
  location?: string;
}

/**
 * A fixed value (Prefect's `ConstantResult`, used for constants and parameters): `read` returns
 * the result itself with its value, `exists` is always true, `write` is a {@link ResultError}.
 * Passing a serializer is a {@link ResultError}: the value is never serialized.
 */
export class ConstantResult<T = unknown> extends Result<T> {
  constructor(opts: ConstantResultOptions<T> = {}) {
    if (opts && "serializer" in opts) throw new ResultError(m.constantNoSerializer());
    super({ value: opts.value, location: opts.location });
  }

  /** Always a {@link ResultError}: a constant cannot be written. */
  async write(_value: T, _formatArgs?: FormatArgs): Promise<ConstantResult<T>> {
    throw new ResultError(m.constantWrite());
  }

  /** This result itself, with its value. */
  async read(_location: string): Promise<ConstantResult<T>> {
    return this;
  }

  /** Always true: a constant always exists. */
  async exists(_location: string, _formatArgs?: FormatArgs): Promise<boolean> {
    return true;
  }

  protected override describeParts(): string[] {
    return [`value=${safePreview(this.value)}`];
  }
}

function safePreview(v: unknown): string {
  try {
    const s = JSON.stringify(v) ?? String(v);
    return s.length > 60 ? `${s.slice(0, 60)}...` : s;
  } catch {
    return String(v);
  }
}
