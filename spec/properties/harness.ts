/**
 * The engine side of the property suite: builds a real flowsmith Flow from a description (with the
 * public API: `setDependencies`, `mapped`, `flatten`, `caseOf`, `merge`, triggers), instruments every
 * task body with a run log, runs it on an executor, and compares what happened with the model.
 * @internal
 * @module
 */
import {
  Flow, task, mapped, flatten, caseOf, merge, context, CompareValue, Executor, LocalExecutor, ConcurrentExecutor,
  State, Mapped, FAIL, SKIP, SUCCESS, TRIGGERFAIL, StateSignal, triggers, type AnyTask, type Trigger,
} from "../../lib/index";
import {
  evalBody, nodeName, type FlowDescription, type TaskNode, type TriggerSpec, type Value,
} from "./description";
import type { ExpectedNode, ExpectedUnit, ModelOutcome } from "./model";
import { guardedRun } from "../support/guarded-run";

/** One body run: which task (and child) ran, which attempt, with what inputs, and when. */
export interface RunEvent {
  readonly node: number;
  /** `t3` or `t3[1]`. */
  readonly unit: string;
  readonly mapIndex: number | undefined;
  readonly attempt: number;
  readonly inputs: Record<string, Value>;
  readonly start: number;
  end: number;
}

/** A built flow and how to find its parts. */
export interface BuiltFlow {
  readonly flow: Flow;
  /** The task of each node, by index. */
  readonly tasks: readonly AnyTask[];
  /** The CompareValue task of each case block, by index. */
  readonly compares: readonly AnyTask[];
  /**
   * The body runs of each flow run in progress, by run id (the `propertyRun` context key), in start
   * order. A run that was given up on (hung, escaped) and still runs bodies logs nowhere.
   */
  readonly logs: Map<string, RunEvent[]>;
}

/** A final state as comparable data. */
export interface ObservedNode {
  readonly cls: string;
  readonly value: Value | undefined;
  readonly message: string | undefined;
  readonly children?: readonly ObservedNode[];
}

/** What one run of a built flow came to. */
export interface Observed {
  readonly flow: { readonly cls: string; readonly message: string | undefined };
  readonly nodes: readonly ObservedNode[];
  readonly cases: readonly ObservedNode[];
  readonly log: readonly RunEvent[];
}

/** A value as the model writes it: null for null/undefined, markers for errors and signals. */
export function canon(v: unknown): Value {
  if (v === null || v === undefined) return null;
  if (typeof v === "number") return v;
  if (Array.isArray(v)) return v.map(canon);
  if (v instanceof SKIP) return "<SKIP>";
  if (v instanceof TRIGGERFAIL) return "<TRIGGERFAIL>";
  if (v instanceof FAIL) return "<FAIL>";
  if (v instanceof SUCCESS) return "<SUCCESS>";
  if (v instanceof StateSignal) return `<${v.constructor.name}>` as Value;
  if (v instanceof Error) return "<Error>";
  return `<unexpected ${typeof v}: ${String(v)}>` as Value;
}

function triggerOf(spec: TriggerSpec): Trigger {
  switch (spec.name) {
    case "someSuccessful": return triggers.someSuccessful({ atLeast: spec.atLeast, atMost: spec.atMost });
    case "someFailed": return triggers.someFailed({ atLeast: spec.atLeast, atMost: spec.atMost });
    default: return triggers[spec.name];
  }
}

const nextTurn = () => new Promise<void>((resolve) => setImmediate(resolve));

