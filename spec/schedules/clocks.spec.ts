/**
 * Clocks: Prefect 1.4.1's tests/schedules/test_clocks.py ported (RRuleClock and the ClockSchema
 * serialization round-trips excepted: flowsmith has neither), plus the DST cases Prefect leaves
 * open (a daily cron inside the skipped or repeated hour, quarter-hourly crons across both changes).
 */
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import {
  ClockEvent, CronClock, DatesClock, IntervalClock, InvalidCronError, InvalidDateRangeError, InvalidIntervalError,
  InvalidOptionError, InvalidTimezoneError, wallTime,
} from "../../lib/index";

const HOUR = 3_600_000;
const DAY = 86_400_000;
const NY = "America/New_York";

function take<T>(iterable: Iterable<T>, n: number): T[] {
  const out: T[] = [];
  if (n <= 0) return out;
  for (const x of iterable) {
    out.push(x);
    if (out.length === n) break;
  }
  return out;
}
const times = (events: ClockEvent[]) => events.map((e) => e.startTime.getTime());
const iso = (events: ClockEvent[]) => events.map((e) => e.startTime.toISOString());
const hoursIn = (events: ClockEvent[], tz: string) => events.map((e) => wallTime(e.startTime, tz).hour);
const utcHours = (events: ClockEvent[]) => events.map((e) => e.startTime.getUTCHours());
const at = (s: string) => Date.parse(s);

/** Midnight UTC of today, read before and after `fn` (the two differ only across midnight). */
function aroundToday<T>(fn: () => T): { value: T; todays: number[] } {
  const before = Date.now();
  const value = fn();
  const after = Date.now();
  const midnight = (ms: number) => ms - (ms % DAY);
  return { value, todays: [midnight(before), midnight(after)] };
}

describe("ClockEvent", () => {
  it("requires a start time, and has empty parameter defaults and no labels by default", () => {
    assert.throws(() => new ClockEvent(undefined as never), {
      name: "InvalidOptionError",
      message: `ClockEvent: invalid startTime: undefined is not a date (use a Date, epoch milliseconds, or an ISO 8601 string such as "2024-03-10T09:00" or "2024-03-10T09:00Z")`,
    });
    const now = new Date();
    const e = new ClockEvent(now);
    assert.equal(e.startTime.getTime(), now.getTime());
    assert.deepEqual(e.parameterDefaults, {});
    assert.equal(e.labels, undefined);
    assert.equal(e.timezone, "UTC");
  });

  it("accepts parameter defaults", () => {
    const e = new ClockEvent(Date.now(), { parameterDefaults: { x: 42, z: [1, 2, 3] } });
    assert.deepEqual(e.parameterDefaults, { x: 42, z: [1, 2, 3] });
    assert.equal(e.labels, undefined);
  });

  it("accepts labels", () => {
    const e = new ClockEvent(Date.now(), { labels: ["dev", "staging"] });
    assert.deepEqual(e.parameterDefaults, {});
    assert.deepEqual(e.labels, ["dev", "staging"]);
  });

  it("compares with dates by instant, and with events by instant, parameter defaults and labels", () => {
    const now = Date.now();
    const later = new Date(now + HOUR);
    const e = new ClockEvent(now);
    const e2 = new ClockEvent(later);
    assert.ok(e.equals(new Date(now)));
    assert.equal(e.equals(later), false);
    assert.ok(e.equals(new ClockEvent(now)));
    assert.equal(e.equals(e2), false);
    assert.ok(e.time < e2.time);

    const withParams = new ClockEvent(later, { parameterDefaults: { a: 2 } });
    const withLabels = new ClockEvent(later, { labels: ["staging"] });
    assert.ok(withParams.equals(later) && withLabels.equals(later) && e2.equals(later));
    assert.equal(e2.equals(withParams), false);
    assert.equal(e2.equals(withLabels), false);
    assert.ok(withParams.equals(new ClockEvent(later, { parameterDefaults: { a: 2 } })));
    // The time zone an event is seen in does not make it another event (as in Prefect).
    assert.ok(e.equals(new ClockEvent(now, { timezone: NY })));
  });

  it("prints its time, parameter defaults and labels", () => {
    assert.equal(String(new ClockEvent("2024-01-01T09:00Z", { parameterDefaults: { x: 1 }, labels: ["dev"] })), `<ClockEvent 2024-01-01T09:00:00.000Z {"x":1} [dev]>`);
  });
});

