/**
 * The vocabulary of generated flows: a flow *description* is plain data (tasks with a body kind,
 * trigger, skip flag and retries; keyed and state-only edges, mapped / flattened; constants; merge
 * nodes; case blocks; reference tasks). The engine harness builds a real flowsmith Flow from it and
 * the reference model computes Prefect's outcome from it, independently.
 *
 * What lives here is only what both sides must agree on because it is *user code*: what each task
 * body computes from its inputs. Engine rules (triggers, skips, mapping, flattening, merge, case)
 * are never here.
 * @internal
 * @module
 */

/**
 * A value as both sides see it. Task bodies only produce numbers, arrays and null; the markers stand
 * for objects that travel as results of failed or signalled runs: an Error, or a signal.
 */
export type Value = number | null | Marker | Value[];
/** An Error or a signal object seen as a value (the result of a failed or signalled run). */
export type Marker = "<Error>" | "<SKIP>" | "<FAIL>" | "<TRIGGERFAIL>" | "<SUCCESS>";

/** What a task's `run` does. Every body is a deterministic function of its inputs (and attempt). */
export type Body =
  /** Returns `k + digest(inputs)`. */
  | { kind: "value"; k: number }
  /** Returns `[b, b+1, ..., b+length-1]` with `b = digest(inputs) % 5`. */
  | { kind: "list"; length: number }
  /** Returns a list of lists: each shape entry n >= 0 is a list of n numbers, -1 a plain number. */
  | { kind: "nested"; shape: number[] }
  /** Returns null. */
  | { kind: "null" }
  /** Throws an Error. */
  | { kind: "throw" }
  /** Throws the FAIL signal. */
  | { kind: "fail" }
  /** Throws the SKIP signal. */
  | { kind: "skip" }
  /** Throws the SUCCESS signal, with `result` when given (else the signal is the result). */
  | { kind: "success"; result?: number }
  /** Throws when `digest(inputs) % 3 === m` (so some mapped children fail), else returns `k + digest`. */
  | { kind: "failAt"; m: number; k: number }
  /** Throws on its first attempt, then returns `k + digest(inputs)`. */
  | { kind: "flaky"; k: number }
  /** Returns `c`, whatever its inputs (a case condition). */
  | { kind: "pick"; c: number };

/** A trigger by name (and bounds for the `some*` ones). */
export type TriggerSpec =
  | { name: "allSuccessful" | "allFailed" | "allFinished" | "anySuccessful" | "anyFailed" | "notAllSkipped" }
  | { name: "someSuccessful" | "someFailed"; atLeast?: number; atMost?: number };

/** An edge into a node from an earlier node (`from` < the node's index). */
export interface InputEdge {
  readonly from: number;
  /** The input it feeds; undefined for a state-only edge. */
  readonly key?: string;
  readonly mapped: boolean;
  readonly flattened: boolean;
}

/** A plain value bound to an input. Mapped or flattened ones become Constant tasks with an edge. */
export interface ConstantInput {
  readonly key: string;
  readonly value: Value;
  readonly mapped: boolean;
  readonly flattened: boolean;
}

/** A user task. */
export interface TaskNode {
  readonly kind: "task";
  readonly body: Body;
  readonly trigger: TriggerSpec;
  readonly skipOnUpstreamSkip: boolean;
  /** 0 or 1; retries have no delay. */
  readonly maxRetries: number;
  /** The body awaits a macrotask before computing, so concurrent runs interleave. */
  readonly async: boolean;
  readonly edges: readonly InputEdge[];
  readonly constants: readonly ConstantInput[];
}

/** `merge(...inputs)` (optionally mapped): a Merge task fed `task_1..task_n`. */
export interface MergeNode {
  readonly kind: "merge";
  readonly inputs: readonly number[];
  readonly mapped: boolean;
}

export type FlowNode = TaskNode | MergeNode;

/** `caseOf(nodes[condition], value, () => { nodes first..last })`. */
export interface CaseBlock {
  readonly condition: number;
  readonly value: number;
  readonly first: number;
  readonly last: number;
}

/** A whole generated flow. Nodes are in a topological order (every edge goes to a later node). */
export interface FlowDescription {
  readonly nodes: readonly FlowNode[];
  readonly cases: readonly CaseBlock[];
  /** Reference tasks by node index; undefined: the terminal tasks. */
  readonly reference: readonly number[] | undefined;
  /** The ConcurrentExecutor's maxConcurrency for this flow. */
  readonly maxConcurrency: number;
}

/** What a body's run came to. */
export type BodyOutcome =
  | { readonly kind: "return"; readonly value: Value }
  | { readonly kind: "error" }
  | { readonly kind: "signal"; readonly signal: "FAIL" | "SKIP" }
  | { readonly kind: "success"; readonly result: number | undefined };

const MARKER_DIGEST: Record<Marker, number> = { "<Error>": 7, "<SKIP>": 11, "<FAIL>": 13, "<TRIGGERFAIL>": 17, "<SUCCESS>": 19 };

/** A number that summarises a value: numbers add up, lists add 1, markers have their own weights. */
export function digest(v: Value): number {
  if (v === null) return 0;
  if (typeof v === "number") return v;
  if (typeof v === "string") return MARKER_DIGEST[v];
  let n = 1;
  for (const x of v) n += digest(x);
  return n;
}

