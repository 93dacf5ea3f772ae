/**
 * "Mapped tasks don't have to exchange data": `print_hello.map({}, { upstreamTasks: [returnList] })`
 * runs one child per element of `return_list`'s output without receiving any of it (four HELLO
 * banners). When `return_list` returns an empty list, no child is created and `print_hello`
 * succeeds gracefully.
 */
import assert from "node:assert/strict";
import { Flow, Mapped, State, task } from "../lib/index";
import { configureLogging } from "../lib/engine/logging";
import { printRunReport } from "./report";

configureLogging({ level: "warn" });

const printHello = task({ name: "print_hello" }, () => {
  console.log("=".repeat(30));
  console.log("HELLO");
  console.log("=".repeat(30));
});

/** The flow for a `return_list` task that returns `list`. */
function printExample(list: number[]): { flow: Flow; hello: typeof printHello } {
  const returnList = task({ name: "return_list" }, () => list);
  let hello!: typeof printHello;
  const flow = Flow.build("print-example", () => {
    hello = printHello.map({}, { upstreamTasks: [returnList] });
  });
  return { flow, hello };
}

async function run(list: number[]): Promise<void> {
  const { flow, hello } = printExample(list);
  console.log(`\n== return_list returns ${JSON.stringify(list)} ==`);
  const started = performance.now();
  const state = await flow.run();
  const elapsedMs = performance.now() - started;
  printRunReport(flow, state, { elapsedMs });
  const helloState = (state.result as Map<unknown, State>).get(hello);
  assert.ok(helloState instanceof Mapped && helloState.isSuccessful());
  assert.equal(helloState.mapStates.length, list.length);
  assert.ok(state.isSuccessful());
  console.log(`print_hello: ${helloState.type} with ${helloState.mapStates.length} children`);
}

async function main(): Promise<void> {
  await run([1, 2, 3, 4]); // four HELLO banners
  await run([]); // no children; print_hello still succeeds
}

main().catch((err) => {
  console.error(err);
  process.exitCode = 1;
});
