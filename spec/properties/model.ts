/**
 * A small reference model of Prefect 1.4.1's rules, written from Prefect's source and never from
 * flowsmith's: given a flow description, the final state of every task and mapped child (class,
 * value, how many times its body ran and with which inputs) and the flow's final state.
 *
 * It evaluates the flow in one pass, every upstream final before its downstream task looks. Prefect's
 * `flow.run` gets there in several passes (core/flow.py:1079-1137 re-runs the FlowRunner while a
 * task is Retrying); a task whose upstream is not finished ends the pass Pending and is decided in
 * a later pass from the same final upstream states, so the outcome is the same. Two artifacts of
 * those re-runs are left out on purpose, as they are not rules anyone relies on: a Mapped task that
 * got no children because it maps over a state with no result gets `n_map_states` placeholder
 * children on a later pass (task_runner.py:444-445 pads `map_states`, which then bounds
 * executors.py:686-690); and a flattened edge over a mapped task re-indexes its children when an
 * upstream child's list only arrives on a later pass (flow_runner.py:579-592 keeps the earlier
 * children by index).
 *
 * References are to the files at tag 1.4.1 under src/prefect/.
 * @internal
 * @module
 */
import {
  evalBody, nodeName as nodeId, type CaseBlock, type ConstantInput, type FlowDescription, type MergeNode, type TaskNode, type TriggerSpec,
  type Value,
} from "./description";

/** The final state classes a generated flow can produce. */
export type StateClass = "Success" | "Failed" | "TriggerFailed" | "Skipped" | "Mapped";

/** A task run's expected final state. */
export interface ExpectedUnit {
  readonly cls: StateClass;
  /** What a downstream input receives from this state (Prefect's NoResult reads as null). */
  readonly value: Value;
  /** How many times the body ran (undefined for merge and case nodes, which are library tasks). */
  readonly runs: number | undefined;
  /** The inputs the body ran with (undefined when it did not run). */
  readonly inputs: Readonly<Record<string, Value>> | undefined;
}

/** A node's expected final state; a Mapped node has its children's. */
export interface ExpectedNode extends ExpectedUnit {
  readonly children?: readonly ExpectedUnit[];
}

/** What Prefect 1.4.1 ends with for a description. */
export interface ModelOutcome {
  /** By node index. */
  readonly nodes: readonly ExpectedNode[];
  /** The `case(value)` CompareValue task of each case block, by block index. */
  readonly cases: readonly ExpectedNode[];
  readonly flow: { readonly cls: "Success" | "Failed"; readonly message: string };
  /**
   * The less common rules this outcome depended on (see {@link Rule}): for coverage statistics,
   * and to tell which rule a disagreement is about.
   */
  readonly rules: ReadonlySet<Rule>;
}

/** Rules of Prefect's that only some flows exercise (for coverage, and to name what a disagreement is about). */
export const ALL_RULES = [
  // A trigger's verdict depends on the Success states of constant inputs (flow_runner.py:525-535).
  "constants decide a trigger",
  // A trigger saw no upstream state but has upstream edges (a reduce over no children): `any_*` and `some_*` test the edge dict.
  "trigger over no states",
  // A mapped child got a copy of a failed upstream state (mapping over a whole value that failed).
  "child of a failed upstream",
  // A mapped edge from a state with no result (a mapped task that could not map) made zero children.
  "zero children from a state with no result",
  // A flattened whole value was passed on unchanged because an item is not a list.
  "flatten leaves a value with a non-list item unchanged",
  // A flattened edge over a mapped task changed which states a trigger or skip check saw.
  "flattened children decide a run",
  // A flattened mapped edge over a mapped task fed children items that are lists themselves.
  "mapped over flattened children's list items",
  // A trigger counted a flattened value's state apart from the same task's state on another edge (flatten makes a copy).
  "a flattened copy counts apart",
  // A Merge returned a SKIP signal (the result of an input task that raised SKIP).
  "merge returns a SKIP signal",
  // A task mapped over a mapped task, child by child.
  "mapped over mapped",
  // A task reduced a mapped task.
  "reduce",
  // A mapped task had no children.
  "empty map",
  // Some children of a mapped task failed and others succeeded.
  "children fail at some indexes",
  // A retry made a run succeed.
  "retry succeeded",
  // A case block's condition did not match.
  "case skipped",
  // A case block's condition matched.
  "case taken",
] as const;

