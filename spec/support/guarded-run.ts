/**
 * Runs something that should settle (a flow run) so that a failure to settle is an outcome a test
 * can assert on, not a stuck or crashed test file: a watchdog turns a hang into `{ kind: "hung" }`,
 * and an exception that escapes the promise (thrown from a timer callback, say) into
 * `{ kind: "escaped" }` instead of an uncaught exception.
 *
 * Escaped exceptions are told apart by who owns them: `owns(error)` is called where the exception
 * was thrown, so it can read that code's async context (e.g. a run id in flowsmith's `context`). An
 * exception owned by a run that already ended (its leftover timers) is dropped: that run was
 * already reported. One nobody owns stays an uncaught exception.
 * @internal
 * @module
 */

/** What a guarded run came to. */
export type Guarded<T> =
  | { readonly kind: "settled"; readonly value: T }
  | { readonly kind: "hung"; readonly message: string }
  | { readonly kind: "escaped"; readonly message: string; readonly error: unknown };

/** Options of {@link guardedRun}. */
export interface GuardOptions {
  /** How long the run may take. @default 10_000 */
  watchdogMs?: number;
  /** Whether an uncaught exception belongs to this run (called in the thrower's async context). @default every exception, while the run is in flight */
  owns?: (error: unknown) => boolean;
}

interface Claim {
  readonly owns: (error: unknown) => boolean;
  /** Whether `owns` was given (else the claim takes any exception while in flight). */
  readonly explicit: boolean;
  /** Set while the run is in flight. */
  take: ((error: unknown) => void) | undefined;
}

/** Runs in flight, then recently finished ones (whose leftovers are dropped), newest first. */
const claims: Claim[] = [];
const KEEP_FINISHED = 64;
let installed = false;

function capture(error: unknown): void {
  // Runs that can tell their own exceptions first, then any run in flight that cannot.
  const owner = claims.find((c) => c.explicit && c.owns(error)) ?? claims.find((c) => !c.explicit && c.take !== undefined);
  if (owner) {
    owner.take?.(error);
    return;
  }
  // Nobody's: give it back to the process as the uncaught exception it is.
  process.setUncaughtExceptionCaptureCallback(null);
  installed = false;
  process.nextTick(() => {
    throw error;
  });
}

/**
 * Awaits `run()`; resolves `hung` after the watchdog, or `escaped` when an exception this run owns
 * goes uncaught meanwhile. A rejection of `run()` itself is passed on.
 */
export async function guardedRun<T>(run: () => Promise<T>, opts: GuardOptions = {}): Promise<Guarded<T>> {
  const watchdogMs = opts.watchdogMs ?? 10_000;
  let timer: NodeJS.Timeout | undefined;
  const claim: Claim = { owns: opts.owns ?? (() => true), explicit: opts.owns !== undefined, take: undefined };
  const stopped = new Promise<Guarded<T>>((resolve) => {
    timer = setTimeout(() => resolve({ kind: "hung", message: `did not settle within ${watchdogMs} ms` }), watchdogMs);
    claim.take = (error) => resolve({ kind: "escaped", message: `an error escaped the promise: ${(error as Error)?.message ?? String(error)}`, error });
  });
  claims.unshift(claim);
  if (!installed) {
    process.setUncaughtExceptionCaptureCallback(capture);
    installed = true;
  }
  try {
    return await Promise.race([run().then((value): Guarded<T> => ({ kind: "settled", value })), stopped]);
  } finally {
    clearTimeout(timer);
    claim.take = undefined;
    // Keep a few finished runs, so their leftovers are recognised; forget the rest.
    if (claims.length > KEEP_FINISHED) claims.length = KEEP_FINISHED;
  }
}
