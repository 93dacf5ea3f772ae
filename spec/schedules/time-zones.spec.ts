/**
 * Time zone arithmetic on Intl: offsets, wall-clock times, the later-reading rule for times a
 * clock change skips or repeats, and reading dates.
 */
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import fc from "fast-check";
import { addDuration, checkTimeZone, clockChangeNear, instantOf, offsetAt, toInstant, wallClockOf } from "../../lib/schedules/time-zones";
import { wallTime } from "../../lib/index";

const NY = "America/New_York";
const HOUR = 3_600_000;
const iso = (ms: number) => new Date(ms).toISOString();

describe("offsets and wall-clock times", () => {
  it("knows standard and daylight time, half-hour zones and UTC", () => {
    assert.equal(offsetAt(Date.parse("2024-01-15T12:00Z"), NY), -5 * HOUR);
    assert.equal(offsetAt(Date.parse("2024-07-15T12:00Z"), NY), -4 * HOUR);
    assert.equal(offsetAt(Date.parse("2024-07-15T12:00Z"), "Asia/Kolkata"), 5.5 * HOUR);
    assert.equal(offsetAt(Date.parse("2024-07-15T12:00Z"), "UTC"), 0);
    assert.equal(iso(wallClockOf(Date.parse("2024-07-15T12:00:00.123Z"), NY)), "2024-07-15T08:00:00.123Z");
  });

  it("wallTime gives the fields, weekday counted from Monday = 0", () => {
    assert.deepEqual(wallTime(new Date("2024-03-10T06:59:59.999Z"), NY), {
      year: 2024, month: 3, day: 10, hour: 1, minute: 59, second: 59, millisecond: 999, weekday: 6,
    });
    assert.deepEqual(wallTime(new Date("2024-03-11T00:00Z")), { year: 2024, month: 3, day: 11, hour: 0, minute: 0, second: 0, millisecond: 0, weekday: 0 });
  });

  it("clockChangeNear sees a change within a day, and nothing otherwise", () => {
    assert.equal(clockChangeNear(Date.parse("2024-03-10T12:00Z"), NY), HOUR);
    assert.equal(clockChangeNear(Date.parse("2024-05-10T12:00Z"), NY), 0);
  });
});

describe("instantOf: the later reading", () => {
  it("an ordinary time has one reading", () => {
    assert.equal(iso(instantOf(Date.UTC(2024, 6, 4, 9), NY)), "2024-07-04T13:00:00.000Z");
  });
  it("a skipped time moves forward by the gap (02:30 -> 03:30 EDT)", () => {
    assert.equal(iso(instantOf(Date.UTC(2024, 2, 10, 2, 30), NY)), "2024-03-10T07:30:00.000Z");
  });
  it("a repeated time is its second occurrence (01:30 EST)", () => {
    assert.equal(iso(instantOf(Date.UTC(2024, 10, 3, 1, 30), NY)), "2024-11-03T06:30:00.000Z");
  });
  it("addDuration: a day on the wall clock, less than a day on the instant", () => {
    const sat9 = Date.parse("2024-03-09T14:00Z");
    assert.equal(iso(addDuration(sat9, 86_400_000, NY)), "2024-03-10T13:00:00.000Z");
    assert.equal(iso(addDuration(sat9, -86_400_000, NY)), "2024-03-08T14:00:00.000Z");
    assert.equal(iso(addDuration(sat9, 23 * HOUR, NY)), "2024-03-10T13:00:00.000Z");
  });
});

