/**
 * Schedules: Prefect 1.4.1's tests/schedules/test_schedules.py ported, plus the 10,000-event
 * limit, time zones seen by filters and adjustments, and the one-clock shorthands.
 */
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import {
  ClockEvent, CronClock, CronSchedule, DatesClock, IntervalClock, IntervalSchedule, InvalidOptionError, MAX_CHECKED_EVENTS,
  Schedule, adjustments, filters, wallTime,
} from "../../lib/index";

const MIN = 60_000;
const HOUR = 3_600_000;
const DAY = 86_400_000;
const at = (s: string) => Date.parse(s);
const ms = (dates: Date[]) => dates.map((d) => d.getTime());
/** `base` + days, at hour `h` (UTC). */
const dayAt = (base: number, days: number, h: number, m = 0) => base + days * DAY + h * HOUR + m * MIN;

describe("Schedule: construction", () => {
  it("needs a list of clocks", () => {
    assert.throws(() => new Schedule(undefined as never), {
      name: "InvalidOptionError",
      message: "Schedule: options must be an object such as { clocks: [...] } (received undefined)",
    });
    assert.throws(() => new Schedule({ clocks: new IntervalClock({ interval: DAY }) as never }), {
      name: "InvalidOptionError",
      message: `Schedule: invalid option "clocks": must be an array of clocks (IntervalClock, CronClock, DatesClock) (received [object Object])`,
    });
    assert.throws(() => new Schedule({ clocks: [], filters: [42 as never] }), {
      message: `Schedule: invalid option "filters": must be an array of functions (received [42])`,
    });
  });

  it("with no clocks has no events", () => {
    assert.deepEqual(new Schedule({ clocks: [] }).next(3), []);
  });

  it("IntervalSchedule needs an interval, and names itself", () => {
    assert.throws(() => new IntervalSchedule(undefined as never), {
      name: "InvalidIntervalError",
      message: `IntervalSchedule: invalid option "interval": must be a number of milliseconds greater than 0 (received undefined)`,
    });
    assert.throws(() => new CronSchedule("0 0 * *"), { name: "InvalidCronError", message: /^CronSchedule: invalid cron string "0 0 \* \*": / });
  });
});

