/**
 * fast-check arbitraries for flow descriptions. Generation is constructive: every raw choice
 * (which upstream, which block) is an integer resolved against what already exists, so every
 * generated value is a valid flow and nothing is ever filtered out. Each choice shrinks towards
 * the simplest flow (edge from the first task, default trigger, not mapped, no retries).
 * @internal
 * @module
 */
import fc from "fast-check";
import type {
  Body, CaseBlock, ConstantInput, FlowDescription, FlowNode, InputEdge, MergeNode, TaskNode, TriggerSpec, Value,
} from "./description";
import { showFlow } from "./description";

/** True with probability `percent`; shrinks to false. */
const chance = (percent: number) => fc.integer({ min: 0, max: 99 }).map((n) => n >= 100 - percent);

const bodyArb: fc.Arbitrary<Body> = fc.oneof(
  { weight: 10, arbitrary: fc.integer({ min: 0, max: 3 }).map((k): Body => ({ kind: "value", k })) },
  { weight: 6, arbitrary: fc.integer({ min: 0, max: 4 }).map((length): Body => ({ kind: "list", length })) },
  { weight: 2, arbitrary: fc.array(fc.integer({ min: -1, max: 3 }), { maxLength: 4 }).map((shape): Body => ({ kind: "nested", shape })) },
  { weight: 1, arbitrary: fc.constant<Body>({ kind: "null" }) },
  { weight: 1, arbitrary: fc.constant<Body>({ kind: "throw" }) },
  { weight: 1, arbitrary: fc.constant<Body>({ kind: "fail" }) },
  { weight: 1, arbitrary: fc.constant<Body>({ kind: "skip" }) },
  { weight: 1, arbitrary: fc.option(fc.integer({ min: 0, max: 3 }), { nil: undefined }).map((result): Body => ({ kind: "success", result })) },
  { weight: 2, arbitrary: fc.record({ m: fc.integer({ min: 0, max: 2 }), k: fc.integer({ min: 0, max: 3 }) }).map(({ m, k }): Body => ({ kind: "failAt", m, k })) },
  { weight: 2, arbitrary: fc.integer({ min: 0, max: 3 }).map((k): Body => ({ kind: "flaky", k })) },
  { weight: 3, arbitrary: fc.integer({ min: 0, max: 1 }).map((c): Body => ({ kind: "pick", c })) },
);

const bound = fc.option(fc.constantFrom(1, 0.5, 2, 0), { nil: undefined });
const triggerArb: fc.Arbitrary<TriggerSpec> = fc.oneof(
  { weight: 12, arbitrary: fc.constant<TriggerSpec>({ name: "allSuccessful" }) },
  { weight: 2, arbitrary: fc.constant<TriggerSpec>({ name: "allFinished" }) },
  { weight: 1, arbitrary: fc.constant<TriggerSpec>({ name: "allFailed" }) },
  { weight: 2, arbitrary: fc.constant<TriggerSpec>({ name: "anySuccessful" }) },
  { weight: 2, arbitrary: fc.constant<TriggerSpec>({ name: "anyFailed" }) },
  { weight: 1, arbitrary: fc.constant<TriggerSpec>({ name: "notAllSkipped" }) },
  { weight: 1, arbitrary: fc.record({ atLeast: bound, atMost: bound }).map((b): TriggerSpec => ({ name: "someSuccessful", ...defined(b) })) },
  { weight: 1, arbitrary: fc.record({ atLeast: bound, atMost: bound }).map((b): TriggerSpec => ({ name: "someFailed", ...defined(b) })) },
);

function defined<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}

const numberList = fc.array(fc.integer({ min: 0, max: 3 }), { maxLength: 4 });
const constantValue: fc.Arbitrary<Value> = fc.oneof(
  { weight: 3, arbitrary: fc.integer({ min: 0, max: 3 }) },
  { weight: 4, arbitrary: numberList },
  { weight: 2, arbitrary: fc.array(numberList, { maxLength: 3 }) },
  { weight: 1, arbitrary: fc.array(fc.oneof(fc.integer({ min: 0, max: 3 }), numberList), { maxLength: 3 }) },
);

