/**
 * Cache expiration: `cacheExpiration` bounds how long a `cacheKeyFn` entry is valid, whatever the
 * input. Run, run again (Cached), wait past the expiration, run again (the task runs).
 *
 * Seed 003 uses one minute; this sample uses one second. The cache lives under a temporary
 * FLOWSMITH_HOME, removed at the end.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Flow, Parameter, task, taskInputHash, type AnyTask, type State } from "../lib/index";
import { configureLogging } from "../lib/engine/logging";

configureLogging({ level: "warn" });
const home = mkdtempSync(join(tmpdir(), "flowsmith-sample-"));
process.env.FLOWSMITH_HOME = home;

const EXPIRATION_MS = 1000;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

let ran = false;
let hello!: AnyTask;
const helloFlow = Flow.build("hello-flow", () => {
  hello = task(
    { name: "hello_task", cacheKeyFn: taskInputHash, cacheExpiration: EXPIRATION_MS },
    ({ name_input }: { name_input: string }) => {
      ran = true;
      console.log(`Saying hello ${name_input}`);
      return `hello ${name_input}`;
    },
  ).call({ name_input: new Parameter<string>("name_input") });
});

async function run(label: string): Promise<void> {
  ran = false;
  const state = await helloFlow.run({ parameters: { name_input: "Marvin" } });
  const s = (state.result as Map<AnyTask, State>).get(hello)!;
  console.log(`${label}: body ran: ${ran}, state: ${s.type}, result: ${JSON.stringify(s.result)}`);
}

async function main(): Promise<void> {
  await run("first run");
  await run("second run");
  console.log(`waiting ${EXPIRATION_MS + 200} ms for the cache to expire...`);
  await sleep(EXPIRATION_MS + 200);
  await run("after expiry");
}

main()
  .finally(() => rmSync(home, { recursive: true, force: true }))
  .catch((err) => {
    console.error(err);
    process.exitCode = 1;
  });
