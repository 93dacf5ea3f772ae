/**
 * Persisting results with every serializer: one task per serializer writes the same value with
 * `persistResult: true`, and the sample prints each file's document (the JSON envelope:
 * serializer, encoding, data, flowsmithVersion) and the value read back with `result.read()`.
 *
 * Everything is written under a temporary FLOWSMITH_HOME, removed at the end.
 */
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { basename, join } from "node:path";
import { CompressedSerializer, Flow, LocalResult, task, type AnyTask, type Serializer, type SerializerName, type State } from "../lib/index";
import { configureLogging } from "../lib/engine/logging";

configureLogging({ level: "warn" });
const home = mkdtempSync(join(tmpdir(), "flowsmith-sample-"));
process.env.FLOWSMITH_HOME = home;

const serializers: Array<[string, SerializerName | Serializer]> = [
  ["json", "json"],
  ["v8", "v8"],
  ["compressed-json", "compressed/json"],
  ["compressed-v8", "compressed/v8"],
  ["brotli-v8", new CompressedSerializer({ serializer: "v8", format: "brotli" })],
];

const value = { name: "Marvin", mood: "depressed", answer: 42, tags: ["robot", "paranoid"] };

const tasks = new Map<string, { task: AnyTask; result: LocalResult }>();
const flow = Flow.build("results-serializers", () => {
  for (const [label, serializer] of serializers) {
    // The result directory and file name; `{taskName}` is filled in when the task runs.
    const result = new LocalResult({ dir: join(home, "results"), location: "{taskName}.result.json", serializer });
    const t = task({ name: label, persistResult: true, result }, () => value).call();
    tasks.set(label, { task: t, result });
  }
});

async function main(): Promise<void> {
  const state = await flow.run();
  console.log(`flow: ${state.type}`);
  const states = state.result as Map<AnyTask, State>;
  for (const [label, { task: t, result }] of tasks) {
    const s = states.get(t)!;
    const file = s.persisted!.location;
    const doc = JSON.parse(readFileSync(file, "utf8")) as { data: string };
    const shown = { ...doc, data: doc.data.length > 60 ? `${doc.data.slice(0, 60)}... (${doc.data.length} chars)` : doc.data };
    const back = await result.read(basename(file));
    console.log(`\n${label} -> ${basename(file)}`);
    console.log(`  document: ${JSON.stringify(shown)}`);
    console.log(`  read back: ${JSON.stringify(back.value)}`);
  }
}

main()
  .finally(() => rmSync(home, { recursive: true, force: true }))
  .catch((err) => {
    console.error(err);
    process.exitCode = 1;
  });
