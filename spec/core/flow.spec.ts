import { describe, it } from "node:test";
import assert from "node:assert/strict";
import {
  Constant, CycleError, Dict, Edge, Flow, FlowValidationError, InvalidOptionError, List, NoOpTask, Parameter,
  Task, TaskNotFoundError, task, tags,
} from "../../lib/index";

class AddTask extends Task<{ x: number; y: number }, number> {
  run({ x, y }: { x: number; y: number }) {
    return x + y;
  }
}

const noop = (name: string, options: { tags?: string[]; slug?: string } = {}) => new NoOpTask({ name, ...options });
const names = (tasks: Iterable<Task<any, any>>) => [...tasks].map((t) => t.name);
const edgeList = (edges: Iterable<Edge>) =>
  [...edges].map((e) => `${e.upstreamTask.name}->${e.downstreamTask.name}${e.key ? `:${e.key}` : ""}${e.mapped ? " mapped" : ""}${e.flattened ? " flattened" : ""}`);

describe("Flow: construction", () => {
  it("has a name and prints as <Flow: name=...>", () => {
    const f = new Flow("etl");
    assert.equal(f.name, "etl");
    assert.equal(String(f), `<Flow: name="etl">`);
    assert.equal(f.tasks.size, 0);
    assert.equal(f.edges.size, 0);
  });

  it("needs a non-empty name", () => {
    assert.throws(() => new Flow(""), (err: unknown) => {
      assert.ok(err instanceof InvalidOptionError);
      assert.equal(err.message, "A name must be provided for the flow");
      return true;
    });
    assert.throws(() => new Flow(undefined as never), { message: "A name must be provided for the flow" });
  });

  it("validates handler options, naming the flow and the option", () => {
    assert.throws(() => new Flow("f", { stateHandlers: [() => undefined, 1 as never] }), {
      name: "InvalidOptionError",
      message: `Flow 'f': invalid option "stateHandlers": must be an array of functions`,
    });
    assert.throws(() => new Flow("f", { onFailure: "email" as never }), {
      message: `Flow 'f': invalid option "onFailure": must be a function`,
    });
    assert.throws(() => new Flow("f", { terminalStateHandler: {} as never }), {
      message: `Flow 'f': invalid option "terminalStateHandler": must be a function`,
    });
  });

  it("adds referenceTasks given as an option", () => {
    const a = noop("a");
    const f = new Flow("ref", { referenceTasks: [a] });
    assert.ok(f.tasks.has(a));
    assert.deepEqual(f.referenceTasks(), new Set([a]));
  });

  it("Flow.build runs the builder with the flow and returns it", () => {
    let seen: Flow | undefined;
    const f = Flow.build("built", (flow) => {
      seen = flow;
      new NoOpTask().call();
    });
    assert.equal(seen, f);
    assert.equal(f.tasks.size, 1);
  });

  it("Flow.build takes options", () => {
    const f = Flow.build("with-options", { description: "nightly", version: "v7", checkpointing: true }, () => {
      new NoOpTask().call();
    });
    assert.equal(f.options.description, "nightly");
    assert.equal(f.options.checkpointing, true);
    assert.equal(f.version, "v7");
    assert.equal(f.tasks.size, 1);
  });

  it("Flow.build needs a builder function", () => {
    assert.throws(() => Flow.build("x", {} as never), {
      name: "InvalidOptionError",
      message: `Flow.build("x", ...) needs a builder function`,
    });
  });

  it("define opens the builder scope on an existing flow and returns the flow", () => {
    const f = new Flow("defined");
    assert.equal(
      f.define(() => {
        new NoOpTask().call();
      }),
      f,
    );
    f.define(() => {
      new NoOpTask().call();
    });
    assert.equal(f.tasks.size, 2);
  });

  it("refuses an async builder", () => {
    assert.throws(() => Flow.build("async", (async () => {}) as never), {
      name: "TypeError",
      message: "A flow builder must be synchronous: build the graph, and do async work inside tasks",
    });
  });
});