/** One of {@link ALL_RULES}. */
export type Rule = (typeof ALL_RULES)[number];

/**
 * Prefect's Merge returns the first input that `is not None` (tasks/control_flow/conditional.py,
 * `Merge.run`), so a branch task that raised SKIP itself hands over its SKIP signal. flowsmith's
 * Merge passes skipped branches over: a deliberate difference, listed in the README's
 * "Differences from Prefect 1" ("`merge` passes over skipped branches").
 */
const MERGE_PASSES_OVER_SKIP_SIGNALS = true;

/**
 * Prefect's flatten of a whole value makes a copy of the upstream state (utilities/executors.py:
 * 739-741), and triggers count state objects (triggers.py:56-71), so a task fed `flatten(t)` and
 * `t` counts two upstream states. An implementation detail rather than a rule, but the README lists
 * no differences, so the model keeps it; set this to false if the README comes to list it.
 */
const FLATTENED_COPY_IS_ANOTHER_STATE = true;

/** A state as the model tracks it: identity matters because triggers see a *set* of states. */
interface MState {
  /** Identity: Prefect puts upstream states in a set (triggers.py:56-71), so one object counts once. */
  readonly id: string;
  readonly cls: StateClass;
  readonly value: Value;
  /** Prefect's NoResult: a state that never computed a value (not the same as a None result). */
  readonly noResult: boolean;
  readonly children?: readonly MState[];
  readonly runs?: number;
  readonly inputs?: Readonly<Record<string, Value>>;
  /** For a flattened copy of a whole value: the state it copies (for the rules). */
  readonly origin?: string;
}

/** An edge into a model node: from another node, or a constant. */
interface MEdge {
  /** Unique per edge (names copies made for this edge). */
  readonly eid: string;
  /** The upstream node's id, or undefined for a constant. */
  readonly from: string | undefined;
  readonly constant?: Value;
  readonly key: string | undefined;
  readonly mapped: boolean;
  readonly flattened: boolean;
}

/** A node of the expanded graph (user tasks, merges, and the CompareValue of each case). */
interface MNode {
  readonly id: string;
  readonly edges: readonly MEdge[];
  readonly trigger: TriggerSpec;
  readonly skipOnUpstreamSkip: boolean;
  readonly maxRetries: number;
  /** The body: a state class and value from the inputs and attempt. */
  readonly run: (inputs: Readonly<Record<string, Value>>, attempt: number, rules: Set<Rule>) => Omit<MState, "id">;
  /** Whether body runs are recorded (user tasks only). */
  readonly instrumented: boolean;
}

/** What an edge hands a run: the states the run's checks see, and the input value. */
interface EdgeView {
  readonly key: string | undefined;
  readonly states: readonly MState[];
  readonly value: Value;
  /** A constant bound to an input (not a Constant task with an edge), for the "constants decide a trigger" rule. */
  readonly constant: boolean;
  /** For a flattened edge over a mapped task: the children before flattening (for the rules). */
  readonly unflattened?: readonly MState[];
}

const isSuccessful = (s: MState) => s.cls === "Success" || s.cls === "Skipped" || s.cls === "Mapped";
const isFailed = (s: MState) => s.cls === "Failed" || s.cls === "TriggerFailed";
const isSkipped = (s: MState) => s.cls === "Skipped";

const noResult = (id: string, cls: StateClass): MState => ({ id, cls, value: null, noResult: true });

