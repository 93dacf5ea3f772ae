/**
 * Schedule adjustments (Prefect 1's `prefect.schedules.adjustments`): functions that move an event
 * that passed the filters. Like filters, they get the event's time and its clock's time zone.
 * @module
 */
import { isWeekday } from "./filters";
import { scheduleMessages } from "./messages";
import { DAY_MS, addDuration } from "./time-zones";
import { InvalidIntervalError } from "./errors";

/** Moves an event: `(startTime, timezone) => newStartTime`. */
export type ScheduleAdjustment = (date: Date, timezone?: string) => Date;

/**
 * Adds `ms` milliseconds (negative moves earlier). As in Prefect (pendulum), a day or more is
 * added to the wall clock of the event's time zone, so `add(86_400_000)` keeps the local time
 * across a DST change; less than a day is added to the instant.
 */
export function add(ms: number): ScheduleAdjustment {
  if (typeof ms !== "number" || !Number.isFinite(ms)) throw new InvalidIntervalError(scheduleMessages.invalidDuration("add(ms)", ms));
  return (d, tz = "UTC") => new Date(addDuration(d.getTime(), ms, tz));
}

/** Moves an event on a Saturday or Sunday to the same time on the next Monday; weekdays are kept as they are. */
export const nextWeekday: ScheduleAdjustment = (d, tz = "UTC") => {
  let t = d;
  while (!isWeekday(t, tz)) t = new Date(addDuration(t.getTime(), DAY_MS, tz));
  return t;
};

/** Every adjustment, as one namespace (`adjustments.add(ms)`), like Prefect's `prefect.schedules.adjustments`. */
export const adjustments = {
  /** Adds milliseconds (a day or more on the wall clock): {@link add}. */
  add,
  /** Moves a weekend event to the next Monday: {@link nextWeekday}. */
  nextWeekday,
} as const;