describe("Flow: addTask", () => {
  it("adds a task and returns it", () => {
    const f = new Flow("example");
    const numberTask = task(function number_task() {
      return 42;
    });
    assert.equal(f.addTask(numberTask), numberTask);
    assert.deepEqual([...f.tasks].map(String), ["<Task: number_task>"]);
  });

  it("adding the same task twice does nothing", () => {
    const f = new Flow("twice");
    const t = noop("t");
    f.addTask(t);
    const revision = f.revision;
    f.addTask(t);
    assert.equal(f.tasks.size, 1);
    assert.equal(f.revision, revision);
  });

  it("refuses something that is not a task", () => {
    assert.throws(() => new Flow("f").addTask({ name: "x" } as never), {
      name: "TypeError",
      message: "flow.addTask(task): task must be a Task (received [object Object])",
    });
    assert.throws(() => new Flow("f").addTask(undefined as never), {
      message: "flow.addTask(task): task must be a Task (received undefined)",
    });
  });

  it("generates slugs name-1, name-2, ... with sorted tags in them", () => {
    const f = new Flow("slugs");
    const a = f.addTask(noop("a"));
    const a2 = f.addTask(noop("a"));
    const tagged = f.addTask(noop("a", { tags: ["z", "m"] }));
    const b = f.addTask(noop("b"));
    assert.equal(f.slugOf(a), "a-1");
    assert.equal(f.slugOf(a2), "a-2");
    assert.equal(f.slugOf(tagged), "a-m-z-1");
    assert.equal(f.slugOf(b), "b-1");
    assert.equal(f.taskBySlug("a-2"), a2);
    assert.deepEqual([...f.slugs.entries()], [
      [a, "a-1"],
      [a2, "a-2"],
      [tagged, "a-m-z-1"],
      [b, "b-1"],
    ]);
  });

  it("skips a generated slug that a task already has explicitly", () => {
    const f = new Flow("skip");
    const explicit = f.addTask(noop("other", { slug: "a-1" }));
    const a = f.addTask(noop("a"));
    assert.equal(f.slugOf(explicit), "a-1");
    assert.equal(f.slugOf(a), "a-2");
  });

  it("keeps an explicit slug, and refuses a second task with the same slug", () => {
    const f = new Flow("clash");
    const first = f.addTask(noop("first", { slug: "load" }));
    assert.equal(f.slugOf(first), "load");
    assert.throws(() => f.addTask(noop("second", { slug: "load" })), (err: unknown) => {
      assert.ok(err instanceof FlowValidationError);
      assert.equal(err.message, `A task with the slug "load" already exists in this flow`);
      return true;
    });
    assert.equal(f.tasks.size, 1);
  });

  it("refuses two parameters with one name", () => {
    const f = new Flow("params");
    f.addTask(new Parameter("x"));
    assert.throws(() => f.addTask(new Parameter("x", { default: 1 })), {
      name: "FlowValidationError",
      message: `A parameter named "x" already exists in this flow`,
    });
  });

  it("slugOf names the flow for a task that is not in it", () => {
    assert.throws(() => new Flow("f").slugOf(noop("ghost")), {
      name: "TaskNotFoundError",
      message: `Task <Task: ghost> was not found in Flow <Flow: name="f">`,
    });
  });
});

