/**
 * "Not everything must be mapped over": `add_one.map({ x: [1, 2, 3], y: unmapped(5) })` maps over
 * `x` only; every child receives the whole `y` (5). Results: [6, 7, 8].
 */
import assert from "node:assert/strict";
import { Flow, State, task, unmapped } from "../lib/index";
import { configureLogging } from "../lib/engine/logging";
import { printRunReport } from "./report";

configureLogging({ level: "warn" });

/** Operates one number at a time. */
const addOne = task({ name: "add_one" }, ({ x, y }: { x: number; y: number }) => x + y);

let result!: typeof addOne;
const flow = Flow.build("unmapped example", () => {
  result = addOne.map({ x: [1, 2, 3], y: unmapped(5) });
});

async function main(): Promise<void> {
  const started = performance.now();
  const state = await flow.run();
  printRunReport(flow, state, { title: "== unmapped: add_one.map({ x: [1, 2, 3], y: unmapped(5) }) ==", elapsedMs: performance.now() - started });
  const values = (state.result as Map<unknown, State>).get(result)?.result;
  assert.deepEqual(values, [6, 7, 8]);
  console.log(`add_one results: ${JSON.stringify(values)}`);
}

main().catch((err) => {
  console.error(err);
  process.exitCode = 1;
});
