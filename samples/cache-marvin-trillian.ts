/**
 * Seed 003's `task_input_hash` example: `hello_task` caches on a hash of its inputs for a minute.
 * Running the flow with "Marvin" twice prints "Saying hello Marvin" only once (the second run is
 * Cached with the stored value); "Trillian" is a different input, so the task runs again.
 *
 * The cache lives under FLOWSMITH_HOME (a temporary one here, removed at the end), so it would
 * also be seen by another process using the same FLOWSMITH_HOME.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Flow, Parameter, task, taskInputHash, type AnyTask, type State } from "../lib/index";
import { configureLogging } from "../lib/engine/logging";

configureLogging({ level: "warn" });
const home = mkdtempSync(join(tmpdir(), "flowsmith-sample-"));
process.env.FLOWSMITH_HOME = home;

let ran = false;
const helloTask = task(
  { name: "hello_task", cacheKeyFn: taskInputHash, cacheExpiration: 60_000 },
  ({ name_input }: { name_input: string }) => {
    ran = true;
    console.log(`Saying hello ${name_input}`); // doing some work
    return `hello ${name_input}`;
  },
);

let hello!: AnyTask;
const helloFlow = Flow.build("hello-flow", () => {
  hello = helloTask.call({ name_input: new Parameter<string>("name_input") });
});

async function main(): Promise<void> {
  for (const name of ["Marvin", "Marvin", "Trillian"]) {
    ran = false;
    const state = await helloFlow.run({ parameters: { name_input: name } });
    const s = (state.result as Map<AnyTask, State>).get(hello)!;
    console.log(`hello_flow(${JSON.stringify(name)}): body ran: ${ran}, state: ${s.type}, result: ${JSON.stringify(s.result)}`);
  }
}

main()
  .finally(() => rmSync(home, { recursive: true, force: true }))
  .catch((err) => {
    console.error(err);
    process.exitCode = 1;
  });