describe("toInstant", () => {
  it("reads Dates, epoch ms, and ISO strings (without an offset: in the time zone)", () => {
    assert.equal(toInstant(new Date("2024-01-01T00:00Z"), NY, "x", "y"), Date.parse("2024-01-01T00:00Z"));
    assert.equal(toInstant(5, NY, "x", "y"), 5);
    assert.equal(iso(toInstant("2024-01-01", NY, "x", "y")), "2024-01-01T05:00:00.000Z");
    assert.equal(iso(toInstant("2024-01-01T09:30", NY, "x", "y")), "2024-01-01T14:30:00.000Z");
    assert.equal(iso(toInstant("2024-01-01 09:30:15.5", NY, "x", "y")), "2024-01-01T14:30:15.500Z");
    assert.equal(iso(toInstant("2024-01-01T09:30Z", NY, "x", "y")), "2024-01-01T09:30:00.000Z");
    assert.equal(iso(toInstant("2024-01-01T09:30+05:30", NY, "x", "y")), "2024-01-01T04:00:00.000Z");
    assert.equal(iso(toInstant("2024-01-01T09:30-0800", NY, "x", "y")), "2024-01-01T17:30:00.000Z");
  });

  it("refuses what is not a date, naming the owner and the option", () => {
    for (const bad of ["2024-13-01", "2024-02-30", "01/02/2024", "2024-01-01T24:00", new Date(Number.NaN), Number.POSITIVE_INFINITY, null, {}]) {
      assert.throws(() => toInstant(bad, "UTC", "IntervalClock", `option "startDate"`), { name: "InvalidOptionError", message: /^IntervalClock: invalid option "startDate": .* is not a date/ });
    }
  });

  it("checkTimeZone accepts IANA names and refuses others", () => {
    assert.equal(checkTimeZone("Europe/Paris", "X"), "Europe/Paris");
    assert.throws(() => checkTimeZone("Paris", "X"), { name: "InvalidTimezoneError", message: `X: invalid option "timezone": "Paris" is not an IANA time zone (such as "UTC" or "America/New_York")` });
    assert.throws(() => checkTimeZone(42, "X"), { name: "InvalidTimezoneError" });
  });
});

describe("against Intl itself (property)", () => {
  const zones = ["America/New_York", "Europe/London", "Australia/Lord_Howe", "America/Santiago", "Asia/Kolkata", "Pacific/Chatham", "America/St_Johns", "Africa/Casablanca"];
  const longOffset = new Map(zones.map((z) => [z, new Intl.DateTimeFormat("en-US", { timeZone: z, timeZoneName: "longOffset" })]));
  /** The offset as Intl names it ("GMT-04:00"), read independently of the module's own arithmetic. */
  function intlOffset(ms: number, zone: string): number {
    const name = longOffset.get(zone)!.formatToParts(ms).find((p) => p.type === "timeZoneName")!.value;
    const m = /^GMT(?:([+-])(\d{2}):(\d{2}))?$/.exec(name)!;
    return m[1] ? (m[1] === "-" ? -1 : 1) * (Number(m[2]) * 60 + Number(m[3])) * 60_000 : 0;
  }
  const instant = fc.integer({ min: Date.UTC(1990, 0, 1), max: Date.UTC(2060, 0, 1) });

  it("offsetAt agrees with Intl at any instant", () => {
    fc.assert(fc.property(instant, fc.constantFrom(...zones), (ms, zone) => offsetAt(ms, zone) === intlOffset(ms, zone)), { numRuns: 2000 });
  });

  it("instantOf(wall clock of t) is t, or the later reading of the same wall time", () => {
    fc.assert(
      fc.property(instant, fc.constantFrom(...zones), (ms, zone) => {
        const wall = wallClockOf(ms, zone);
        const back = instantOf(wall, zone);
        return back === ms || (back > ms && wallClockOf(back, zone) === wall);
      }),
      { numRuns: 2000 },
    );
  });

  it("around real clock changes too", () => {
    // a step of two hours and seven seconds through 2024 in each zone, so each change is crossed
    for (const zone of zones) {
      for (let ms = Date.UTC(2024, 0, 1); ms < Date.UTC(2025, 0, 1); ms += 7_200_000 + 7_000) {
        assert.equal(offsetAt(ms, zone), intlOffset(ms, zone), `${zone} at ${iso(ms)}`);
        const back = instantOf(wallClockOf(ms, zone), zone);
        assert.ok(back === ms || (back > ms && wallClockOf(back, zone) === wallClockOf(ms, zone)), `${zone} at ${iso(ms)}`);
      }
    }
  });
});
