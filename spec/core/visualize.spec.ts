import { describe, it } from "node:test";
import assert from "node:assert/strict";
import {
  Flow, task, NoOpTask, unmapped, flatten, InvalidOptionError, FlowsmithError,
  Success, Failed, Mapped, Pending, Cached, TriggerFailed,
} from "../../lib/index";

const src = task(function source() {
  return [1, 2, 3];
});
const inc = task(function inc({ x }: { x: number }) {
  return x + 1;
});
const total = task(function total({ xs }: { xs: number[] }) {
  return xs.reduce((a, b) => a + b, 0);
});

/** source -> inc.map(x) -> total(xs): the classic map/reduce. */
function mapReduce() {
  let s!: typeof src, m!: ReturnType<typeof inc.map>, r!: typeof total;
  const flow = Flow.build("etl", () => {
    s = src.call();
    m = inc.map({ x: s });
    r = total.call({ xs: m });
  });
  return { flow, s, m, r };
}

const lines = (text: string) => text.split("\n");

describe("visualize: DOT", () => {
  it("draws one node per task (ellipse) and one per mapped task (box, <map>) with keyed, dashed edges", () => {
    const { flow, s, m, r } = mapReduce();
    const dot = flow.visualize();
    const [S, M, R] = [s, m, r].map((t) => flow.slugOf(t));
    assert.equal(
      dot,
      [
        `digraph "etl" {`,
        `  "${S}" [label="source", shape=ellipse];`,
        `  "${M}" [label="inc <map>", shape=box];`,
        `  "${R}" [label="total", shape=ellipse];`,
        `  "${S}" -> "${M}" [label="x", style=dashed];`,
        `  "${M}" -> "${R}" [label="xs"];`,
        `}`,
        ``,
      ].join("\n"),
    );
    assert.equal(flow.visualize({ format: "dot" }), dot, "dot is the default format");
  });

  it("uses rankdir=LR only when horizontal", () => {
    const { flow } = mapReduce();
    assert.ok(lines(flow.visualize({ horizontal: true })).includes("  rankdir=LR;"));
    assert.ok(!flow.visualize().includes("rankdir"));
  });

  it("leaves state-only edges unlabelled, marks flattened edges, and does not draw constants", () => {
    const a = new NoOpTask({ name: "a" });
    const b = new NoOpTask({ name: "b" });
    const c = new NoOpTask({ name: "c" });
    const flow = new Flow("f");
    flow.addEdge(a, b);
    flow.addEdge(b, c, { key: "x", mapped: true, flattened: true });
    flow.setDependencies(c, { keywordTasks: { y: 42 } });
    assert.deepEqual(flow.constants.get(c), { y: 42 });
    const dot = flow.visualize();
    const [A, B, C] = [a, b, c].map((t) => flow.slugOf(t));
    assert.ok(lines(dot).includes(`  "${A}" -> "${B}";`), dot);
    assert.ok(lines(dot).includes(`  "${B}" -> "${C}" [label="x (flattened)", style=dashed];`), dot);
    assert.equal(dot.match(/\[label=/g)!.length, 3 + 1, "three nodes and one labelled edge; no constant node");
    assert.ok(!dot.includes("42"));
  });

  it("draws flatten() and unmapped() inputs built with the functional API", () => {
    const nested = task(function nested() {
      return [[1], [2, 3]];
    });
    const add = task(function add({ x, y }: { x: number; y: number[] }) {
      return x + y.length;
    });
    let n!: typeof nested, k!: typeof src, m!: typeof add;
    const flow = Flow.build("flat", () => {
      n = nested.call();
      k = src.call();
      m = add.map({ x: flatten(n), y: unmapped(k) });
    });
    const dot = flow.visualize();
    const [N, K, M] = [n, k, m].map((t) => flow.slugOf(t));
    assert.ok(lines(dot).includes(`  "${M}" [label="add <map>", shape=box];`), dot);
    assert.ok(lines(dot).includes(`  "${N}" -> "${M}" [label="x (flattened)", style=dashed];`), dot);
    assert.ok(lines(dot).includes(`  "${K}" -> "${M}" [label="y"];`), dot);
  });

  it("escapes quotes, backslashes and newlines in names, ids and the flow name", () => {
    const t = new NoOpTask({ name: 'say "hi"\n' });
    const u = new NoOpTask({ name: "back\\slash" });
    const flow = new Flow('my "flow"');
    flow.addEdge(t, u, { key: 'k"ey' });
    const dot = flow.visualize();
    const T = flow.slugOf(t);
    assert.equal(lines(dot)[0], `digraph "my \\"flow\\"" {`);
    const esc = (s: string) => s.replace(/\\/g, "\\\\").replace(/"/g, '\\"').replace(/\n/g, "\\n");
    assert.ok(lines(dot).includes(`  "${esc(T)}" [label="say \\"hi\\"\\n", shape=ellipse];`), dot);
    assert.ok(lines(dot).includes(`  "${esc(flow.slugOf(u))}" [label="back\\\\slash", shape=ellipse];`), dot);
    assert.ok(dot.includes(`[label="k\\"ey"]`), dot);
    // No raw newline inside any statement: every line is a whole statement.
    assert.equal(lines(dot).length, 1 + 2 + 1 + 1 + 1);
  });

  it("still draws a flow with a cycle, in insertion order", () => {
    const a = new NoOpTask({ name: "a" });
    const b = new NoOpTask({ name: "b" });
    const flow = new Flow("loop");
    flow.addEdge(a, b);
    flow.addEdge(b, a);
    assert.throws(() => flow.sortedTasks());
    const dot = flow.visualize();
    const [A, B] = [a, b].map((t) => flow.slugOf(t));
    assert.ok(dot.indexOf(`"${A}" [`) < dot.indexOf(`"${B}" [`));
    assert.ok(lines(dot).includes(`  "${A}" -> "${B}";`));
    assert.ok(lines(dot).includes(`  "${B}" -> "${A}";`));
  });

  it("is deterministic: the same flow renders the same text every time", () => {
    assert.equal(mapReduce().flow.visualize(), mapReduce().flow.visualize());
    assert.equal(mapReduce().flow.visualize({ format: "mermaid" }), mapReduce().flow.visualize({ format: "mermaid" }));
  });
});

describe("visualize: Mermaid", () => {
  it("renders a flowchart with safe ids, stadium/subroutine shapes and key labels", () => {
    const { flow } = mapReduce();
    assert.equal(
      flow.visualize({ format: "mermaid" }),
      [
        `flowchart TB`,
        `  n0(["source"])`,
        `  n1[["inc #lt;map#gt;"]]`,
        `  n2(["total"])`,
        `  n0 -.->|"x"| n1`,
        `  n1 -->|"xs"| n2`,
        ``,
      ].join("\n"),
    );
  });

  it("uses LR when horizontal and leaves state-only edges unlabelled", () => {
    const a = new NoOpTask({ name: "a" });
    const b = new NoOpTask({ name: "b" });
    const flow = new Flow("f");
    flow.chain(a, b);
    const text = flow.visualize({ format: "mermaid", horizontal: true });
    assert.equal(lines(text)[0], "flowchart LR");
    assert.ok(lines(text).includes("  n0 --> n1"), text);
  });

  it("escapes quotes, newlines, angle brackets, # and | in labels", () => {
    const t = new NoOpTask({ name: 'say "hi"\n' });
    const u = new NoOpTask({ name: "a|b #1 <x>" });
    const flow = new Flow("f");
    flow.addEdge(t, u, { key: 'k"' });
    const text = flow.visualize({ format: "mermaid" });
    assert.ok(lines(text).includes(`  n0(["say #quot;hi#quot;<br>"])`), text);
    assert.ok(lines(text).includes(`  n1(["a#124;b #35;1 #lt;x#gt;"])`), text);
    assert.ok(lines(text).includes(`  n0 -->|"k#quot;"| n1`), text);
  });
});

describe("visualize: with a flow state", () => {
  /** a -> b.map(x): a hand-built final state with two mapped children (one failed). */
  function coloured() {
    const a = new NoOpTask({ name: "a" });
    const b = new NoOpTask({ name: "b" });
    const c = new NoOpTask({ name: "c" });
    const flow = new Flow("colours");
    flow.addEdge(a, b, { key: "x", mapped: true });
    flow.addEdge(b, c, { key: "xs" });
    const state = new Success({
      result: new Map<any, any>([
        [a, new Success({ result: [1, 2] })],
        [b, new Mapped({ mapStates: [new Success(), new Failed()] })],
        [c, new TriggerFailed()],
      ]),
    });
    return { flow, a, b, c, state };
  }

  it("colours nodes by state (DOT: fillcolor with 80 alpha) and expands mapped children", () => {
    const { flow, a, b, c, state } = coloured();
    const dot = flow.visualize({ flowState: state });
    const [A, B, C] = [a, b, c].map((t) => flow.slugOf(t));
    const ls = lines(dot);
    assert.ok(ls.includes(`  "${A}" [label="a", shape=ellipse, style=filled, fillcolor="${Success.color}80"];`), dot);
    assert.ok(ls.includes(`  "${B}[0]" [label="b[0]", shape=box, style=filled, fillcolor="#28a74580"];`), dot);
    assert.ok(ls.includes(`  "${B}[1]" [label="b[1]", shape=box, style=filled, fillcolor="#eb000080"];`), dot);
    assert.ok(ls.includes(`  "${C}" [label="c", shape=ellipse, style=filled, fillcolor="${TriggerFailed.color}80"];`), dot);
    assert.ok(!ls.some((l) => l.startsWith(`  "${B}" [`)), "the mapped parent is replaced by its children");
    // fan-out from a to each child, fan-in (reduce) from each child to c
    assert.ok(ls.includes(`  "${A}" -> "${B}[0]" [label="x", style=dashed];`), dot);
    assert.ok(ls.includes(`  "${A}" -> "${B}[1]" [label="x", style=dashed];`), dot);
    assert.ok(ls.includes(`  "${B}[0]" -> "${C}" [label="xs"];`), dot);
    assert.ok(ls.includes(`  "${B}[1]" -> "${C}" [label="xs"];`), dot);
    assert.equal(ls.filter((l) => l.includes("->")).length, 4);
  });

  it("colours and expands in Mermaid too", () => {
    const { flow, state } = coloured();
    assert.equal(
      flow.visualize({ format: "mermaid", flowState: state }),
      [
        `flowchart TB`,
        `  n0(["a"])`,
        `  n1_0[["b[0]"]]`,
        `  n1_1[["b[1]"]]`,
        `  n2(["c"])`,
        `  n0 -.->|"x"| n1_0`,
        `  n0 -.->|"x"| n1_1`,
        `  n1_0 -->|"xs"| n2`,
        `  n1_1 -->|"xs"| n2`,
        `  style n0 fill:#28a745`,
        `  style n1_0 fill:#28a745`,
        `  style n1_1 fill:#eb0000`,
        `  style n2 fill:${TriggerFailed.color}`,
        ``,
      ].join("\n"),
    );
  });

  it("links mapped children one to one, and unmapped inputs to every child", () => {
    const a = new NoOpTask({ name: "a" });
    const b = new NoOpTask({ name: "b" });
    const c = new NoOpTask({ name: "c" });
    const flow = new Flow("chain");
    flow.addEdge(a, b, { key: "x", mapped: true });
    flow.addEdge(b, c, { key: "x", mapped: true });
    flow.addEdge(a, c, { key: "y" });
    const state = new Success({
      result: new Map<any, any>([
        [a, new Success()],
        [b, new Mapped({ mapStates: [new Success(), new Cached()] })],
        [c, new Mapped({ mapStates: [new Success(), new Pending()] })],
      ]),
    });
    const text = flow.visualize({ format: "mermaid", flowState: state });
    const edges = lines(text).filter((l) => l.includes("->"));
    assert.deepEqual(edges, [
      `  n0 -.->|"x"| n1_0`,
      `  n0 -.->|"x"| n1_1`,
      `  n1_0 -.->|"x"| n2_0`,
      `  n1_1 -.->|"x"| n2_1`,
      `  n0 -->|"y"| n2_0`,
      `  n0 -->|"y"| n2_1`,
    ]);
    assert.ok(lines(text).includes(`  style n1_1 fill:${Cached.color}`));
    assert.ok(lines(text).includes(`  style n2_1 fill:${Pending.color}`));
  });

  it("follows flattened mapped edges to the children each element came from", () => {
    const a = new NoOpTask({ name: "a" });
    const b = new NoOpTask({ name: "b" });
    const flow = new Flow("flat");
    flow.addEdge(a, b, { key: "x", mapped: true, flattened: true });
    const state = new Success({
      result: new Map<any, any>([
        [a, new Mapped({ mapStates: [new Success({ result: [1] }), new Success({ result: [2, 3] })] })],
        [b, new Mapped({ mapStates: [new Success(), new Success(), new Success()] })],
      ]),
    });
    const edges = lines(flow.visualize({ format: "mermaid", flowState: state })).filter((l) => l.includes("->"));
    assert.deepEqual(edges, [
      `  n0_0 -.->|"x (flattened)"| n1_0`,
      `  n0_1 -.->|"x (flattened)"| n1_1`,
      `  n0_1 -.->|"x (flattened)"| n1_2`,
    ]);
  });

  it("keeps a mapped task with no children as one coloured <map> node, and leaves unknown tasks uncoloured", () => {
    const a = new NoOpTask({ name: "a" });
    const b = new NoOpTask({ name: "b" });
    const flow = new Flow("empty");
    flow.addEdge(a, b, { key: "x", mapped: true });
    const state = new Success({ result: new Map<any, any>([[b, new Mapped({ mapStates: [] })]]) });
    const dot = flow.visualize({ flowState: state });
    assert.ok(lines(dot).includes(`  "${flow.slugOf(a)}" [label="a", shape=ellipse];`), dot);
    assert.ok(lines(dot).includes(`  "${flow.slugOf(b)}" [label="b <map>", shape=box, style=filled, fillcolor="${Mapped.color}80"];`), dot);
  });

  it("rejects a flow state whose result is not a Map<Task, State>", () => {
    const { flow } = mapReduce();
    assert.throws(
      () => flow.visualize({ flowState: new Failed({ result: new Error("boom") }) }),
      (err: unknown) => err instanceof InvalidOptionError && /flowState.*Map<Task, State>/.test((err as Error).message),
    );
  });
});

describe("visualize: formats", () => {
  it('throws a clear InvalidOptionError for "svg"', () => {
    const { flow } = mapReduce();
    assert.throws(
      () => flow.visualize({ format: "svg" }),
      (err: unknown) => {
        assert.ok(err instanceof InvalidOptionError);
        assert.ok(err instanceof FlowsmithError);
        assert.match((err as Error).message, /SVG output is not available yet/);
        assert.match((err as Error).message, /"dot" or "mermaid"/);
        assert.match((err as Error).message, /dot -Tsvg/);
        return true;
      },
    );
  });

  it("rejects an unknown format", () => {
    const { flow } = mapReduce();
    assert.throws(() => flow.visualize({ format: "png" as any }), InvalidOptionError);
  });
});
