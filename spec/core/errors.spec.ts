import { describe, it } from "node:test";
import assert from "node:assert/strict";
import {
  BindError, CacheKeyError, CycleError, FlowValidationError, FlowsmithError, InputValidationError, InvalidOptionError,
  NotSerializableError, ParameterError, ResourceError, ResultError, RunError, RunLockedError, SerializationError,
  TaskDefinitionError, TaskNotFoundError,
} from "../../lib/index";
import { messages } from "../../lib/messages";

describe("errors", () => {
  it("every error is a FlowsmithError and an Error, named after its class", () => {
    const classes = [
      InvalidOptionError, FlowValidationError, BindError, TaskNotFoundError, ParameterError, ResourceError, ResultError,
      SerializationError, NotSerializableError, RunError, TaskDefinitionError, CacheKeyError,
    ];
    for (const C of classes) {
      const err = new C("msg");
      assert.ok(err instanceof C);
      assert.ok(err instanceof FlowsmithError);
      assert.ok(err instanceof Error);
      assert.equal(err.name, C.name);
      assert.equal(err.message, "msg");
    }
  });

  it("a subclass is an instance of its parent, not of its siblings", () => {
    const err = new CycleError("cycle", ["a", "b", "a"]);
    assert.ok(err instanceof FlowValidationError);
    assert.ok(err instanceof FlowsmithError);
    assert.ok(!(err instanceof BindError));
    assert.ok(!(new FlowValidationError("x") instanceof CycleError));
    assert.deepEqual(err.cycle, ["a", "b", "a"]);
  });

  it("instanceof checks a Symbol.for brand, so it holds for an error from another copy of the module", () => {
    const original = new BindError("lost");
    const brand = Symbol.for("flowsmith.error");
    assert.deepEqual((original as unknown as Record<symbol, unknown>)[brand], ["BindError", "FlowsmithError"]);
    // What a BindError made by a second copy of flowsmith (or rebuilt after a worker thread) looks like.
    const foreign = Object.assign(Object.create(Error.prototype) as object, { message: "lost", [brand]: ["BindError", "FlowsmithError"] });
    assert.ok(foreign instanceof BindError);
    assert.ok(foreign instanceof FlowsmithError);
    assert.ok(!(foreign instanceof RunError));
    assert.ok(!(new Error("plain") instanceof FlowsmithError));
    assert.ok(!((null as unknown as object) instanceof FlowsmithError));
  });

  it("chains causes", () => {
    const cause = new Error("disk full");
    const err = new ResourceError("cannot resolve", { cause });
    assert.equal(err.cause, cause);
  });

  it("RunLockedError is a RunError that keeps the run id, the holder's pid and the lock file", () => {
    const err = new RunLockedError("locked", "run-1", 123, "/runs/run-1.lock");
    assert.ok(err instanceof RunError);
    assert.equal(err.name, "RunLockedError");
    assert.deepEqual([err.runId, err.pid, err.lockPath], ["run-1", 123, "/runs/run-1.lock"]);
  });

  it("InputValidationError keeps the failed constraints", () => {
    const err = new InputValidationError("bad inputs", [{ property: "x", constraints: { isNumber: "x must be a number" } }]);
    assert.equal(err.errors[0]!.property, "x");
  });

  it("messages name the culprit", () => {
    assert.equal(messages.cycle(["a", "b", "a"]), "Cycle found; flows must be acyclic: a -> b -> a");
    assert.equal(messages.duplicateKey("<Task: add>", "x"), `Argument "x" for task <Task: add> has already been assigned in this flow`);
    assert.equal(messages.unknownInputKey("<Task: add>", "z", ["x", "y"]), `<Task: add> has no input "z"; its declared inputs are: x, y`);
    assert.equal(messages.unknownInputKey("<Task: add>", "z", []), `<Task: add> has no input "z"; its declared inputs are: (none)`);
    assert.equal(messages.invalidDecoratorArg("TaskConfig", "Add", "expects an options object"), "@TaskConfig on Add: expects an options object");
  });
});