describe("IntervalClock", () => {
  it("has empty parameter defaults and no labels unless given", () => {
    const c = new IntervalClock({ startDate: new Date(), interval: DAY });
    assert.deepEqual(c.parameterDefaults, {});
    assert.equal(c.labels, undefined);
    assert.deepEqual(new IntervalClock({ interval: DAY, parameterDefaults: { x: 42 } }).parameterDefaults, { x: 42 });
    assert.deepEqual(new IntervalClock({ interval: DAY, labels: ["foo"] }).labels, ["foo"]);
  });

  it("needs an interval", () => {
    assert.throws(() => new IntervalClock({} as never), {
      name: "InvalidIntervalError",
      message: `IntervalClock: invalid option "interval": must be a number of milliseconds greater than 0 (received undefined)`,
    });
  });

  it("may have no start date and no end date", () => {
    const c = new IntervalClock({ interval: HOUR });
    assert.equal(c.startDate, undefined);
    assert.equal(c.interval, HOUR);
    assert.equal(c.endDate, undefined);
    const e = new IntervalClock({ interval: HOUR, endDate: "2020-01-01T00:00Z" });
    assert.equal(e.startDate, undefined);
    assert.equal(e.endDate!.toISOString(), "2020-01-01T00:00:00.000Z");
  });

  it("refuses an interval of zero or less, naming it", () => {
    for (const interval of [-HOUR, -1000, 0, Number.NaN, Infinity]) {
      assert.throws(() => new IntervalClock({ interval }), (err: unknown) => {
        assert.ok(err instanceof InvalidIntervalError && err instanceof InvalidOptionError);
        assert.equal(err.message, `IntervalClock: invalid option "interval": must be a number of milliseconds greater than 0 (received ${interval})`);
        return true;
      });
    }
  });

  it("refuses an end date before the start date", () => {
    assert.throws(() => new IntervalClock({ interval: HOUR, startDate: "2020-01-02T00:00Z", endDate: "2020-01-01T00:00Z" }), (err: unknown) => {
      assert.ok(err instanceof InvalidDateRangeError);
      assert.equal(err.message, `IntervalClock: invalid option "endDate": 2020-01-01T00:00:00.000Z is before startDate 2020-01-02T00:00:00.000Z`);
      return true;
    });
    // the same instant is a one-event clock
    assert.deepEqual(iso([...new IntervalClock({ interval: HOUR, startDate: "2020-01-01T00:00Z", endDate: "2020-01-01T00:00Z" }).events(0)]), ["2020-01-01T00:00:00.000Z"]);
  });

  for (const params of [{}, { x: 1 }]) {
    it(`events start after now by default (parameterDefaults ${JSON.stringify(params)})`, () => {
      const c = new IntervalClock({ interval: DAY, startDate: "2018-01-01T00:00Z", parameterDefaults: params });
      const { value: out, todays } = aroundToday(() => take(c.events(), 3));
      assert.ok(out.every((e) => e instanceof ClockEvent));
      assert.ok(out.every((e) => JSON.stringify(e.parameterDefaults) === JSON.stringify(params)));
      assert.ok(todays.some((today) => JSON.stringify(times(out)) === JSON.stringify([today + DAY, today + 2 * DAY, today + 3 * DAY])), iso(out).join(", "));
    });
  }

  for (const labels of [[], ["dev"]]) {
    it(`events carry the clock's labels (${JSON.stringify(labels)})`, () => {
      const c = new IntervalClock({ interval: DAY, startDate: "2018-01-01T00:00Z", labels });
      const out = take(c.events(), 3);
      assert.ok(out.every((e) => JSON.stringify(e.labels) === JSON.stringify(labels)));
    });
  }

  it("events after a given date", () => {
    const c = new IntervalClock({ interval: DAY, startDate: "2018-01-01T00:00Z" });
    const after = at("2025-01-05T00:00Z");
    assert.deepEqual(times(take(c.events(after + HOUR), 3)), [after + DAY, after + 2 * DAY, after + 3 * DAY]);
  });

  it("stops at the end date", () => {
    const start = at("2018-01-01T00:00Z");
    const c = new IntervalClock({ startDate: start, interval: DAY, endDate: "2018-01-02T00:00Z" });
    assert.deepEqual(times(take(c.events(start), 3)), [start + DAY]);
    assert.deepEqual(take(c.events("2018-02-01T00:00Z"), 3), []);
  });

  it("moves to the next interval when `after` is in the middle of one", () => {
    const start = at("2018-01-01T00:00Z");
    const c = new IntervalClock({ startDate: start, interval: HOUR });
    assert.deepEqual(times(take(c.events(start + 1), 2)), [start + HOUR, start + 2 * HOUR]);
  });

  it("does not compute dates before the start date", () => {
    const start = at("2018-01-01T00:00Z");
    const c = new IntervalClock({ startDate: start, interval: HOUR });
    assert.deepEqual(times(take(c.events("2000-01-01T00:00Z"), 3)), [start, start + HOUR, start + 2 * HOUR]);
  });

  it("keeps the start date's milliseconds", () => {
    const start = at("2018-01-01T00:00:00.001Z");
    const c = new IntervalClock({ startDate: start, interval: HOUR });
    assert.deepEqual(times(take(c.events("2010-01-01T00:00Z"), 3)), [start, start + HOUR, start + 2 * HOUR]);
  });

  it("starts on 2019-01-01 00:00 of its time zone by default", () => {
    assert.deepEqual(iso(take(new IntervalClock({ interval: DAY }).events(0), 1)), ["2019-01-01T00:00:00.000Z"]);
    assert.deepEqual(iso(take(new IntervalClock({ interval: DAY, timezone: NY }).events(0), 1)), ["2019-01-01T05:00:00.000Z"]);
  });

  it("refuses an unknown time zone and a date it cannot read", () => {
    assert.throws(() => new IntervalClock({ interval: HOUR, timezone: "Mars/Olympus_Mons" }), (err: unknown) => {
      assert.ok(err instanceof InvalidTimezoneError);
      assert.equal(err.message, `IntervalClock: invalid option "timezone": "Mars/Olympus_Mons" is not an IANA time zone (such as "UTC" or "America/New_York")`);
      return true;
    });
    assert.throws(() => new IntervalClock({ interval: HOUR, startDate: "2019-02-30" }), {
      name: "InvalidOptionError",
      message: `IntervalClock: invalid option "startDate": "2019-02-30" is not a date (use a Date, epoch milliseconds, or an ISO 8601 string such as "2024-03-10T09:00" or "2024-03-10T09:00Z")`,
    });
  });
});