/** The task for a user node: its body computes {@link evalBody} and records each run. */
function makeTask(desc: FlowDescription, i: number, node: TaskNode, logs: Map<string, RunEvent[]>, clock: { now: number }): AnyTask {
  const name = nodeName(desc, i);
  const body = (inputs: Record<string, unknown>) => {
    const mapIndex = context.get<number | undefined>("mapIndex");
    const attempt = context.get<number>("taskRunCount", 1);
    const seen: Record<string, Value> = {};
    for (const k of Object.keys(inputs).sort()) seen[k] = canon(inputs[k]);
    const event: RunEvent = {
      node: i, unit: mapIndex === undefined ? name : `${name}[${mapIndex}]`, mapIndex, attempt, inputs: seen, start: ++clock.now, end: -1,
    };
    logs.get(String(context.get("propertyRun")))?.push(event);
    const finish = () => {
      event.end = ++clock.now;
      const o = evalBody(node.body, seen, attempt);
      switch (o.kind) {
        case "return": return o.value;
        case "error": throw new Error(`${event.unit} failed on attempt ${attempt}`);
        case "signal": throw o.signal === "FAIL" ? new FAIL(`${event.unit} FAIL`) : new SKIP(`${event.unit} SKIP`);
        case "success": throw new SUCCESS(`${event.unit} SUCCESS`, o.result === undefined ? {} : { result: o.result });
      }
    };
    return node.async ? nextTurn().then(finish) : finish();
  };
  return task(
    {
      name,
      trigger: triggerOf(node.trigger),
      skipOnUpstreamSkip: node.skipOnUpstreamSkip,
      ...(node.maxRetries > 0 ? { maxRetries: node.maxRetries, retryDelay: 0 } : {}),
    },
    body,
  );
}

function annotate(value: unknown, isMapped: boolean, isFlattened: boolean): unknown {
  let v = value;
  if (isFlattened) v = flatten(v);
  if (isMapped) v = mapped(v);
  return v;
}

/** Builds the described flow with flowsmith's public API. */
export function buildFlow(desc: FlowDescription): BuiltFlow {
  const logs = new Map<string, RunEvent[]>();
  const clock = { now: 0 };
  const tasks: AnyTask[] = [];
  const compares: AnyTask[] = [];
  const flow = new Flow("property");
  const addNode = (i: number) => {
    const node = desc.nodes[i]!;
    if (node.kind === "merge") {
      const inputs = node.inputs.map((j) => tasks[j]!);
      tasks[i] = (merge as (...args: unknown[]) => AnyTask)(...inputs, { mapped: node.mapped });
      return;
    }
    const t = makeTask(desc, i, node, logs, clock);
    tasks[i] = t;
    const keywordTasks: Record<string, unknown> = {};
    const upstreamTasks: unknown[] = [];
    for (const e of node.edges) {
      const v = annotate(tasks[e.from]!, e.mapped, e.flattened);
      if (e.key !== undefined) keywordTasks[e.key] = v;
      else upstreamTasks.push(v);
    }
    for (const c of node.constants) keywordTasks[c.key] = annotate(c.value, c.mapped, c.flattened);
    flow.setDependencies(t, { keywordTasks, upstreamTasks });
  };
  flow.define(() => {
    for (let i = 0; i < desc.nodes.length; i++) {
      const b = desc.cases.findIndex((c) => c.first === i);
      if (b < 0) {
        addNode(i);
        continue;
      }
      const block = desc.cases[b]!;
      const condition = tasks[block.condition]!;
      const before = new Set(flow.edgesFrom(condition));
      caseOf(condition, block.value, () => {
        for (let j = block.first; j <= block.last; j++) addNode(j);
      });
      const made = [...flow.edgesFrom(condition)].find((e) => !before.has(e) && e.downstreamTask instanceof CompareValue);
      if (!made) throw new Error(`caseOf(${nodeName(desc, block.condition)}, ${block.value}) made no CompareValue task`);
      compares[b] = made.downstreamTask;
      i = block.last;
    }
  });
  if (desc.reference) flow.setReferenceTasks(desc.reference.map((i) => tasks[i]!));
  return { flow, tasks, compares, logs };
}

function observe(s: State | undefined): ObservedNode {
  if (!s) return { cls: "missing", value: undefined, message: undefined };
  const base = { cls: s.type, value: canon(s.result), message: s.message };
  return s instanceof Mapped ? { ...base, value: undefined, children: s.mapStates.map((c) => observe(c)) } : base;
}

let runs = 0;

/**
 * Runs a built flow once on `executor`. A run that does not settle within `watchdogMs`, or that lets
 * an error escape its promise (an exception thrown from one of the engine's own timers), is reported
 * as the flow's outcome ("Hung", "Escaped") instead of hanging or crashing the suite.
 */
