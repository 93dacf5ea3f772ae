/**
 * `Schedule`: when a flow runs (Prefect 1's `prefect.schedules.Schedule`). Clocks emit candidate
 * events; the schedule merges them in time order (an event that two clocks emit with the same
 * parameter defaults and labels counts once), keeps those that pass the filters (every `filters`
 * entry, at least one `orFilters` entry, no `notFilters` entry) and moves them with the
 * `adjustments`, in order. `IntervalSchedule` and `CronSchedule` are the one-clock shorthands.
 * @module
 */
import type { ClockEvent } from "./clock-event";
import { Clock, CronClock, IntervalClock, OWNER, type CronClockOptions, type IntervalClockOptions } from "./clocks";
import type { ScheduleAdjustment } from "./adjustments";
import type { ScheduleFilter } from "./filters";
import { describeArg, scheduleMessages } from "./messages";
import { toInstant, type DateInput } from "./time-zones";
import { InvalidOptionError } from "../errors";

/**
 * How many clock events one `next(n)` call checks at most, found or not (Prefect's limit): clocks
 * may be endless and filters may reject everything.
 */
export const MAX_CHECKED_EVENTS = 10_000;

/** Options of a {@link Schedule}. */
export interface ScheduleOptions {
  /** The clocks whose events make up the schedule (an empty list: a schedule with no events). */
  clocks: Clock[];
  /** An event is kept only when every one of these returns true. @default [] */
  filters?: ScheduleFilter[];
  /** When given, an event is kept only when at least one of these returns true. @default [] */
  orFilters?: ScheduleFilter[];
  /** An event is dropped when any of these returns true. @default [] */
  notFilters?: ScheduleFilter[];
  /** Applied in order to every kept event's time. @default [] */
  adjustments?: ScheduleAdjustment[];
}

/** Options of {@link Schedule.next}. */
export interface NextOptions {
  /** Only events strictly after this (a string without an offset is read as UTC). @default now */
  after?: DateInput;
  /** Return {@link ClockEvent}s (with their parameter defaults and labels) instead of dates. @default false */
  returnEvents?: boolean;
}

/** When a flow runs: clocks, filtered and adjusted. */
export class Schedule {
  /** The clocks. */
  readonly clocks: readonly Clock[];
  /** Filters that must all pass. */
  readonly filters: readonly ScheduleFilter[];
  /** Filters of which one must pass (when there are any). */
  readonly orFilters: readonly ScheduleFilter[];
  /** Filters none of which may pass. */
  readonly notFilters: readonly ScheduleFilter[];
  /** Adjustments applied in order to kept events. */
  readonly adjustments: readonly ScheduleAdjustment[];

  constructor(options: ScheduleOptions) {
    const owner = new.target.name;
    if (options === null || typeof options !== "object") {
      throw new InvalidOptionError(scheduleMessages.invalidArgument(owner, "options must be an object such as { clocks: [...] }", options));
    }
    const { clocks } = options;
    if (!Array.isArray(clocks) || clocks.some((c) => !(c instanceof Clock))) {
      throw new InvalidOptionError(scheduleMessages.invalidOption(owner, "clocks", `must be an array of clocks (IntervalClock, CronClock, DatesClock) (received ${describeArg(clocks)})`));
    }
    this.clocks = Object.freeze([...clocks]);
    this.filters = functions(owner, "filters", options.filters);
    this.orFilters = functions(owner, "orFilters", options.orFilters);
    this.notFilters = functions(owner, "notFilters", options.notFilters);
    this.adjustments = functions(owner, "adjustments", options.adjustments);
  }

  /** The earliest start date of the clocks, if any has one. */
  get startDate(): Date | undefined {
    let min: Date | undefined;
    for (const c of this.clocks) if (c.startDate && (!min || c.startDate < min)) min = c.startDate;
    return min;
  }

  /** The latest end date of the clocks, if any has one. */
  get endDate(): Date | undefined {
    let max: Date | undefined;
    for (const c of this.clocks) if (c.endDate && (!max || c.endDate > max)) max = c.endDate;
    return max;
  }

  /**
   * The next `n` start times strictly after `after` (default now), or the events themselves with
   * `returnEvents: true`. Stops after checking {@link MAX_CHECKED_EVENTS} clock events, however
   * many it found (as Prefect does): a sparse filter may give fewer than `n`.
   */
  next(n: number, options?: NextOptions & { returnEvents?: false }): Date[];
  next(n: number, options: NextOptions & { returnEvents: true }): ClockEvent[];
  next(n: number, options?: NextOptions): Date[] | ClockEvent[];
  next(n: number, options: NextOptions = {}): Date[] | ClockEvent[] {
    if (!Number.isInteger(n) || n < 0) throw new InvalidOptionError(scheduleMessages.invalidCount(n));
    const out: ClockEvent[] = [];
    if (n === 0) return [];
    let checked = 0;
    for (const event of this.#merged(this.#after(options.after))) {
      checked++;
      if (this.#passes(event)) out.push(this.#adjust(event));
      if (out.length === n || checked >= MAX_CHECKED_EVENTS) break;
    }
    return options.returnEvents ? out : out.map((e) => e.startTime);
  }

  /**
   * Every event strictly after `after` (default now), merged, filtered and adjusted, lazily. Ends
   * when the clocks do, or when {@link MAX_CHECKED_EVENTS} events in a row fail the filters.
   * This is what the scheduled run loop follows.
   */
  *events(options: { after?: DateInput } = {}): Generator<ClockEvent, void, undefined> {
    let misses = 0;
    for (const event of this.#merged(this.#after(options.after))) {
      if (this.#passes(event)) {
        misses = 0;
        yield this.#adjust(event);
      } else if (++misses >= MAX_CHECKED_EVENTS) {
        return;
      }
    }
  }

  #after(after: DateInput | undefined): number {
    return after === undefined ? Date.now() : toInstant(after, "UTC", "schedule.next", `option "after"`);
  }

