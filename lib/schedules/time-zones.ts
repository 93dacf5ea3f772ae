/**
 * Time zone arithmetic for schedules, on the platform's `Intl` (its IANA database): the offset of
 * a zone at an instant, an instant's wall-clock time, and the instant of a wall-clock time.
 *
 * Wall-clock times are handled as "floating" milliseconds: the wall-clock fields written as if
 * they were UTC (`Date.UTC(year, month, day, ...)`). Calendar arithmetic on them (add a day, an
 * hour of wall time) is plain addition, and {@link instantOf} turns the result back into an
 * instant of the zone.
 *
 * One rule settles the wall-clock times that a zone's clock change makes ambiguous or skips:
 * **take the later of the two readings**. A time that occurs twice (clocks go back) is its second
 * occurrence, after the change; a time that does not exist (clocks go forward) is read with the
 * offset from before the change, which moves it forward by the length of the gap (02:30 on a
 * spring-forward night in New York is 03:30 EDT). This is pendulum's default (`POST_TRANSITION`),
 * which Prefect 1's clocks inherit, and what Prefect 1.4.1's CronClock tests expect.
 * @module
 */
import { InvalidTimezoneError } from "./errors";
import { scheduleMessages } from "./messages";
import { InvalidOptionError } from "../errors";

/** One day, in milliseconds. */
export const DAY_MS = 86_400_000;

/** A point in time: a `Date`, epoch milliseconds, or an ISO 8601 string. */
export type DateInput = Date | number | string;

/** An instant's wall-clock time in a time zone (what a filter tests). */
export interface WallTime {
  /** The full year, e.g. 2024. */
  readonly year: number;
  /** The month, 1 (January) to 12. */
  readonly month: number;
  /** The day of the month, 1 to 31. */
  readonly day: number;
  /** The hour, 0 to 23. */
  readonly hour: number;
  /** The minute, 0 to 59. */
  readonly minute: number;
  /** The second, 0 to 59. */
  readonly second: number;
  /** The millisecond, 0 to 999. */
  readonly millisecond: number;
  /** The day of the week as Prefect 1 (and Python's `weekday()`) count it: 0 is Monday, 6 is Sunday. */
  readonly weekday: number;
}

const formatters = new Map<string, Intl.DateTimeFormat>();

function formatterFor(timeZone: string): Intl.DateTimeFormat {
  let f = formatters.get(timeZone);
  if (!f) {
    f = new Intl.DateTimeFormat("en-US", {
      timeZone,
      hourCycle: "h23",
      year: "numeric",
      month: "numeric",
      day: "numeric",
      hour: "numeric",
      minute: "numeric",
      second: "numeric",
      era: "short",
    });
    formatters.set(timeZone, f);
  }
  return f;
}

const UTC_NAMES = new Set(["UTC", "Etc/UTC", "Etc/GMT", "GMT", "Etc/Universal", "Universal", "Etc/Zulu", "Zulu"]);

/**
 * Checks that `timeZone` is an IANA time zone this platform knows; returns it. `owner` names who
 * asked, for the error.
 */
export function checkTimeZone(timeZone: unknown, owner: string): string {
  if (typeof timeZone !== "string" || !timeZone) {
    throw new InvalidTimezoneError(scheduleMessages.invalidTimezone(owner, timeZone));
  }
  if (UTC_NAMES.has(timeZone)) return timeZone;
  try {
    formatterFor(timeZone);
  } catch {
    throw new InvalidTimezoneError(scheduleMessages.invalidTimezone(owner, timeZone));
  }
  return timeZone;
}