describe("IntervalClock across DST changes", () => {
  it("always has the right offset long after a start in another offset (Prefect's 75 s clock)", () => {
    const start = 1582002945964.696;
    const current = 1593643144233.938;
    const c = new IntervalClock({ interval: 75_000, startDate: start, timezone: "US/Pacific" });
    const next4 = take(c.events(current), 4);
    assert.equal(next4.length, 4);
    assert.ok(next4.every((e) => e.time > current));
  });

  it("hourly, spring forward, start given in UTC: local 02:00 is skipped, UTC hours are steady", () => {
    const dt = "2018-03-10T23:00-05:00";
    const c = new IntervalClock({ interval: HOUR, startDate: new Date(dt) });
    const next4 = take(c.events(dt), 4);
    assert.deepEqual(hoursIn(next4, NY), [0, 1, 3, 4]);
    assert.deepEqual(utcHours(next4), [5, 6, 7, 8]);
  });

  it("hourly, spring forward, in America/New_York", () => {
    const c = new IntervalClock({ interval: HOUR, startDate: "2018-03-10T23:00", timezone: NY });
    const next4 = take(c.events(c.startDate), 4);
    assert.deepEqual(hoursIn(next4, NY), [0, 1, 3, 4]);
    assert.deepEqual(utcHours(next4), [5, 6, 7, 8]);
  });

  it("hourly, fall back: local 01:00 runs twice, an hour apart in UTC", () => {
    const c = new IntervalClock({ interval: HOUR, startDate: "2018-11-03T23:00", timezone: NY });
    const next4 = take(c.events(c.startDate), 4);
    assert.deepEqual(hoursIn(next4, NY), [0, 1, 1, 2]);
    assert.deepEqual(utcHours(next4), [4, 5, 6, 7]);
  });

  it("hourly keeps UTC steps even long after its start (Prefect 1.4.1 would repeat 03:00 here)", () => {
    const c = new IntervalClock({ interval: HOUR, startDate: "2018-03-01T23:00", timezone: NY });
    const next5 = take(c.events("2018-03-10T23:00-05:00"), 5);
    assert.deepEqual(hoursIn(next5, NY), [0, 1, 3, 4, 5]);
    assert.deepEqual(utcHours(next5), [5, 6, 7, 8, 9]);
  });

  it("daily, spring forward: stays at 09:00 local time", () => {
    const c = new IntervalClock({ interval: DAY, startDate: "2018-03-08T09:00", timezone: NY });
    const next4 = take(c.events(c.startDate), 4);
    assert.deepEqual(hoursIn(next4, NY), [9, 9, 9, 9]);
    assert.deepEqual(utcHours(next4), [14, 14, 13, 13]);
  });

  it("daily, fall back: stays at 09:00 local time", () => {
    const c = new IntervalClock({ interval: DAY, startDate: "2018-11-01T09:00", timezone: NY });
    const next4 = take(c.events(c.startDate), 4);
    assert.deepEqual(hoursIn(next4, NY), [9, 9, 9, 9]);
    assert.deepEqual(utcHours(next4), [13, 13, 14, 14]);
  });

  it("daily at a time the change skips or repeats: the later reading (03:30 EDT; 01:30 EST)", () => {
    const spring = new IntervalClock({ interval: DAY, startDate: "2018-03-10T02:30", timezone: NY });
    assert.deepEqual(iso(take(spring.events(spring.startDate), 2)), ["2018-03-11T07:30:00.000Z", "2018-03-12T06:30:00.000Z"]);
    const fall = new IntervalClock({ interval: DAY, startDate: "2018-11-03T01:30", timezone: NY });
    assert.deepEqual(iso(take(fall.events(fall.startDate), 2)), ["2018-11-04T06:30:00.000Z", "2018-11-05T06:30:00.000Z"]);
  });

  it("finds the next daily event right after a change, where the elapsed time misleads", () => {
    // Started in summer at 09:00 EDT; in winter 09:00 EST is an hour later in UTC than 24 h steps say.
    const c = new IntervalClock({ interval: DAY, startDate: "2018-07-01T09:00", timezone: NY });
    assert.deepEqual(iso(take(c.events("2018-12-01T13:30Z"), 2)), ["2018-12-01T14:00:00.000Z", "2018-12-02T14:00:00.000Z"]);
    // and an event exactly at `after` is not repeated
    assert.deepEqual(iso(take(c.events("2018-12-01T14:00Z"), 1)), ["2018-12-02T14:00:00.000Z"]);
  });
});