/** The expected outcome of running the described flow under Prefect 1.4.1's rules. */
export function expectedOutcome(desc: FlowDescription): ModelOutcome {
  const nodes = desc.nodes.map((n, i) => (n.kind === "merge" ? mergeNode(desc, n, i) : taskNode(desc, n, i)));
  const compares = desc.cases.map((c, b) => compareNode(desc, c, b));
  // case.py:90-100: each block task with no upstream task inside the block gets the condition
  // (a state-only, unmapped edge: `child.set_upstream(cond)`).
  const extraEdges = new Map<number, MEdge[]>();
  desc.cases.forEach((c, b) => {
    for (let i = c.first; i <= c.last; i++) {
      const node = desc.nodes[i] as TaskNode;
      if (node.edges.some((e) => e.from >= c.first && e.from <= c.last)) continue;
      extraEdges.set(i, [...(extraEdges.get(i) ?? []), { eid: `${nodeId(desc, i)}<case${b}`, from: `case${b}`, key: undefined, mapped: false, flattened: false }]);
    }
  });
  const all = nodes.map((n, i) => (extraEdges.has(i) ? { ...n, edges: [...n.edges, ...extraEdges.get(i)!] } : n));

  const states = new Map<string, MState>();
  const rules = new Set<Rule>();
  const evaluate = (n: MNode) => states.set(n.id, runNode(n, states, rules));
  for (let i = 0; i < all.length; i++) {
    desc.cases.forEach((c, b) => {
      if (c.first === i) evaluate(compares[b]!);
    });
    evaluate(all[i]!);
  }

  // flow_runner.py:636-665 and 678-722 (determine_final_state): the states of the reference tasks
  // (default: the terminal tasks, core/flow.py reference_tasks), Mapped ones replaced by their children.
  // Every terminal task is finished here (flow.run re-runs the FlowRunner until it is).
  const downstreamCount = new Map<string, number>();
  for (const n of [...all, ...compares]) for (const e of n.edges) if (e.from) downstreamCount.set(e.from, (downstreamCount.get(e.from) ?? 0) + 1);
  const referenceIds = desc.reference
    ? desc.reference.map((i) => nodeId(desc, i))
    : [...all, ...compares].map((n) => n.id).filter((id) => !downstreamCount.has(id));
  const keyStates = referenceIds.flatMap((id) => {
    const s = states.get(id)!;
    return s.cls === "Mapped" ? [...s.children!] : [s];
  });
  desc.cases.forEach((_, b) => rules.add(states.get(`case${b}`)!.cls === "Success" ? "case taken" : "case skipped"));
  const flow = keyStates.some(isFailed)
    ? { cls: "Failed" as const, message: "Some reference tasks failed." }
    : keyStates.every(isSuccessful)
      ? { cls: "Success" as const, message: "All reference tasks succeeded." }
      : { cls: "Success" as const, message: "No reference tasks failed." };

  const expose = (s: MState, instrumented: boolean): ExpectedNode => ({
    cls: s.cls,
    value: s.value,
    runs: instrumented ? (s.runs ?? 0) : undefined,
    inputs: s.inputs,
    ...(s.children ? { children: s.children.map((c) => expose(c, instrumented)) } : {}),
  });
  return {
    nodes: all.map((n) => expose(states.get(n.id)!, n.instrumented)),
    cases: compares.map((n) => expose(states.get(n.id)!, false)),
    flow,
    rules,
  };
}

function edgesOf(desc: FlowDescription, id: string, node: TaskNode): MEdge[] {
  const edges: MEdge[] = node.edges.map((e, k) => ({
    eid: `${id}<${k}`, from: nodeId(desc, e.from), key: e.key, mapped: e.mapped, flattened: e.flattened,
  }));
  // flow_runner.py:525-535: constants reach the TaskRunner as extra edges with Success states;
  // mapped or flattened constants are Constant tasks with an edge (core/flow.py:609-622 keeps only
  // keyed, unmapped, unflattened ones as constants), whose state is Success(value)
  // (flow_runner.py:449-452). Either way: an upstream Success state.
  node.constants.forEach((c: ConstantInput) => {
    edges.push({ eid: `${id}<${c.key}`, from: undefined, constant: c.value, key: c.key, mapped: c.mapped, flattened: c.flattened });
  });
  return edges;
}