describe("Flow: addEdge", () => {
  it("adds both tasks and returns the edge", () => {
    const f = new Flow("edge");
    const a = noop("a");
    const b = new AddTask({ name: "b" });
    const e = f.addEdge(a, b, { key: "x" });
    assert.ok(e instanceof Edge);
    assert.equal(e.upstreamTask, a);
    assert.equal(e.downstreamTask, b);
    assert.equal(e.key, "x");
    assert.deepEqual(names(f.tasks), ["a", "b"]);
    assert.deepEqual([...f.edges], [e]);
  });

  it("keeps the mapped and flattened flags", () => {
    const f = new Flow("flags");
    const e = f.addEdge(noop("a"), noop("b"), { key: "x", mapped: true, flattened: true });
    assert.equal(e.mapped, true);
    assert.equal(e.flattened, true);
  });

  it("the same edge twice is one edge", () => {
    const f = new Flow("same");
    const a = noop("a");
    const b = noop("b");
    const e1 = f.addEdge(a, b, { key: "x" });
    assert.equal(f.addEdge(a, b, { key: "x" }), e1);
    const s1 = f.addEdge(a, b);
    assert.equal(f.addEdge(a, b), s1);
    assert.equal(f.edges.size, 2);
    assert.equal(f.edgesTo(b).size, 2);
  });

  it("a state-only edge and a mapped one between the same tasks are different edges", () => {
    const f = new Flow("different");
    const a = noop("a");
    const b = noop("b");
    f.addEdge(a, b);
    f.addEdge(a, b, { mapped: true });
    assert.equal(f.edges.size, 2);
  });

  it("refuses a second edge into a taken key", () => {
    const f = new Flow("dup");
    const add = new AddTask({ name: "add" });
    f.addEdge(noop("a"), add, { key: "x" });
    assert.throws(() => f.addEdge(noop("b"), add, { key: "x" }), {
      name: "FlowValidationError",
      message: `Argument "x" for task <Task: add> has already been assigned in this flow`,
    });
    assert.equal(f.tasks.size, 2, "nothing is added by the refused edge");
    assert.throws(() => f.setDependencies(add, { keywordTasks: { x: 5 } }), {
      message: `Argument "x" for task <Task: add> has already been assigned in this flow`,
    });
  });

  it("refuses a key already fed by a constant", () => {
    const f = new Flow("dup-const");
    const add = new AddTask({ name: "add" });
    f.setDependencies(add, { keywordTasks: { y: 1 } });
    assert.throws(() => f.addEdge(noop("a"), add, { key: "y" }), {
      message: `Argument "y" for task <Task: add> has already been assigned in this flow`,
    });
  });

  it("refuses a Parameter as the downstream task", () => {
    assert.throws(() => new Flow("p").addEdge(noop("a"), new Parameter("x")), {
      name: "FlowValidationError",
      message: "Parameters must be root tasks: <Parameter: x> cannot have upstream tasks",
    });
  });

  it("refuses a self edge", () => {
    const a = noop("a");
    assert.throws(() => new Flow("self").addEdge(a, a), {
      name: "FlowValidationError",
      message: "Edges can not connect a task to itself: <Task: a>",
    });
  });

  it("refuses non-tasks, naming the argument", () => {
    const f = new Flow("types");
    assert.throws(() => f.addEdge(1 as never, noop("b")), {
      name: "TypeError",
      message: "flow.addEdge(upstream, ...): upstream must be a Task (received number)",
    });
    assert.throws(() => f.addEdge(noop("a"), "b" as never), {
      message: "flow.addEdge(..., downstream): downstream must be a Task (received string)",
    });
  });

  it("does not check cycles unless asked", () => {
    const f = new Flow("lazy");
    const [a, b] = [noop("a"), noop("b")];
    f.addEdge(a, b);
    assert.doesNotThrow(() => f.addEdge(b, a));
    assert.throws(() => f.validate(), { name: "CycleError", message: "Cycle found; flows must be acyclic: a -> b -> a" });
  });

  it("checks cycles with validate: true", () => {
    const f = new Flow("eager");
    const [a, b] = [noop("a"), noop("b")];
    f.addEdge(a, b, { validate: true });
    assert.throws(() => f.addEdge(b, a, { validate: true }), {
      name: "CycleError",
      message: "Cycle found; flows must be acyclic: a -> b -> a",
    });
  });
});

describe("Flow: cycles", () => {
  it("adding the reverse edge does not throw; validate() names the cycle in order", () => {
    const f = new Flow("cycle");
    const [a, b, c] = [noop("a"), noop("b"), noop("c")];
    f.chain(a, b, c);
    assert.doesNotThrow(() => f.addEdge(c, a));
    assert.throws(
      () => f.validate(),
      (err: unknown) => {
        assert.ok(err instanceof CycleError);
        assert.ok(err instanceof FlowValidationError);
        assert.equal(err.message, "Cycle found; flows must be acyclic: a -> b -> c -> a");
        assert.deepEqual(err.cycle, ["a", "b", "c", "a"]);
        return true;
      },
    );
    assert.throws(() => f.sortedTasks(), { message: "Cycle found; flows must be acyclic: a -> b -> c -> a" });
  });

  it("names the cycle, not the tasks around it", () => {
    const f = new Flow("cycle-in-the-middle");
    const [root, b, c, d, leaf] = [noop("root"), noop("b"), noop("c"), noop("d"), noop("leaf")];
    f.chain(root, b, c, d, leaf);
    f.addEdge(d, b);
    assert.throws(() => f.validate(), { message: "Cycle found; flows must be acyclic: b -> c -> d -> b" });
  });

  it("starts the cycle at the task added first, whatever edge closed it", () => {
    const f = new Flow("order");
    const [a, b, c] = [noop("a"), noop("b"), noop("c")];
    f.addTask(a);
    f.addEdge(b, c);
    f.addEdge(c, a);
    f.addEdge(a, b);
    assert.throws(() => f.validate(), { message: "Cycle found; flows must be acyclic: a -> b -> c -> a" });
  });
});

