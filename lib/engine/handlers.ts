/**
 * State handlers as one ordered chain, defined once for tasks and flows: the owner's own
 * handlers, then its `onFailure` (when the new state is failed), then the runner's handlers.
 * Each may return a replacement state. The chain stays synchronous unless a handler returns a
 * promise, so unobserved or synchronous handlers cost no promise on the hot path.
 * @internal
 * @module
 */
import type { State } from "./state";

/** A value now, or later. */
export type Sync<T> = T | Promise<T>;

/** Continues with `f` at once when `x` is a value, after it resolves when it is a promise. */
export function then<T, U>(x: Sync<T>, f: (v: T) => Sync<U>): Sync<U> {
  return x instanceof Promise ? x.then(f) : f(x);
}

/** A state handler of an owner (a task or a flow). */
export type OwnedHandler<O> = (owner: O, oldState: State, newState: State) => State | void | undefined | Promise<State | void | undefined>;

/** The handlers that watch one owner's state changes. */
export interface HandlerChain<O> {
  readonly own: readonly OwnedHandler<O>[];
  readonly onFailure: ((owner: O, state: State) => unknown) | undefined;
  readonly runner: readonly OwnedHandler<O>[];
}

/** Whether anything watches the chain's owner (when nothing does, a state change is free). */
export function isObserved<O>(chain: HandlerChain<O>): boolean {
  return chain.own.length > 0 || chain.onFailure !== undefined || chain.runner.length > 0;
}

/**
 * Runs the chain on a change from `oldState` to `newState` and returns the final new state.
 * `fail` turns an error thrown (or rejected) by a handler into the state to end with; it may
 * also throw, to stop the caller's pipeline.
 */
export function callStateHandlers<O>(
  owner: O,
  chain: HandlerChain<O>,
  oldState: State,
  newState: State,
  fail: (err: unknown) => State,
): Sync<State> {
  const { own, onFailure, runner } = chain;
  const total = own.length + 1 + runner.length;
  const call = (i: number, state: State): unknown => {
    if (i < own.length) return own[i]!(owner, oldState, state);
    if (i === own.length) return onFailure && state.isFailed() ? then(onFailure(owner, state) as Sync<unknown>, () => undefined) : undefined;
    return runner[i - own.length - 1]!(owner, oldState, state);
  };
  const step = (i: number, state: State): Sync<State> => {
    if (i === total) return state;
    let r: unknown;
    try {
      r = call(i, state);
    } catch (err) {
      return fail(err);
    }
    if (r instanceof Promise) return r.then((v: State | void) => step(i + 1, v ?? state), fail);
    return step(i + 1, (r as State | undefined) ?? state);
  };
  return step(0, newState);
}