/** The floating (wall-clock) milliseconds of instant `ms` in `timeZone`, to the whole second. */
function wallSeconds(ms: number, timeZone: string): number {
  let year = 0, month = 0, day = 0, hour = 0, minute = 0, second = 0, bc = false;
  for (const p of formatterFor(timeZone).formatToParts(ms)) {
    switch (p.type) {
      case "year": year = Number(p.value); break;
      case "month": month = Number(p.value); break;
      case "day": day = Number(p.value); break;
      case "hour": hour = Number(p.value); break;
      case "minute": minute = Number(p.value); break;
      case "second": second = Number(p.value); break;
      case "era": bc = p.value === "BC" || p.value === "B"; break;
    }
  }
  const d = new Date(0);
  d.setUTCFullYear(bc ? 1 - year : year, month - 1, day);
  d.setUTCHours(hour, minute, second, 0);
  return d.getTime();
}

/** The offset of `timeZone` at whole-second instant `ms`, straight from Intl. */
function rawOffset(ms: number, timeZone: string): number {
  return wallSeconds(ms, timeZone) - ms;
}

/**
 * What one UTC day of a zone looks like: its offset, and when it has a clock change, the instant
 * of the change and the offset after it. Zones change their offset at most once a day.
 */
interface ZoneDay {
  readonly offset: number;
  readonly change?: number;
  readonly after?: number;
}

/** Per zone, the days already looked at (a schedule asks about the same few days over and over). */
const zoneDays = new Map<string, Map<number, ZoneDay>>();
const MAX_CACHED_DAYS = 4096;

function zoneDay(day: number, timeZone: string): ZoneDay {
  let days = zoneDays.get(timeZone);
  if (!days) zoneDays.set(timeZone, (days = new Map()));
  let zd = days.get(day);
  if (zd) return zd;
  const start = day * DAY_MS;
  const last = start + DAY_MS - 1000;
  const offset = rawOffset(start, timeZone);
  const end = rawOffset(last, timeZone);
  if (offset === end) {
    zd = { offset };
  } else {
    // Bisect to the second: `lo` still has the day's first offset, `hi` already the new one.
    let lo = start, hi = last;
    while (hi - lo > 1000) {
      const mid = lo + Math.floor((hi - lo) / 2000) * 1000;
      if (rawOffset(mid, timeZone) === offset) lo = mid;
      else hi = mid;
    }
    zd = { offset, change: hi, after: rawOffset(hi, timeZone) };
  }
  if (days.size >= MAX_CACHED_DAYS) days.clear();
  days.set(day, zd);
  return zd;
}

/** The offset (wall clock minus UTC, in ms) of `timeZone` at instant `ms`. */
export function offsetAt(ms: number, timeZone: string): number {
  if (UTC_NAMES.has(timeZone)) return 0;
  const zd = zoneDay(Math.floor(ms / DAY_MS), timeZone);
  return zd.change === undefined || ms < zd.change ? zd.offset : zd.after!;
}

/** The wall-clock time of instant `ms` in `timeZone`, as floating milliseconds. */
export function wallClockOf(ms: number, timeZone: string): number {
  return ms + offsetAt(ms, timeZone);
}

/**
 * The instant at which the wall clock of `timeZone` shows `wall` (floating milliseconds). A time
 * that occurs twice, or not at all, takes the later reading (see the module notes).
 */
export function instantOf(wall: number, timeZone: string): number {
  if (UTC_NAMES.has(timeZone)) return wall;
  // The offsets a day either side cover any single clock change near `wall`.
  const before = wall - offsetAt(wall - DAY_MS, timeZone);
  const after = wall - offsetAt(wall + DAY_MS, timeZone);
  if (before === after) return before;
  const beforeFits = wallClockOf(before, timeZone) === wall;
  const afterFits = wallClockOf(after, timeZone) === wall;
  if (beforeFits && afterFits) return Math.max(before, after);
  if (beforeFits) return before;
  if (afterFits) return after;
  return Math.max(before, after);
}