describe("Schedule.next", () => {
  it("gives dates", () => {
    const dt = at("2019-01-01T00:00Z");
    const out = new Schedule({ clocks: [new IntervalClock({ interval: DAY })] }).next(3, { after: dt });
    assert.ok(out.every((d) => d instanceof Date));
    assert.deepEqual(ms(out), [dt + DAY, dt + 2 * DAY, dt + 3 * DAY]);
  });

  it("gives events when asked", () => {
    const dt = at("2019-01-01T00:00Z");
    const out = new Schedule({ clocks: [new IntervalClock({ interval: DAY })] }).next(3, { after: dt, returnEvents: true });
    assert.ok(out.every((e) => e instanceof ClockEvent));
    assert.ok(out.every((e) => Object.keys(e.parameterDefaults).length === 0));
    assert.deepEqual(out.map((e) => e.time), [dt + DAY, dt + 2 * DAY, dt + 3 * DAY]);
  });

  it("merges overlapping clocks in time order, each time once", () => {
    const dt = at("2019-01-01T00:00Z");
    const s = new Schedule({
      clocks: [new IntervalClock({ interval: DAY }), new IntervalClock({ interval: 12 * HOUR, startDate: "2019-01-03T00:00Z" })],
    });
    const expected = [dt + DAY, dt + 2 * DAY, dt + 2.5 * DAY, dt + 3 * DAY, dt + 3.5 * DAY, dt + 4 * DAY];
    assert.deepEqual(ms(s.next(6, { after: dt })), expected);
    const events = s.next(6, { after: dt, returnEvents: true });
    assert.ok(events.every((e) => e instanceof ClockEvent && Object.keys(e.parameterDefaults).length === 0));
    assert.deepEqual(events.map((e) => e.time), expected);
  });

  it("keeps events at the same time that differ in parameter defaults", () => {
    const dt = at("2019-01-01T00:00Z");
    const special = at("2020-03-01T00:00Z");
    const same = new Schedule({ clocks: [new DatesClock([special]), new DatesClock([special])] }).next(2, { after: dt, returnEvents: true });
    assert.equal(same.length, 1);
    assert.equal(same[0]!.time, special);

    const differ = new Schedule({
      clocks: [new DatesClock([special], { parameterDefaults: { a: 1 } }), new DatesClock([special], { parameterDefaults: { a: 2 } })],
    }).next(2, { after: dt, returnEvents: true });
    assert.equal(differ.length, 2);
    assert.deepEqual(differ.map((e) => e.time), [special, special]);
    assert.deepEqual(new Set(differ.map((e) => e.parameterDefaults.a)), new Set([1, 2]));
  });

  it("gives each event its clock's parameter defaults; ties in clock order", () => {
    const s = new Schedule({
      clocks: [
        new IntervalClock({ interval: DAY, parameterDefaults: { x: 0 } }),
        new IntervalClock({ interval: 12 * HOUR, parameterDefaults: { x: 1 } }),
      ],
    });
    const dt = at("2019-01-01T00:00Z");
    const out = s.next(6, { after: dt, returnEvents: true });
    assert.deepEqual(out.map((e) => e.parameterDefaults.x), [1, 0, 1, 1, 0, 1]);
    assert.deepEqual(out.map((e) => e.time), [dt + 0.5 * DAY, dt + DAY, dt + DAY, dt + 1.5 * DAY, dt + 2 * DAY, dt + 2 * DAY]);
  });

  it("filters: all must pass", () => {
    const dt = at("2019-01-01T00:00Z");
    const s = new Schedule({ clocks: [new IntervalClock({ interval: HOUR })], filters: [filters.betweenTimes("09:00", "10:00")] });
    assert.deepEqual(ms(s.next(6, { after: dt })), [dayAt(dt, 0, 9), dayAt(dt, 0, 10), dayAt(dt, 1, 9), dayAt(dt, 1, 10), dayAt(dt, 2, 9), dayAt(dt, 2, 10)]);
  });

  it("filters: atTime on a quarter-hourly clock", () => {
    const dt = at("2019-01-01T00:00Z");
    const s = new Schedule({ clocks: [new IntervalClock({ interval: 15 * MIN })], filters: [filters.atTime("02:45")] });
    assert.deepEqual(ms(s.next(6, { after: dt })), [0, 1, 2, 3, 4, 5].map((d) => dayAt(dt, d, 2, 45)));
  });

  it("filters that exclude each other leave nothing (after checking 10,000 events)", () => {
    const s = new Schedule({
      clocks: [new IntervalClock({ interval: HOUR })],
      filters: [filters.betweenTimes("09:00", "10:00"), filters.betweenTimes("15:00", "16:00")],
    });
    assert.deepEqual(s.next(6, { after: "2019-01-01T00:00Z" }), []);
  });

  it("orFilters: at least one must pass", () => {
    const dt = at("2019-01-01T00:00Z");
    const s = new Schedule({
      clocks: [new IntervalClock({ interval: HOUR })],
      orFilters: [filters.betweenTimes("09:00", "09:00"), filters.betweenTimes("15:00", "15:00")],
    });
    assert.deepEqual(ms(s.next(6, { after: dt })), [dayAt(dt, 0, 9), dayAt(dt, 0, 15), dayAt(dt, 1, 9), dayAt(dt, 1, 15), dayAt(dt, 2, 9), dayAt(dt, 2, 15)]);
  });

  it("notFilters: none may pass", () => {
    const dt = at("2019-01-01T00:00Z");
    const s = new Schedule({
      clocks: [new IntervalClock({ interval: HOUR })],
      notFilters: [filters.betweenTimes("00:00", "08:00"), filters.betweenTimes("10:00", "14:00"), filters.betweenTimes("16:00", "23:00")],
    });
    assert.deepEqual(ms(s.next(6, { after: dt })), [dayAt(dt, 0, 9), dayAt(dt, 0, 15), dayAt(dt, 1, 9), dayAt(dt, 1, 15), dayAt(dt, 2, 9), dayAt(dt, 2, 15)]);
  });

  const weekdays9and3 = {
    clocks: [new IntervalClock({ interval: HOUR })],
    filters: [filters.isWeekday],
    orFilters: [filters.betweenTimes("09:00", "09:00"), filters.betweenTimes("15:00", "15:00")],
    notFilters: [filters.betweenDates(1, 8, 1, 8)],
  };

  it("filters, orFilters and notFilters together", () => {
    const dt = at("2019-01-03T00:00Z"); // a Thursday
    const s = new Schedule(weekdays9and3);
    assert.deepEqual(ms(s.next(8, { after: dt })), [
      dayAt(dt, 0, 9), dayAt(dt, 0, 15), dayAt(dt, 1, 9), dayAt(dt, 1, 15),
      // the weekend is skipped
      dayAt(dt, 4, 9), dayAt(dt, 4, 15),
      // January 8 is skipped
      dayAt(dt, 6, 9), dayAt(dt, 6, 15),
    ]);
  });

  it("adjustments move the events that passed", () => {
    const dt = at("2019-01-03T00:00Z");
    const s = new Schedule({ ...weekdays9and3, adjustments: [adjustments.add(3 * HOUR)] });
    assert.deepEqual(ms(s.next(8, { after: dt })), [
      dayAt(dt, 0, 12), dayAt(dt, 0, 18), dayAt(dt, 1, 12), dayAt(dt, 1, 18),
      dayAt(dt, 4, 12), dayAt(dt, 4, 18), dayAt(dt, 6, 12), dayAt(dt, 6, 18),
    ]);
    // events keep their parameter defaults through adjustments
    const withParams = new Schedule({ clocks: [new DatesClock(["2019-01-05T10:00Z"], { parameterDefaults: { p: 1 } })], adjustments: [adjustments.nextWeekday] });
    const [e] = withParams.next(1, { after: dt, returnEvents: true });
    assert.equal(e!.startTime.toISOString(), "2019-01-07T10:00:00.000Z");
    assert.deepEqual(e!.parameterDefaults, { p: 1 });
  });

  it("start and end dates are the clocks' earliest start and latest end", () => {
    const s = new Schedule({
      clocks: [
        new IntervalClock({ interval: HOUR, startDate: "2018-01-01T00:00Z", endDate: "2019-01-01T00:00Z" }),
        new IntervalClock({ interval: HOUR, startDate: "2019-01-01T00:00Z", endDate: "2020-01-01T00:00Z" }),
      ],
    });
    assert.equal(s.startDate!.toISOString(), "2018-01-01T00:00:00.000Z");
    assert.equal(s.endDate!.toISOString(), "2020-01-01T00:00:00.000Z");
    const open = new Schedule({ clocks: [new IntervalClock({ interval: HOUR }), new IntervalClock({ interval: HOUR })] });
    assert.equal(open.startDate, undefined);
    assert.equal(open.endDate, undefined);
    const empty = new Schedule({ clocks: [] });
    assert.equal(empty.startDate, undefined);
    assert.equal(empty.endDate, undefined);
  });

  it("merges clocks in different time zones in UTC time order", () => {
    const east = new CronClock("0 9 * * 1-5", { startDate: "2019-03-14", timezone: "US/Eastern" });
    const west = new CronClock("30 6 * * 1-5", { startDate: "2019-03-14", timezone: "US/Pacific" });
    const s = new Schedule({ clocks: [east, west] });
    const after = "2019-05-01T00:00Z";
    const e3 = [...take(east.events(after), 3)];
    const w3 = [...take(west.events(after), 3)];
    const expected = [e3[0]!, w3[0]!, e3[1]!, w3[1]!, e3[2]!, w3[2]!].map((e) => e.time);
    assert.deepEqual(ms(s.next(6, { after })), expected);
    // 09:00 Eastern is 13:00 UTC, 06:30 Pacific is 13:30 UTC
    assert.deepEqual(s.next(2, { after }).map((d) => d.toISOString()), ["2019-05-01T13:00:00.000Z", "2019-05-01T13:30:00.000Z"]);
  });

  it("stops after checking 10,000 events, found or not", () => {
    let calls = 0;
    const s = new Schedule({ clocks: [new IntervalClock({ interval: MIN })], filters: [() => (calls++, false)] });
    assert.deepEqual(s.next(1, { after: 0 }), []);
    assert.equal(calls, MAX_CHECKED_EVENTS);
    // a sparse filter: 10,000 minutes is about a week, so only the first June 1st is found
    const sparse = new Schedule({ clocks: [new IntervalClock({ interval: MIN, startDate: "2019-05-30T00:00Z" })], filters: [filters.onDate(6, 1), filters.atTime("12:00")] });
    assert.deepEqual(sparse.next(3, { after: "2019-05-30T00:00Z" }).map((d) => d.toISOString()), ["2019-06-01T12:00:00.000Z"]);
  });

  it("refuses a count that is not a whole number of events", () => {
    const s = new Schedule({ clocks: [new IntervalClock({ interval: DAY })] });
    assert.deepEqual(s.next(0), []);
    for (const n of [-1, 1.5, Number.NaN]) {
      assert.throws(() => s.next(n), (err: unknown) => {
        assert.ok(err instanceof InvalidOptionError);
        assert.equal(err.message, `schedule.next(n): n must be a whole number of events, 0 or more (received ${n})`);
        return true;
      });
    }
  });

  it("filters and adjustments see each event in its clock's time zone", () => {
    const ny = new IntervalClock({ interval: HOUR, startDate: "2024-03-01T00:00", timezone: "America/New_York" });
    const s = new Schedule({ clocks: [ny], filters: [filters.atTime("09:00")] });
    // 09:00 New York, before and after the March 10 change
    assert.deepEqual(s.next(2, { after: "2024-03-09T00:00Z" }).map((d) => d.toISOString()), ["2024-03-09T14:00:00.000Z", "2024-03-10T13:00:00.000Z"]);
    // a Saturday 22:00 in New York is already Sunday in UTC: nextWeekday moves it to Monday 22:00 New York
    const sat = new Schedule({ clocks: [new DatesClock(["2024-03-09T22:00"], { timezone: "America/New_York" })], adjustments: [adjustments.nextWeekday] });
    const [d] = sat.next(1, { after: "2024-03-01T00:00Z" });
    assert.equal(d!.toISOString(), "2024-03-12T02:00:00.000Z");
    assert.deepEqual([wallTime(d!, "America/New_York").weekday, wallTime(d!, "America/New_York").hour], [0, 22]);
  });

  it("events() follows the schedule lazily and ends with its clocks", () => {
    const s = new Schedule({ clocks: [new DatesClock(["2024-01-01T00:00Z", "2024-01-02T00:00Z"]), new DatesClock(["2024-01-01T12:00Z"], { labels: ["noon"] })] });
    assert.deepEqual([...s.events({ after: "2023-12-31T00:00Z" })].map(String), [
      "<ClockEvent 2024-01-01T00:00:00.000Z>",
      "<ClockEvent 2024-01-01T12:00:00.000Z [noon]>",
      "<ClockEvent 2024-01-02T00:00:00.000Z>",
    ]);
  });
});