/**
 * Which earlier node an edge comes from: the previous one (chains), the first (fan-out), or any.
 * A mapped edge prefers a node that makes a list or is mapped itself, unless `anySource`.
 */
const rawEdge = fc.record({
  mode: fc.constantFrom("previous", "first", "any"),
  pick: fc.nat(),
  anySource: chance(25),
  keyed: chance(70),
  mapped: chance(30),
  flattened: chance(12),
});
/** A mapped constant is a list, unless `anyValue` (then mapping over it may fail: a number is unmappable). */
const rawConstant = fc.record({
  value: constantValue,
  list: numberList,
  anyValue: chance(20),
  mapped: chance(35),
  flattened: chance(15),
});

const rawTask = fc.record({
  kind: fc.constant("task" as const),
  body: bodyArb,
  trigger: triggerArb,
  skipOnUpstreamSkip: chance(80),
  maxRetries: chance(25).map((b) => (b ? 1 : 0)),
  async: chance(40),
  edges: fc.array(rawEdge, { maxLength: 4 }),
  constants: fc.array(rawConstant, { maxLength: 2 }),
});
const rawMerge = fc.record({
  kind: fc.constant("merge" as const),
  picks: fc.array(fc.nat(), { minLength: 1, maxLength: 4 }),
  mapped: chance(15),
});
const rawNode = fc.oneof({ weight: 12, arbitrary: rawTask }, { weight: 1, arbitrary: rawMerge });

const rawCase = fc.record({
  first: fc.nat(),
  length: fc.integer({ min: 1, max: 3 }),
  condition: fc.nat(),
  /** Else the condition is a `pick` task when there is one, so that about half the cases match. */
  anyCondition: chance(25),
  value: fc.integer({ min: 0, max: 1 }),
});

type RawNode = typeof rawNode extends fc.Arbitrary<infer T> ? T : never;
type RawCase = typeof rawCase extends fc.Arbitrary<infer T> ? T : never;

/** Random flows of 2-30 tasks (plus merges and case conditions). */
export const flowDescriptions: fc.Arbitrary<FlowDescription> = fc
  .record({
    nodes: fc.array(rawNode, { minLength: 2, maxLength: 30, size: "max" }),
    cases: fc.array(rawCase, { maxLength: 2 }),
    reference: fc.option(fc.array(fc.nat(), { minLength: 1, maxLength: 3 }), { nil: undefined, freq: 3 }),
    maxConcurrency: fc.constantFrom(Infinity, 2),
  })
  .map(({ nodes, cases, reference, maxConcurrency }) => resolve(nodes, cases, reference, maxConcurrency));

