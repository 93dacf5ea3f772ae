import { describe, it } from "node:test";
import assert from "node:assert/strict";
import {
  Flow, task, NoOpTask, unmapped, flatten, InvalidOptionError, FlowsmithError,
  Success, Failed, Mapped, Pending, Cached, Skipped, TriggerFailed, State,
} from "../../lib/index";
import { configureLogging } from "../../lib/engine/logging";

configureLogging({ level: "warn" });

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

/** The default attributes every DOT drawing starts with (after the graph line and rankdir). */
const FONT = `fontname="Helvetica,Arial,sans-serif"`;
const NODE_DEFAULTS = `  node [${FONT}, fontsize=12, margin="0.12,0.06", height=0.4];`;
const EDGE_DEFAULTS = `  edge [${FONT}, fontsize=10, color="#555555", fontcolor="#333333"];`;

/** A fan: one root feeding `width` tasks, all feeding one sink (3 ranks). */
function fan(width: number) {
  const root = new NoOpTask({ name: "root" });
  const sink = new NoOpTask({ name: "sink" });
  const flow = new Flow(`fan-${width}`);
  for (let i = 0; i < width; i++) {
    const t = new NoOpTask({ name: `t${i}` });
    flow.addEdge(root, t);
    flow.addEdge(t, sink);
  }
  return flow;
}