describe("CronClock", () => {
  it("has empty parameter defaults and no labels unless given", () => {
    const c = new CronClock("* * * * *");
    assert.deepEqual(c.parameterDefaults, {});
    assert.equal(c.labels, undefined);
    assert.deepEqual(new CronClock("* * * * *", { parameterDefaults: { x: 42 } }).parameterDefaults, { x: 42 });
    assert.deepEqual(new CronClock("* * * * *", { labels: ["dev", "foo"] }).labels, ["dev", "foo"]);
  });

  for (const [given, expected] of [[true, true], [false, false], [undefined, true]] as const) {
    it(`dayOr ${String(given)} is ${expected}`, () => {
      assert.equal(new CronClock("* * * * *", { dayOr: given }).dayOr, expected);
    });
  }

  it("refuses an invalid cron string at construction, naming it", () => {
    const cases: Array<[unknown, string]> = [
      ["*", `CronClock: invalid cron string "*": invalid configuration format ('*'), exactly five, six, or seven space separated parts are required.`],
      ["hello world", `CronClock: invalid cron string "hello world": invalid configuration format ('hello world'), exactly five, six, or seven space separated parts are required.`],
      [1, `CronClock: invalid cron string 1: a cron string is five space-separated fields (minute hour day-of-month month day-of-week) or a nickname such as "@daily"`],
      ["61 * * * *", `CronClock: invalid cron string "61 * * * *": Invalid value for minute: 61`],
      ["0 0 * * * *", `CronClock: invalid cron string "0 0 * * * *": mode '5-part' requires exactly 5 parts, but pattern '0 0 * * * *' has 6 parts.`],
    ];
    for (const [cron, message] of cases) {
      assert.throws(() => new CronClock(cron as string), (err: unknown) => {
        assert.ok(err instanceof InvalidCronError && err instanceof InvalidOptionError, String(cron));
        assert.equal(err.message, message);
        return true;
      });
    }
    // Prefect's "* * 32 1 1": day 32 does not exist (croner's own reason counts days from 0)
    assert.throws(() => new CronClock("* * 32 1 1"), { name: "InvalidCronError", message: /^CronClock: invalid cron string "\* \* 32 1 1": Invalid value for day: / });
  });

  for (const params of [{}, { x: 1 }]) {
    it(`events start after now by default (parameterDefaults ${JSON.stringify(params)})`, () => {
      const c = new CronClock("0 0 * * *", { parameterDefaults: params });
      const { value: out, todays } = aroundToday(() => take(c.events(), 3));
      assert.ok(out.every((e) => e instanceof ClockEvent && JSON.stringify(e.parameterDefaults) === JSON.stringify(params)));
      assert.ok(todays.some((today) => JSON.stringify(times(out)) === JSON.stringify([today + DAY, today + 2 * DAY, today + 3 * DAY])), iso(out).join(", "));
    });
  }

  for (const labels of [[], ["foo"]]) {
    it(`events carry the clock's labels (${JSON.stringify(labels)})`, () => {
      const out = take(new CronClock("0 0 * * *", { labels }).events(), 3);
      assert.ok(out.every((e) => JSON.stringify(e.labels) === JSON.stringify(labels)));
    });
  }

  it("events after a given date", () => {
    const start = at("2018-01-01T00:00Z");
    assert.deepEqual(times(take(new CronClock("0 0 * * *").events(start), 3)), [start + DAY, start + 2 * DAY, start + 3 * DAY]);
  });

  it("dayOr: false fires only when day-of-month and day-of-week both match (the first Tuesday)", () => {
    const out = take(new CronClock("0 0 1-7 * 2", { dayOr: false }).events("2020-01-01T00:00Z"), 3);
    assert.deepEqual(iso(out), ["2020-01-07T00:00:00.000Z", "2020-02-04T00:00:00.000Z", "2020-03-03T00:00:00.000Z"]);
    // Prefect's check: one event a month
    const months = out.map((e) => e.startTime.getUTCMonth());
    assert.deepEqual(months, [months[0]!, months[0]! + 1, months[0]! + 2]);
    // with OR, any of the first seven days or any Tuesday
    assert.deepEqual(iso(take(new CronClock("0 0 1-7 * 2").events("2020-01-07T00:00Z"), 2)), ["2020-01-14T00:00:00.000Z", "2020-01-21T00:00:00.000Z"]);
  });

  it("a UTC hourly clock is steady through New York's spring forward and fall back", () => {
    assert.deepEqual(utcHours(take(new CronClock("0 * * * *").events("2018-03-11T00:00-05:00"), 4)), [6, 7, 8, 9]);
    assert.deepEqual(utcHours(take(new CronClock("0 * * * *").events("2018-11-04T00:00-04:00"), 4)), [5, 6, 7, 8]);
  });

  it("starts on its start date", () => {
    const start = at("2050-01-01T00:00Z");
    assert.deepEqual(times(take(new CronClock("0 0 * * *", { startDate: start }).events(), 3)), [start, start + DAY, start + 2 * DAY]);
  });

  it("ends on its end date", () => {
    const start = at("2050-01-01T00:00Z");
    const c = new CronClock("0 0 * * *", { startDate: start, endDate: "2050-01-02T00:00Z" });
    assert.deepEqual(times(take(c.events(), 3)), [start, start + DAY]);
  });

  it("a start date off the pattern starts at the next match", () => {
    const c = new CronClock("0 0 * * *", { startDate: "2050-01-01T06:00Z" });
    assert.deepEqual(iso(take(c.events(), 1)), ["2050-01-02T00:00:00.000Z"]);
    assert.deepEqual(iso(take(c.events("2050-01-01T07:00Z"), 1)), ["2050-01-02T00:00:00.000Z"]);
  });

  it("keeps the start date's milliseconds (a start 1 ms after midnight misses that midnight)", () => {
    const c = new CronClock("0 0 * * *", { startDate: "2050-01-01T00:00:00.001Z" });
    assert.deepEqual(iso(take(c.events(), 1)), ["2050-01-02T00:00:00.000Z"]);
  });

  it("refuses an end date before the start date and an unknown time zone", () => {
    assert.throws(() => new CronClock("0 0 * * *", { startDate: "2050-01-02T00:00Z", endDate: "2050-01-01T00:00Z" }), {
      name: "InvalidDateRangeError",
      message: `CronClock: invalid option "endDate": 2050-01-01T00:00:00.000Z is before startDate 2050-01-02T00:00:00.000Z`,
    });
    assert.throws(() => new CronClock("0 0 * * *", { timezone: "Europe/Atlantis" }), { name: "InvalidTimezoneError" });
  });

  it("a pattern that never matches has no events", () => {
    assert.deepEqual(take(new CronClock("0 0 30 2 *").events(0), 1), []);
  });
});