function taskNode(desc: FlowDescription, node: TaskNode, i: number): MNode {
  const id = nodeId(desc, i);
  return {
    id,
    edges: edgesOf(desc, id, node),
    trigger: node.trigger,
    skipOnUpstreamSkip: node.skipOnUpstreamSkip,
    maxRetries: node.maxRetries,
    instrumented: true,
    run: (inputs, attempt) => {
      // task_runner.py:839-941 (get_task_run_state): a return is Success; an exception is Failed with
      // the exception as result; a signal becomes its state with the signal as result (signals.py:54-72),
      // except SUCCESS(result=v), whose result is v.
      const o = evalBody(node.body, inputs, attempt);
      switch (o.kind) {
        case "return": return { cls: "Success", value: o.value, noResult: false };
        case "error": return { cls: "Failed", value: "<Error>", noResult: false };
        case "signal": return o.signal === "FAIL"
          ? { cls: "Failed", value: "<FAIL>", noResult: false }
          : { cls: "Skipped", value: "<SKIP>", noResult: false };
        case "success": return { cls: "Success", value: o.result ?? "<SUCCESS>", noResult: false };
      }
    },
  };
}

function mergeNode(desc: FlowDescription, node: MergeNode, i: number): MNode {
  const id = nodeId(desc, i);
  return {
    id,
    // tasks/control_flow/conditional.py merge(): Merge().bind(task_1=..., task_n=..., mapped=mapped)
    edges: node.inputs.map((from, k) => ({ eid: `${id}<${k}`, from: nodeId(desc, from), key: `task_${k + 1}`, mapped: node.mapped, flattened: false })),
    // conditional.py:9-14 (Merge.__init__): trigger not_all_skipped, skip_on_upstream_skip False.
    trigger: { name: "notAllSkipped" },
    skipOnUpstreamSkip: false,
    maxRetries: 0,
    instrumented: false,
    run: (inputs, _attempt, rules) => {
      // conditional.py:17-18 (Merge.run): the first value that is not None, in sorted key order.
      const keys = Object.keys(inputs).sort();
      for (const k of keys) {
        const v = inputs[k]!;
        if (v === null) continue;
        if (MERGE_PASSES_OVER_SKIP_SIGNALS && v === "<SKIP>") continue;
        if (v === "<SKIP>") rules.add("merge returns a SKIP signal");
        return { cls: "Success", value: v, noResult: false };
      }
      return { cls: "Success", value: null, noResult: false };
    },
  };
}

function compareNode(desc: FlowDescription, c: CaseBlock, b: number): MNode {
  return {
    id: `case${b}`,
    // tasks/control_flow/case.py:92: CompareValue(value, name=f"case({value})").bind(value=condition)
    edges: [{ eid: `case${b}<value`, from: nodeId(desc, c.condition), key: "value", mapped: false, flattened: false }],
    trigger: { name: "allSuccessful" },
    skipOnUpstreamSkip: true,
    maxRetries: 0,
    instrumented: false,
    // conditional.py:36-48 (CompareValue.run): SKIP unless the value equals; returns None.
    run: (inputs) => (inputs.value === c.value
      ? { cls: "Success", value: null, noResult: false }
      : { cls: "Skipped", value: "<SKIP>", noResult: false }),
  };
}

/** The upstream state an edge starts from. */
function upstreamOf(e: MEdge, states: Map<string, MState>): MState {
  if (e.from === undefined) return { id: `const:${e.eid}`, cls: "Success", value: e.constant!, noResult: false };
  return states.get(e.from)!;
}

/**
 * utilities/executors.py:728-741 (flatten_upstream_state): `[y for x in result for y in x]`, and the
 * state unchanged when that raises TypeError (anything in it, or it, not iterable). A copy otherwise.
 */
