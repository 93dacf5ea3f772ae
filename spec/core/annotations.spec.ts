import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { Constant, EdgeAnnotation, Flow, flatten, mapped, task, unmapped } from "../../lib/index";
import { unwrapAnnotation } from "../../lib/core/annotations";

const add = task(function add({ x, y }: { x: number; y: number }) {
  return x + y;
});
const nested = task(function nested() {
  return [[1], [2, 3]];
});
const total = task(function total({ xs }: { xs: number[] }) {
  return xs.reduce((a, b) => a + b, 0);
});

describe("edge annotations", () => {
  it("unmapped, mapped and flatten set one flag each", () => {
    const u = unmapped(1);
    assert.ok(u instanceof EdgeAnnotation);
    assert.deepEqual([u.value, u.mapped, u.flattened], [1, false, undefined]);
    const m = mapped([1]);
    assert.deepEqual([m.value, m.mapped, m.flattened], [[1], true, undefined]);
    const f = flatten([[1]]);
    assert.deepEqual([f.value, f.mapped, f.flattened], [[[1]], undefined, true]);
  });

  it("compose without nesting: unmapped(flatten(x)) and flatten(unmapped(x))", () => {
    for (const a of [unmapped(flatten(7)), flatten(unmapped(7))]) {
      assert.equal(a.value, 7);
      assert.equal(a.mapped, false);
      assert.equal(a.flattened, true);
    }
  });

  it("unwrapAnnotation splits a value from its flags, the outer flag winning", () => {
    assert.deepEqual(unwrapAnnotation(5), { value: 5 });
    assert.deepEqual(unwrapAnnotation(unmapped(5)), { value: 5, mapped: false, flattened: undefined });
    const inner = new EdgeAnnotation(new EdgeAnnotation(5, true, undefined), false, undefined);
    assert.deepEqual(unwrapAnnotation(inner), { value: 5, mapped: false, flattened: undefined });
  });

  it("unmapped keeps an edge fixed under map (seed: unmapped example)", () => {
    let m!: typeof add;
    const one = task(function one() {
      return 1;
    });
    let o!: typeof one;
    const f = Flow.build("unmapped example", () => {
      o = one.call();
      m = add.map({ x: [1, 2, 3], y: unmapped(o) });
    });
    const edges = [...f.edgesTo(m)].map((e) => [e.key, e.mapped, e.upstreamTask instanceof Constant]);
    assert.deepEqual(edges, [
      ["x", true, true],
      ["y", false, false],
    ]);
  });

  it("mapped maps one input of a plain call", () => {
    let c!: typeof add;
    const f = Flow.build("mapped", () => {
      c = add.call({ x: mapped([1, 2]), y: 1 });
    });
    const [edge] = [...f.edgesTo(c)];
    assert.equal(edge!.key, "x");
    assert.equal(edge!.mapped, true);
    assert.deepEqual(f.constants.get(c), { y: 1 });
  });

  it("flatten makes a flattened edge, mapped or not", () => {
    let m!: typeof add, c!: typeof total;
    const f = Flow.build("flatten", () => {
      const n = nested.call();
      m = add.map({ x: flatten(n), y: unmapped(1) });
      c = total.call({ xs: flatten(n) });
    });
    const [me] = [...f.edgesTo(m)];
    assert.deepEqual([me!.key, me!.mapped, me!.flattened], ["x", true, true]);
    const [ce] = [...f.edgesTo(c)];
    assert.deepEqual([ce!.key, ce!.mapped, ce!.flattened], ["xs", false, true]);
  });

  it("a flattened plain value becomes a Constant node (a constant cannot carry the flag)", () => {
    let c!: typeof add;
    const f = Flow.build("flatten-constant", () => {
      c = add.map({ x: flatten([[1], [2, 3]]), y: unmapped(1) });
    });
    const [edge] = [...f.edgesTo(c)];
    assert.ok(edge!.upstreamTask instanceof Constant);
    assert.equal(edge!.flattened, true);
  });
});