describe("CronClock across DST changes", () => {
  it("hourly, spring forward, clock in UTC: 02:00 local is skipped, UTC hours are steady", () => {
    const dt = "2018-03-10T23:00-05:00";
    const next4 = take(new CronClock("0 * * * *", { startDate: dt }).events(dt), 4);
    assert.deepEqual(hoursIn(next4, NY), [0, 1, 3, 4]);
    assert.deepEqual(utcHours(next4), [5, 6, 7, 8]);
  });

  it("hourly, spring forward, in America/New_York: 02:00 does not exist and 03:00 runs once", () => {
    const c = new CronClock("0 * * * *", { startDate: "2018-03-10T23:00", timezone: NY });
    const next4 = take(c.events(c.startDate), 4);
    assert.deepEqual(hoursIn(next4, NY), [0, 1, 3, 4]);
    assert.deepEqual(utcHours(next4), [5, 6, 7, 8]);
  });

  it("hourly, fall back, in America/New_York: 01:00 runs once, at its second occurrence (Prefect's test)", () => {
    const c = new CronClock("0 * * * *", { startDate: "2018-11-03T23:00", timezone: NY });
    const next4 = take(c.events(c.startDate), 4);
    assert.deepEqual(hoursIn(next4, NY), [0, 1, 2, 3]);
    assert.deepEqual(utcHours(next4), [4, 6, 7, 8]);
  });

  it("hourly, asked from inside the first 01:00 hour, still gives the second 01:00", () => {
    const next = take(new CronClock("0 * * * *", { timezone: NY }).events("2018-11-04T01:30-04:00"), 2);
    assert.deepEqual(iso(next), ["2018-11-04T06:00:00.000Z", "2018-11-04T07:00:00.000Z"]);
  });

  it("daily at 09:00, spring forward: stays at 09:00 local time", () => {
    const c = new CronClock("0 9 * * *", { startDate: "2018-03-08T09:00", timezone: NY });
    const next4 = take(c.events(c.startDate), 4);
    assert.deepEqual(hoursIn(next4, NY), [9, 9, 9, 9]);
    assert.deepEqual(utcHours(next4), [14, 14, 13, 13]);
  });

  it("daily at 09:00, fall back: stays at 09:00 local time", () => {
    const c = new CronClock("0 9 * * *", { startDate: "2018-11-01T09:00", timezone: NY });
    const next4 = take(c.events(c.startDate), 4);
    assert.deepEqual(hoursIn(next4, NY), [9, 9, 9, 9]);
    assert.deepEqual(utcHours(next4), [13, 13, 14, 14]);
  });

  it("Santiago: no endless loop at the midnight the clocks skip (Prefect's test)", () => {
    const c = new CronClock("0 0 * * 0", { startDate: "2022-08-21T10:00", timezone: "America/Santiago" });
    const next4 = take(c.events(c.startDate), 4);
    assert.deepEqual(next4.map((e) => wallTime(e.startTime, "America/Santiago").day), [28, 4, 11, 18]);
  });

  it("daily at 02:30 on the spring-forward night runs at 03:30 EDT, not skipped", () => {
    const next = take(new CronClock("30 2 * * *", { timezone: NY }).events("2018-03-09T12:00Z"), 3);
    assert.deepEqual(iso(next), ["2018-03-10T07:30:00.000Z", "2018-03-11T07:30:00.000Z", "2018-03-12T06:30:00.000Z"]);
  });

  it("daily at 01:30 on the fall-back night runs once, at 01:30 EST", () => {
    const next = take(new CronClock("30 1 * * *", { timezone: NY }).events("2018-11-02T12:00Z"), 3);
    assert.deepEqual(iso(next), ["2018-11-03T05:30:00.000Z", "2018-11-04T06:30:00.000Z", "2018-11-05T06:30:00.000Z"]);
  });

  it("every 15 minutes: the skipped hour's times run once each after the change; the repeated hour runs once", () => {
    const spring = take(new CronClock("*/15 * * * *", { timezone: NY }).events("2018-03-11T06:30Z"), 6);
    assert.deepEqual(spring.map((e) => e.startTime.toISOString().slice(11, 16)), ["06:45", "07:00", "07:15", "07:30", "07:45", "08:00"]);
    const fall = take(new CronClock("*/15 * * * *", { timezone: NY }).events("2018-11-04T04:40Z"), 4);
    assert.deepEqual(iso(fall), ["2018-11-04T04:45:00.000Z", "2018-11-04T06:00:00.000Z", "2018-11-04T06:15:00.000Z", "2018-11-04T06:30:00.000Z"]);
  });

  it("a half-hour zone (Asia/Kolkata) and a half-hour DST change (Australia/Lord_Howe)", () => {
    assert.deepEqual(iso(take(new CronClock("0 9 * * *", { timezone: "Asia/Kolkata" }).events("2024-01-01T00:00Z"), 1)), ["2024-01-01T03:30:00.000Z"]);
    // Lord Howe goes from +11 to +10:30 at 02:00 local on 2024-04-07; 09:00 stays 09:00 local.
    const lh = take(new CronClock("0 9 * * *", { timezone: "Australia/Lord_Howe" }).events("2024-04-05T00:00Z"), 3);
    assert.deepEqual(iso(lh), ["2024-04-05T22:00:00.000Z", "2024-04-06T22:30:00.000Z", "2024-04-07T22:30:00.000Z"]);
    assert.deepEqual(lh.map((e) => wallTime(e.startTime, "Australia/Lord_Howe").hour), [9, 9, 9]);
  });
});

