/**
 * Clocks emit the candidate events of a schedule (Prefect 1's `prefect.schedules.clocks`):
 * `IntervalClock` (every so many milliseconds from a start date), `CronClock` (a cron expression
 * in a time zone) and `DatesClock` (a fixed list of dates). Each may carry `parameterDefaults` and
 * `labels` for the runs its events start, and reads its dates in its `timezone`.
 *
 * Clock changes (DST):
 * - An `IntervalClock` of less than a day steps in absolute time: an hourly clock fires every hour
 *   of UTC, so local 01:00 repeats when clocks go back and 02:00 is skipped when they go forward.
 *   One of a day or more steps in wall-clock time: a daily 09:00 clock stays at 09:00 local time.
 * - A `CronClock` matches wall-clock times: an hourly cron fires once per local hour (once at the
 *   01:00 that occurs twice, at its second occurrence; 02:00 on a spring-forward night moves to
 *   03:00 and counts once), and a daily 02:30 cron runs at 03:30 on the night 02:30 is skipped.
 * See `time-zones.ts` for the one rule behind both.
 * @module
 */
import { Cron } from "croner";
import { ClockEvent } from "./clock-event";
import { InvalidCronError, InvalidDateRangeError, InvalidIntervalError } from "./errors";
import { describeArg, scheduleMessages } from "./messages";
import {
  DAY_MS, checkTimeZone, clockChangeNear, instantOf, toInstant, wallClockOf, type DateInput,
} from "./time-zones";
import { InvalidOptionError } from "../errors";

/** @internal Lets a schedule factory name itself in its clock's errors. */
export const OWNER = Symbol("flowsmith.schedules.owner");

/** Options every clock takes. */
export interface ClockOptions {
  /** Parameter values for every run this clock starts (the parameters given to `flow.run` win). @default {} */
  parameterDefaults?: Record<string, unknown>;
  /** Labels for every run this clock starts. @default undefined */
  labels?: string[];
  /**
   * The IANA time zone the clock lives in: dates given as strings without an offset are read in
   * it, day-or-longer intervals and cron expressions follow its wall clock, and filters and
   * adjustments see the clock's events in it. @default "UTC"
   */
  timezone?: string;
}

/** Options of clocks that have a start and an end. */
export interface BoundedClockOptions extends ClockOptions {
  /** No event before this (inclusive). A string without an offset is a wall-clock time in `timezone`. */
  startDate?: DateInput;
  /** No event after this (inclusive). Must not be before `startDate`. */
  endDate?: DateInput;
}

/** Base class of clocks: something that emits {@link ClockEvent}s in time order. */
export abstract class Clock {
  /** The first possible event, if the clock has one. */
  readonly startDate: Date | undefined;
  /** The last possible event, if the clock has one. */
  readonly endDate: Date | undefined;
  /** Parameter values for the runs this clock starts. */
  readonly parameterDefaults: Readonly<Record<string, unknown>>;
  /** Labels for the runs this clock starts, or undefined. */
  readonly labels: readonly string[] | undefined;
  /** The clock's IANA time zone. */
  readonly timezone: string;
  /** @internal The name errors use for this clock. */
  protected readonly owner: string;
  /** @internal */
  protected readonly start: number | undefined;
  /** @internal */
  protected readonly end: number | undefined;

  protected constructor(options: BoundedClockOptions & { [OWNER]?: string }, owner: string) {
    if (options === null || typeof options !== "object") {
      throw new InvalidOptionError(scheduleMessages.invalidArgument(owner, "options must be an object", options));
    }
    this.owner = options[OWNER] ?? owner;
    this.timezone = checkTimeZone(options.timezone ?? "UTC", this.owner);
    const params = options.parameterDefaults;
    if (params !== undefined && (params === null || typeof params !== "object" || Array.isArray(params))) {
      throw new InvalidOptionError(scheduleMessages.invalidOption(this.owner, "parameterDefaults", `must be an object of parameter values (received ${describeArg(params)})`));
    }
    const labels = options.labels;
    if (labels !== undefined && (!Array.isArray(labels) || labels.some((l) => typeof l !== "string"))) {
      throw new InvalidOptionError(scheduleMessages.invalidOption(this.owner, "labels", `must be an array of strings (received ${describeArg(labels)})`));
    }
    this.parameterDefaults = Object.freeze({ ...(params ?? {}) });
    this.labels = labels ? Object.freeze([...labels]) : undefined;
    this.start = options.startDate === undefined ? undefined : toInstant(options.startDate, this.timezone, this.owner, `option "startDate"`);
    this.end = options.endDate === undefined ? undefined : toInstant(options.endDate, this.timezone, this.owner, `option "endDate"`);
    if (this.start !== undefined && this.end !== undefined && this.end < this.start) {
      throw new InvalidDateRangeError(scheduleMessages.endBeforeStart(this.owner, this.start, this.end));
    }
    this.startDate = this.start === undefined ? undefined : new Date(this.start);
    this.endDate = this.end === undefined ? undefined : new Date(this.end);
  }

