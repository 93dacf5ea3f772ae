/**
 * Triggers decide, from the states of a task's upstream edges, whether the task may run.
 * A trigger returns `true` to run, returns `false` (→ TriggerFailed) or throws a signal
 * (`SKIP`, `PAUSE`). Mapped upstream states are expanded into their children first.
 * @module
 */
import type { Edge } from "../core/edge";
import { context } from "./context";
import { PAUSE, SKIP, TRIGGERFAIL } from "./signals";
import { Mapped, State } from "./state";

/** A trigger: may the task run, given its upstream states? */
export type Trigger = (upstreamStates: Map<Edge, State>) => boolean;

/** The distinct upstream states, with Mapped states replaced by their children. */
export function expandStates(upstreamStates: Map<Edge, State>): State[] {
  const seen = new Set<State>();
  for (const s of upstreamStates.values()) {
    // A Mapped upstream stands for its children (an empty map contributes nothing).
    if (s instanceof Mapped) for (const c of s.mapStates) seen.add(c);
    else seen.add(s);
  }
  return [...seen];
}

const count = (states: State[], pred: (s: State) => boolean) => {
  let n = 0;
  for (const s of states) if (pred(s)) n++;
  return n;
};

/** Runs when every upstream task succeeded (Skipped counts as success). The default. */
export const allSuccessful: Trigger = (up) => {
  const states = expandStates(up);
  if (!states.every((s) => s.isSuccessful())) throw new TRIGGERFAIL('Trigger was "allSuccessful" but some of the upstream tasks failed.');
  return true;
};

/** Runs when every upstream task failed. */
export const allFailed: Trigger = (up) => {
  const states = expandStates(up);
  if (!states.every((s) => s.isFailed())) throw new TRIGGERFAIL('Trigger was "allFailed" but some of the upstream tasks succeeded.');
  return true;
};

/** Runs when every upstream task finished, whatever its state. */
export const allFinished: Trigger = (up) => {
  const states = expandStates(up);
  if (!states.every((s) => s.isFinished())) throw new TRIGGERFAIL('Trigger was "allFinished" but some of the upstream tasks were not finished.');
  return true;
};

/** Same as {@link allFinished}. */
export const alwaysRun: Trigger = allFinished;

/** Runs when at least one upstream task succeeded (or there are none). */
export const anySuccessful: Trigger = (up) => {
  const states = expandStates(up);
  if (states.length && !states.some((s) => s.isSuccessful())) throw new TRIGGERFAIL('Trigger was "anySuccessful" but none of the upstream tasks succeeded.');
  return true;
};

/** Runs when at least one upstream task failed (or there are none). */
export const anyFailed: Trigger = (up) => {
  const states = expandStates(up);
  if (states.length && !states.some((s) => s.isFailed())) throw new TRIGGERFAIL('Trigger was "anyFailed" but none of the upstream tasks failed.');
  return true;
};

/** Bounds for {@link someSuccessful} / {@link someFailed}: counts, or fractions when below 1. */
export interface SomeOptions {
  /** The minimum: a count, or a fraction of the upstream tasks when below 1. @default 0 */
  atLeast?: number;
  /** The maximum: a count, or a fraction of the upstream tasks when below 1. @default no maximum */
  atMost?: number;
}

function some(kind: "successful" | "failed", opts: SomeOptions): Trigger {
  const pred = kind === "successful" ? (s: State) => s.isSuccessful() : (s: State) => s.isFailed();
  const name = kind === "successful" ? "someSuccessful" : "someFailed";
  return (up) => {
    const states = expandStates(up);
    if (!states.length) return true;
    const n = count(states, pred);
    const bound = (v: number) => (v < 1 ? v * states.length : v);
    const min = opts.atLeast === undefined ? 0 : bound(opts.atLeast);
    const max = opts.atMost === undefined ? states.length : bound(opts.atMost);
    if (n < min || n > max) {
      throw new TRIGGERFAIL(`Trigger was "${name}" with atLeast=${opts.atLeast ?? "none"}, atMost=${opts.atMost ?? "none"}, but ${n} of ${states.length} upstream tasks were ${kind}.`);
    }
    return true;
  };
}

/** Runs when the number (or fraction, below 1) of successful upstream tasks is within bounds. */
export const someSuccessful = (opts: SomeOptions = {}): Trigger => some("successful", opts);
/** Runs when the number (or fraction, below 1) of failed upstream tasks is within bounds. */
export const someFailed = (opts: SomeOptions = {}): Trigger => some("failed", opts);

/** Runs when every upstream task succeeded and not all were skipped; all skipped (or none) → SKIP. */
export const notAllSkipped: Trigger = (up) => {
  const states = expandStates(up);
  if (!states.every((s) => s.isSuccessful())) throw new TRIGGERFAIL('Trigger was "notAllSkipped" but some of the upstream tasks failed.');
  if (states.every((s) => s.isSkipped())) throw new SKIP("All upstream tasks were skipped", { result: undefined });
  return true;
};

/** Never runs on its own: the task is Paused until it is resumed (`taskStates` with `Resume`). */
export const manualOnly: Trigger = () => {
  if (context.get("resume", false)) return true;
  throw new PAUSE('Trigger function is "manualOnly"', { result: undefined });
};

/** Every standard trigger, in one object: `triggers.allFinished`, ... */
export const triggers = {
  allSuccessful, allFailed, allFinished, alwaysRun, anySuccessful, anyFailed, someSuccessful, someFailed,
  notAllSkipped, manualOnly,
};