export async function runOn(built: BuiltFlow, executor: Executor, watchdogMs = 10_000): Promise<Observed> {
  const runId = `run-${++runs}`;
  const log: RunEvent[] = [];
  built.logs.set(runId, log);
  const outcome = await guardedRun(() => built.flow.run({ executor, context: { propertyRun: runId } }), {
    watchdogMs,
    owns: () => context.get("propertyRun") === runId,
  });
  built.logs.delete(runId);
  if (outcome.kind !== "settled") {
    const missing = { cls: "missing", value: undefined, message: undefined };
    const flow = { cls: outcome.kind === "hung" ? "Hung" : "Escaped", message: outcome.message };
    return { flow, nodes: built.tasks.map(() => missing), cases: built.compares.map(() => missing), log };
  }
  const final = outcome.value;
  const states = final.result as Map<AnyTask, State> | undefined;
  const get = (t: AnyTask) => (states instanceof Map ? states.get(t) : undefined);
  return {
    flow: { cls: final.type, message: final.message },
    nodes: built.tasks.map((t) => observe(get(t))),
    cases: built.compares.map((t) => observe(get(t))),
    log,
  };
}

/** The executors every flow runs on. */
export function executorsFor(desc: FlowDescription): Array<[string, () => Executor]> {
  return [
    ["LocalExecutor", () => new LocalExecutor()],
    [`ConcurrentExecutor(maxConcurrency: ${desc.maxConcurrency})`, () => new ConcurrentExecutor({ maxConcurrency: desc.maxConcurrency })],
  ];
}

const show = (v: unknown) => JSON.stringify(v);
const showNode = (o: ObservedNode): string =>
  o.children ? `${o.cls}[${o.children.map(showNode).join(", ")}]` : o.cls === "Success" ? `Success(${show(o.value)})` : `${o.cls}${o.message ? ` "${o.message}"` : ""}`;
const showExpected = (e: ExpectedUnit & { children?: readonly ExpectedUnit[] }): string =>
  e.children ? `Mapped[${e.children.map(showExpected).join(", ")}]` : e.cls === "Success" ? `Success(${show(e.value)})` : e.cls;

function sameValue(a: unknown, b: unknown): boolean {
  return show(a) === show(b);
}

/** Differences between the model and one observed run: states, values, runs, inputs, flow state. */
export function compareWithModel(desc: FlowDescription, expected: ModelOutcome, observed: Observed): string[] {
  const problems: string[] = [];
  const runsOf = new Map<string, RunEvent[]>();
  for (const ev of observed.log) runsOf.set(ev.unit, [...(runsOf.get(ev.unit) ?? []), ev]);

  const unit = (name: string, e: ExpectedUnit, o: ObservedNode | undefined, instrumented: boolean) => {
    if (!o || o.cls !== e.cls || (e.cls === "Success" && !sameValue(e.value, o.value))) {
      problems.push(`${name}: Prefect ends ${showExpected(e)}, flowsmith ${o ? showNode(o) : "has no state"}`);
    }
    if (!instrumented) return;
    const runs = runsOf.get(name) ?? [];
    if (runs.length !== e.runs) problems.push(`${name}: the body ran ${runs.length} time(s), Prefect runs it ${e.runs} time(s)`);
    runs.forEach((ev, k) => {
      if (ev.attempt !== k + 1) problems.push(`${name}: run ${k + 1} saw taskRunCount ${ev.attempt}`);
      if (e.inputs && !sameValue(ev.inputs, e.inputs)) {
        problems.push(`${name}: run ${k + 1} got inputs ${show(ev.inputs)}, Prefect passes ${show(e.inputs)}`);
      }
    });
  };
  const node = (name: string, e: ExpectedNode, o: ObservedNode | undefined, instrumented: boolean) => {
    if (e.cls === "Mapped" && o?.cls === "Mapped") {
      const ec = e.children!;
      const oc = o.children!;
      if (ec.length !== oc.length) problems.push(`${name}: Prefect makes ${ec.length} mapped children, flowsmith ${oc.length}`);
      for (let i = 0; i < Math.max(ec.length, oc.length); i++) {
        if (ec[i]) unit(`${name}[${i}]`, ec[i]!, oc[i], instrumented);
        else problems.push(`${name}[${i}]: an extra child, ${showNode(oc[i]!)}`);
      }
      return;
    }
    unit(name, e, o, instrumented);
    if (instrumented && e.cls === "Mapped") {
      for (const [u] of runsOf) if (u.startsWith(`${name}[`)) problems.push(`${u}: ran, but flowsmith's ${name} is not Mapped`);
    }
  };
  desc.nodes.forEach((n, i) => node(nodeName(desc, i), expected.nodes[i]!, observed.nodes[i], n.kind === "task"));
  desc.cases.forEach((c, b) => node(`case(${c.value}) of ${nodeName(desc, c.condition)}`, expected.cases[b]!, observed.cases[b], false));
  if (observed.flow.cls !== expected.flow.cls || observed.flow.message !== expected.flow.message) {
    problems.push(`flow: Prefect ends ${expected.flow.cls} "${expected.flow.message}", flowsmith ${observed.flow.cls} "${observed.flow.message}"`);
  }
  return problems;
}