  /**
   * The clock's events strictly after `after`, in time order, lazily (a clock may never end).
   * @param after epoch ms, a Date, or an ISO string (without an offset: the clock's wall clock). @default now
   */
  abstract events(after?: DateInput): Generator<ClockEvent, void, undefined>;

  /** @internal `after` as epoch ms (now when omitted). */
  protected afterMs(after: DateInput | undefined): number {
    return after === undefined ? Date.now() : toInstant(after, this.timezone, `${this.owner}.events(after)`, "after");
  }

  /** @internal An event of this clock at `ms`. */
  protected eventAt(ms: number): ClockEvent {
    return new ClockEvent(ms, { parameterDefaults: this.parameterDefaults as Record<string, unknown>, labels: this.labels as string[] | undefined, timezone: this.timezone });
  }

  /** @internal */
  [Symbol.for("nodejs.util.inspect.custom")](): string {
    return this.toString();
  }
}

/** Options of an {@link IntervalClock}. */
export interface IntervalClockOptions extends BoundedClockOptions {
  /** Milliseconds between events (> 0). */
  interval: number;
  /**
   * The first event; every later one is a whole number of intervals after it.
   * @default 2019-01-01 00:00 in the clock's time zone (Prefect's 2019-01-01 UTC when the zone is UTC)
   */
  startDate?: DateInput;
}

/**
 * Fires every `interval` ms from `startDate` (Prefect's `IntervalClock`). An interval under a day
 * steps in absolute time; a day or more steps in the wall-clock time of `timezone`, so a daily
 * clock keeps its local time across DST changes.
 */
export class IntervalClock extends Clock {
  /** Milliseconds between events. */
  readonly interval: number;
  readonly #origin: number;
  readonly #originWall: number;

  constructor(options: IntervalClockOptions) {
    super(options, "IntervalClock");
    const interval = options.interval;
    if (typeof interval !== "number" || !Number.isFinite(interval) || interval <= 0) {
      throw new InvalidIntervalError(scheduleMessages.invalidInterval(this.owner, "interval", interval));
    }
    this.interval = interval;
    this.#origin = this.start ?? instantOf(Date.UTC(2019, 0, 1), this.timezone);
    this.#originWall = wallClockOf(this.#origin, this.timezone);
  }

  /** The k-th event's instant (k = 0 is the start). */
  #at(k: number): number {
    if (this.interval < DAY_MS) return this.#origin + k * this.interval;
    return instantOf(this.#originWall + k * this.interval, this.timezone);
  }

