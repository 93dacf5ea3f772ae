/**
 * Schedule filters (Prefect 1's `prefect.schedules.filters`): functions that take a candidate
 * event time and say whether to keep it.
 *
 * A schedule calls each filter with the event's time **and the time zone of the clock that emitted
 * it**, as Prefect's filters see a pendulum datetime in its clock's zone: `atTime("09:00")` on a
 * clock in `America/New_York` keeps 09:00 New York time. Called directly, a filter reads the date
 * in UTC unless given a zone.
 * @module
 */
import { scheduleMessages } from "./messages";
import { toInstant, wallTime, type DateInput } from "./time-zones";
import { InvalidOptionError } from "../errors";

/** Keeps (`true`) or drops an event: `(startTime, timezone) => boolean`. */
export type ScheduleFilter = (date: Date, timezone?: string) => boolean;

/** A time of day given by its parts. */
export interface TimeParts {
  /** 0 to 23. */
  hour: number;
  /** 0 to 59. @default 0 */
  minute?: number;
  /** 0 to 59. @default 0 */
  second?: number;
  /** 0 to 999. @default 0 */
  millisecond?: number;
}

/** A time of day: `"HH:MM"`, `"HH:MM:SS"`, `"HH:MM:SS.mmm"`, or its parts. */
export type TimeOfDay = string | TimeParts;

/** A day of the week by name (any case), for {@link isDayOfWeek}. */
export type DayName = "monday" | "tuesday" | "wednesday" | "thursday" | "friday" | "saturday" | "sunday";

const DAY_NAMES: readonly DayName[] = ["monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"];

/** Keeps only the event at exactly this instant. */
export function onDatetime(date: DateInput): ScheduleFilter {
  const at = toInstant(date, "UTC", "onDatetime(date)", "date");
  return (d) => d.getTime() === at;
}

/** Keeps events from `start` to `end`, both included. */
export function betweenDatetimes(start: DateInput, end: DateInput): ScheduleFilter {
  const a = toInstant(start, "UTC", "betweenDatetimes(start, end)", "start");
  const b = toInstant(end, "UTC", "betweenDatetimes(start, end)", "end");
  return (d) => {
    const t = d.getTime();
    return t >= a && t <= b;
  };
}

/** Keeps events on this date (month 1-12, day 1-31) of any year. */
export function onDate(month: number, day: number): ScheduleFilter {
  checkMonthDay("onDate(month, day)", month, day);
  return (d, tz) => {
    const w = wallTime(d, tz);
    return w.month === month && w.day === day;
  };
}

/**
 * Keeps events between two dates of each year, both included. When the start comes after the end
 * (`betweenDates(10, 15, 3, 31)`) the range runs across the new year: October 15 to March 31.
 */
export function betweenDates(startMonth: number, startDay: number, endMonth: number, endDay: number): ScheduleFilter {
  const fn = "betweenDates(startMonth, startDay, endMonth, endDay)";
  checkMonthDay(fn, startMonth, startDay);
  checkMonthDay(fn, endMonth, endDay);
  const from = startMonth * 100 + startDay;
  const to = endMonth * 100 + endDay;
  // Prefect compares the months only to tell a same-year range from one across the new year.
  const sameYear = startMonth <= endMonth;
  return (d, tz) => {
    const w = wallTime(d, tz);
    const md = w.month * 100 + w.day;
    return sameYear ? md >= from && md <= to : md >= from || md <= to;
  };
}

/** Keeps events at exactly this time of day (`atTime("04:00")`). */
export function atTime(time: TimeOfDay): ScheduleFilter {
  const at = timeOfDay("atTime(time)", time);
  return (d, tz) => msOfDay(d, tz) === at;
}

/**
 * Keeps events between two times of day, both included. When the start is after the end
 * (`betweenTimes("22:00", "02:00")`) the range runs across midnight.
 */
export function betweenTimes(start: TimeOfDay, end: TimeOfDay): ScheduleFilter {
  const a = timeOfDay("betweenTimes(start, end)", start);
  const b = timeOfDay("betweenTimes(start, end)", end);
  return (d, tz) => {
    const t = msOfDay(d, tz);
    return a <= b ? t >= a && t <= b : t >= a || t <= b;
  };
}

/** Keeps events on Monday to Friday. */
export const isWeekday: ScheduleFilter = (d, tz) => wallTime(d, tz).weekday < 5;

/** Keeps events on Saturday and Sunday. */
export const isWeekend: ScheduleFilter = (d, tz) => wallTime(d, tz).weekday > 4;