  /** The clocks' events in time order (ties in clock order), each distinct event once. */
  *#merged(after: number): Generator<ClockEvent, void, undefined> {
    const iterators = this.clocks.map((c) => c.events(after));
    const heads: (ClockEvent | undefined)[] = iterators.map((it) => it.next().value ?? undefined);
    // The events already given at the current instant: a later equal one is a duplicate.
    let sameInstant: ClockEvent[] = [];
    for (;;) {
      let best = -1;
      for (let i = 0; i < heads.length; i++) {
        const h = heads[i];
        if (h && (best < 0 || h.time < heads[best]!.time)) best = i;
      }
      if (best < 0) return;
      const event = heads[best]!;
      heads[best] = iterators[best]!.next().value ?? undefined;
      if (sameInstant.length && sameInstant[0]!.time === event.time) {
        if (sameInstant.some((e) => e.equals(event))) continue;
        sameInstant.push(event);
      } else {
        sameInstant = [event];
      }
      yield event;
    }
  }

  #passes(event: ClockEvent): boolean {
    const d = event.startTime;
    const tz = event.timezone;
    for (const f of this.filters) if (!f(d, tz)) return false;
    if (this.orFilters.length && !this.orFilters.some((f) => f(d, tz))) return false;
    for (const f of this.notFilters) if (f(d, tz)) return false;
    return true;
  }

  #adjust(event: ClockEvent): ClockEvent {
    if (!this.adjustments.length) return event;
    let d = event.startTime;
    for (const a of this.adjustments) d = a(d, event.timezone);
    return event.at(d.getTime());
  }

  /** `<Schedule: 2 clocks>` */
  toString(): string {
    return `<${this.constructor.name}: ${this.clocks.map(String).join(", ") || "no clocks"}>`;
  }

  /** @internal */
  [Symbol.for("nodejs.util.inspect.custom")](): string {
    return this.toString();
  }
}

/** Options of an {@link IntervalSchedule}. */
export interface IntervalScheduleOptions {
  /** Milliseconds between runs (> 0). A day or more keeps the local time across DST changes. */
  interval: number;
  /** The first run. @default 2019-01-01 00:00 in `timezone` */
  startDate?: DateInput;
  /** No run after this (inclusive). */
  endDate?: DateInput;
  /** The IANA time zone of the dates and of day-or-longer intervals. @default "UTC" */
  timezone?: string;
}

/** A schedule of one {@link IntervalClock}: a run every `interval` ms from `startDate` (Prefect's `IntervalSchedule`). */
export class IntervalSchedule extends Schedule {
  constructor(options: IntervalScheduleOptions) {
    const o = (options ?? {}) as IntervalScheduleOptions;
    const clock: IntervalClockOptions & { [OWNER]: string } = {
      interval: o.interval, startDate: o.startDate, endDate: o.endDate, timezone: o.timezone, [OWNER]: "IntervalSchedule",
    };
    super({ clocks: [new IntervalClock(clock)] });
  }
}

/** Options of a {@link CronSchedule}. */
export interface CronScheduleOptions {
  /** No run before this (inclusive). */
  startDate?: DateInput;
  /** No run after this (inclusive). */
  endDate?: DateInput;
  /** The IANA time zone the cron expression is read in. @default "UTC" */
  timezone?: string;
  /** Day-of-month and day-of-week combine with OR (classic cron) rather than AND. @default true */
  dayOr?: boolean;
}

/** A schedule of one {@link CronClock} (Prefect's `CronSchedule`): `new CronSchedule("0 9 * * 1-5", { timezone: "Europe/Paris" })`. */
export class CronSchedule extends Schedule {
  constructor(cron: string, options: CronScheduleOptions = {}) {
    const o = (options ?? {}) as CronScheduleOptions;
    const clock: CronClockOptions & { [OWNER]: string } = {
      startDate: o.startDate, endDate: o.endDate, timezone: o.timezone, dayOr: o.dayOr, [OWNER]: "CronSchedule",
    };
    super({ clocks: [new CronClock(cron, clock)] });
  }
}

function functions<F>(owner: string, option: string, value: F[] | undefined): readonly F[] {
  if (value === undefined) return Object.freeze([]);
  if (!Array.isArray(value) || value.some((f) => typeof f !== "function")) {
    throw new InvalidOptionError(scheduleMessages.invalidOption(owner, option, `must be an array of functions (received ${describeArg(value)})`));
  }
  return Object.freeze([...value]);
}
