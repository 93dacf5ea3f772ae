/**
 * Control flow: caseOf + merge, switchOn and ifElse. Run with
 * `npx tsc -p tsconfig.json --outDir /tmp/out && node /tmp/out/samples/control-flow.js`.
 */
import { configureLogging } from "../lib/engine/logging";
configureLogging({ level: "warn" });

import { Flow, Parameter, task, AnyTask, State, caseOf, merge, switchOn, ifElse } from "../lib/index";

/** Prints each named task's final state and result. */
function report(title: string, flowState: State, tasks: Record<string, AnyTask>): void {
  console.log(`\n${title}: flow ${flowState.type} (${flowState.message})`);
  const states = flowState.result as Map<AnyTask, State>;
  for (const [label, t] of Object.entries(tasks)) {
    const s = states.get(t)!;
    console.log(`  ${label.padEnd(10)} ${s.type.padEnd(8)} ${s.isSkipped() ? "" : JSON.stringify(s.result) ?? ""}`);
  }
}

const weather = task(function weather({ city }: { city: string }) {
  return city === "Lisbon" ? "sunny" : "rainy";
});
const plan = task(function plan({ activity }: { activity: string }) {
  return `go ${activity}`;
});

// caseOf + merge: one branch runs, the other is skipped, merge picks the branch that ran.
let sunny!: AnyTask, rainy!: AnyTask, decision!: AnyTask;
const caseFlow = Flow.build("case-merge", () => {
  const forecast = weather.call({ city: new Parameter<string>("city", { default: "Lisbon" }) });
  sunny = caseOf(forecast, "sunny", () => plan.call({ activity: "to the beach" }));
  rainy = caseOf(forecast, "rainy", () => plan.call({ activity: "to the museum" }));
  decision = merge(sunny, rainy);
});

// switchOn: three branches keyed by the condition's result.
const level = task(function level({ n }: { n: number }) {
  return n < 10 ? "low" : n < 100 ? "mid" : "high";
});
const say = task(function say({ text }: { text: string }) {
  return text;
});
const branches: Record<string, AnyTask> = {};
const switchFlow = Flow.build("switch", () => {
  const lvl = level.call({ n: new Parameter<number>("n", { default: 42 }) });
  for (const k of ["low", "mid", "high"]) branches[k] = say.call({ text: `${k} level` });
  switchOn(lvl, branches);
});

// ifElse: truthiness of the condition picks a branch.
let yes!: AnyTask, no!: AnyTask, either!: AnyTask;
const ifFlow = Flow.build("ifelse", () => {
  const isWeekend = task(function isWeekend({ day }: { day: string }) {
    return day === "Sat" || day === "Sun";
  }).call({ day: new Parameter<string>("day", { default: "Sat" }) });
  yes = say.call({ text: "sleep in" });
  no = say.call({ text: "alarm at 7" });
  ifElse(isWeekend, yes, no);
  either = merge(yes, no);
});

async function main(): Promise<void> {
  for (const city of ["Lisbon", "London"]) {
    report(`caseOf/merge, city=${city}`, await caseFlow.run({ parameters: { city } }), { sunny, rainy, merge: decision });
  }
  for (const n of [3, 42, 500]) report(`switchOn, n=${n}`, await switchFlow.run({ parameters: { n } }), branches);
  for (const day of ["Sat", "Tue"]) report(`ifElse, day=${day}`, await ifFlow.run({ parameters: { day } }), { yes, no, merge: either });
}

main().catch((err) => {
  console.error(err);
  process.exitCode = 1;
});