describe("Flow: setDependencies", () => {
  it("keeps plain keyword values as constants: no nodes, no edges (seed: add-example)", () => {
    const addTask = new AddTask({ name: "add_task" });
    const f = new Flow("add-example");
    f.setDependencies(addTask, { keywordTasks: { x: 1, y: 2 } });
    assert.deepEqual([...f.tasks].map(String), ["<Task: add_task>"]);
    assert.equal(f.edges.size, 0);
    assert.deepEqual(f.constants.get(addTask), { x: 1, y: 2 });
  });

  it("wires upstream, downstream and keyword tasks", () => {
    const f = new Flow("deps");
    const add = new AddTask({ name: "add" });
    const [up, down, x] = [noop("up"), noop("down"), noop("x")];
    f.setDependencies(add, { upstreamTasks: [up], downstreamTasks: [down], keywordTasks: { x, y: 2 } });
    assert.deepEqual(edgeList(f.edges), ["up->add", "add->down", "x->add:x"]);
    assert.deepEqual(f.constants.get(add), { y: 2 });
  });

  it("maps upstream and keyword edges (never downstream ones) with mapped: true (seed: Map Reduce)", () => {
    const addOne = task(function add_one({ x }: { x: number }) {
      return x + 1;
    });
    const sum = task({ name: "sum" }, function sum_numbers({ y }: { y: number[] }) {
      return y.reduce((a, b) => a + b, 0);
    });
    const f = new Flow("Map Reduce");
    f.setDependencies(addOne, { keywordTasks: { x: [1, 2, 3, 4] }, mapped: true });
    f.setDependencies(sum, { keywordTasks: { y: addOne } });
    assert.deepEqual(edgeList(f.edges), ["Constant[Array]->add_one:x mapped", "add_one->sum:y"]);
    const [c] = f.upstreamTasks(addOne);
    assert.ok(c instanceof Constant);
    const g = new Flow("mapped-down");
    const [u, t, d] = [noop("u"), noop("t"), noop("d")];
    g.setDependencies(t, { upstreamTasks: [u], downstreamTasks: [d], mapped: true });
    assert.deepEqual(edgeList(g.edges), ["u->t mapped", "t->d"]);
  });

  it("makes a Constant node for a plain value among upstreamTasks", () => {
    const f = new Flow("plain-upstream");
    const t = noop("t");
    f.setDependencies(t, { upstreamTasks: [42] });
    const [up] = f.upstreamTasks(t);
    assert.ok(up instanceof Constant);
    assert.equal((up as Constant<number>).value, 42);
  });

  it("validates the flow with validate: true", () => {
    const f = new Flow("validated");
    const [a, b] = [noop("a"), noop("b")];
    f.addEdge(a, b);
    assert.throws(() => f.setDependencies(a, { upstreamTasks: [b], validate: true }), { name: "CycleError" });
  });

  it("refuses a non-task", () => {
    assert.throws(() => new Flow("f").setDependencies("t" as never, {}), {
      name: "TypeError",
      message: "flow.setDependencies(task, ...): task must be a Task (received string)",
    });
  });
});

describe("Flow: chain", () => {
  it("links consecutive tasks with state-only edges and returns the edges", () => {
    const f = new Flow("chain");
    const [a, b, c] = [noop("a"), noop("b"), noop("c")];
    const edges = f.chain(a, b, c);
    assert.deepEqual(edgeList(edges), ["a->b", "b->c"]);
    assert.deepEqual(f.chain(a), []);
  });
});