/** Keeps events on the first day of a month. */
export const isMonthStart: ScheduleFilter = (d, tz) => wallTime(d, tz).day === 1;

/** Keeps events on the last day of a month. */
export const isMonthEnd: ScheduleFilter = (d, tz) => {
  const w = wallTime(d, tz);
  return w.day === new Date(Date.UTC(w.year, w.month, 0)).getUTCDate();
};

/**
 * Keeps events on one day of the week. Numbers count as Prefect 1 does (Python's `weekday()`):
 * **0 is Monday**, 6 is Sunday; a name (`"sunday"`) says it plainly.
 */
export function isDayOfWeek(day: number | DayName | Capitalize<DayName>): ScheduleFilter {
  const n = typeof day === "string" ? DAY_NAMES.indexOf(day.toLowerCase() as DayName) : Number.isInteger(day) ? day : -1;
  if (n < 0 || n > 6) {
    throw new InvalidOptionError(scheduleMessages.invalidArgument("isDayOfWeek(day)", "day must be 0 (Monday) to 6 (Sunday) or a day name such as \"monday\"", day));
  }
  return (d, tz) => wallTime(d, tz).weekday === n;
}

/** Every filter, as one namespace (`filters.isWeekday`), like Prefect's `prefect.schedules.filters`. */
export const filters = {
  /** Keeps only the event at exactly this instant: {@link onDatetime}. */
  onDatetime,
  /** Keeps events between two instants, both included: {@link betweenDatetimes}. */
  betweenDatetimes,
  /** Keeps events on this month and day of any year: {@link onDate}. */
  onDate,
  /** Keeps events between two dates of each year: {@link betweenDates}. */
  betweenDates,
  /** Keeps events at exactly this time of day: {@link atTime}. */
  atTime,
  /** Keeps events between two times of day: {@link betweenTimes}. */
  betweenTimes,
  /** Keeps events on Monday to Friday: {@link isWeekday}. */
  isWeekday,
  /** Keeps events on Saturday and Sunday: {@link isWeekend}. */
  isWeekend,
  /** Keeps events on the first day of a month: {@link isMonthStart}. */
  isMonthStart,
  /** Keeps events on the last day of a month: {@link isMonthEnd}. */
  isMonthEnd,
  /** Keeps events on one day of the week (0 is Monday): {@link isDayOfWeek}. */
  isDayOfWeek,
} as const;

function msOfDay(d: Date, tz: string | undefined): number {
  const w = wallTime(d, tz);
  return ((w.hour * 60 + w.minute) * 60 + w.second) * 1000 + w.millisecond;
}

function checkMonthDay(fn: string, month: unknown, day: unknown): void {
  if (!Number.isInteger(month) || (month as number) < 1 || (month as number) > 12) {
    throw new InvalidOptionError(scheduleMessages.invalidArgument(fn, "a month must be a whole number from 1 to 12", month));
  }
  if (!Number.isInteger(day) || (day as number) < 1 || (day as number) > 31) {
    throw new InvalidOptionError(scheduleMessages.invalidArgument(fn, "a day must be a whole number from 1 to 31", day));
  }
}

const TIME = /^(\d{1,2}):(\d{2})(?::(\d{2})(?:\.(\d{1,3}))?)?$/;

/** A {@link TimeOfDay} as milliseconds since midnight. */
function timeOfDay(fn: string, time: unknown): number {
  let h: number | undefined, m = 0, s = 0, ms = 0;
  if (typeof time === "string") {
    const match = TIME.exec(time.trim());
    if (match) {
      h = Number(match[1]);
      m = Number(match[2]);
      s = Number(match[3] ?? 0);
      ms = Number((match[4] ?? "0").padEnd(3, "0"));
    }
  } else if (time !== null && typeof time === "object") {
    const t = time as { hour?: unknown; minute?: unknown; second?: unknown; millisecond?: unknown };
    h = t.hour as number;
    m = (t.minute ?? 0) as number;
    s = (t.second ?? 0) as number;
    ms = (t.millisecond ?? 0) as number;
  }
  const ok = (v: unknown, max: number) => Number.isInteger(v) && (v as number) >= 0 && (v as number) < max;
  if (!ok(h, 24) || !ok(m, 60) || !ok(s, 60) || !ok(ms, 1000)) {
    throw new InvalidOptionError(scheduleMessages.invalidArgument(fn, `a time of day must be "HH:MM", "HH:MM:SS[.mmm]" or { hour, minute?, second?, millisecond? }`, time));
  }
  return ((h! * 60 + m) * 60 + s) * 1000 + ms;
}
