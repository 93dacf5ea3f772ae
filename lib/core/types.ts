/**
 * Typed edges. A task's output type travels with it as a phantom property, so binding an upstream
 * whose output does not fit the downstream input is a compile error:
 *
 * ```ts
 * const len = task(({ s }: { s: string }) => s.length);      // Task<{ s: string }, number>
 * const shout = task(({ s }: { s: string }) => s.toUpperCase());
 * shout.call({ s: len.call({ s: "x" }) });                  // error: number is not string
 * ```
 *
 * A mapped task (`t.map(...)`) also carries its elements: it feeds a mapped downstream one element
 * per child, and a plain downstream (a reduce) the whole list.
 * @module
 */
import type { EdgeAnnotation, Flattened, MappedInput, Unmapped } from "./annotations";
import type { Task } from "./task";

/** @internal Phantom key: the value a task produces. Never present at run time. */
export declare const OUTPUT: unique symbol;
/** @internal Phantom key: the elements a mapped task produces. Never present at run time. */
export declare const ELEMENTS: unique symbol;

/** Anything that produces a `V` when it runs (a non-mapped task). */
export interface Produces<V> {
  /** Phantom (type-level only): the value produced. */
  readonly [OUTPUT]?: V;
  /** Phantom (type-level only): never set, so a mapped task is told apart. */
  readonly [ELEMENTS]?: undefined;
}

/** A mapped task whose children each produce an `E` (so as a whole it produces `E[]`). */
export interface ProducesElements<E> {
  /** Phantom (type-level only): the elements the children produce. Never present at run time. */
  readonly [ELEMENTS]: readonly E[];
}

type IsLoose<T> = unknown extends T ? true : false;

/**
 * @internal The phantom output type a task carries: its `Out`, except that a task whose output is
 * `unknown` (untyped) fits any input, as in Prefect.
 */
export type PhantomOutput<Out> = unknown extends Out ? any : Out;
type PlainObject = Record<string, unknown>;

/** An array or object literal whose items may be tasks (becomes a `List` / `Dict` task). */
type Literal<V> = V extends readonly (infer E)[]
  ? readonly CallInput<E>[]
  : V extends (...args: any[]) => any
    ? never
    : V extends PlainObject
      ? { [K in keyof V]: CallInput<V[K]> }
      : never;

/**
 * What `flatten(x)` may wrap so that the flattened list holds `E`s: a list of lists of `E` (a
 * literal, a task producing one, a List of tasks producing lists) or a mapped task whose children
 * each produce a list of `E`.
 */
export type Nested<E> =
  | readonly (readonly E[])[]
  | readonly CallInput<readonly E[]>[]
  | Produces<readonly (readonly E[])[]>
  | ProducesElements<readonly E[]>;

/** What a plain `call`/`bind` accepts for an input of type `V`. */
export type CallInput<V> =
  IsLoose<V> extends true
    ? any
    :
        | V
        | Produces<V>
        | Literal<V>
        | (V extends readonly (infer E)[] ? ProducesElements<E> | Flattened<Nested<E>> : never)
        | MappedInput<readonly CallInput<V>[] | Produces<readonly V[]> | ProducesElements<V> | Flattened<Nested<V>>>
        | EdgeAnnotation<Produces<V> | V>;

/** What `map` accepts for an input whose single element has type `V`. */
export type MapInput<V> =
  IsLoose<V> extends true
    ? any
    :
        | readonly V[]
        | readonly CallInput<V>[]
        | Produces<readonly V[]>
        | ProducesElements<V>
        | Unmapped<CallInput<V>>
        | Flattened<Nested<V>>;

/** The inputs object of `task.call(...)` / `task.bind(...)`, checked against the task's input type. */
export type TaskInputs<In> = { [K in keyof In]: CallInput<In[K]> };

/** The inputs object of `task.map(...)`: arrays (or array-producing tasks) of each input. */
export type MapInputs<In> = { [K in keyof In]: MapInput<In[K]> };

/** The output type of a task. */
export type OutputOf<T> = T extends Produces<infer V> ? V : unknown;

/**
 * What a task yields after a run (`flowState.resultOf(task)`): its output, or for a mapped task
 * (`t.map(...)`) the list of its children's outputs; `unknown` for an untyped task.
 */
export type ResultOf<T> =
  T extends ProducesElements<infer E> ? (0 extends 1 & E ? unknown[] : E[]) : 0 extends 1 & OutputOf<T> ? unknown : OutputOf<T>;

/** The inputs object a task's `run` receives (`any` for an untyped task). */
export type InputsOf<T> = T extends Task<infer I, any> ? (unknown extends I ? any : I) : any;

/**
 * The `keywordTasks` of `setDependencies` for a task taking `In`: any subset of its inputs (the
 * rest may be bound by another call), each checked as `call` checks it, or as `map` does when
 * the dependencies are `mapped: true`.
 */
export type KeywordTasks<In, M extends boolean> = [M] extends [true]
  ? Partial<MapInputs<In>>
  : [M] extends [false]
    ? Partial<KeywordInputs<In>>
    : Partial<KeywordInputs<In>> | Partial<MapInputs<In>>;

/**
 * `TaskInputs`, plus one thing only the imperative API needs: an array input also takes a task
 * producing one element, because whether that task is mapped is decided by its own
 * `setDependencies(..., { mapped: true })`, which its type cannot show (Prefect's imperative
 * map/reduce).
 */
type KeywordInputs<In> = { [K in keyof In]: CallInput<In[K]> | (In[K] extends readonly (infer E)[] ? Produces<E> : never) };
