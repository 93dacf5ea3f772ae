/**
 * Filters: Prefect 1.4.1's tests/schedules/test_filters.py ported, plus time zones and bad
 * arguments.
 */
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { InvalidOptionError, filters, isDayOfWeek } from "../../lib/index";

/** A UTC date, like `pendulum.datetime(...)`. */
const dt = (y: number, mo: number, d: number, h = 0, mi = 0, s = 0, ms = 0) => new Date(Date.UTC(y, mo - 1, d, h, mi, s, ms));
const pyWeekday = (d: Date) => (d.getUTCDay() + 6) % 7;

describe("filters.onDatetime", () => {
  it("matches exactly that instant", () => {
    assert.equal(filters.onDatetime(dt(2019, 1, 2, 3, 4, 5))(dt(2019, 1, 2, 3, 4, 5)), true);
    assert.equal(filters.onDatetime(dt(2019, 1, 2))(dt(2019, 1, 2)), true);
    assert.equal(filters.onDatetime(dt(2019, 1, 2, 3, 4))(dt(2019, 1, 2, 3, 4, 5)), false);
    assert.equal(filters.onDatetime(dt(2019, 1, 2, 3, 4, 5))(dt(2019, 1, 2, 3, 4)), false);
    // an ISO string with an offset is the same instant
    assert.equal(filters.onDatetime("2019-01-01T22:04:05-05:00")(dt(2019, 1, 2, 3, 4, 5)), true);
  });
});

describe("filters.betweenDatetimes", () => {
  const cases: Array<[Date, Date, boolean]> = [
    [dt(2019, 1, 1), dt(2019, 1, 2), true],
    [dt(2019, 1, 1), dt(2019, 1, 1), false],
    [dt(2019, 1, 2), dt(2019, 1, 2), false],
    [dt(2019, 1, 1, 6), dt(2019, 1, 1, 6), true],
    [dt(2019, 1, 1, 5, 59), dt(2019, 1, 1, 6, 1), true],
  ];
  for (const [start, end, expected] of cases) {
    it(`${start.toISOString()} .. ${end.toISOString()} -> ${expected}`, () => {
      assert.equal(filters.betweenDatetimes(start, end)(dt(2019, 1, 1, 6)), expected);
    });
  }
});

describe("filters.onDate", () => {
  it("matches the month and day in any year", () => {
    const f = filters.onDate(3, 4);
    assert.equal(f(dt(2019, 3, 4)), true);
    assert.equal(f(dt(2019, 3, 5)), false);
    assert.equal(f(dt(2019, 3, 4, 5, 6)), true);
    assert.equal(f(dt(2034, 3, 4)), true);
    assert.equal(f(dt(2034, 3, 5)), false);
    assert.equal(f(dt(2034, 4, 4)), false);
  });
});

describe("filters.betweenDates", () => {
  const cases: Array<[[number, number, number, number], boolean]> = [
    [[1, 1, 12, 31], true],
    [[6, 1, 6, 1], true],
    [[5, 31, 6, 2], true],
    [[6, 2, 5, 31], false],
    [[6, 2, 7, 1], false],
    [[11, 1, 7, 1], true],
  ];
  for (const [args, expected] of cases) {
    it(`${args.join(", ")} on June 1 -> ${expected}`, () => {
      assert.equal(filters.betweenDates(...args)(dt(2019, 6, 1)), expected);
    });
  }
});

describe("filters.atTime", () => {
  const cases: Array<[Date, boolean]> = [
    [dt(2019, 1, 2, 4, 30), false],
    [dt(2019, 1, 2, 3, 30), true],
    [dt(2020, 1, 2, 3, 30), true],
    [dt(2019, 4, 5, 3, 30), true],
    [dt(2019, 4, 5, 3, 30, 1), false],
  ];
  for (const [date, expected] of cases) {
    it(`03:30 at ${date.toISOString()} -> ${expected}`, () => {
      assert.equal(filters.atTime("03:30")(date), expected);
      assert.equal(filters.atTime({ hour: 3, minute: 30 })(date), expected);
    });
  }
  it("counts milliseconds", () => {
    assert.equal(filters.atTime("03:30:00.250")(dt(2019, 1, 1, 3, 30, 0, 250)), true);
    assert.equal(filters.atTime("03:30")(dt(2019, 1, 1, 3, 30, 0, 250)), false);
  });
});

describe("filters.betweenTimes", () => {
  const cases: Array<[string, string, boolean]> = [
    ["05:00", "07:00", true],
    ["06:00", "06:00", true],
    ["07:00", "05:00", false],
    ["07:00", "06:00", true],
  ];
  for (const [start, end, expected] of cases) {
    it(`${start} .. ${end} at 06:00 -> ${expected}`, () => {
      assert.equal(filters.betweenTimes(start, end)(dt(2019, 6, 1, 6)), expected);
    });
  }
});