describe("Flow: the functional builder", () => {
  it("turns plain values into constants, not nodes", () => {
    const add = new AddTask({ name: "add" });
    let r!: AddTask;
    const f = Flow.build("constants", () => {
      r = add.call({ x: 1, y: 2 });
    });
    assert.deepEqual([...f.tasks], [r]);
    assert.equal(f.edges.size, 0);
    assert.deepEqual(f.constants.get(r), { x: 1, y: 2 });
  });

  it("keeps a plain object or array as one constant, without looking inside", () => {
    const doNothing = task(function do_nothing(_: { arg: unknown }) {});
    let d!: typeof doNothing;
    const value = { x: 1, y: [9, 10] };
    const f = Flow.build("constants", () => {
      d = doNothing.call({ arg: value });
    });
    assert.deepEqual([...f.tasks], [d]);
    assert.equal(f.constants.get(d)!.arg, value);
  });

  it("turns an object literal containing tasks into a Dict task, and nested arrays into List tasks", () => {
    const doNothing = task(function do_nothing(_: { arg: unknown }) {});
    const one = task(function one() {
      return 1;
    });
    let d!: typeof doNothing, o!: typeof one;
    const f = Flow.build("collections", () => {
      o = one.call();
      d = doNothing.call({ arg: { x: o, y: [9, o] } });
    });
    assert.deepEqual(names(f.tasks).sort(), ["Dict", "List", "do_nothing", "one"]);
    const dict = [...f.upstreamTasks(d)][0]!;
    assert.ok(dict instanceof Dict);
    assert.equal(dict.autoGenerated, true);
    assert.deepEqual(edgeList(f.edgesTo(dict)), ["one->Dict:x", "List->Dict:y"]);
    const list = [...f.tasks].find((t) => t instanceof List)!;
    assert.deepEqual(edgeList(f.edgesTo(list)), ["one->List:1"]);
    assert.deepEqual(f.constants.get(list), { "0": 9 });
    // run directly, the collections rebuild the literal
    assert.deepEqual((list as List).run({ "0": 9, "1": 1 }), [9, 1]);
    assert.deepEqual((dict as Dict).run({ x: 1, y: [9, 1] }), { x: 1, y: [9, 1] });
  });

  it("keeps new Constant(...) as one node, with no introspection", () => {
    const doNothing = task(function do_nothing(_: { arg: unknown }) {});
    const f = Flow.build("constant", () => {
      doNothing.call({ arg: new Constant({ x: 1, y: [9, 10] }) });
    });
    assert.deepEqual([...f.tasks].map(String).sort(), ["<Task: Constant[Object]>", "<Task: do_nothing>"]);
    assert.equal(f.edges.size, 1);
  });

  it("nested builder scopes register into the innermost flow", () => {
    const outer = new Flow("outer");
    const inner = new Flow("inner");
    outer.define(() => {
      noop("o1").call();
      inner.define(() => {
        noop("i").call();
      });
      noop("o2").call();
    });
    assert.deepEqual(names(outer.tasks), ["o1", "o2"]);
    assert.deepEqual(names(inner.tasks), ["i"]);
  });

  it("ends the scope when the builder throws", () => {
    const add = new AddTask({ name: "add" });
    assert.throws(
      () =>
        Flow.build("broken", () => {
          add.call({ x: 1, y: 2 });
          throw new Error("boom");
        }),
      { message: "boom" },
    );
    assert.throws(() => add.call({ x: 1, y: 2 }), {
      name: "BindError",
      message:
        "<Task: add>.call(...) needs a flow: call it inside Flow.build(...)/flow.define(...), pass { flow }, or test the task directly with task.run(inputs) or a TaskRunner",
    });
  });

  it("an explicit { flow } beats the builder's flow", () => {
    const other = new Flow("other");
    let c!: NoOpTask;
    const f = Flow.build("main", () => {
      c = noop("c").call({}, { flow: other });
    });
    assert.equal(f.tasks.size, 0);
    assert.ok(other.tasks.has(c));
  });
});

