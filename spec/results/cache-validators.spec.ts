import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { Cached } from "../../lib/engine/state";
import { InvalidOptionError } from "../../lib/errors";
import {
  allInputs, allParameters, cacheValidators, durationOnly, neverUse, partialInputsOnly, partialParametersOnly,
  stableHash, taskInputHash, ConstantResult,
} from "../../lib/results";

const future = () => new Date(Date.now() + 60_000);
const past = () => new Date(Date.now() - 1);

describe("cache validators", () => {
  it("are all exported as cacheValidators", () => {
    assert.deepEqual(Object.keys(cacheValidators).sort(), ["allInputs", "allParameters", "durationOnly", "neverUse", "partialInputsOnly", "partialParametersOnly"]);
    assert.equal(cacheValidators.allInputs, allInputs);
  });

  it("neverUse never validates", () => {
    assert.equal(neverUse(new Cached({ cachedResultExpiration: null }), {}, {}), false);
  });

  it("durationOnly: no expiration or one in the future", () => {
    assert.equal(durationOnly(new Cached({}), {}, {}), true);
    assert.equal(durationOnly(new Cached({ cachedResultExpiration: null }), {}, {}), true);
    assert.equal(durationOnly(new Cached({ cachedResultExpiration: future() }), {}, {}), true);
    assert.equal(durationOnly(new Cached({ cachedResultExpiration: past() }), {}, {}), false);
    // a state rebuilt from JSON may carry the date as a string
    assert.equal(durationOnly(new Cached({ cachedResultExpiration: future().toISOString() as unknown as Date }), {}, {}), true);
  });

  it("allInputs: unexpired and the same inputs, whatever the key order", () => {
    const state = new Cached({ cachedResultExpiration: future(), cachedInputs: { x: 1, y: { b: 2, a: [1] } } });
    assert.equal(allInputs(state, { y: { a: [1], b: 2 }, x: 1 }, {}), true);
    assert.equal(allInputs(state, { x: 1, y: { a: [1], b: 3 } }, {}), false);
    assert.equal(allInputs(state, { x: 1 }, {}), false);
    assert.equal(allInputs(new Cached({ cachedResultExpiration: past(), cachedInputs: { x: 1 } }), { x: 1 }, {}), false);
    assert.equal(allInputs(new Cached({ cachedInputs: { x: new ConstantResult({ value: 5 }) } }), { x: 5 }, {}), true, "cached Results compare by value");
    assert.equal(allInputs(new Cached({ hashedInputs: stableHash({ x: 1 }) }), { x: 1 }, {}), true);
    assert.equal(allInputs(new Cached({}), {}, {}), true);
  });

  it("allParameters: unexpired and the same parameters", () => {
    const state = new Cached({ cachedResultExpiration: future(), cachedParameters: { region: "eu", n: 2 } });
    assert.equal(allParameters(state, {}, { n: 2, region: "eu" }), true);
    assert.equal(allParameters(state, {}, { n: 3, region: "eu" }), false);
    assert.equal(allParameters(new Cached({ cachedResultExpiration: past(), cachedParameters: {} }), {}, {}), false);
  });

  it("partialInputsOnly: only the named inputs are compared", () => {
    const state = new Cached({ cachedResultExpiration: future(), cachedInputs: { a: 1, b: 2 } });
    assert.equal(partialInputsOnly(["a"])(state, { a: 1, b: 99 }, {}), true);
    assert.equal(partialInputsOnly(["a", "b"])(state, { a: 1, b: 99 }, {}), false);
    assert.equal(partialInputsOnly(["c"])(state, { a: 5 }, {}), true, "a key absent on both sides is equal");
    assert.equal(partialInputsOnly(["c"])(state, { c: 5 }, {}), false);
    assert.equal(partialInputsOnly()(state, { anything: 1 }, {}), true, "no keys: duration only");
    assert.equal(partialInputsOnly(["a"])(new Cached({ cachedResultExpiration: past(), cachedInputs: { a: 1 } }), { a: 1 }, {}), false);
  });

  it("partialParametersOnly: only the named parameters are compared", () => {
    const state = new Cached({ cachedParameters: { env: "prod", day: "mon" } });
    assert.equal(partialParametersOnly(["env"])(state, {}, { env: "prod", day: "tue" }), true);
    assert.equal(partialParametersOnly(["env", "day"])(state, {}, { env: "prod", day: "tue" }), false);
    assert.equal(partialParametersOnly()(state, {}, {}), true);
    assert.equal(partialParametersOnly(["env"])(new Cached({ cachedResultExpiration: past(), cachedParameters: { env: "prod" } }), {}, { env: "prod" }), false);
  });

  it("refuses keys that are not an array of strings", () => {
    assert.throws(() => partialInputsOnly("a" as unknown as string[]), (err: unknown) =>
      err instanceof InvalidOptionError && err.message === 'partialInputsOnly(keys): keys must be an array of strings (got the string "a")');
  });
});

describe("stableHash", () => {
  it("is a sha256 hex digest, equal for deep-equal values whatever the key or entry order", () => {
    assert.match(stableHash({ a: 1 }), /^[0-9a-f]{64}$/);
    assert.equal(stableHash({ a: 1, b: { c: [1, 2], d: "x" } }), stableHash({ b: { d: "x", c: [1, 2] }, a: 1 }));
    assert.equal(stableHash(new Map([["a", 1], ["b", 2]])), stableHash(new Map([["b", 2], ["a", 1]])));
    assert.equal(stableHash(new Set([1, 2, 3])), stableHash(new Set([3, 2, 1])));
    assert.equal(stableHash(new Date(5)), stableHash(new Date(5)));
    assert.equal(stableHash(Buffer.from("ab")), stableHash(new Uint8Array([97, 98])));
  });

  it("tells different values and types apart", () => {
    const values: unknown[] = [
      1, "1", 1n, true, null, undefined, [], {}, [1], ["1"], { a: 1 }, { a: "1" }, ["ab", "c"], ["a", "bc"],
      new Map(), new Set(), new Date(0), 0, -0, NaN, "", { a: undefined }, new Map([[1, 2]]), new Set([[1, 2]]),
    ];
    const hashes = values.map(stableHash);
    assert.equal(new Set(hashes).size, values.length);
  });

  it("handles cycles", () => {
    const a: Record<string, unknown> = { x: 1 };
    a.self = a;
    const b: Record<string, unknown> = { x: 1 };
    b.self = b;
    assert.equal(stableHash(a), stableHash(b));
  });
});

describe("taskInputHash", () => {
  it("is stable under key order and differs for different inputs or tasks", () => {
    const ctx = { taskName: "fetch" };
    assert.equal(taskInputHash(ctx, { a: 1, b: [2, 3] }), taskInputHash(ctx, { b: [2, 3], a: 1 }));
    assert.notEqual(taskInputHash(ctx, { a: 1, b: [2, 3] }), taskInputHash(ctx, { a: 1, b: [3, 2] }));
    assert.notEqual(taskInputHash(ctx, { a: 1 }), taskInputHash({ taskName: "other" }, { a: 1 }));
    assert.match(taskInputHash(undefined, {}), /^[0-9a-f]{64}$/);
  });
});
