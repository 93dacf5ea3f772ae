/**
 * Every message schedules and the scheduled run loop show a user, in one place, so wording stays
 * consistent and tests can assert whole messages.
 * @internal
 * @module
 */
const q = (s: unknown) => JSON.stringify(String(s));

/** How a bad argument is shown: strings quoted, dates as ISO, objects by their kind. */
export function describeArg(value: unknown): string {
  if (typeof value === "string") return q(value);
  if (value instanceof Date) return Number.isNaN(value.getTime()) ? "an invalid Date" : value.toISOString();
  if (value === null || value === undefined || typeof value !== "object") return typeof value === "function" ? "a function" : String(value);
  const proto = Object.getPrototypeOf(value);
  if (Array.isArray(value) || proto === Object.prototype || proto === null) {
    try {
      const json = JSON.stringify(value);
      return json.length > 80 ? `${json.slice(0, 80)}...` : json;
    } catch {
      // a cycle: fall through to the kind
    }
  }
  return Object.prototype.toString.call(value);
}

/** An instant as an ISO string (UTC). */
export const iso = (ms: number) => new Date(ms).toISOString();

/** @internal Messages of schedules. */
export const scheduleMessages = {
  invalidCron: (owner: string, cron: unknown, reason: string) => `${owner}: invalid cron string ${describeArg(cron)}: ${reason}`,
  cronNotString: (owner: string, cron: unknown) =>
    `${owner}: invalid cron string ${describeArg(cron)}: a cron string is five space-separated fields (minute hour day-of-month month day-of-week) or a nickname such as "@daily"`,
  invalidInterval: (owner: string, option: string, value: unknown) =>
    `${owner}: invalid option "${option}": must be a number of milliseconds greater than 0 (received ${describeArg(value)})`,
  invalidDuration: (owner: string, value: unknown) => `${owner}: the duration must be a finite number of milliseconds (received ${describeArg(value)})`,
  endBeforeStart: (owner: string, start: number, end: number) =>
    `${owner}: invalid option "endDate": ${iso(end)} is before startDate ${iso(start)}`,
  invalidTimezone: (owner: string, timeZone: unknown) =>
    `${owner}: invalid option "timezone": ${describeArg(timeZone)} is not an IANA time zone (such as "UTC" or "America/New_York")`,
  invalidDate: (owner: string, option: string, value: unknown) =>
    `${owner}: invalid ${option}: ${describeArg(value)} is not a date (use a Date, epoch milliseconds, or an ISO 8601 string such as "2024-03-10T09:00" or "2024-03-10T09:00Z")`,
  noDates: (owner: string) => `${owner}: needs at least one date`,
  invalidOption: (owner: string, option: string, why: string) => `${owner}: invalid option "${option}": ${why}`,
  invalidCount: (n: unknown) => `schedule.next(n): n must be a whole number of events, 0 or more (received ${describeArg(n)})`,
  invalidArgument: (fn: string, what: string, value: unknown) => `${fn}: ${what} (received ${describeArg(value)})`,
  // the scheduled run loop
  noSchedule: (flow: string) =>
    `${flow} has no schedule: runOnSchedule needs the flow's "schedule" option (e.g. new IntervalSchedule({ interval: 3_600_000 }))`,
  noMoreRuns: (flow: string) => `Flow ${flow} has no more scheduled runs.`,
  oneRunOnly: (flow: string, option: string) =>
    `${flow}: "${option}" names a single run, but runOnSchedule starts a new run for every scheduled event`,
  clockUnexpectedParameters: (flow: string, clock: string, names: readonly string[]) =>
    `Flow ${flow} received unexpected parameters from the parameterDefaults of ${clock}: ${names.join(", ")}`,
  clockMissingParameters: (flow: string, clock: string, names: readonly string[]) =>
    `Flow ${flow} did not receive the required parameters for the events of ${clock}: ${names.join(", ")}`,
  waiting: (at: number) => `Waiting for next scheduled run at ${iso(at)}`,
  skippedLate: (count: number, at: number) =>
    `Skipped ${count} scheduled run${count === 1 ? "" : "s"} missed while the previous run was still going; running the latest missed one (scheduled at ${iso(at)}) now`,
  stoppedBeforeFirstRun: (at: number) => `Stopped before the first scheduled run (at ${iso(at)}).`,
} as const;
