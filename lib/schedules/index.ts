/**
 * Schedules (Prefect 1's `prefect.schedules`): clocks, filters, adjustments, `Schedule` and its
 * one-clock shorthands, and the loop that runs a flow on its schedule.
 * @module
 */
export { ClockEvent } from "./clock-event";
export type { ClockEventOptions } from "./clock-event";
export { Clock, IntervalClock, CronClock, DatesClock } from "./clocks";
export type { ClockOptions, BoundedClockOptions, IntervalClockOptions, CronClockOptions } from "./clocks";
export { Schedule, IntervalSchedule, CronSchedule, MAX_CHECKED_EVENTS } from "./schedule";
export type { ScheduleOptions, NextOptions, IntervalScheduleOptions, CronScheduleOptions } from "./schedule";
export {
  filters, onDatetime, betweenDatetimes, onDate, betweenDates, atTime, betweenTimes,
  isWeekday, isWeekend, isMonthStart, isMonthEnd, isDayOfWeek,
} from "./filters";
export type { ScheduleFilter, TimeOfDay, TimeParts, DayName } from "./filters";
export { adjustments, add, nextWeekday } from "./adjustments";
export type { ScheduleAdjustment } from "./adjustments";
export { wallTime } from "./time-zones";
export type { DateInput, WallTime } from "./time-zones";
export { runOnSchedule, systemTime } from "./run-on-schedule";
export type { TimeSource, ScheduledRunOptions, ScheduledRunBase } from "./run-on-schedule";
export { InvalidCronError, InvalidIntervalError, InvalidDateRangeError, InvalidTimezoneError, NoScheduledRunsError } from "./errors";
