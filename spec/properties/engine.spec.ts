/**
 * Model-based properties of the engine: random flows (chains, diamonds, fan-in/out; mapping,
 * reduces, flatten, retries, triggers, skips, case/merge, reference tasks) run on both in-process
 * executors, checked against invariants and against a reference model of Prefect 1.4.1's rules
 * (./model.ts).
 *
 * `FLOWSMITH_PROPERTY_RUNS` sets how many flows each property tries (default 2000) and
 * `FLOWSMITH_PROPERTY_SEED` the seed (default fixed, so CI is reproducible; the second property
 * uses the next seed, so the two see different flows). A failure prints the shrunk flow, and the
 * seed and path that replay it: set `FLOWSMITH_PROPERTY_SEED` and `FLOWSMITH_PROPERTY_PATH`.
 */
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import fc from "fast-check";
import { configureLogging } from "../../lib/index";
import { features, flowDescriptions } from "./generators";
import { ALL_RULES, expectedOutcome, type Rule } from "./model";
import { buildFlow, checkInvariants, compareRuns, compareWithModel, executorsFor, runOn, type Observed } from "./harness";
import type { FlowDescription, TaskNode } from "./description";
import { nodeName } from "./description";

configureLogging({ level: "silent" });

const numRuns = Number(process.env.FLOWSMITH_PROPERTY_RUNS ?? 2000);
const seed = Number(process.env.FLOWSMITH_PROPERTY_SEED ?? 1_414_141);
const path = process.env.FLOWSMITH_PROPERTY_PATH;
/** The second property (offset 1) uses the next seed, unless a path is being replayed. */
const params = (offset: number): fc.Parameters<[FlowDescription]> => ({
  numRuns,
  seed: path === undefined ? seed + offset : seed,
  ...(path === undefined ? {} : { path }),
  includeErrorInReport: true,
});

/** Runs the described flow on every executor. */
async function runEverywhere(desc: FlowDescription): Promise<Array<[string, Observed]>> {
  const built = buildFlow(desc);
  const out: Array<[string, Observed]> = [];
  for (const [label, make] of executorsFor(desc)) out.push([label, await runOn(built, make())]);
  return out;
}

function fail(problems: string[]): void {
  if (problems.length) throw new Error(`\n${problems.join("\n")}`);
}

/** Each unit's attempts are numbered 1..k, k <= maxRetries + 1, and a Success ran at least once. */
function attemptsProblems(desc: FlowDescription, label: string, o: Observed): string[] {
  const problems: string[] = [];
  const attempts = new Map<string, number[]>();
  for (const ev of o.log) attempts.set(ev.unit, [...(attempts.get(ev.unit) ?? []), ev.attempt]);
  for (const [unit, list] of attempts) {
    const node = desc.nodes[o.log.find((e) => e.unit === unit)!.node] as TaskNode;
    if (list.some((a, k) => a !== k + 1)) problems.push(`${label}: ${unit} ran attempts ${list.join(", ")}`);
    if (list.length > node.maxRetries + 1) problems.push(`${label}: ${unit} ran ${list.length} times with maxRetries ${node.maxRetries}`);
  }
  o.nodes.forEach((n, i) => {
    if (desc.nodes[i]!.kind !== "task") return;
    const units = n.children ? n.children.map((c, k) => [`${nodeName(desc, i)}[${k}]`, c.cls] as const) : [[nodeName(desc, i), n.cls] as const];
    for (const [unit, cls] of units) {
      if (cls === "Success" && !attempts.has(unit)) problems.push(`${label}: ${unit} is Success but its body never ran`);
    }
  });
  return problems;
}

/** Rules too rare to require in every sample (they need several coincidences), reported only. */
const RARE_RULES: ReadonlySet<Rule> = new Set<Rule>([
  "merge returns a SKIP signal",
  "mapped over flattened children's list items",
  "flattened children decide a run",
  "a flattened copy counts apart",
]);

describe("the engine on random flows", () => {
  it("generates flows that use every feature and exercise every rule of the model", (t) => {
    // A fixed sample, whatever FLOWSMITH_PROPERTY_RUNS is: this guards the generator's reach.
    const samples = fc.sample(flowDescriptions, { numRuns: 2000, seed });
    const counts = new Map<string, number>();
    const bump = (k: string) => counts.set(k, (counts.get(k) ?? 0) + 1);
    for (const desc of samples) {
      for (const f of features(desc)) bump(f);
      for (const r of expectedOutcome(desc).rules) bump(`rule: ${r}`);
    }
    for (const [k, n] of [...counts].sort((a, b) => b[1] - a[1])) t.diagnostic(`${String(n).padStart(5)}  ${k}`);
    const required = [
      "case block", "reference tasks set", "bounded concurrency", "merge", "mapped merge", "skipOnUpstreamSkip: false", "retries",
      "async body", "fan-in of 3 or more", "fan-out of 3 or more", "chain edge", "20 or more tasks",
      "keyed edge", "state-only edge", "keyed mapped edge", "state-only mapped edge", "keyed flattened edge", "keyed mapped flattened edge",
      "constant", "mapped constant", "flattened constant", "unmapped input of a mapped task",
      ...["allSuccessful", "allFailed", "allFinished", "anySuccessful", "anyFailed", "someSuccessful", "someFailed", "notAllSkipped"].map((x) => `trigger ${x}`),
      ...["value", "list", "nested", "null", "throw", "fail", "skip", "success", "failAt", "flaky", "pick"].map((x) => `body ${x}`),
      ...ALL_RULES.filter((r) => !RARE_RULES.has(r)).map((r) => `rule: ${r}`),
    ];
    const missing = required.filter((k) => (counts.get(k) ?? 0) < 10);
    assert.deepEqual(missing, [], `features or rules seen in fewer than 10 of 2000 flows: ${missing.join(", ")}`);
  });

  it("ends every task in a final state, runs no body before its upstream tasks finish, retries by attempt, and gives the same outcome on both executors", async () => {
    await fc.assert(
      fc.asyncProperty(flowDescriptions, async (desc) => {
        const runs = await runEverywhere(desc);
        const problems: string[] = [];
        for (const [label, o] of runs) {
          problems.push(...checkInvariants(desc, o).map((p) => `${label}: ${p}`));
          problems.push(...attemptsProblems(desc, label, o));
        }
        problems.push(...compareRuns(runs[0]![1], runs[1]![1]).map((p) => `${runs[0]![0]} vs ${runs[1]![0]}: ${p}`));
        fail(problems);
      }),
      params(0),
    );
  });

  it("ends every task and mapped child as Prefect 1.4.1 does (state, value, runs, inputs), and the flow as its reference tasks say", async () => {
    await fc.assert(
      fc.asyncProperty(flowDescriptions, async (desc) => {
        const expected = expectedOutcome(desc);
        const problems: string[] = [];
        for (const [label, o] of await runEverywhere(desc)) {
          problems.push(...compareWithModel(desc, expected, o).map((p) => `${label}: ${p}`));
        }
        if (problems.length && expected.rules.size) problems.unshift(`(Prefect rules this flow exercises: ${[...expected.rules].join("; ")})`);
        fail(problems);
      }),
      params(1),
    );
  });
});
