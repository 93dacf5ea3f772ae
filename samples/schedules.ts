/**
 * Schedules: when the next runs are (a cron in a time zone; Prefect's "9 am and 5 pm on weekdays"
 * schedule built from a clock, filters and an adjustment; an hourly cron through a DST change),
 * then a flow run on its schedule with `flow.run({ runOnSchedule: true })`, and a loop stopped with
 * an AbortController. The run loop uses real time: the events are a few hundred milliseconds apart.
 *
 *   node dist/samples/schedules.js
 */
import {
  CronClock, CronSchedule, DatesClock, Flow, IntervalClock, IntervalSchedule, Parameter, Schedule, adjustments, configureLogging,
  context, filters, task, wallTime,
} from "../lib/index";

configureLogging({ level: "warn" });

const HOUR = 3_600_000;
/** `2024-11-04 09:00 Mon` in `timeZone`. */
function local(d: Date, timeZone: string): string {
  const w = wallTime(d, timeZone);
  const pad = (n: number) => String(n).padStart(2, "0");
  const day = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"][w.weekday];
  return `${w.year}-${pad(w.month)}-${pad(w.day)} ${pad(w.hour)}:${pad(w.minute)} ${day}`;
}

// 1. A cron schedule in a time zone: 09:00 on weekdays in Paris, through the spring change.
const paris = new CronSchedule("0 9 * * 1-5", { timezone: "Europe/Paris" });
console.log("09:00 on weekdays in Paris:");
for (const d of paris.next(3, { after: "2024-03-28T12:00Z" })) console.log(`  ${local(d, "Europe/Paris")} (${d.toISOString()})`);

// 2. Prefect's example: an hourly clock, weekdays only, at 9 am or 5 pm, then three hours later.
const officeHours = new Schedule({
  clocks: [new IntervalClock({ interval: HOUR, timezone: "America/New_York" })],
  filters: [filters.isWeekday],
  orFilters: [filters.atTime("09:00"), filters.atTime("17:00")],
  notFilters: [filters.onDate(12, 25)],
  adjustments: [adjustments.add(3 * HOUR)],
});
console.log("9 am and 5 pm on weekdays in New York, plus three hours:");
for (const d of officeHours.next(4, { after: "2024-12-24T00:00Z" })) console.log(`  ${local(d, "America/New_York")}`);

// 3. An hourly cron through New York's fall-back night: 01:00 runs once, at its second occurrence.
const hourly = new CronClock("0 * * * *", { timezone: "America/New_York" });
const fallBack: string[] = [];
for (const e of hourly.events("2024-11-03T00:30-04:00")) {
  fallBack.push(`${local(e.startTime, "America/New_York").slice(11, 16)} (${e.startTime.toISOString().slice(11, 16)} UTC)`);
  if (fallBack.length === 4) break;
}
console.log(`hourly cron on 2024-11-03 in New York: ${fallBack.join(", ")}`);

// 4. A flow on its schedule: three events, two with their own parameter defaults.
const seen: string[] = [];
const start = Date.now() + 200;
const report = Flow.build(
  "nightly-report",
  {
    schedule: new Schedule({
      clocks: [
        new DatesClock([start], { parameterDefaults: { region: "eu" } }),
        new DatesClock([start + 150, start + 300], { parameterDefaults: { region: "us" } }),
      ],
    }),
  },
  () => {
    const region = new Parameter<string>("region", { default: "world" });
    const size = new Parameter<number>("size", { default: 1 });
    task(({ region, size }: { region: string; size: number }) => {
      const late = Date.now() - context.scheduledStartTime!.getTime();
      seen.push(`${region} x${size}${late >= 0 ? "" : " (early!)"}`);
    }).call({ region, size });
  },
);

// 5. A loop that runs every 100 ms until something aborts it.
const controller = new AbortController();
let ticks = 0;
const ticker = Flow.build("ticker", { schedule: new IntervalSchedule({ interval: 100, startDate: Date.now() }) }, () => {
  task(() => {
    if (++ticks === 3) controller.abort();
  }).call();
});

async function main(): Promise<void> {
  const last = await report.run({ runOnSchedule: true, parameters: { size: 2 } });
  console.log(`runs of nightly-report, in order: ${seen.join(", ")}`);
  console.log(`schedule over; last state: ${last.type}`);
  const stopped = await ticker.run({ runOnSchedule: true, signal: controller.signal });
  console.log(`ticker stopped after ${ticks} runs; last state: ${stopped.type}`);
}

main().catch((err) => {
  console.error(err);
  process.exitCode = 1;
});
