/**
 * Typed edges: binding an upstream whose output does not fit the downstream input is a compile
 * error. Every `@ts-expect-error` below fails the build (`npm test` compiles spec/) if the line it
 * guards ever compiles; the positive cases are built for real and checked at run time.
 */
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import {
  Constant, Flow, Parameter, Task, flatten, mapped, task, unmapped,
  type AnyTask, type Dependencies, type OutputOf,
} from "../../lib/index";

/** `true` when A and B are the same type. */
type Equals<A, B> = (<T>() => T extends A ? 1 : 2) extends <T>() => T extends B ? 1 : 2 ? true : false;
function assertType<_T extends true>(): void {}

const len = task(function len({ s }: { s: string }) {
  return s.length;
});
const shout = task(function shout({ s }: { s: string }) {
  return s.toUpperCase();
});
const add = task(function add({ x, y }: { x: number; y: number }) {
  return x + y;
});
const inc = task(function inc({ x }: { x: number }) {
  return x + 1;
});
const double = task(function double({ x }: { x: number }) {
  return x * 2;
});
const sum = task(function sum({ xs }: { xs: number[] }) {
  return xs.reduce((a, b) => a + b, 0);
});
const joinAll = task(function joinAll({ parts }: { parts: readonly string[] }) {
  return parts.join(",");
});
const numbers = task(function numbers() {
  return [1, 2, 3];
});
const words = task(function words() {
  return ["a", "b"];
});
const point = task(function point({ p }: { p: { x: number; y: number } }) {
  return p.x + p.y;
});
const maybe = task(function maybe({ x, y = 1 }: { x: number; y?: number }) {
  return x * y;
});
class Pair extends Task<{}, [number, string]> {
  run(): [number, string] {
    return [1, "one"];
  }
}
const nestedNumbers = task(function nestedNumbers() {
  return [[1], [2, 3]];
});
const nestedWords = task(function nestedWords() {
  return [["a"], ["b", "c"]];
});
/** Each child produces a list: `chunk.map(...)` flattens into numbers. */
const chunk = task(function chunk({ n }: { n: number }) {
  return Array.from({ length: n }, (_, i) => i);
});
const splitWords = task(function splitWords({ s }: { s: string }) {
  return s.split(" ");
});
const addToAll = task(function addToAll({ x, ys }: { x: number; ys: number[] }) {
  return ys.map((y) => x + y);
});
/** A task whose output is not typed (`unknown`): it fits any input, as in Prefect. */
const untyped = task(function untyped(): unknown {
  return 1;
});

/** Compile-time only: never called. */
export function mismatches(): void {
  Flow.build("mismatches", () => {
    const n = len.call({ s: "abc" }); // produces number
    const s = shout.call({ s: "abc" }); // produces string
    const m = inc.map({ x: [1, 2, 3] }); // mapped: number per child

    // @ts-expect-error a string task into a number input
    add.call({ x: s, y: 1 });
    // @ts-expect-error a number task into a string input
    shout.call({ s: n });
    // @ts-expect-error a mapped task into a scalar input of a plain call (a reduce gives number[], not number)
    add.call({ x: m, y: 1 });
    // @ts-expect-error a missing required input
    add.call({ x: 1 });
    // @ts-expect-error no inputs at all, when some are required
    add.call();
    // @ts-expect-error an input the task does not have
    add.call({ x: 1, y: 2, z: 3 });
    // @ts-expect-error a plain value of the wrong type
    add.call({ x: "1", y: 2 });
    // @ts-expect-error a Parameter<string> into a number input
    add.call({ x: new Parameter<string>("name"), y: 1 });
    // @ts-expect-error a Constant<string> into a number input
    add.call({ x: new Constant("1"), y: 1 });
    // @ts-expect-error the reduce of a mapped number task into a string[] input
    joinAll.call({ parts: m });
    // @ts-expect-error a List literal with a string task into number[]
    sum.call({ xs: [1, s] });
    // @ts-expect-error an object literal with a string task where a number is expected
    point.call({ p: { x: 1, y: s } });
    // @ts-expect-error an optional input still has a type
    maybe.call({ x: 1, y: s });
    // @ts-expect-error a string[] task mapped into a number input
    inc.map({ x: words.call() });
    // @ts-expect-error map over a scalar task (it has no elements)
    inc.map({ x: n });
    // @ts-expect-error map over a plain scalar
    inc.map({ x: 5 });
    // @ts-expect-error unmapped keeps the whole value, which must fit the input
    add.map({ x: [1, 2], y: unmapped(s) });
    // @ts-expect-error mapped → mapped with the wrong element type
    len.map({ s: m });
    // @ts-expect-error getItem(1) of [number, string] is a string
    add.call({ x: new Pair().call().getItem(1), y: 1 });
    // @ts-expect-error bind is checked like call
    add.bind({ x: s, y: 1 });
    // @ts-expect-error mapped(x) over a list of strings into a number input
    add.call({ x: mapped(["a"]), y: 1 });
  });
}