function digestInputs(inputs: Readonly<Record<string, Value>>): number {
  let n = 0;
  for (const k of Object.keys(inputs)) n += digest(inputs[k]!);
  return n;
}

const range = (base: number, length: number): number[] => Array.from({ length }, (_, i) => base + i);

/** What a body does with these inputs on this attempt (1 for the first run). */
export function evalBody(body: Body, inputs: Readonly<Record<string, Value>>, attempt: number): BodyOutcome {
  const d = digestInputs(inputs);
  switch (body.kind) {
    case "value":
      return { kind: "return", value: body.k + d };
    case "list":
      return { kind: "return", value: range(d % 5, body.length) };
    case "nested":
      return { kind: "return", value: body.shape.map((n, i) => (n < 0 ? (d % 5) + i : range((d % 5) + i, n))) };
    case "null":
      return { kind: "return", value: null };
    case "throw":
      return { kind: "error" };
    case "fail":
      return { kind: "signal", signal: "FAIL" };
    case "skip":
      return { kind: "signal", signal: "SKIP" };
    case "success":
      return { kind: "success", result: body.result };
    case "failAt":
      return d % 3 === body.m ? { kind: "error" } : { kind: "return", value: body.k + d };
    case "flaky":
      return attempt === 1 ? { kind: "error" } : { kind: "return", value: body.k + d };
    case "pick":
      return { kind: "return", value: body.c };
  }
}

/** `t3`, `merge5`: how nodes are named in flows and reports. */
export function nodeName(desc: FlowDescription, i: number): string {
  return desc.nodes[i]!.kind === "merge" ? `merge${i}` : `t${i}`;
}

function showBody(b: Body): string {
  switch (b.kind) {
    case "value": return `value(k=${b.k})`;
    case "list": return `list(${b.length})`;
    case "nested": return `nested([${b.shape.join(",")}])`;
    case "success": return b.result === undefined ? "SUCCESS()" : `SUCCESS(result=${b.result})`;
    case "failAt": return `failAt(m=${b.m}, k=${b.k})`;
    case "flaky": return `flaky(k=${b.k})`;
    case "pick": return `pick(${b.c})`;
    case "throw": return "throw";
    case "fail": return "FAIL";
    case "skip": return "SKIP";
    case "null": return "null";
  }
}

function showTrigger(t: TriggerSpec): string {
  if (t.name === "someSuccessful" || t.name === "someFailed") {
    const bounds = [t.atLeast !== undefined ? `atLeast: ${t.atLeast}` : "", t.atMost !== undefined ? `atMost: ${t.atMost}` : ""].filter(Boolean);
    return `${t.name}({ ${bounds.join(", ")} })`;
  }
  return t.name;
}

function wrap(expr: string, mapped: boolean, flattened: boolean): string {
  let e = expr;
  if (flattened) e = `flatten(${e})`;
  if (mapped) e = `mapped(${e})`;
  return e;
}

/** A readable listing of the flow, one node per line, in flowsmith's vocabulary (for failure reports). */
export function showFlow(desc: FlowDescription): string {
  const lines: string[] = [];
  desc.nodes.forEach((node, i) => {
    const name = nodeName(desc, i);
    if (node.kind === "merge") {
      const args = node.inputs.map((j) => nodeName(desc, j));
      lines.push(`${name} = merge(${[...args, ...(node.mapped ? ["{ mapped: true }"] : [])].join(", ")})`);
      return;
    }
    const keyed: string[] = [];
    const stateOnly: string[] = [];
    for (const e of node.edges) {
      const expr = wrap(nodeName(desc, e.from), e.mapped, e.flattened);
      if (e.key !== undefined) keyed.push(`${e.key}: ${expr}`);
      else stateOnly.push(expr);
    }
    for (const c of node.constants) keyed.push(`${c.key}: ${wrap(JSON.stringify(c.value), c.mapped, c.flattened)}`);
    const opts = [
      node.trigger.name !== "allSuccessful" ? `trigger: ${showTrigger(node.trigger)}` : "",
      node.skipOnUpstreamSkip ? "" : "skipOnUpstreamSkip: false",
      node.maxRetries ? `maxRetries: ${node.maxRetries}` : "",
      node.async ? "async" : "",
    ].filter(Boolean);
    const deps = [keyed.length ? `{ ${keyed.join(", ")} }` : "", stateOnly.length ? `upstream [${stateOnly.join(", ")}]` : ""].filter(Boolean);
    lines.push(`${name} = ${showBody(node.body)}${opts.length ? ` [${opts.join(", ")}]` : ""}${deps.length ? ` <- ${deps.join(" ")}` : ""}`);
  });
  for (const c of desc.cases) {
    lines.push(`caseOf(${nodeName(desc, c.condition)}, ${c.value}) around ${nodeName(desc, c.first)}..${nodeName(desc, c.last)}`);
  }
  lines.push(`reference: ${desc.reference ? desc.reference.map((i) => nodeName(desc, i)).join(", ") : "terminal tasks"}`);
  lines.push(`ConcurrentExecutor maxConcurrency: ${desc.maxConcurrency}`);
  return lines.join("\n");
}