describe("Flow: introspection", () => {
  /** a -> b -> d, a -> c -> d, e fed only by a constant. */
  function diamond() {
    const f = new Flow("diamond");
    const [a, b, c, d] = [noop("a"), noop("b"), noop("c"), noop("d")];
    const e = new AddTask({ name: "e" });
    f.addEdge(a, b);
    f.addEdge(a, c);
    f.addEdge(b, d);
    f.addEdge(c, d);
    f.setDependencies(e, { keywordTasks: { x: 1, y: 2 } });
    return { f, a, b, c, d, e };
  }

  it("rootTasks are the tasks with no upstream edges (constants are not edges)", () => {
    const { f, a, e } = diamond();
    assert.deepEqual(f.rootTasks(), new Set([a, e]));
  });

  it("terminalTasks are the tasks with no downstream edges", () => {
    const { f, d, e } = diamond();
    assert.deepEqual(f.terminalTasks(), new Set([d, e]));
  });

  it("referenceTasks default to the terminal tasks; setReferenceTasks([]) resets them", () => {
    const { f, a, d, e } = diamond();
    assert.deepEqual(f.referenceTasks(), new Set([d, e]));
    f.setReferenceTasks([a]);
    assert.deepEqual(f.referenceTasks(), new Set([a]));
    f.setReferenceTasks([]);
    assert.deepEqual(f.referenceTasks(), new Set([d, e]));
  });

  it("reference tasks must be in the flow", () => {
    const { f } = diamond();
    assert.throws(() => f.setReferenceTasks([noop("ghost")]), {
      name: "FlowValidationError",
      message: `Reference tasks must be part of the flow: <Task: ghost> is not in Flow <Flow: name="diamond">`,
    });
  });

  it("upstreamTasks, downstreamTasks, edgesTo and edgesFrom", () => {
    const { f, a, b, c, d } = diamond();
    assert.deepEqual(f.upstreamTasks(d), new Set([b, c]));
    assert.deepEqual(f.downstreamTasks(a), new Set([b, c]));
    assert.deepEqual(f.upstreamTasks(a), new Set());
    assert.deepEqual(edgeList(f.edgesTo(d)), ["b->d", "c->d"]);
    assert.deepEqual(edgeList(f.edgesFrom(a)), ["a->b", "a->c"]);
    assert.ok(f.edgesTo(d) instanceof Set);
  });

  it("upstreamTasks, downstreamTasks, edgesTo and edgesFrom refuse a task that is not in the flow", () => {
    const { f } = diamond();
    const ghost = noop("ghost");
    const message = `Task <Task: ghost> was not found in Flow <Flow: name="diamond">`;
    for (const fn of [() => f.upstreamTasks(ghost), () => f.downstreamTasks(ghost), () => f.edgesTo(ghost), () => f.edgesFrom(ghost)]) {
      assert.throws(fn, (err: unknown) => {
        assert.ok(err instanceof TaskNotFoundError);
        assert.equal(err.message, message);
        return true;
      });
    }
  });

  it("getTasks filters by name, slug, tags (all of them) and class, combined with AND", () => {
    const f = new Flow("filters");
    const a = f.addTask(noop("a", { tags: ["x", "y"] }));
    const a2 = f.addTask(new AddTask({ name: "a", tags: ["x"] }));
    const b = f.addTask(noop("b"));
    assert.deepEqual(f.getTasks({ name: "a" }), [a, a2]);
    assert.deepEqual(f.getTasks({ slug: f.slugOf(a2) }), [a2]);
    assert.deepEqual(f.getTasks({ tags: ["x"] }), [a, a2]);
    assert.deepEqual(f.getTasks({ tags: ["x", "y"] }), [a]);
    assert.deepEqual(f.getTasks({ taskType: AddTask }), [a2]);
    assert.deepEqual(f.getTasks({ name: "a", taskType: NoOpTask }), [a]);
    assert.deepEqual(f.getTasks({ name: "zzz" }), []);
    assert.deepEqual(f.getTasks(), [a, a2, b]);
  });

  it("parameters() lists the parameters", () => {
    const f = new Flow("params");
    const x = new Parameter("x");
    const y = new Parameter("y", { default: 2 });
    const add = new AddTask();
    f.setDependencies(add, { keywordTasks: { x, y } });
    assert.deepEqual(f.parameters(), new Set([x, y]));
  });

  it("toGraph() is a graphlib multigraph of the flow", () => {
    const { f, a, b } = diamond();
    const g = f.toGraph();
    assert.equal(g.nodeCount(), 5);
    assert.equal(g.edgeCount(), 4);
    assert.equal(g.isDirected(), true);
    const label = g.node(String(a._id)) as { task: Task; slug: string };
    assert.equal(label.task, a);
    assert.equal(label.slug, "a-1");
    assert.deepEqual(g.successors(String(a._id))!.sort(), [String(b._id), String(f.getTasks({ name: "c" })[0]!._id)].sort());
    const only = f.toGraph(new Set([a, b]));
    assert.equal(only.nodeCount(), 2);
    assert.equal(only.edgeCount(), 1);
  });

  it("toGraph() keeps parallel edges with different keys", () => {
    const f = new Flow("parallel");
    const a = noop("a");
    const add = new AddTask({ name: "add" });
    f.addEdge(a, add, { key: "x" });
    f.addEdge(a, add, { key: "y" });
    const g = f.toGraph();
    assert.equal(g.edgeCount(), 2);
    assert.deepEqual(g.outEdges(String(a._id))!.map((e) => e.name).sort(), ["x", "y"]);
  });
});

describe("Flow: sortedTasks", () => {
  it("returns a topological order, ties in the order tasks were added", () => {
    const f = new Flow("sorted");
    const [a, b, c, d, e] = [noop("a"), noop("b"), noop("c"), noop("d"), noop("e")];
    f.addTask(e);
    f.addEdge(c, d);
    f.addEdge(a, b);
    f.addEdge(b, c);
    assert.deepEqual(names(f.sortedTasks()), ["e", "a", "b", "c", "d"]);
  });

  it("returns a fresh array each time", () => {
    const f = new Flow("fresh");
    f.chain(noop("a"), noop("b"));
    const s = f.sortedTasks();
    s.reverse();
    assert.deepEqual(names(f.sortedTasks()), ["a", "b"]);
  });

  it("follows changes made after a first sort", () => {
    const f = new Flow("changes");
    const [a, b, c] = [noop("a"), noop("b"), noop("c")];
    f.addEdge(b, c);
    assert.deepEqual(names(f.sortedTasks()), ["b", "c"]);
    f.addEdge(c, a);
    assert.deepEqual(names(f.sortedTasks()), ["b", "c", "a"]);
  });

  it("with roots, only those roots and what is downstream of them", () => {
    const f = new Flow("roots");
    const [a, b, c, x, y] = [noop("a"), noop("b"), noop("c"), noop("x"), noop("y")];
    f.chain(a, b, c);
    f.chain(x, y, c);
    assert.deepEqual(names(f.sortedTasks([b])), ["b", "c"]);
    assert.deepEqual(names(f.sortedTasks([x])), ["x", "y", "c"]);
    assert.deepEqual(names(f.sortedTasks([y, a])), ["a", "y", "b", "c"]);
  });

  it("refuses a root that is not in the flow", () => {
    const f = new Flow("roots");
    f.addTask(noop("a"));
    assert.throws(() => f.sortedTasks([noop("ghost")]), {
      name: "TaskNotFoundError",
      message: `Root task <Task: ghost> is not in Flow <Flow: name="roots">`,
    });
  });
});

