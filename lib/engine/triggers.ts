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

/**
 * The distinct upstream states, with Mapped states replaced by their children (Prefect's
 * `_get_all_states_as_set`: the same state reached by two edges counts once).
 */
export function expandStates(upstreamStates: Map<Edge, State>): State[] {
  const seen = new Set<State>();
  for (const s of upstreamStates.values()) {
    // A Mapped upstream stands for its children (an empty map contributes nothing).
    if (s instanceof Mapped) for (const c of s.mapStates) seen.add(c);
    else seen.add(s);
  }
  return [...seen];
}

/**
 * Whether every expanded upstream state passes `pred` (true when there are none). Duplicates do not
 * change the answer of "every" or "some", so the default trigger allocates nothing.
 */
function every(up: Map<Edge, State>, pred: (s: State) => boolean): boolean {
  for (const s of up.values()) {
    if (s instanceof Mapped) {
      for (const c of s.mapStates) if (!pred(c)) return false;
    } else if (!pred(s)) return false;
  }
  return true;
}

/** Whether some expanded upstream state passes `pred`. */
function some(up: Map<Edge, State>, pred: (s: State) => boolean): boolean {
  return !every(up, (s) => !pred(s));
}

const isSuccessful = (s: State) => s.isSuccessful();
const isFailed = (s: State) => s.isFailed();
const isFinished = (s: State) => s.isFinished();
const isSkipped = (s: State) => s.isSkipped();

/** Runs when every upstream task succeeded (Skipped counts as success). The default. */
export const allSuccessful: Trigger = (up) => {
  if (!every(up, isSuccessful)) throw new TRIGGERFAIL('Trigger was "allSuccessful" but some of the upstream tasks failed.');
  return true;
};

/** Runs when every upstream task failed. */
export const allFailed: Trigger = (up) => {
  if (!every(up, isFailed)) throw new TRIGGERFAIL('Trigger was "allFailed" but some of the upstream tasks succeeded.');
  return true;
};

/** Runs when every upstream task finished, whatever its state. */
export const allFinished: Trigger = (up) => {
  if (!every(up, isFinished)) throw new TRIGGERFAIL('Trigger was "allFinished" but some of the upstream tasks were not finished.');
  return true;
};

/** Same as {@link allFinished}. */
export const alwaysRun: Trigger = allFinished;

/**
 * Runs when at least one upstream task succeeded, or when the task has no upstream edges. A reduce
 * over a mapped task with no children has an edge but no states, so it does not run (as in Prefect).
 */
export const anySuccessful: Trigger = (up) => {
  if (up.size && !some(up, isSuccessful)) throw new TRIGGERFAIL('Trigger was "anySuccessful" but none of the upstream tasks succeeded.');
  return true;
};

/** Runs when at least one upstream task failed, or when the task has no upstream edges (see {@link anySuccessful}). */
export const anyFailed: Trigger = (up) => {
  if (up.size && !some(up, isFailed)) throw new TRIGGERFAIL('Trigger was "anyFailed" but none of the upstream tasks failed.');
  return true;
};

/** Bounds for {@link someSuccessful} / {@link someFailed}: counts, or fractions when below 1. */
export interface SomeOptions {
  /** The minimum: a count, or a fraction of the upstream tasks when below 1. @default 0 */
  atLeast?: number;
  /** The maximum: a count, or a fraction of the upstream tasks when below 1. @default no maximum */
  atMost?: number;
}

function someOf(kind: "successful" | "failed", opts: SomeOptions): Trigger {
  const pred = kind === "successful" ? isSuccessful : isFailed;
  const name = kind === "successful" ? "someSuccessful" : "someFailed";
  return (up) => {
    // No edges at all: runs. Edges whose expansion is empty (a reduce over no children): the
    // bounds are checked against zero states, as Prefect does.
    if (!up.size) return true;
    const states = expandStates(up);
    let n = 0;
    for (const s of states) if (pred(s)) n++;
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
export const someSuccessful = (opts: SomeOptions = {}): Trigger => someOf("successful", opts);
/** Runs when the number (or fraction, below 1) of failed upstream tasks is within bounds. */
export const someFailed = (opts: SomeOptions = {}): Trigger => someOf("failed", opts);

/** Runs when every upstream task succeeded and not all were skipped; all skipped (or none) → SKIP. */
export const notAllSkipped: Trigger = (up) => {
  if (every(up, isSkipped)) throw new SKIP("All upstream tasks were skipped", { result: undefined });
  if (!every(up, isSuccessful)) throw new TRIGGERFAIL('Trigger was "notAllSkipped" but some of the upstream tasks failed.');
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
