/**
 * Edge annotations: wrappers that change how one input is wired (`unmapped`, `mapped`, `flatten`).
 * They compose: `unmapped(flatten(x))`.
 * @module
 */

const ANNOTATION = Symbol.for("flowsmith.edgeAnnotation");

/** A value wrapped with wiring flags for one edge. */
export class EdgeAnnotation<T = unknown> {
  /** @internal */
  readonly [ANNOTATION] = true;
  constructor(
    /** The wrapped input: a task or a plain value. */
    readonly value: T,
    /** `true`: map over the input, `false`: keep it whole (`unmapped`), `undefined`: as the call decides. */
    readonly mapped: boolean | undefined,
    /** `true`: remove one level of nesting from the input (`flatten`). */
    readonly flattened: boolean | undefined,
  ) {}
}

/** Keeps an input fixed (not mapped over) under `task.map(...)`. */
export interface Unmapped<T> extends EdgeAnnotation<T> {
  /** Always `false`: the input is not mapped over. */
  readonly mapped: false;
}
/** Maps over this input, even in a plain `call`. */
export interface MappedInput<T> extends EdgeAnnotation<T> {
  /** Always `true`: the input is mapped over. */
  readonly mapped: true;
}
/** Removes one level of nesting from this input. */
export interface Flattened<T> extends EdgeAnnotation<T> {
  /** Always `true`: one level of nesting is removed. */
  readonly flattened: true;
}

function annotate<T>(value: T, mapped: boolean | undefined, flattened: boolean | undefined): EdgeAnnotation<T> {
  if (value instanceof EdgeAnnotation) {
    return new EdgeAnnotation(value.value as T, mapped ?? value.mapped, flattened ?? value.flattened);
  }
  return new EdgeAnnotation(value, mapped, flattened);
}

/** Keep `value` fixed under `task.map(...)`: every child receives all of it. */
export function unmapped<T>(value: T): Unmapped<T> {
  return annotate(value, false, undefined) as Unmapped<T>;
}
/** Map over `value` even in a plain `task.call(...)`. */
export function mapped<T>(value: T): MappedInput<T> {
  return annotate(value, true, undefined) as MappedInput<T>;
}
/** Remove one level of nesting from `value` (`[[1], [2, 3]]` feeds `1, 2, 3`). */
export function flatten<T>(value: T): Flattened<T> {
  return annotate(value, undefined, true) as Flattened<T>;
}

/** Splits a possibly annotated value into the value and its flags. */
export function unwrapAnnotation(value: unknown): { value: unknown; mapped?: boolean; flattened?: boolean } {
  if (value instanceof EdgeAnnotation) {
    const inner = unwrapAnnotation(value.value);
    return { value: inner.value, mapped: value.mapped ?? inner.mapped, flattened: value.flattened ?? inner.flattened };
  }
  return { value };
}