describe("DatesClock", () => {
  it("one date is its start and end", () => {
    const now = new Date();
    const c = new DatesClock([now]);
    assert.equal(c.startDate!.getTime(), now.getTime());
    assert.equal(c.endDate!.getTime(), now.getTime());
    assert.deepEqual(c.parameterDefaults, {});
    assert.equal(c.labels, undefined);
  });

  it("several dates: the first is the start, the last the end", () => {
    const now = Date.now();
    const c = new DatesClock([now + DAY, now + 2 * DAY, now], { parameterDefaults: { y: 99 }, labels: ["dev", "staging"] });
    assert.equal(c.startDate!.getTime(), now);
    assert.equal(c.endDate!.getTime(), now + 2 * DAY);
    assert.deepEqual(c.parameterDefaults, { y: 99 });
    assert.deepEqual(c.labels, ["dev", "staging"]);
  });

  it("needs dates", () => {
    assert.throws(() => new DatesClock([]), { name: "InvalidOptionError", message: "DatesClock: needs at least one date" });
    assert.throws(() => new DatesClock(undefined as never), { name: "InvalidOptionError", message: "DatesClock: dates must be an array of dates (received undefined)" });
    assert.throws(() => new DatesClock(["2024-01-01", "soon"]), {
      message: `DatesClock: invalid date at index 1: "soon" is not a date (use a Date, epoch milliseconds, or an ISO 8601 string such as "2024-03-10T09:00" or "2024-03-10T09:00Z")`,
    });
  });

  for (const params of [{}, { x: 1 }]) {
    it(`events after now by default (parameterDefaults ${JSON.stringify(params)})`, () => {
      const tomorrow = Date.now() - (Date.now() % DAY) + DAY;
      const c = new DatesClock([tomorrow], { parameterDefaults: params });
      const out = take(c.events(), 3);
      assert.deepEqual(times(out), [tomorrow]);
      assert.ok(out.every((e) => JSON.stringify(e.parameterDefaults) === JSON.stringify(params)));
      assert.deepEqual(times(take(c.events(), 1)), [tomorrow]);
    });
  }

  for (const labels of [[], ["foo", "bar"]]) {
    it(`events carry the clock's labels (${JSON.stringify(labels)})`, () => {
      const tomorrow = Date.now() - (Date.now() % DAY) + DAY;
      const out = take(new DatesClock([tomorrow], { labels }).events(), 3);
      assert.deepEqual(times(out), [tomorrow]);
      assert.ok(out.every((e) => JSON.stringify(e.labels) === JSON.stringify(labels)));
    });
  }

  it("events after a given date", () => {
    const dt = Date.now() - (Date.now() % DAY) + DAY;
    const c = new DatesClock([dt]);
    assert.deepEqual(times(take(c.events(dt - 1000), 1)), [dt]);
    assert.deepEqual(times(take(c.events(dt - DAY), 1)), [dt]);
    assert.deepEqual(take(c.events(dt + DAY), 1), []);
  });

  it("events come in time order", () => {
    const dt = Date.now() + DAY;
    const c = new DatesClock([dt + DAY, dt + 2 * DAY, dt]);
    assert.deepEqual(times(take(c.events(), 3)), [dt, dt + DAY, dt + 2 * DAY]);
  });

  it("reads dates without an offset in its time zone", () => {
    const c = new DatesClock(["2024-07-04T09:00", "2024-12-25T09:00"], { timezone: NY });
    assert.deepEqual(c.dates.map((d) => d.toISOString()), ["2024-07-04T13:00:00.000Z", "2024-12-25T14:00:00.000Z"]);
  });
});
