/**
 * Mapping: `add_one` runs once per element of [1, 2, 3, 4] (four children), and `sum` (a plain,
 * non-mapped task downstream of them) receives the reduced list and logs "The sum is 14" through
 * `context.logger`. Built twice: with the imperative API and with the functional API.
 *
 * Logging is at info level here so the line shows (engine info lines show too).
 */
import { Flow, State, context, task } from "../lib/index";
import { configureLogging } from "../lib/engine/logging";
import { printRunReport } from "./report";

configureLogging({ level: "info" });

/** Operates one number at a time. */
const addOne = task({ name: "add_one" }, ({ x }: { x: number }) => x + 1);

/** Operates on a list of numbers. */
const sumNumbers = task({ name: "sum" }, ({ y }: { y: number[] }) => {
  const result = y.reduce((a, b) => a + b, 0);
  context.logger?.info(`The sum is ${result}`);
  return result;
});

// Imperative API: the tasks themselves are wired in (no copies).
const imperative = new Flow("Map Reduce (imperative)");
imperative.setDependencies(addOne, { keywordTasks: { x: [1, 2, 3, 4] }, mapped: true });
imperative.setDependencies(sumNumbers, { keywordTasks: { y: addOne } });

// Functional API: `map` and `call` bind copies.
let summed!: typeof sumNumbers;
const functional = Flow.build("Map Reduce (functional)", () => {
  const mappedResult = addOne.map({ x: [1, 2, 3, 4] });
  summed = sumNumbers.call({ y: mappedResult });
});

async function runOne(flow: Flow, sumTask: typeof sumNumbers): Promise<State> {
  const started = performance.now();
  const state = await flow.run();
  const elapsedMs = performance.now() - started;
  console.log("");
  printRunReport(flow, state, { title: `== ${flow.name} ==`, elapsedMs });
  const sum = (state.result as Map<unknown, State>).get(sumTask)?.result;
  console.log(`sum result: ${sum}`);
  return state;
}

async function main(): Promise<void> {
  const a = await runOne(imperative, sumNumbers);
  const b = await runOne(functional, summed);
  if (!a.isSuccessful() || !b.isSuccessful()) process.exitCode = 1;
}

main().catch((err) => {
  console.error(err);
  process.exitCode = 1;
});