function flattenWhole(s: MState, eid: string, rules: Set<Rule>): MState {
  const v = s.value;
  if (!Array.isArray(v) || !v.every(Array.isArray)) {
    if (Array.isArray(v) && v.some(Array.isArray)) rules.add("flatten leaves a value with a non-list item unchanged");
    return s;
  }
  const id = FLATTENED_COPY_IS_ANOTHER_STATE ? `${s.id}~flat@${eid}` : s.id;
  return { id, cls: s.cls, value: (v as Value[][]).flat(), noResult: false, origin: s.id };
}

/**
 * utilities/executors.py:705-762 (flatten_mapped_children): each child contributes len(result)
 * states if its result has a length, else one; a child that is not successful, or is skipped, is
 * passed as itself; others are copies holding result[i] (or the whole result when not a list).
 */
function flattenChildren(children: readonly MState[], eid: string): MState[] {
  const out: MState[] = [];
  for (const c of children) {
    const list = Array.isArray(c.value) ? c.value : undefined;
    const count = list ? list.length : 1;
    for (let j = 0; j < count; j++) {
      if (!isSuccessful(c) || isSkipped(c)) out.push(c);
      else if (!list) out.push({ id: `${c.id}~f@${eid}`, cls: c.cls, value: c.value, noResult: false });
      else out.push({ id: `${c.id}~f${j}@${eid}`, cls: c.cls, value: list[j]!, noResult: false });
    }
  }
  return out;
}

/**
 * What a run sees along an edge that is not mapped (or what a mapped parent sees along any edge
 * that is not mapped): a Mapped upstream stands for its children, whose results make the input
 * (a reduce; flow_runner.py:513-523, and run_task, flow_runner.py:764-770); a flattened edge
 * flattens first (flow_runner.py:505-509 for a whole value, 518-521 for children).
 */
function wholeView(e: MEdge, up: MState, rules: Set<Rule>): EdgeView {
  const constant = e.from === undefined && !e.mapped && !e.flattened; // a flow constant, not a Constant task
  if (up.cls === "Mapped") {
    rules.add("reduce");
    if (!e.flattened) return { key: e.key, states: up.children!, value: up.children!.map((s) => s.value), constant };
    const states = flattenChildren(up.children!, e.eid);
    return { key: e.key, states, value: states.map((s) => s.value), constant, unflattened: up.children! };
  }
  const s = e.flattened ? flattenWhole(up, e.eid, rules) : up;
  return { key: e.key, states: [s], value: s.value, constant };
}

function runNode(n: MNode, states: Map<string, MState>, rules: Set<Rule>): MState {
  if (!n.edges.some((e) => e.mapped)) {
    return runUnit(n, n.id, n.edges.map((e) => wholeView(e, upstreamOf(e, states), rules)), rules);
  }
  return runMapped(n, states, rules);
}

/**
 * A mapped task: the parent run (task_runner.py:382-489, check_upstream_skipped then
 * check_task_ready_to_map, which always ends the parent's run: no trigger, no body), then one child
 * per index (utilities/executors.py:594-698, prepare_upstream_states_for_mapping).
 */
