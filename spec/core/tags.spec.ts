import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { Flow, InvalidOptionError, NoOpTask, tags } from "../../lib/index";

describe("tags(names, builder)", () => {
  it("tags tasks created inside, adding to their own tags", () => {
    const t = tags(["etl"], () => new NoOpTask({ tags: ["own"] }));
    assert.deepEqual([...t.tags].sort(), ["etl", "own"]);
  });

  it("returns what the builder returns", () => {
    assert.equal(
      tags(["a"], () => 42),
      42,
    );
  });

  it("nests: inner tasks get every enclosing tag", () => {
    let inner!: NoOpTask, middle!: NoOpTask, after!: NoOpTask;
    Flow.build("nested", () => {
      tags(["outer"], () => {
        tags(["inner"], () => {
          inner = new NoOpTask().call();
        });
        middle = new NoOpTask().call();
      });
      after = new NoOpTask().call();
    });
    assert.deepEqual([...inner.tags].sort(), ["inner", "outer"]);
    assert.deepEqual([...middle.tags], ["outer"]);
    assert.deepEqual([...after.tags], []);
  });

  it("tags tasks bound inside, even when created outside", () => {
    const outside = new NoOpTask();
    const flow = new Flow("bound");
    tags(["late"], () => {
      outside.bind({}, { flow });
    });
    assert.deepEqual([...outside.tags], ["late"]);
  });

  it("tags copies made inside (copy unions the original's tags with the scope's)", () => {
    const t = new NoOpTask({ tags: ["own"] });
    const c = tags(["scope"], () => t.copy({ tags: ["override"] }));
    assert.deepEqual([...c.tags].sort(), ["override", "own", "scope"]);
    assert.deepEqual([...t.tags], ["own"]);
  });

  it("ends when the builder throws", () => {
    assert.throws(() =>
      tags(["x"], () => {
        throw new Error("boom");
      }),
    );
    assert.deepEqual([...new NoOpTask().tags], []);
  });

  it("refuses names that are not an array of non-empty strings", () => {
    assert.throws(
      () => tags("abc" as never, () => undefined),
      (err: unknown) => {
        assert.ok(err instanceof InvalidOptionError);
        assert.equal(err.message, `tags(names, builder): names must be an array of non-empty strings (received "abc")`);
        return true;
      },
    );
    assert.throws(() => tags([""], () => undefined), {
      message: `tags(names, builder): names must be an array of non-empty strings (received [""])`,
    });
  });
});
