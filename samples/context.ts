/**
 * The run context: inside a task, `context.logger` is the task's pino logger and `context` holds
 * the run's information (flow name, task name, run count, parameters, dates, ...). Outside a run it
 * is empty, so use `context.get(key, fallback)` for keys that may not be there.
 *
 * Logging is at info level here so "Hello!" shows (engine info lines show too).
 */
import assert from "node:assert/strict";
import { Flow, Parameter, State, context, task } from "../lib/index";
import { configureLogging } from "../lib/engine/logging";
import { printRunReport } from "./report";

configureLogging({ level: "info" });

const logHello = task({ name: "log_hello" }, () => {
  const logger = context.logger!;
  logger.info("Hello!");
});

/** Reads the context inside a run: every key is there. */
const describeRun = task({ name: "describe_run" }, ({ who }: { who: string }) => {
  const params = context.get("parameters", {});
  return `${context.taskName} in flow ${context.flowName}, run #${context.taskRunCount}, who=${params?.who ?? who}, today=${context.today}`;
});

let described!: typeof describeRun;
const flow = Flow.build("context-example", () => {
  logHello.call();
  described = describeRun.call({ who: new Parameter<string>("who", { default: "world" }) });
});

async function main(): Promise<void> {
  // Outside a run the context is empty: plain reads are undefined, `get` gives the fallback.
  console.log(`outside a run: context.taskName = ${context.taskName}`);
  console.log(`outside a run: context.get("taskName", "<no task>") = ${context.get("taskName", "<no task>")}`);
  assert.equal(context.get("flowName", "fallback"), "fallback");
  try {
    (context as unknown as Record<string, unknown>).flowName = "mine";
  } catch (err) {
    console.log(`context is read-only: ${(err as Error).message}`);
  }

  const started = performance.now();
  const state = await flow.run({ parameters: { who: "flowsmith" } });
  printRunReport(flow, state, { title: "== context ==", elapsedMs: performance.now() - started, maxResult: 80 });
  const text = (state.result as Map<unknown, State>).get(described)?.result as string;
  assert.match(text, /^describe_run in flow context-example, run #1, who=flowsmith/);
  console.log(`describe_run: ${text}`);
}

main().catch((err) => {
  console.error(err);
  process.exitCode = 1;
});