/** Compile-time only: `flatten(x)` is typed by what it flattens. */
export function flattenMismatches(): void {
  Flow.build("flatten-mismatches", () => {
    const words = nestedWords.call(); // string[][]
    const perChild = splitWords.map({ s: ["a b", "c"] }); // each child: string[]
    // @ts-expect-error a string[][] flattens into strings, not numbers
    inc.map({ x: flatten(words) });
    // @ts-expect-error a literal string[][] flattens into strings
    inc.map({ x: flatten([["a"], ["b"]]) });
    // @ts-expect-error children producing string[] flatten into strings
    inc.map({ x: flatten(perChild) });
    // @ts-expect-error a flat number[] has no level to remove
    inc.map({ x: flatten(numbers.call()) });
    // @ts-expect-error a plain number has nothing to flatten
    inc.map({ x: flatten(5) });
    // @ts-expect-error in a plain call the flattened list is one value: a list, not a number
    add.call({ x: flatten(nestedNumbers.call()), y: 1 });
    // @ts-expect-error the flattened list of strings into a number[] input
    sum.call({ xs: flatten(words) });
    // @ts-expect-error the reduce of children producing string[], flattened, into number[]
    sum.call({ xs: flatten(perChild) });
    // @ts-expect-error unmapped(flatten(x)) passes the whole flattened list, which must fit
    addToAll.map({ x: [1, 2], ys: unmapped(flatten(words)) });
    // @ts-expect-error mapped(flatten(x)) in a plain call maps over the flattened elements
    add.call({ x: mapped(flatten(words)), y: 1 });
  });
}

/** Compile-time only: `setDependencies` checks keyword inputs as `call` and `map` do. */
export function setDependenciesMismatches(flow: Flow): void {
  const s = new Parameter<string>("s");
  // @ts-expect-error a string task into a number input
  flow.setDependencies(add, { keywordTasks: { x: s } });
  // @ts-expect-error a key the task does not have
  flow.setDependencies(add, { keywordTasks: { z: 1 } });
  // @ts-expect-error a plain value of the wrong type
  flow.setDependencies(add, { keywordTasks: { x: "1" } });
  // @ts-expect-error mapped: true wants a list (or a list-producing task) per input
  flow.setDependencies(add, { keywordTasks: { x: 5 }, mapped: true });
  // @ts-expect-error mapped: true over strings into a number input
  flow.setDependencies(inc, { keywordTasks: { x: ["a"] }, mapped: true });
  // @ts-expect-error flatten is typed here too
  flow.setDependencies(inc, { keywordTasks: { x: flatten([["a"]]) }, mapped: true });
  // @ts-expect-error the task's own method is checked the same way
  add.setDependencies(flow, { keywordTasks: { x: "1" } });
  // @ts-expect-error ... keys included
  add.setDependencies(flow, { keywordTasks: { q: 1 } });
}