  /** The clock's events strictly after `after` (default now), up to `endDate`. */
  *events(after?: DateInput): Generator<ClockEvent, void, undefined> {
    const a = this.afterMs(after);
    // Jump over the intervals already past, then correct by a step for wall-clock intervals,
    // whose instants drift from the estimate by a clock change.
    let k = a < this.#origin ? 0 : Math.floor((a - this.#origin) / this.interval) + 1;
    while (k > 0 && this.#at(k - 1) > a) k--;
    while (this.#at(k) <= a) k++;
    for (;; k++) {
      const t = this.#at(k);
      if (this.end !== undefined && t > this.end) return;
      yield this.eventAt(t);
    }
  }

  /** `<IntervalClock every 3600000 ms from 2019-01-01T00:00:00.000Z>` */
  override toString(): string {
    return `<IntervalClock every ${this.interval} ms from ${new Date(this.#origin).toISOString()}${this.timezone === "UTC" ? "" : ` ${this.timezone}`}>`;
  }
}

/** Options of a {@link CronClock}. */
export interface CronClockOptions extends BoundedClockOptions {
  /**
   * How day-of-month and day-of-week combine when both are restricted: `true` fires when either
   * matches (classic cron), `false` only when both do (`"0 0 1-7 * 2"` = the first Tuesday).
   * @default true
   */
  dayOr?: boolean;
}

/**
 * Fires at the times a cron expression matches in `timezone` (Prefect's `CronClock`). Standard
 * five-field cron (minute hour day-of-month month day-of-week) with names, ranges, steps, `L`,
 * `#` and nicknames such as `@daily`, parsed by croner.
 */
export class CronClock extends Clock {
  /** The cron expression. */
  readonly cron: string;
  /** Whether day-of-month and day-of-week combine with OR (classic cron) rather than AND. */
  readonly dayOr: boolean;
  readonly #pattern: Cron;

  constructor(cron: string, options: CronClockOptions = {}) {
    super(options, "CronClock");
    if (typeof cron !== "string") throw new InvalidCronError(scheduleMessages.cronNotString(this.owner, cron));
    if (options.dayOr !== undefined && typeof options.dayOr !== "boolean") {
      throw new InvalidOptionError(scheduleMessages.invalidOption(this.owner, "dayOr", `must be a boolean (received ${describeArg(options.dayOr)})`));
    }
    this.cron = cron;
    this.dayOr = options.dayOr ?? true;
    try {
      // The pattern is matched on floating wall-clock time (UTC fields); the clock maps each match
      // to an instant of its own time zone, so every DST decision is made in one place.
      this.#pattern = new Cron(cron.trim(), { utcOffset: 0, mode: "5-part", domAndDow: !this.dayOr });
    } catch (err) {
      const reason = (err instanceof Error ? err.message : String(err)).replace(/^CronPattern:\s*/, "");
      throw new InvalidCronError(scheduleMessages.invalidCron(this.owner, cron, reason), { cause: err });
    }
  }

  /** The clock's events strictly after `after` (default now), from `startDate` (inclusive) to `endDate`. */
  *events(after?: DateInput): Generator<ClockEvent, void, undefined> {
    let a = this.afterMs(after);
    // The start date itself is a valid event (Prefect steps back a second from it).
    if (this.start !== undefined) a = Math.max(a, this.start - 1);
    const tz = this.timezone;
    // A wall-clock time at or before `after`'s own can still map to a later instant when a clock
    // change is near (the second 01:00 when clocks go back): start the search that much earlier.
    let wall = wallClockOf(a, tz) - clockChangeNear(a, tz);
    const endWall = this.end === undefined ? Infinity : wallClockOf(this.end, tz) + clockChangeNear(this.end, tz);
    let last = a;
    for (;;) {
      const next = this.#pattern.nextRun(new Date(wall));
      if (next === null) return;
      wall = next.getTime();
      if (wall > endWall) return;
      const t = instantOf(wall, tz);
      // Times skipped by a spring-forward change land on real times after it: keep each instant once.
      if (t <= last || (this.end !== undefined && t > this.end)) continue;
      last = t;
      yield this.eventAt(t);
    }
  }

  /** `<CronClock "0 9 * * *" America/New_York>` */
  override toString(): string {
    return `<CronClock ${JSON.stringify(this.cron)}${this.timezone === "UTC" ? "" : ` ${this.timezone}`}>`;
  }
}

/**
 * Fires on a fixed list of dates (Prefect's `DatesClock`); its start and end dates are the first
 * and last of them.
 */
export class DatesClock extends Clock {
  /** The dates, in time order. */
  readonly dates: readonly Date[];
  readonly #times: number[];

  constructor(dates: DateInput[], options: ClockOptions = {}) {
    if (!Array.isArray(dates) || dates.length === 0) {
      const owner = (options as { [OWNER]?: string })?.[OWNER] ?? "DatesClock";
      throw new InvalidOptionError(Array.isArray(dates) ? scheduleMessages.noDates(owner) : scheduleMessages.invalidArgument(owner, "dates must be an array of dates", dates));
    }
    const timezone = checkTimeZone(options.timezone ?? "UTC", "DatesClock");
    const times = dates.map((d, i) => toInstant(d, timezone, "DatesClock", `date at index ${i}`)).sort((x, y) => x - y);
    super({ ...options, startDate: times[0], endDate: times[times.length - 1] }, "DatesClock");
    this.#times = times;
    this.dates = Object.freeze(times.map((t) => new Date(t)));
  }

  /** The dates strictly after `after` (default now). */
  *events(after?: DateInput): Generator<ClockEvent, void, undefined> {
    const a = this.afterMs(after);
    for (const t of this.#times) if (t > a) yield this.eventAt(t);
  }

  /** `<DatesClock 3 dates from 2024-01-01T00:00:00.000Z>` */
  override toString(): string {
    const n = this.#times.length;
    return `<DatesClock ${n} date${n === 1 ? "" : "s"} from ${new Date(this.#times[0]!).toISOString()}>`;
  }
}
