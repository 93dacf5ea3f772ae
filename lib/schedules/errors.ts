/**
 * The errors of schedules and scheduled runs. Bad schedule arguments are {@link InvalidOptionError}s
 * (each failure its own subclass, so it can be caught precisely); a flow with nothing left to run
 * on its schedule is a {@link RunError}.
 * @module
 */
import { InvalidOptionError, RunError } from "../errors";

/** A cron string that is not a valid five-field cron expression (or cron nickname). */
export class InvalidCronError extends InvalidOptionError {}
/** A clock interval (or adjustment) that is not a positive, finite number of milliseconds. */
export class InvalidIntervalError extends InvalidOptionError {}
/** A clock whose `endDate` is before its `startDate`. */
export class InvalidDateRangeError extends InvalidOptionError {}
/** A time zone name that is not an IANA time zone the platform knows. */
export class InvalidTimezoneError extends InvalidOptionError {}
/** `flow.run({ runOnSchedule: true })` on a schedule that has no event left (Prefect's "Flow has no more scheduled runs."). */
export class NoScheduledRunsError extends RunError {}
