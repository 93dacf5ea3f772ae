/**
 * `ClockEvent`: one time a clock fires, with the parameter defaults and labels of the runs it
 * starts (Prefect 1's `prefect.schedules.clocks.ClockEvent`).
 * @module
 */
import { isDeepStrictEqual } from "node:util";
import { checkTimeZone, toInstant, type DateInput } from "./time-zones";

/** Options of a {@link ClockEvent}. */
export interface ClockEventOptions {
  /** Parameter values for the flow run this event starts (given parameters win). @default {} */
  parameterDefaults?: Record<string, unknown>;
  /** Labels for the flow run this event starts. @default undefined */
  labels?: string[];
  /** The time zone the event is seen in by filters and adjustments. @default "UTC" */
  timezone?: string;
}

/** One time a clock fires. Events order by `startTime`; two are equal when time, parameter defaults and labels are. */
export class ClockEvent {
  /** When the run should start. */
  readonly startTime: Date;
  /** Parameter values for the run (merged under the parameters given to `flow.run`). */
  readonly parameterDefaults: Readonly<Record<string, unknown>>;
  /** Labels for the run, or undefined when the clock has none. */
  readonly labels: readonly string[] | undefined;
  /** The time zone of the clock that emitted the event: filters and adjustments read the event in it. */
  readonly timezone: string;

  constructor(startTime: DateInput, options: ClockEventOptions = {}) {
    this.timezone = options.timezone === undefined ? "UTC" : checkTimeZone(options.timezone, "ClockEvent");
    this.startTime = new Date(toInstant(startTime, this.timezone, "ClockEvent", "startTime"));
    this.parameterDefaults = options.parameterDefaults ?? {};
    this.labels = options.labels;
  }

  /** The start time in epoch milliseconds. */
  get time(): number {
    return this.startTime.getTime();
  }

  /**
   * Prefect's `ClockEvent.__eq__`: against a date, the same instant; against an event, the same
   * instant, parameter defaults and labels (the time zone does not count, as in Prefect).
   */
  equals(other: ClockEvent | Date): boolean {
    if (other instanceof Date) return other.getTime() === this.time;
    return (
      other instanceof ClockEvent &&
      other.time === this.time &&
      isDeepStrictEqual(other.parameterDefaults, this.parameterDefaults) &&
      isDeepStrictEqual(other.labels, this.labels)
    );
  }

  /** The same event at another time (what an adjustment makes). */
  at(time: number): ClockEvent {
    return new ClockEvent(time, { parameterDefaults: this.parameterDefaults as Record<string, unknown>, labels: this.labels as string[] | undefined, timezone: this.timezone });
  }

  /** `<ClockEvent 2024-01-01T09:00:00.000Z {"x":1} [dev]>` */
  toString(): string {
    const params = Object.keys(this.parameterDefaults).length ? ` ${JSON.stringify(this.parameterDefaults)}` : "";
    const labels = this.labels ? ` [${this.labels.join(", ")}]` : "";
    return `<ClockEvent ${this.startTime.toISOString()}${params}${labels}>`;
  }

  /** @internal */
  [Symbol.for("nodejs.util.inspect.custom")](): string {
    return this.toString();
  }
}