describe("typed edges", () => {
  it("compiles and builds the edges that fit", () => {
    let reduced!: AnyTask, overTask!: AnyTask, chained!: AnyTask, literal!: AnyTask, fixed!: AnyTask;
    const flow = Flow.build("fits", () => {
      // same type, task and plain value
      const n = len.call({ s: "abc" });
      add.call({ x: n, y: 1 });
      add.call({ x: new Parameter<number>("x", { default: 1 }), y: new Constant(2) });
      shout.call({ s: shout.call({ s: "abc" }) });
      // an optional input may be left out; a task with no inputs needs no argument
      maybe.call({ x: n });
      numbers.call();
      // map over a constant array, a readonly array, an array-producing task
      const m = inc.map({ x: [1, 2, 3] });
      inc.map({ x: [1, 2] as readonly number[] });
      overTask = inc.map({ x: numbers.call() });
      // reduce: a mapped task into an array input
      reduced = sum.call({ xs: m });
      // mapped → mapped
      chained = add.map({ x: m, y: m });
      // unmapped: a scalar task or value held fixed for every child
      fixed = add.map({ x: m, y: unmapped(n) });
      add.map({ x: numbers.call(), y: unmapped(10) });
      // a List literal of tasks and values; a Dict literal
      literal = sum.call({ xs: [n, 2, len.call({ s: "xy" })] });
      point.call({ p: { x: n, y: 2 } });
      // mapped(x) maps one input of a plain call; flatten removes a level
      add.call({ x: mapped(numbers.call()), y: 1 });
      inc.map({ x: flatten([[1], [2, 3]]) });
      // an untyped task fits any input; so does an AnyTask
      add.call({ x: untyped.call(), y: untyped.call() });
      const anyTask: AnyTask = len.call({ s: "x" });
      shout.call({ s: anyTask });
      // items of a typed tuple
      const pair = new Pair().call();
      add.call({ x: pair.getItem(0), y: 1 });
      shout.call({ s: pair.getItem(1) });
    });
    assert.deepEqual(
      [...flow.edgesTo(reduced)].map((e) => [e.key, e.mapped]),
      [["xs", false]],
    );
    assert.deepEqual(
      [...flow.edgesTo(overTask)].map((e) => [e.key, e.mapped]),
      [["x", true]],
    );
    assert.deepEqual(
      [...flow.edgesTo(chained)].map((e) => [e.key, e.mapped]),
      [
        ["x", true],
        ["y", true],
      ],
    );
    assert.deepEqual(
      [...flow.edgesTo(fixed)].map((e) => [e.key, e.mapped]),
      [
        ["x", true],
        ["y", false],
      ],
    );
    const [list] = flow.upstreamTasks(literal);
    assert.equal(list!.name, "List");
    assert.deepEqual(flow.constants.get(list!), { "1": 2 });
  });

  it("compiles and wires flatten(x) when the flattened elements fit", () => {
    const made: Record<string, AnyTask> = {};
    const flow = Flow.build("flatten-fits", () => {
      const nested = nestedNumbers.call();
      const perChild = chunk.map({ n: [1, 2] }); // each child: number[]
      made.overTask = inc.map({ x: flatten(nested) });
      made.overLiteral = inc.map({ x: flatten([[1], [2, 3]]) });
      made.overChildren = inc.map({ x: flatten(perChild) });
      made.overList = inc.map({ x: flatten([numbers.call(), [4, 5]]) });
      made.reduced = sum.call({ xs: flatten(nested) });
      made.reducedChildren = sum.call({ xs: flatten(perChild) });
      made.fixed = addToAll.map({ x: [1, 2], ys: unmapped(flatten(perChild)) });
      made.mappedCall = add.call({ x: mapped(flatten(nested)), y: 1 });
      made.untyped = inc.map({ x: flatten(untyped.call()) });
    });
    const edge = (t: AnyTask, key: string) => {
      const e = [...flow.edgesTo(t)].find((x) => x.key === key)!;
      return [e.mapped, e.flattened];
    };
    assert.deepEqual(edge(made.overTask!, "x"), [true, true]);
    assert.deepEqual(edge(made.overChildren!, "x"), [true, true]);
    assert.deepEqual(edge(made.reduced!, "xs"), [false, true]);
    assert.deepEqual(edge(made.reducedChildren!, "xs"), [false, true]);
    assert.deepEqual(edge(made.fixed!, "ys"), [false, true]);
    assert.deepEqual(edge(made.mappedCall!, "x"), [true, true]);
    assert.equal([...flow.upstreamTasks(made.overList!)][0]!.name, "List");
  });

  it("compiles setDependencies calls whose keyword inputs fit, one key at a time too", () => {
    const flow = new Flow("imperative");
    const n = new Parameter<number>("n", { default: 1 });
    flow.setDependencies(add, { keywordTasks: { x: n } });
    flow.setDependencies(inc, { keywordTasks: { x: flatten([[1], [2]]) }, mapped: true, validate: false });
    flow.setDependencies(double, { keywordTasks: { x: [1, 2, 3] }, mapped: true });
    // Prefect's imperative reduce: inc is mapped by its own setDependencies, which its type cannot show
    flow.setDependencies(sum, { keywordTasks: { xs: double } });
    flow.setDependencies(point, { keywordTasks: { p: { x: n, y: 2 } } });
    add.setDependencies(flow, { keywordTasks: { y: 3 } });
    // an untyped task, and the Dependencies type on its own, take any keys
    const anyTask: AnyTask = new Pair();
    flow.setDependencies(anyTask, { keywordTasks: { whatever: 1 } });
    const deps: Dependencies = { keywordTasks: { anything: "goes" }, mapped: true };
    flow.setDependencies(new Pair(), { upstreamTasks: [anyTask] });
    assert.deepEqual(deps.keywordTasks, { anything: "goes" });
    assert.deepEqual(
      [...flow.edgesTo(add)].map((e) => [e.key, e.upstreamTask.name]),
      [["x", "n"]],
    );
    assert.deepEqual(flow.constants.get(add), { y: 3 });
    assert.deepEqual([...flow.edgesTo(sum)].map((e) => [e.key, e.mapped, e.upstreamTask]), [["xs", false, double]]);
    assert.deepEqual([...flow.edgesTo(double)].map((e) => [e.key, e.mapped]), [["x", true]]);
    assert.deepEqual([...flow.edgesTo(inc)].map((e) => [e.key, e.mapped, e.flattened]), [["x", true, true]]);
  });

  it("carries output types (checked by the compiler; the values match at run time)", async () => {
    assertType<Equals<OutputOf<typeof len>, number>>();
    assertType<Equals<OutputOf<typeof shout>, string>>();
    assertType<Equals<OutputOf<Pair>, [number, string]>>();
    const asyncTask = task(async function later() {
      return "done";
    });
    assertType<Equals<OutputOf<typeof asyncTask>, string>>();
    assertType<Equals<ReturnType<typeof add.run>, number | Promise<number>>>();
    assert.equal(await asyncTask.run({}), "done");
    assert.equal(len.run({ s: "abc" }), 3);
  });

  it("keeps the task's own type through call, bind and map", () => {
    const flow = new Flow("self-types");
    const c = add.call({ x: 1, y: 2 }, { flow });
    const m = add.map({ x: [1], y: [2] }, { flow });
    assertType<Equals<typeof c, typeof add>>();
    // a mapped task is still the task (plus its elements)
    const asTask: typeof add = m;
    assert.ok(asTask instanceof Task);
  });
});
