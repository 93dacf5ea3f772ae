/**
 * State handlers: hooks called on every state change of a task. `sendNotification` reacts to
 * failed states (here it records a "notification" in an array instead of POSTing anywhere),
 * `onFailure` is the shortcut for "only failed states", handlers run in the order given, and a
 * handler that throws fails its task.
 */
import assert from "node:assert/strict";
import { Flow, State, Task, signals, task, allFinished } from "../lib/index";
import { configureLogging } from "../lib/engine/logging";
import { printRunReport } from "./report";

// A handler that throws is logged at error level by the engine; "fatal" keeps this output short.
configureLogging({ level: "fatal" });

/** Stands in for `requests.post("http://example.com", ...)`. */
const notifications: Array<{ via: string; task: string; errorMsg: string }> = [];
/** Every transition the `do_nothing` task went through. */
const transitions: string[] = [];

/** Sends a "notification" with the error message if the task fails. */
function sendNotification(obj: Task<any, any>, _oldState: State, newState: State): State {
  if (newState.isFailed()) notifications.push({ via: "stateHandler", task: obj.name, errorMsg: String(newState.result) });
  return newState;
}

/** Records every state change (handlers run in the order given). */
function recordTransition(obj: Task<any, any>, oldState: State, newState: State): void {
  transitions.push(`${obj.name}: ${oldState.type} → ${newState.type}`);
}

const doNothing = task({ name: "do_nothing", stateHandlers: [recordTransition, sendNotification] }, () => undefined);

const divide = task(
  {
    name: "divide",
    stateHandlers: [sendNotification],
    onFailure: (t, state) => {
      notifications.push({ via: "onFailure", task: t.name, errorMsg: String(state.result) });
    },
  },
  ({ x, y }: { x: number; y: number }) => {
    if (y === 0) throw new signals.FAIL(`cannot divide ${x} by zero`);
    return x / y;
  },
);

/** A handler that throws: its task ends Failed, although its run succeeded. */
const brokenHandler = () => {
  throw new Error("notification service misconfigured");
};
const fragile = task({ name: "fragile", stateHandlers: [brokenHandler] }, () => "ran fine");

const flow = Flow.build("state-handlers", () => {
  const done = doNothing.call();
  divide.call({ x: 1, y: 0 }, { upstreamTasks: [done] });
  divide.call({ x: 6, y: 3 }, { upstreamTasks: [done] });
  fragile.call({}, { taskArgs: { trigger: allFinished } });
});

async function main(): Promise<void> {
  const started = performance.now();
  const state = await flow.run();
  printRunReport(flow, state, { title: "== state handlers ==", elapsedMs: performance.now() - started });

  console.log("\ntransitions of do_nothing (handler 1 of 2):");
  for (const t of transitions) console.log(`  ${t}`);
  console.log(`notifications sent (${notifications.length}):`);
  for (const n of notifications) console.log(`  [${n.via}] ${n.task}: ${n.errorMsg}`);

  assert.deepEqual(transitions, ["do_nothing: Pending → Running", "do_nothing: Running → Success"]);
  // divide(1, 0) failed: one notification from the handler, one from onFailure.
  assert.deepEqual(notifications.map((n) => `${n.via}:${n.task}`), ["stateHandler:divide", "onFailure:divide"]);
  const fragileState = [...(state.result as Map<Task<any, any>, State>)].find(([t]) => t.name === "fragile")?.[1];
  assert.ok(fragileState?.isFailed(), "a handler that throws fails its task");
  assert.ok(state.isFailed(), "the flow fails: some reference tasks failed");
  console.log("the flow is expected to end Failed: divide(1, 0) failed and fragile's handler threw");
}

main().catch((err) => {
  console.error(err);
  process.exitCode = 1;
});