function runMapped(n: MNode, states: Map<string, MState>, rules: Set<Rule>): MState {
  const whole: Array<EdgeView | undefined> = [];
  const parentSees: MState[] = [];
  const mappedOver: MState[] = [];
  n.edges.forEach((e, k) => {
    const up = upstreamOf(e, states);
    if (!e.mapped) {
      const v = wholeView(e, up, rules);
      whole[k] = v;
      parentSees.push(...v.states);
    } else {
      // A Mapped upstream stays Mapped along a mapped edge; a flattened whole value is flattened first.
      const s = up.cls === "Mapped" || !e.flattened ? up : flattenWhole(up, e.eid, rules);
      mappedOver[k] = s;
      parentSees.push(s);
    }
  });
  // task_runner.py:382-422 (check_upstream_skipped), on the parent too.
  if (n.skipOnUpstreamSkip && parentSees.some(isSkipped)) return noResult(n.id, "Skipped");
  // task_runner.py:425-489 (check_task_ready_to_map).
  const mappedStates = n.edges.map((e, k) => (e.mapped ? mappedOver[k]! : undefined)).filter((s): s is MState => s !== undefined);
  if (!mappedStates.some(isSuccessful)) return noResult(n.id, "Failed"); // "No upstream states can be mapped over."
  if (mappedStates.some((s) => isSuccessful(s) && s.cls !== "Mapped" && !Array.isArray(s.value))) {
    // "At least one upstream state has an unmappable result." Prefect gives it no result; flowsmith keeps
    // a MappingError as its result (README, "Differences from Prefect 1"), which a downstream task
    // with another trigger receives as its input. Mapped children still see no value (NoResult).
    return { ...noResult(n.id, "Failed"), value: "<Error>" };
  }
  // executors.py:636-696: children are made until one mapped source runs out (IndexError).
  const sources: Array<MState[] | undefined> = [];
  let count = Infinity;
  n.edges.forEach((e, k) => {
    if (!e.mapped) return;
    const s = mappedOver[k]!;
    if (s.cls === "Mapped") {
      // mapped_children[upstream][i] (flattened per edge when the edge is flattened).
      const list = e.flattened ? flattenChildren(s.children!, e.eid) : [...s.children!];
      if (!e.flattened) rules.add("mapped over mapped");
      else if (list.some((c) => Array.isArray(c.value))) rules.add("mapped over flattened children's list items");
      sources[k] = list;
      count = Math.min(count, list.length);
    } else if (s.noResult) {
      // `_result` is NoResult and the parent is Mapped with no map_states yet: IndexError at once.
      count = 0;
      rules.add("zero children from a state with no result");
    } else if (Array.isArray(s.value)) {
      count = Math.min(count, s.value.length);
    }
    // Otherwise (a failed state holding an exception or signal): result[i] is never read, each child
    // gets a copy holding None, and this edge never ends the loop.
  });
  const children: MState[] = [];
  for (let i = 0; i < count; i++) {
    const views = n.edges.map((e, k): EdgeView => {
      if (!e.mapped) return whole[k]!;
      const src = sources[k];
      if (src) return { key: e.key, states: [src[i]!], value: src[i]!.value, constant: false };
      const s = mappedOver[k]!;
      if (isFailed(s)) rules.add("child of a failed upstream");
      const value = Array.isArray(s.value) ? s.value[i]! : null;
      const copy: MState = { id: `${s.id}~m${i}@${e.eid}`, cls: s.cls, value, noResult: false };
      return { key: e.key, states: [copy], value, constant: false };
    });
    children.push(runUnit(n, `${n.id}[${i}]`, views, rules));
  }
  if (count === 0) rules.add("empty map");
  if (children.some(isFailed) && children.some((c) => c.cls === "Success")) rules.add("children fail at some indexes");
  return { id: n.id, cls: "Mapped", value: children.map((c) => c.value), noResult: false, children };
}

/**
 * One task run (a plain task or a mapped child): task_runner.py:245-311, check_upstream_skipped,
 * check_task_trigger, get_task_run_state, check_for_retry. `views` has one entry per entry of
 * Prefect's upstream_states dict (constants included), which some triggers test for emptiness.
 */