function resolve(raw: RawNode[], rawCases: RawCase[], rawReference: number[] | undefined, maxConcurrency: number): FlowDescription {
  const nodes: FlowNode[] = [];
  const isMapped: boolean[] = [];
  /** Nodes a mapped edge can map over: mapped ones, and ones whose body returns a list. */
  const listMakers: number[] = [];
  raw.forEach((r, i) => {
    if (r.kind === "merge") {
      const inputs = i === 0 ? [] : [...new Set(r.picks.map((p) => p % i))];
      const node: MergeNode = { kind: "merge", inputs, mapped: r.mapped };
      nodes.push(node);
      isMapped.push(r.mapped && inputs.length > 0);
      if (isMapped[i]) listMakers.push(i);
      return;
    }
    const edges: InputEdge[] = [];
    const seen = new Set<string>();
    let keyIndex = 0;
    for (const e of i === 0 ? [] : r.edges) {
      const listy = e.mapped && !e.anySource ? listMakers.filter((j) => j < i) : [];
      const from = listy.length ? listy[e.pick % listy.length]! : e.mode === "previous" ? i - 1 : e.mode === "first" ? 0 : e.pick % i;
      // One edge per pair from a mapped task: in Prefect two reduce edges from the same mapped
      // task share one Mapped state object, which run_task (flow_runner.py:765-770) mutates per
      // edge, so a flattened reduce would leak into the other edge's input.
      if (isMapped[from] && edges.some((x) => x.from === from)) continue;
      const key = e.keyed ? `a${keyIndex}` : undefined;
      const sig = `${from}|${key ?? ""}|${e.mapped}|${e.flattened}`;
      if (seen.has(sig)) continue; // an identical edge twice is one edge, in both engines
      seen.add(sig);
      if (key !== undefined) keyIndex++;
      edges.push({ from, key, mapped: e.mapped, flattened: e.flattened });
    }
    const constants: ConstantInput[] = r.constants.map((c, k) => ({
      key: `c${k}`, value: c.mapped && !c.anyValue && !c.flattened ? c.list : c.value, mapped: c.mapped, flattened: c.flattened,
    }));
    const node: TaskNode = {
      kind: "task", body: r.body, trigger: r.trigger, skipOnUpstreamSkip: r.skipOnUpstreamSkip, maxRetries: r.maxRetries,
      async: r.async, edges, constants,
    };
    nodes.push(node);
    isMapped.push(edges.some((e) => e.mapped) || constants.some((c) => c.mapped));
    if (isMapped[i] || r.body.kind === "list" || r.body.kind === "nested") listMakers.push(i);
  });

  // Case blocks: contiguous runs of user tasks, a condition before them, not nested or overlapping.
  const cases: CaseBlock[] = [];
  const n = nodes.length;
  for (const c of rawCases) {
    const first = 1 + (c.first % (n - 1));
    const last = Math.min(first + c.length - 1, n - 1);
    const picks = nodes.slice(0, first).flatMap((node, i) => (node.kind === "task" && node.body.kind === "pick" && !isMapped[i] ? [i] : []));
    const condition = !c.anyCondition && picks.length ? picks[c.condition % picks.length]! : c.condition % first;
    let ok = true;
    for (let i = first; i <= last; i++) if (nodes[i]!.kind !== "task") ok = false;
    for (const other of cases) if (!(last < other.first || first > other.last)) ok = false;
    if (ok) cases.push({ condition, value: c.value, first, last });
  }
  const reference = rawReference ? [...new Set(rawReference.map((p) => p % n))].sort((a, b) => a - b) : undefined;
  const desc: FlowDescription = { nodes, cases, reference, maxConcurrency };
  // fast-check prints counterexamples with this.
  Object.defineProperty(desc, fc.toStringMethod, { value: () => `\n${showFlow(desc)}\n`, enumerable: false });
  return desc;
}

/** The shapes and options a description uses (to check what the generator covers). */
export function features(desc: FlowDescription): Set<string> {
  const out = new Set<string>();
  const downstream = new Map<number, number>();
  const bump = (i: number) => downstream.set(i, (downstream.get(i) ?? 0) + 1);
  if (desc.nodes.length >= 20) out.add("20 or more tasks");
  if (desc.cases.length) out.add("case block");
  if (desc.reference) out.add("reference tasks set");
  if (desc.maxConcurrency !== Infinity) out.add("bounded concurrency");
  desc.nodes.forEach((n, i) => {
    if (n.kind === "merge") {
      out.add(n.mapped ? "mapped merge" : "merge");
      n.inputs.forEach(bump);
      return;
    }
    out.add(`trigger ${n.trigger.name}`);
    out.add(`body ${n.body.kind}`);
    if (!n.skipOnUpstreamSkip) out.add("skipOnUpstreamSkip: false");
    if (n.maxRetries) out.add("retries");
    if (n.async) out.add("async body");
    if (n.edges.length + n.constants.length >= 3) out.add("fan-in of 3 or more");
    if (i > 0 && n.edges.some((e) => e.from === i - 1)) out.add("chain edge");
    const mappedTask = n.edges.some((e) => e.mapped) || n.constants.some((c) => c.mapped);
    if (mappedTask && [...n.edges, ...n.constants].some((e) => !e.mapped && e.key !== undefined)) out.add("unmapped input of a mapped task");
    for (const e of n.edges) {
      bump(e.from);
      out.add(`${e.key === undefined ? "state-only" : "keyed"}${e.mapped ? " mapped" : ""}${e.flattened ? " flattened" : ""} edge`);
    }
    for (const c of n.constants) out.add(`${c.mapped ? "mapped " : ""}${c.flattened ? "flattened " : ""}constant`);
  });
  if ([...downstream.values()].some((n) => n >= 3)) out.add("fan-out of 3 or more");
  return out;
}