describe("Flow: validate", () => {
  it("passes for a valid flow", () => {
    const f = new Flow("ok");
    f.chain(noop("a"), noop("b"));
    assert.doesNotThrow(() => f.validate());
  });

  it("refuses an edge whose tasks are not in the flow", () => {
    const f = new Flow("dangling");
    f.addTask(noop("a"));
    // Only reachable by going around the API: edges are added with their tasks.
    (f.edges as Set<Edge>).add(new Edge(noop("x"), noop("y")));
    assert.throws(() => f.validate(), {
      name: "FlowValidationError",
      message: `Edge <Edge(key=none, mapped=false, flattened=false): x to y> refers to a task that is not in Flow <Flow: name="dangling">`,
    });
  });
});

describe("Flow: update", () => {
  it("adds the other flow's tasks, edges and constants", () => {
    const f1 = new Flow("one");
    const f2 = new Flow("two");
    const [a, b] = [noop("a"), noop("b")];
    const add = new AddTask({ name: "add" });
    f1.addTask(a);
    f2.addEdge(b, add, { key: "x" });
    f2.setDependencies(add, { keywordTasks: { y: 2 } });
    f1.update(f2);
    assert.deepEqual(names(f1.tasks), ["a", "b", "add"]);
    assert.deepEqual(edgeList(f1.edges), ["b->add:x"]);
    assert.deepEqual(f1.constants.get(add), { y: 2 });
    assert.equal(f2.tasks.size, 2, "the other flow is unchanged");
  });

  it("updating with itself's tasks again is harmless", () => {
    const f1 = new Flow("one");
    const add = new AddTask({ name: "add" });
    f1.setDependencies(add, { keywordTasks: { x: 1, y: 2 }, upstreamTasks: [noop("u")] });
    const copy = f1.copy();
    f1.update(copy);
    assert.equal(f1.tasks.size, 2);
    assert.equal(f1.edges.size, 1);
  });

  it("refuses a same-named parameter unless mergeParameters, which replaces ours with theirs", () => {
    const p1 = new Parameter("p");
    const p2 = new Parameter("p", { default: 2 });
    const d1 = new AddTask({ name: "d1" });
    const d2 = new AddTask({ name: "d2" });
    const f1 = new Flow("one");
    f1.addEdge(p1, d1, { key: "x" });
    const f2 = new Flow("two");
    f2.addEdge(p2, d2, { key: "x" });
    assert.throws(() => f1.copy().update(f2), { message: `A parameter named "p" already exists in this flow` });
    f1.update(f2, { mergeParameters: true });
    assert.deepEqual(f1.parameters(), new Set([p2]));
    assert.deepEqual(f1.upstreamTasks(d1), new Set([p2]));
    assert.deepEqual(f1.upstreamTasks(d2), new Set([p2]));
  });
});

describe("Flow: copy", () => {
  it("shares the tasks and copies edges, constants, slugs and reference tasks", () => {
    const f = new Flow("orig", { description: "d" });
    const [a, b] = [noop("a"), noop("b")];
    const add = new AddTask({ name: "add" });
    f.chain(a, b);
    f.setDependencies(add, { keywordTasks: { x: 1, y: b } });
    f.setReferenceTasks([b]);
    const c = f.copy();
    assert.notEqual(c, f);
    assert.equal(c.name, "orig");
    assert.equal(c.options.description, "d");
    assert.deepEqual([...c.tasks], [...f.tasks]);
    assert.deepEqual(edgeList(c.edges), edgeList(f.edges));
    assert.deepEqual(c.constants.get(add), { x: 1 });
    assert.deepEqual([...c.slugs], [...f.slugs]);
    assert.deepEqual(c.referenceTasks(), new Set([b]));
  });

  it("has independent edges, tasks and reference tasks", () => {
    const f = new Flow("orig");
    const [a, b, c] = [noop("a"), noop("b"), noop("c")];
    f.chain(a, b);
    const copy = f.copy();
    copy.addEdge(b, c);
    copy.setReferenceTasks([a]);
    assert.equal(f.edges.size, 1);
    assert.equal(f.tasks.has(c), false);
    assert.deepEqual(f.referenceTasks(), new Set([b]));
    assert.equal(copy.edges.size, 2);
  });

  it("keeps generating fresh slugs after the copy", () => {
    const f = new Flow("orig");
    f.addTask(noop("a"));
    const copy = f.copy();
    const a2 = copy.addTask(noop("a"));
    assert.equal(copy.slugOf(a2), "a-2");
  });
});

