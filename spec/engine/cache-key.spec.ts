import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { CacheKeyError, FlowsmithError, stableHash, task } from "../../lib/index";
import { cacheKeyFromValue } from "../../lib/engine/cache-key";

const t = task({ name: "keyed" }, () => 1);
const refused = (returned: string, hint: string) =>
  `Task 'keyed': cacheKeyFn returned ${returned}, which cannot be a cache key: a key is a non-empty string, a finite number or a bigint (${hint})`;
const noCache = "return undefined or null to not cache this run";
const hashIt = "to key by an object's contents, return stableHash(value)";

describe("cacheKeyFromValue", () => {
  it("keeps strings, writes numbers and bigints in decimal, and gives no key for undefined and null", () => {
    assert.equal(cacheKeyFromValue(t, "abc"), "abc");
    assert.equal(cacheKeyFromValue(t, 4), "4");
    assert.equal(cacheKeyFromValue(t, 4.5), "4.5");
    assert.equal(cacheKeyFromValue(t, -0), "0");
    assert.equal(cacheKeyFromValue(t, 12345678901234567890n), "12345678901234567890");
    assert.equal(cacheKeyFromValue(t, undefined), undefined);
    assert.equal(cacheKeyFromValue(t, null), undefined);
  });

  it("refuses objects, naming the task and what it returned, instead of keying them all as [object Object]", () => {
    const cases: Array<[unknown, string, string]> = [
      [{ sum: 4 }, "a plain object", hashIt],
      [Object.create(null), "a plain object", hashIt],
      [[1, 2], "an array (2 items)", hashIt],
      [new Date(0), "an object of class Date", hashIt],
      [new (class Point {})(), "an object of class Point", hashIt],
      [function keyMaker() {}, "a function (keyMaker)", hashIt],
      [Promise.resolve("k"), "a Promise", "cacheKeyFn must be synchronous"],
      [{ then() {} }, "a Promise", "cacheKeyFn must be synchronous"],
      [true, "the boolean true", noCache],
      [Symbol("k"), "the symbol Symbol(k)", noCache],
      ["", "the empty string", noCache],
      [Number.NaN, "NaN", noCache],
      [Number.POSITIVE_INFINITY, "Infinity", noCache],
    ];
    for (const [value, returned, hint] of cases) {
      assert.throws(() => cacheKeyFromValue(t, value), (err: unknown) => {
        assert.ok(err instanceof CacheKeyError);
        assert.ok(err instanceof FlowsmithError);
        assert.equal(err.message, refused(returned, hint));
        return true;
      }, returned);
    }
  });

  it("the suggested stableHash gives different objects different keys", () => {
    assert.notEqual(cacheKeyFromValue(t, stableHash({ a: 1 })), cacheKeyFromValue(t, stableHash({ a: 2 })));
    assert.equal(cacheKeyFromValue(t, stableHash({ a: 1, b: 2 })), cacheKeyFromValue(t, stableHash({ b: 2, a: 1 })));
  });
});