describe("weekday, weekend, month start and end", () => {
  for (let i = 1; i < 10; i++) {
    const d = dt(2019, 1, i);
    it(`2019-01-0${i}: isWeekday ${pyWeekday(d) < 5}, isWeekend ${pyWeekday(d) > 4}`, () => {
      assert.equal(filters.isWeekday(d), pyWeekday(d) < 5);
      assert.equal(filters.isWeekend(d), pyWeekday(d) > 4);
    });
  }

  const monthEnds: Array<[Date, boolean]> = [
    [dt(2019, 1, 20), false],
    [dt(2019, 1, 31), true],
    [dt(2019, 2, 27), false],
    [dt(2019, 2, 28), true],
    [dt(2020, 2, 28), false],
    [dt(2020, 2, 29), true],
  ];
  for (const [d, expected] of monthEnds) {
    it(`isMonthEnd ${d.toISOString().slice(0, 10)} -> ${expected}`, () => {
      assert.equal(filters.isMonthEnd(d), expected);
    });
  }

  it("isMonthStart: the first of every month, from 1971 to 2525", () => {
    for (const year of [1971, 1972, 1992, 2020, 2525]) {
      for (let month = 1; month < 12; month++) {
        assert.equal(filters.isMonthStart(dt(year, month, 1)), true, `${year}-${month}-01`);
        for (const day of [2, 15, 28]) assert.equal(filters.isMonthStart(dt(year, month, day)), false, `${year}-${month}-${day}`);
      }
    }
  });
});

describe("filters.isDayOfWeek", () => {
  it("counts as Prefect's code and tests do: 0 is Monday", () => {
    // Prefect's table: each of these is a Monday; day_of_week n matches day + n and not day + n + 1
    const mondays: Record<number, { month: number; day: number }> = {
      1971: { month: 2, day: 22 },
      1972: { month: 6, day: 12 },
      1992: { month: 6, day: 8 },
      2020: { month: 9, day: 14 },
      2525: { month: 12, day: 3 },
    };
    for (let n = 0; n < 6; n++) {
      const f = filters.isDayOfWeek(n);
      for (const [year, { month, day }] of Object.entries(mondays)) {
        assert.equal(f(dt(Number(year), month, day + n)), true, `${year}-${month}-${day + n} is day ${n}`);
        assert.equal(f(dt(Number(year), month, day + n + 1)), false, `${year}-${month}-${day + n + 1} is not day ${n}`);
      }
    }
  });

  it("takes day names too, and refuses anything else", () => {
    assert.equal(isDayOfWeek("sunday")(dt(2024, 3, 10)), true);
    assert.equal(isDayOfWeek(6)(dt(2024, 3, 10)), true);
    assert.equal(isDayOfWeek("Monday")(dt(2024, 3, 11)), true);
    for (const bad of [7, -1, 1.5, "someday"]) {
      assert.throws(() => isDayOfWeek(bad as never), (err: unknown) => {
        assert.ok(err instanceof InvalidOptionError);
        assert.equal(err.message, `isDayOfWeek(day): day must be 0 (Monday) to 6 (Sunday) or a day name such as "monday" (received ${typeof bad === "string" ? `"${bad}"` : bad})`);
        return true;
      });
    }
  });
});

describe("filters read the date in the time zone they are given", () => {
  it("a Friday evening in Los Angeles is a Saturday in UTC", () => {
    const friday8pmLA = new Date("2024-03-16T03:00:00Z");
    assert.equal(filters.isWeekday(friday8pmLA), false);
    assert.equal(filters.isWeekday(friday8pmLA, "America/Los_Angeles"), true);
    assert.equal(filters.atTime("20:00")(friday8pmLA, "America/Los_Angeles"), true);
    assert.equal(filters.onDate(3, 15)(friday8pmLA, "America/Los_Angeles"), true);
    assert.equal(filters.isMonthEnd(new Date("2024-04-01T02:00Z"), "America/New_York"), true);
    assert.equal(filters.isMonthStart(new Date("2024-04-01T02:00Z"), "America/New_York"), false);
  });
});

describe("filter arguments are checked when the filter is made", () => {
  it("names the filter and the value", () => {
    const cases: Array<[() => unknown, string]> = [
      [() => filters.onDate(13, 1), "onDate(month, day): a month must be a whole number from 1 to 12 (received 13)"],
      [() => filters.onDate(2, 0), "onDate(month, day): a day must be a whole number from 1 to 31 (received 0)"],
      [() => filters.betweenDates(1, 1, 12, 32), "betweenDates(startMonth, startDay, endMonth, endDay): a day must be a whole number from 1 to 31 (received 32)"],
      [() => filters.atTime("25:00"), `atTime(time): a time of day must be "HH:MM", "HH:MM:SS[.mmm]" or { hour, minute?, second?, millisecond? } (received "25:00")`],
      [() => filters.betweenTimes({ hour: 9 }, { hour: 9, minute: 60 }), `betweenTimes(start, end): a time of day must be "HH:MM", "HH:MM:SS[.mmm]" or { hour, minute?, second?, millisecond? } (received {"hour":9,"minute":60})`],
      [() => filters.onDatetime("tomorrow"), `onDatetime(date): invalid date: "tomorrow" is not a date (use a Date, epoch milliseconds, or an ISO 8601 string such as "2024-03-10T09:00" or "2024-03-10T09:00Z")`],
    ];
    for (const [make, message] of cases) {
      assert.throws(make, (err: unknown) => {
        assert.ok(err instanceof InvalidOptionError);
        assert.equal(err.message, message);
        return true;
      });
    }
  });
});