/**
 * Invariants of one run, whatever Prefect says: every task and child ends in a final state, and no
 * body starts before every body run of its upstream tasks has ended (child i of a mapped task waits
 * only for child i of a task it maps over, unflattened).
 */
export function checkInvariants(desc: FlowDescription, observed: Observed): string[] {
  const problems: string[] = [];
  const finalClasses = new Set(["Success", "Failed", "TriggerFailed", "Skipped", "Mapped", "TimedOut", "ValidationFailed", "Cancelled", "Cached", "Looped"]);
  const visit = (name: string, o: ObservedNode) => {
    if (!finalClasses.has(o.cls)) problems.push(`${name}: ended ${o.cls}, which is not a final state`);
    o.children?.forEach((c, i) => visit(`${name}[${i}]`, c));
  };
  if (observed.nodes.some((o) => o.cls === "missing")) {
    return [`the flow run ended ${observed.flow.cls} "${observed.flow.message}" without a state for every task`];
  }
  observed.nodes.forEach((o, i) => visit(nodeName(desc, i), o));
  observed.cases.forEach((o, b) => visit(`case ${b}`, o));

  const mappedNode = desc.nodes.map((n) => (n.kind === "merge" ? n.mapped && n.inputs.length > 0 : n.edges.some((e) => e.mapped) || n.constants.some((c) => c.mapped)));
  const lastEnd = new Map<string, number>();
  for (const ev of observed.log) lastEnd.set(ev.unit, Math.max(lastEnd.get(ev.unit) ?? -1, ev.end));
  const unitsOf = new Map<number, string[]>();
  for (const ev of observed.log) {
    const list = unitsOf.get(ev.node) ?? [];
    if (!list.includes(ev.unit)) list.push(ev.unit);
    unitsOf.set(ev.node, list);
  }
  for (const ev of observed.log) {
    const node = desc.nodes[ev.node] as TaskNode;
    for (const e of node.edges) {
      const childToChild = e.mapped && !e.flattened && mappedNode[e.from]! && ev.mapIndex !== undefined;
      const ups = childToChild ? [`${nodeName(desc, e.from)}[${ev.mapIndex}]`] : (unitsOf.get(e.from) ?? []);
      for (const u of ups) {
        const end = lastEnd.get(u);
        if (end === undefined) continue;
        if (end < 0 || end > ev.start) problems.push(`${ev.unit} (attempt ${ev.attempt}) started before its upstream ${u} finished`);
      }
    }
  }
  return problems;
}

/** The same comparable picture for two executors' runs (run order aside). */
export function compareRuns(a: Observed, b: Observed): string[] {
  const strip = (o: Observed) => ({
    flow: o.flow,
    nodes: o.nodes.map(function strip(n): unknown {
      return { cls: n.cls, value: n.value, children: n.children?.map(strip) };
    }),
    cases: o.cases.map((n) => ({ cls: n.cls, value: n.value })),
    runs: [...o.log].map((e) => `${e.unit}#${e.attempt}:${show(e.inputs)}`).sort(),
  });
  const x = strip(a);
  const y = strip(b);
  const problems: string[] = [];
  if (show(x.flow) !== show(y.flow)) problems.push(`flow state differs: ${show(x.flow)} vs ${show(y.flow)}`);
  x.nodes.forEach((n, i) => {
    if (show(n) !== show(y.nodes[i])) problems.push(`node ${i} differs: ${show(n)} vs ${show(y.nodes[i])}`);
  });
  if (show(x.cases) !== show(y.cases)) problems.push(`case conditions differ: ${show(x.cases)} vs ${show(y.cases)}`);
  if (show(x.runs) !== show(y.runs)) problems.push(`body runs differ: ${show(x.runs)} vs ${show(y.runs)}`);
  return problems;
}