describe("IntervalSchedule and CronSchedule", () => {
  it("IntervalSchedule: every interval from the start date, up to the end date", () => {
    const s = new IntervalSchedule({ interval: DAY, startDate: "2024-03-08T09:00", endDate: "2024-03-11T09:00", timezone: "America/New_York" });
    assert.ok(s instanceof Schedule);
    assert.deepEqual(s.next(5, { after: 0 }).map((d) => d.toISOString()), [
      "2024-03-08T14:00:00.000Z", "2024-03-09T14:00:00.000Z", "2024-03-10T13:00:00.000Z", "2024-03-11T13:00:00.000Z",
    ]);
  });

  it("CronSchedule: a cron expression in a time zone, between start and end", () => {
    const s = new CronSchedule("0 9 * * 1-5", { timezone: "Europe/Paris", startDate: "2024-03-29", endDate: "2024-04-03" });
    assert.deepEqual(s.next(5, { after: 0 }).map((d) => d.toISOString()), [
      "2024-03-29T08:00:00.000Z", // Friday, CET
      "2024-04-01T07:00:00.000Z", // Monday, CEST
      "2024-04-02T07:00:00.000Z",
    ]);
    assert.equal((s.clocks[0] as CronClock).dayOr, true);
    assert.equal((new CronSchedule("0 0 1-7 * 2", { dayOr: false }).clocks[0] as CronClock).dayOr, false);
  });
});

function* take<T>(it: Iterable<T>, n: number): Generator<T> {
  if (n <= 0) return;
  let i = 0;
  for (const x of it) {
    yield x;
    if (++i >= n) return;
  }
}