/** The largest clock change of `timeZone` within a day of instant `ms` (0 when there is none). */
export function clockChangeNear(ms: number, timeZone: string): number {
  if (UTC_NAMES.has(timeZone)) return 0;
  const here = offsetAt(ms, timeZone);
  return Math.max(Math.abs(offsetAt(ms - DAY_MS, timeZone) - here), Math.abs(offsetAt(ms + DAY_MS, timeZone) - here));
}

/**
 * Adds `delta` ms to instant `ms` as Prefect 1 (pendulum) adds a duration: one of a day or more
 * (either sign) is added to the wall clock of `timeZone`, so a daily step keeps its wall-clock time
 * across a clock change; a shorter one is added to the instant itself.
 */
export function addDuration(ms: number, delta: number, timeZone: string): number {
  if (Math.abs(delta) < DAY_MS) return ms + delta;
  return instantOf(wallClockOf(ms, timeZone) + delta, timeZone);
}

let lastFields: { ms: number; timeZone: string; fields: WallTime } | undefined;

/**
 * The wall-clock time of `date` in `timeZone` (default UTC): what the built-in filters test, and a
 * helper for filters of your own.
 */
export function wallTime(date: Date | number, timeZone = "UTC"): WallTime {
  const ms = typeof date === "number" ? date : date.getTime();
  // Every filter of a schedule looks at the same event in turn: remember the last answer.
  if (lastFields && lastFields.ms === ms && lastFields.timeZone === timeZone) return lastFields.fields;
  const d = new Date(wallClockOf(ms, timeZone));
  const fields: WallTime = Object.freeze({
    year: d.getUTCFullYear(),
    month: d.getUTCMonth() + 1,
    day: d.getUTCDate(),
    hour: d.getUTCHours(),
    minute: d.getUTCMinutes(),
    second: d.getUTCSeconds(),
    millisecond: d.getUTCMilliseconds(),
    weekday: (d.getUTCDay() + 6) % 7,
  });
  lastFields = { ms, timeZone, fields };
  return fields;
}

const ISO = /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,3})\d*)?)?)?\s*(Z|[+-]\d{2}(?::?\d{2})?)?$/i;

/**
 * Reads a {@link DateInput} as epoch milliseconds. A string without an offset (`"2024-03-10T02:30"`)
 * is a wall-clock time in `timeZone`; one with an offset or `Z` is that instant. `owner` and
 * `option` name the culprit in the error.
 */
export function toInstant(input: unknown, timeZone: string, owner: string, option: string): number {
  if (input instanceof Date) {
    const ms = input.getTime();
    if (Number.isNaN(ms)) throw new InvalidOptionError(scheduleMessages.invalidDate(owner, option, input));
    return ms;
  }
  if (typeof input === "number") {
    if (!Number.isFinite(input)) throw new InvalidOptionError(scheduleMessages.invalidDate(owner, option, input));
    return input;
  }
  if (typeof input === "string") {
    const m = ISO.exec(input.trim());
    if (m) {
      const [, y, mo, d, h = "0", mi = "0", s = "0", frac = "0", zone] = m;
      const wall = Date.UTC(+y!, +mo! - 1, +d!, +h, +mi, +s, +frac.padEnd(3, "0"));
      const check = new Date(wall);
      const valid = check.getUTCFullYear() === +y! && check.getUTCMonth() === +mo! - 1 && check.getUTCDate() === +d! && +h < 24 && +mi < 60 && +s < 60;
      if (valid) {
        if (zone === undefined) return instantOf(wall, timeZone);
        if (zone.toUpperCase() === "Z") return wall;
        const sign = zone[0] === "-" ? -1 : 1;
        const digits = zone.slice(1).replace(":", "");
        const offset = sign * (Number(digits.slice(0, 2)) * 60 + Number(digits.slice(2) || "0")) * 60_000;
        return wall - offset;
      }
    }
  }
  throw new InvalidOptionError(scheduleMessages.invalidDate(owner, option, input));
}

function mod(a: number, b: number): number {
  return ((a % b) + b) % b;
}