function runUnit(n: MNode, id: string, views: readonly EdgeView[], rules: Set<Rule>): MState {
  const set = stateSet(views);
  noteRules(n, views, set, rules);
  if (n.skipOnUpstreamSkip && set.some(isSkipped)) return noResult(id, "Skipped");
  const verdict = trigger(n.trigger, set, views.length > 0);
  if (verdict === "fail") return { id, cls: "TriggerFailed", value: "<TRIGGERFAIL>", noResult: false };
  if (verdict === "skip") return noResult(id, "Skipped"); // SKIP(..., result=None): NoResult
  const inputs: Record<string, Value> = {};
  for (const v of views) if (v.key !== undefined) inputs[v.key] = v.value;
  let attempt = 1;
  for (;;) {
    const out = n.run(inputs, attempt, rules);
    // task_runner.py:983-1060 (check_for_retry): a failed run is retried while run_count <= max_retries.
    if (isFailed({ id, ...out }) && attempt <= n.maxRetries) {
      attempt++;
      continue;
    }
    if (attempt > 1 && !isFailed({ id, ...out })) rules.add("retry succeeded");
    return { id, ...out, runs: attempt, inputs };
  }
}

/** The distinct upstream states a run's checks see (one object counts once). */
function stateSet(views: readonly EdgeView[]): MState[] {
  const seen = new Map<string, MState>();
  for (const v of views) for (const s of v.states) seen.set(s.id, s);
  return [...seen.values()];
}

function seenIds(states: readonly MState[]): Set<string> {
  return new Set(states.map((s) => s.id));
}

/** Notes the rules a run's skip check or trigger depended on (no effect on the outcome). */
function noteRules(n: MNode, views: readonly EdgeView[], set: readonly MState[], rules: Set<Rule>): void {
  const decide = (states: readonly MState[], anyUpstream: boolean) =>
    n.skipOnUpstreamSkip && states.some(isSkipped) ? "skip" : trigger(n.trigger, states, anyUpstream);
  const verdict = decide(set, views.length > 0);
  const withoutConstants = views.filter((v) => !v.constant);
  const nonConstant = stateSet(withoutConstants);
  const withoutConstantsVerdict = decide(nonConstant, withoutConstants.length > 0);
  if (withoutConstantsVerdict !== verdict) rules.add("constants decide a trigger");
  if (nonConstant.length === 0 && decide(nonConstant, false) !== withoutConstantsVerdict) rules.add("trigger over no states");
  if (set.some((s) => s.origin !== undefined && seenIds(set).has(s.origin))) {
    const merged = [...new Map(set.map((s) => [s.origin ?? s.id, s] as const)).values()];
    if (decide(merged, views.length > 0) !== verdict) rules.add("a flattened copy counts apart");
  }
  if (views.some((v) => v.unflattened)) {
    const plain = stateSet(views.map((v) => (v.unflattened ? { ...v, states: v.unflattened } : v)));
    if (decide(plain, views.length > 0) !== verdict) rules.add("flattened children decide a run");
  }
}

/** triggers.py:56-305: every trigger, over the set of upstream states (Mapped ones expanded). */
function trigger(spec: TriggerSpec, states: readonly MState[], anyUpstream: boolean): "pass" | "fail" | "skip" {
  const ok = (b: boolean) => (b ? "pass" : "fail");
  switch (spec.name) {
    case "allSuccessful": return ok(states.every(isSuccessful));
    case "allFailed": return ok(states.every(isFailed));
    case "allFinished": return "pass"; // every upstream is final when a run gets here
    // `if upstream_states and not any(...)`: the dict of edges is tested, not the expanded set.
    case "anySuccessful": return ok(!anyUpstream || states.some(isSuccessful));
    case "anyFailed": return ok(!anyUpstream || states.some(isFailed));
    case "someSuccessful":
    case "someFailed": {
      if (!anyUpstream) return "pass";
      const n = states.filter(spec.name === "someSuccessful" ? isSuccessful : isFailed).length;
      const total = states.length;
      const min = spec.atLeast === undefined ? 0 : spec.atLeast < 1 ? total * spec.atLeast : spec.atLeast;
      const max = spec.atMost === undefined ? total : spec.atMost < 1 ? total * spec.atMost : spec.atMost;
      return ok(min <= n && n <= max);
    }
    case "notAllSkipped":
      if (states.every(isSkipped)) return "skip";
      return ok(states.every(isSuccessful));
  }
}