describe("Flow: replace", () => {
  it("rewires every edge and constant to the new task", () => {
    const f = new Flow("replace");
    const u = noop("u");
    const old = new AddTask({ name: "old" });
    const d = new AddTask({ name: "d" });
    f.addEdge(u, old, { key: "x" });
    f.setDependencies(old, { keywordTasks: { y: 2 } });
    f.addEdge(old, d, { key: "y", mapped: true });
    f.setReferenceTasks([old]);
    const repl = new AddTask({ name: "new" });
    f.replace(old, repl);
    assert.equal(f.tasks.has(old), false);
    assert.deepEqual(edgeList(f.edges), ["u->new:x", "new->d:y mapped"]);
    assert.deepEqual(f.constants.get(repl), { y: 2 });
    assert.equal(f.constants.get(old), undefined);
    assert.deepEqual(f.referenceTasks(), new Set([repl]));
    assert.doesNotThrow(() => f.slugOf(repl));
    assert.throws(() => f.slugOf(old), { name: "TaskNotFoundError" });
  });

  it("frees the old task's keys, so the new one can take them", () => {
    const f = new Flow("keys");
    const old = noop("old");
    const d = new AddTask({ name: "d" });
    f.addEdge(old, d, { key: "x" });
    f.replace(old, noop("new"));
    assert.deepEqual(edgeList(f.edges), ["new->d:x"]);
  });

  it("turns a plain value into a Constant", () => {
    const f = new Flow("value");
    const old = noop("old");
    const d = new AddTask({ name: "d" });
    f.addEdge(old, d, { key: "x" });
    f.replace(old, 5);
    const [c] = f.upstreamTasks(d);
    assert.ok(c instanceof Constant);
    assert.equal((c as Constant<number>).value, 5);
    assert.equal(String(c), "<Task: 5>");
  });

  it("refuses a task that is not in the flow", () => {
    assert.throws(() => new Flow("f").replace(noop("ghost"), noop("new")), {
      name: "TaskNotFoundError",
      message: `Task <Task: ghost> was not found in Flow <Flow: name="f">`,
    });
  });
});

describe("Flow: version", () => {
  it("is a stable hash of the structure", () => {
    const build = () => {
      const f = new Flow("v");
      f.chain(noop("a"), noop("b"));
      return f;
    };
    const v = build().version;
    assert.match(v, /^[0-9a-f]{16}$/);
    assert.equal(build().version, v);
  });

  it("changes when a task or an edge is added", () => {
    const f = new Flow("v");
    const [a, b] = [noop("a"), noop("b")];
    f.addTask(a);
    const v1 = f.version;
    f.addTask(b);
    const v2 = f.version;
    f.addEdge(a, b);
    const v3 = f.version;
    assert.equal(new Set([v1, v2, v3]).size, 3);
    assert.equal(f.version, v3);
  });

  it("changes with the task's code", () => {
    const one = (fn: (i: {}) => number) => {
      const f = new Flow("code");
      f.addTask(task({ name: "t" }, fn));
      return f.version;
    };
    assert.notEqual(
      one(() => 1),
      one(() => 2),
    );
  });

  it("is the version option when given", () => {
    const f = new Flow("v", { version: "1.2.3" });
    f.addTask(noop("a"));
    assert.equal(f.version, "1.2.3");
  });
});

describe("Flow: tags in the builder", () => {
  it("tag tasks created or bound inside, and show in generated slugs", () => {
    const outside = noop("outside");
    let inner!: NoOpTask, bound!: NoOpTask;
    const f = Flow.build("tagged", () => {
      tags(["etl"], () => {
        inner = noop("inner").call();
        bound = outside.call();
      });
    });
    assert.deepEqual([...inner.tags], ["etl"]);
    assert.deepEqual([...bound.tags], ["etl"]);
    assert.deepEqual([...outside.tags], []);
    assert.equal(f.slugOf(inner), "inner-etl-1");
  });
});