describe("visualize: DOT", () => {
  it("draws one node per task (ellipse) and one per mapped task (box, <map>) with keyed, dashed edges", () => {
    const { flow, s, m, r } = mapReduce();
    const dot = flow.visualize();
    const [S, M, R] = [s, m, r].map((t) => flow.slugOf(t));
    assert.equal(
      dot,
      [
        `digraph "etl" {`,
        `  graph [${FONT}, pad=0.2];`,
        NODE_DEFAULTS,
        EDGE_DEFAULTS,
        `  "${S}" [label="source", shape=ellipse];`,
        // a box is widened to hold its label in fonts wider than Helvetica
        `  "${M}" [label="inc <map>", shape=box, width=1.11];`,
        `  "${R}" [label="total", shape=ellipse];`,
        `  "${S}" -> "${M}" [label="x", style=dashed];`,
        `  "${M}" -> "${R}" [label="xs"];`,
        `}`,
        ``,
      ].join("\n"),
    );
    assert.equal(flow.visualize({ format: "dot" }), dot, "dot is the default format");
  });

  it("uses rankdir=LR when horizontal, and top to bottom when not", () => {
    const { flow } = mapReduce();
    assert.equal(lines(flow.visualize({ horizontal: true }))[1], "  rankdir=LR;");
    assert.ok(!flow.visualize().includes("rankdir"));
    assert.ok(!flow.visualize({ horizontal: false }).includes("rankdir"));
  });

  it("lays a wide flow out left to right by default: widest rank >= 10 nodes and > 2x the ranks", () => {
    assert.equal(lines(fan(10).visualize())[1], "  rankdir=LR;", "10 wide, 3 ranks");
    assert.equal(lines(fan(10).visualize())[2], `  graph [${FONT}, pad=0.2, nodesep=0.15];`, "rows packed closer");
    assert.ok(!fan(9).visualize().includes("rankdir"), "9 wide is not wide enough");
    assert.ok(!fan(10).visualize({ horizontal: false }).includes("rankdir"), "an explicit false wins");
    assert.equal(lines(fan(10).visualize({ format: "mermaid" }))[0], "flowchart LR");
    // 12 wide but 7 ranks deep (a chain of 4 after the sink): 12 <= 2 * 7, so it stays top-down
    const deep = fan(12);
    const [sink] = deep.getTasks({ name: "sink" });
    let last = sink!;
    for (let i = 0; i < 4; i++) {
      const next = new NoOpTask({ name: `after${i}` });
      deep.addEdge(last, next);
      last = next;
    }
    assert.ok(!deep.visualize().includes("rankdir"));
  });

  it("counts a mapped task's children into its width once they are drawn", () => {
    const a = new NoOpTask({ name: "a" });
    const b = new NoOpTask({ name: "b" });
    const flow = new Flow("twelve");
    flow.addEdge(a, b, { key: "x", mapped: true });
    assert.ok(!flow.visualize().includes("rankdir"), "without a state: one <map> node");
    const children = Array.from({ length: 12 }, () => new Success());
    const state = new Success({ result: new Map<any, any>([[a, new Success()], [b, new Mapped({ mapStates: children })]]) });
    assert.equal(lines(flow.visualize({ flowState: state }))[1], "  rankdir=LR;", "12 children in 2 ranks");
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
    assert.ok(lines(dot).includes(`  "${M}" [label="add <map>", shape=box, width=1.11];`), dot);
    assert.ok(lines(dot).includes(`  "${N}" -> "${M}" [label="x (flattened)", style=dashed];`), dot);
    assert.ok(lines(dot).includes(`  "${K}" -> "${M}" [label="y"];`), dot);
  });

  it("escapes quotes, backslashes, newlines and & in names, ids and the flow name", () => {
    const t = new NoOpTask({ name: 'say "hi"\n' });
    const u = new NoOpTask({ name: "back\\slash &lt; & more" });
    const flow = new Flow('my "flow"');
    flow.addEdge(t, u, { key: 'k"ey' });
    const dot = flow.visualize();
    const T = flow.slugOf(t);
    assert.equal(lines(dot)[0], `digraph "my \\"flow\\"" {`);
    const esc = (s: string) => s.replace(/\\/g, "\\\\").replace(/"/g, '\\"').replace(/\n/g, "\\n");
    assert.ok(lines(dot).includes(`  "${esc(T)}" [label="say \\"hi\\"\\n", shape=ellipse];`), dot);
    // Graphviz reads HTML entities in labels: & is written &amp; so "&lt;" is drawn as typed.
    assert.ok(lines(dot).includes(`  "${esc(flow.slugOf(u))}" [label="back\\\\slash &amp;lt; &amp; more", shape=ellipse];`), dot);
    assert.ok(dot.includes(`[label="k\\"ey"]`), dot);
    // No raw newline inside any statement: every line is a whole statement.
    assert.equal(lines(dot).length, 1 + 3 + 2 + 1 + 1 + 1);
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
  /** a -> b.map(x) -> c: a hand-built final state with two mapped children (one failed). */
  function coloured() {
    const a = new NoOpTask({ name: "a" });
    const b = new NoOpTask({ name: "b" });
    const c = new NoOpTask({ name: "c" });
    const flow = new Flow("colours");
    flow.addEdge(a, b, { key: "x", mapped: true });
    flow.addEdge(b, c, { key: "xs" });
    const state = new Failed({
      message: "Some reference tasks failed.",
      result: new Map<any, any>([
        [a, new Success({ result: [1, 2] })],
        [b, new Mapped({ mapStates: [new Success({ message: "ok" }), new Failed({ message: 'bad "row" <2>' })] })],
        [c, new TriggerFailed()],
      ]),
    });
    return { flow, a, b, c, state };
  }

  it("colours nodes by state (fillcolor with 80 alpha, state and message as tooltip) and groups mapped children with their counts", () => {
    const { flow, a, b, c, state } = coloured();
    const dot = flow.visualize({ flowState: state });
    const [A, B, C] = [a, b, c].map((t) => flow.slugOf(t));
    const ls = lines(dot);
    assert.ok(ls.includes(`  "${A}" [label="a", shape=ellipse, style=filled, fillcolor="${Success.color}80", tooltip="Success"];`), dot);
    const cluster = ls.indexOf(`  subgraph "cluster_${B}" {`);
    assert.ok(cluster > 0, dot);
    assert.deepEqual(ls.slice(cluster + 1, cluster + 5), [
      `    graph [label="b <map>\\l1 done, 1 failed, 2 total\\l", labeljust=l, style="rounded,dashed", color="#8c8c8c", fontsize=11];`,
      `    "${B}[0]" [label="b[0]", shape=box, style=filled, fillcolor="#28a74580", tooltip="Success: ok"];`,
      `    "${B}[1]" [label="b[1]", shape=box, style=filled, fillcolor="#eb000080", tooltip="Failed: bad \\"row\\" <2>"];`,
      `  }`,
    ]);
    assert.ok(ls.includes(`  "${C}" [label="c", shape=ellipse, style=filled, fillcolor="${TriggerFailed.color}80", tooltip="TriggerFailed"];`), dot);
    assert.ok(!ls.some((l) => l.startsWith(`  "${B}" [`)), "the mapped parent is replaced by its children");
    // fan-out from a to each child, fan-in (reduce) from each child to c
    assert.ok(ls.includes(`  "${A}" -> "${B}[0]" [label="x", style=dashed];`), dot);
    assert.ok(ls.includes(`  "${A}" -> "${B}[1]" [label="x", style=dashed];`), dot);
    assert.ok(ls.includes(`  "${B}[0]" -> "${C}" [label="xs"];`), dot);
    assert.ok(ls.includes(`  "${B}[1]" -> "${C}" [label="xs"];`), dot);
    assert.equal(ls.filter((l) => l.includes("->")).length, 4);
  });

  it("adds a legend: the flow's name and state, then the colours drawn, in the hierarchy's order", () => {
    const { flow, state } = coloured();
    const graphLine = lines(flow.visualize({ flowState: state }))[1]!;
    const legend = graphLine.match(/label=<(<table.*<\/table>)>, labelloc=t, labeljust=l\];$/)?.[1];
    assert.ok(legend, graphLine);
    assert.match(legend, /<font point-size="13">colours  —  Failed: Some reference tasks failed\.<\/font>/);
    const swatches = [...legend.matchAll(/<td bgcolor="(#[0-9a-f]{8})"[^>]*><font point-size="11">(\w+)<\/font><\/td>/g)].map((m) => [m[2], m[1]]);
    assert.deepEqual(swatches, [
      ["Success", "#28a74580"],
      ["Failed", "#eb000080"],
      ["TriggerFailed", `${TriggerFailed.color}80`],
    ]);
    assert.ok(!flow.visualize().includes("<table"), "no legend without a flow state");
  });

  it("escapes the flow's name and message in the legend (an HTML-like label)", () => {
    const a = new NoOpTask({ name: "a" });
    const flow = new Flow('<b>"x" & y</b>');
    flow.addTask(a);
    const state = new Failed({ message: "boom <i>&</i>\nline 2", result: new Map<any, any>([[a, new Failed()]]) });
    const dot = flow.visualize({ flowState: state });
    assert.ok(dot.includes(`&lt;b&gt;&quot;x&quot; &amp; y&lt;/b&gt;  —  Failed: boom &lt;i&gt;&amp;&lt;/i&gt;<br/>line 2</font>`), dot);
    const label = lines(dot)[1]!;
    assert.ok(!label.includes("<b>") && !label.includes("<i>"), label);
  });

  it("colours and groups in Mermaid too", () => {
    const { flow, state } = coloured();
    assert.equal(
      flow.visualize({ format: "mermaid", flowState: state }),
      [
        `flowchart TB`,
        `  n0(["a"])`,
        `  subgraph n1 ["b #lt;map#gt;<br>1 done, 1 failed, 2 total"]`,
        `    n1_0[["b[0]"]]`,
        `    n1_1[["b[1]"]]`,
        `  end`,
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
    // Cached counts as done; a Pending child is neither done nor failed
    assert.ok(lines(text).includes(`  subgraph n1 ["b #lt;map#gt;<br>2 done, 0 failed, 2 total"]`), text);
    assert.ok(lines(text).includes(`  subgraph n2 ["c #lt;map#gt;<br>1 done, 0 failed, 2 total"]`), text);
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
    assert.ok(
      lines(dot).includes(`  "${flow.slugOf(b)}" [label="b <map>\\nno children", shape=box, width=1.31, style=filled, fillcolor="${Mapped.color}80", tooltip="Mapped"];`),
      dot,
    );
  });

  it("draws a mapped task with more than 30 children as one node with a bar of their states", () => {
    const a = new NoOpTask({ name: "a" });
    const b = new NoOpTask({ name: "b" });
    const c = new NoOpTask({ name: "c" });
    const flow = new Flow("big");
    flow.addEdge(a, b, { key: "x", mapped: true });
    flow.addEdge(b, c, { key: "xs" });
    // 40 children: 30 Success, 4 Skipped, 6 Failed (at 3, 9, 15, ...)
    const children: State[] = Array.from({ length: 40 }, (_, i) =>
      i % 6 === 3 && i < 36 ? new Failed({ message: `row ${i}` }) : i >= 36 ? new Skipped() : new Success(),
    );
    const state = new Failed({ result: new Map<any, any>([[a, new Success()], [b, new Mapped({ mapStates: children })], [c, new TriggerFailed()]]) });
    const dot = flow.visualize({ flowState: state });
    const B = flow.slugOf(b);
    const node = lines(dot).find((l) => l.startsWith(`  "${B}" [`));
    assert.ok(node, dot);
    assert.ok(!dot.includes(`"${B}[0]"`), "no child nodes");
    assert.match(node, /<td>b &lt;map&gt;<\/td>/);
    assert.match(node, /<font point-size="10">34 done, 6 failed, 40 total<\/font>/);
    // the bar: one fixed-size cell per state, as wide as its share of 120 points
    const bar = [...node.matchAll(/<td bgcolor="(#[0-9a-f]{6})" width="(\d+)" height="8" fixedsize="true"><\/td>/g)].map((m) => [m[1], Number(m[2])]);
    assert.deepEqual(bar, [
      [Success.color, 90],
      [Skipped.color, 12],
      [Failed.color, 18],
    ]);
    assert.match(node, /tooltip="Mapped\\nfailed: b\[3\], b\[9\], b\[15\], b\[21\], b\[27\], b\[33\]"/);
    assert.match(node, /style=filled, fillcolor="#003ccb80"/);
    // edges attach to the one node; the legend lists the children's states too
    assert.ok(lines(dot).includes(`  "${flow.slugOf(a)}" -> "${B}" [label="x", style=dashed];`), dot);
    assert.ok(lines(dot).includes(`  "${B}" -> "${flow.slugOf(c)}" [label="xs"];`), dot);
    const legend = [...lines(dot)[1]!.matchAll(/<font point-size="11">(\w+)<\/font>/g)].map((m) => m[1]);
    assert.deepEqual(legend, ["Success", "Mapped", "Skipped", "Failed", "TriggerFailed"]);
    // Mermaid: one node with the counts
    const mmd = flow.visualize({ format: "mermaid", flowState: state });
    assert.ok(lines(mmd).includes(`  n1[["b #lt;map#gt;<br>34 done, 6 failed, 40 total"]]`), mmd);
  });

  it("names at most 20 failed children in a big map's tooltip", () => {
    const a = new NoOpTask({ name: "a" });
    const b = new NoOpTask({ name: "b" });
    const flow = new Flow("many-failures");
    flow.addEdge(a, b, { key: "x", mapped: true });
    const children = Array.from({ length: 31 }, () => new Failed());
    const state = new Failed({ result: new Map<any, any>([[b, new Mapped({ mapStates: children })]]) });
    const dot = flow.visualize({ flowState: state });
    const names = Array.from({ length: 20 }, (_, i) => `b[${i}]`).join(", ");
    assert.ok(dot.includes(`tooltip="Mapped\\nfailed: ${names}, ..."`), dot);
  });

  it("rejects a flow state whose result is not a Map<Task, State>", () => {
    const { flow } = mapReduce();
    assert.throws(() => flow.visualize({ flowState: new Failed({ result: new Error("boom") }) }), {
      name: "InvalidOptionError",
      message:
        'flow.visualize: invalid option "flowState": must be a finished flow state whose result is a Map<Task, State>, as returned by flow.run() (received <Failed> with result [object Error])',
    });
  });
});

/** The node and edge groups of a Graphviz SVG, with their ids (titles), fills, texts and tooltips. */
function svgParts(svg: string) {
  const unescape = (s: string) =>
    s
      .replace(/&#45;/g, "-")
      .replace(/&#160;/g, " ")
      .replace(/&lt;/g, "<")
      .replace(/&gt;/g, ">")
      .replace(/&quot;/g, '"')
      .replace(/&amp;/g, "&");
  const parts: Array<{ kind: string; title: string; fills: string[]; texts: string[]; tooltip?: string }> = [];
  const re = /<g id="(?:node|edge|clust)\d+" class="(node|edge|cluster)">\n<title>(.*?)<\/title>([\s\S]*?)(?=\n<!-- |\n<g id="(?:node|edge|clust)\d+"|\n<\/g>\n<\/svg>)/g;
  for (const m of svg.matchAll(re)) {
    parts.push({
      kind: m[1]!,
      title: unescape(m[2]!),
      fills: [...m[3]!.matchAll(/fill="(#[0-9a-f]{6})" fill-opacity="0\.50\d*"/g)].map((f) => f[1]!),
      texts: [...m[3]!.matchAll(/<text [^>]*>(.*?)<\/text>/g)].map((t) => unescape(t[1]!)),
      tooltip: m[3]!.match(/xlink:title="(.*?)"/)?.[1],
    });
  }
  return parts;
}

describe("visualize: SVG (Graphviz in WebAssembly)", () => {
  it("renders every node and edge of the DOT, with labels", async () => {
    const { flow, s, m, r } = mapReduce();
    const pending = flow.visualize({ format: "svg" });
    assert.ok(pending instanceof Promise);
    const svg = await pending;
    assert.match(svg, /^<\?xml version="1\.0" encoding="UTF-8" standalone="no"\?>/);
    assert.match(svg, /<svg width="\d+pt" height="\d+pt"/);
    assert.ok(svg.trimEnd().endsWith("</svg>"));
    const parts = svgParts(svg);
    const [S, M, R] = [s, m, r].map((t) => flow.slugOf(t));
    assert.deepEqual(
      parts.filter((p) => p.kind === "node").map((p) => [p.title, p.texts]),
      [
        [S, ["source"]],
        [M, ["inc <map>"]],
        [R, ["total"]],
      ],
    );
    assert.deepEqual(
      parts.filter((p) => p.kind === "edge").map((p) => [p.title, p.texts]),
      [
        [`${S}->${M}`, ["x"]],
        [`${M}->${R}`, ["xs"]],
      ],
    );
    assert.match(svg, /stroke-dasharray="5,2"/, "the mapped edge is dashed");
    assert.ok(!svg.includes('fill-opacity="0.5'), "no state colours without a flow state");
  });

  it("colours a real failed run's tasks by their final states, with counts and a legend", async () => {
    const extract = task(function extract() {
      return [1, 2, 3, 4];
    });
    const transform = task(function transform({ x }: { x: number }) {
      if (x === 3) throw new Error(`bad row ${x}`);
      return x * 10;
    });
    const load = task(function load({ rows }: { rows: number[] }) {
      return rows.length;
    });
    const flow = Flow.build("etl", () => {
      load.call({ rows: transform.map({ x: extract.call() }) });
    });
    const state = await flow.run();
    assert.equal(String(state), '<Failed: "Some reference tasks failed.">');
    const svg = await flow.visualize({ format: "svg", flowState: state });
    const parts = svgParts(svg);
    const nodes = new Map(parts.filter((p) => p.kind === "node").map((p) => [p.texts.join(" "), p]));
    assert.deepEqual([...nodes.keys()], ["extract", "transform[0]", "transform[1]", "transform[2]", "transform[3]", "load"]);
    assert.deepEqual(nodes.get("extract")!.fills, [Success.color]);
    assert.deepEqual(nodes.get("transform[2]")!.fills, [Failed.color]);
    assert.equal(nodes.get("transform[2]")!.tooltip, "Failed: Error during execution of task: Error: bad row 3");
    for (const i of [0, 1, 3]) assert.deepEqual(nodes.get(`transform[${i}]`)!.fills, [Success.color]);
    assert.deepEqual(nodes.get("load")!.fills, [TriggerFailed.color]);
    assert.equal(parts.filter((p) => p.kind === "edge").length, 4 + 4);
    const cluster = parts.find((p) => p.kind === "cluster")!;
    assert.deepEqual(cluster.texts, ["transform <map>", "3 done, 1 failed, 4 total"]);
    // the legend (drawn before the first group): title, then one swatch per state drawn
    const head = svg.slice(0, svg.indexOf('<g id="clust1"')).replace(/&#160;/g, " ");
    assert.ok(head.includes(">etl  —  Failed: Some reference tasks failed.</text>"), head);
    const swatches = [...head.matchAll(/<polygon fill="(#[0-9a-f]{6})" fill-opacity[^>]*>\n<polygon[^>]*>\n<text[^>]*>(\w+)<\/text>/g)].map((x) => [x[2], x[1]]);
    assert.deepEqual(swatches, [
      ["Success", Success.color],
      ["Failed", Failed.color],
      ["TriggerFailed", TriggerFailed.color],
    ]);
  });

  it("escapes labels: a task name cannot inject markup into the SVG", async () => {
    const t = new NoOpTask({ name: '<script>alert("x")</script> & &lt;' });
    const flow = new Flow("</svg>");
    flow.addTask(t);
    const svg = await flow.visualize({ format: "svg", flowState: new Success({ result: new Map<any, any>([[t, new Success()]]) }) });
    assert.ok(!svg.includes("<script"), svg);
    assert.equal(svg.match(/<\/svg>/g)!.length, 1);
    const [node] = svgParts(svg).filter((p) => p.kind === "node");
    assert.deepEqual(node!.texts, ['<script>alert("x")</script> & &lt;']);
  });

  it("draws a wide flow left to right by default", async () => {
    const size = (svg: string) => svg.match(/<svg width="(\d+)pt" height="(\d+)pt"/)!.slice(1).map(Number) as [number, number];
    const [w, h] = size(await fan(40).visualize({ format: "svg" }));
    assert.ok(h > w, `taller than wide: ${w}x${h}pt`);
    const [tw, th] = size(await fan(40).visualize({ format: "svg", horizontal: false }));
    assert.ok(tw > 10 * th, `top-down is a strip: ${tw}x${th}pt`);
  });

  it("rejects bad options (the promise, not a throw)", async () => {
    const { flow } = mapReduce();
    const pending = flow.visualize({ format: "svg", flowState: new Success() });
    assert.ok(pending instanceof Promise);
    await assert.rejects(pending, (err: unknown) => err instanceof InvalidOptionError && err instanceof FlowsmithError);
    await assert.rejects(flow.visualize({ format: "svg", horizontal: "yes" as never }), {
      name: "InvalidOptionError",
      message: 'flow.visualize: invalid option "horizontal": must be a boolean or left out (received "yes")',
    });
  });

  it("renders concurrently from one Graphviz instance", async () => {
    const svgs = await Promise.all(Array.from({ length: 4 }, () => mapReduce().flow.visualize({ format: "svg" })));
    for (const svg of svgs) assert.equal(svgParts(svg).filter((p) => p.kind === "node").length, 3);
  });
});

describe("visualize: formats", () => {
  it("rejects an unknown format, naming the formats", () => {
    const { flow } = mapReduce();
    assert.throws(() => flow.visualize({ format: "png" as never }), {
      name: "InvalidOptionError",
      message: 'flow.visualize: invalid option "format": must be one of "dot", "mermaid", "svg" (received "png")',
    });
  });

  it("types each format's result: text for dot and mermaid, a promise for svg", async () => {
    const { flow } = mapReduce();
    const dot: string = flow.visualize();
    const mmd: string = flow.visualize({ format: "mermaid" });
    const svg: Promise<string> = flow.visualize({ format: "svg" });
    // @ts-expect-error an SVG is a promise, not text
    const notText: string = flow.visualize({ format: "svg" });
    assert.equal(typeof dot, "string");
    assert.equal(typeof mmd, "string");
    assert.ok(svg instanceof Promise && (notText as unknown) instanceof Promise);
    await Promise.all([svg, notText]);
  });
});
