/**
 * Adjustments: Prefect 1.4.1's tests/schedules/test_adjustments.py ported, plus DST.
 */
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { InvalidIntervalError, adjustments, filters, wallTime } from "../../lib/index";

const DAY = 86_400_000;

describe("adjustments.add", () => {
  for (const interval of [DAY, 0, -DAY, 1]) {
    it(`adds ${interval} ms`, () => {
      const now = new Date();
      assert.equal(adjustments.add(interval)(now).getTime(), now.getTime() + interval);
    });
  }

  it("a day or more keeps the local time across a DST change; less than a day is absolute", () => {
    const ny = "America/New_York";
    const sat9 = new Date("2024-03-09T14:00Z"); // Saturday 09:00 EST
    const sun9 = adjustments.add(DAY)(sat9, ny);
    assert.equal(sun9.toISOString(), "2024-03-10T13:00:00.000Z");
    assert.equal(wallTime(sun9, ny).hour, 9);
    assert.equal(adjustments.add(3_600_000)(sat9, ny).getTime(), sat9.getTime() + 3_600_000);
  });

  it("refuses a duration that is not a number", () => {
    assert.throws(() => adjustments.add(Number.NaN), (err: unknown) => {
      assert.ok(err instanceof InvalidIntervalError);
      assert.equal(err.message, "add(ms): the duration must be a finite number of milliseconds (received NaN)");
      return true;
    });
  });
});

describe("adjustments.nextWeekday", () => {
  for (let i = 1; i < 10; i++) {
    const d = new Date(Date.UTC(2019, 0, i));
    it(`2019-01-0${i}`, () => {
      const adjusted = adjustments.nextWeekday(d);
      if (filters.isWeekday(d)) {
        assert.equal(adjusted, d);
      } else {
        assert.ok(adjusted > d);
        assert.equal(wallTime(adjusted).weekday, 0);
        assert.equal(adjusted.getUTCHours(), d.getUTCHours());
      }
    });
  }

  it("keeps the local time when the weekend has a DST change", () => {
    const ny = "America/New_York";
    const sat = new Date("2024-03-09T14:30Z"); // Saturday 09:30 EST
    const mon = adjustments.nextWeekday(sat, ny);
    assert.equal(mon.toISOString(), "2024-03-11T13:30:00.000Z"); // Monday 09:30 EDT
  });
});
