/**
 * Typed edges: binding an upstream whose output does not fit the downstream input is a compile
 * error. Every `@ts-expect-error` below fails the build (`npm test` compiles spec/) if the line it
 * guards ever compiles; the positive cases are built for real and checked at run time.
 */
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import {
  Constant, Flow, Parameter, Task, flatten, mapped, task, unmapped,
  type AnyTask, type OutputOf,
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
