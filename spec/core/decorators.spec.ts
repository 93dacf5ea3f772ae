import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { Allow, IsInt, IsNumber, IsOptional, IsString, Min } from "class-validator";
import * as ts from "typescript";
import {
  BindError, DefaultsFromAttrs, Edge, Flow, Inputs, InvalidOptionError, NoOpTask, Resource, ResourceError, Success, Task, TaskConfig,
  TaskRunner,
} from "../../lib/index";
import { container } from "tsyringe"; // after flowsmith, which loads reflect-metadata

describe("@TaskConfig", () => {
  @TaskConfig({ maxRetries: 2, retryDelay: 50, tags: ["io"], description: "talks to the network" })
  class Fetch extends Task<{ url: string }, string> {
    run({ url }: { url: string }) {
      return url;
    }
  }

  it("gives class-level default options", () => {
    const t = new Fetch();
    assert.equal(t.maxRetries, 2);
    assert.equal(t.retryDelay, 50);
    assert.deepEqual([...t.tags], ["io"]);
    assert.equal(t.description, "talks to the network");
  });

  it("keeps the class name and instanceof", () => {
    const t = new Fetch();
    assert.equal(t.name, "Fetch");
    assert.equal(String(t), "<Task: Fetch>");
    assert.ok(t instanceof Fetch);
    assert.ok(t instanceof Task);
  });

  it("lets instance options win over the class defaults", () => {
    const t = new Fetch({ maxRetries: 5, name: "fetch-users" });
    assert.equal(t.maxRetries, 5);
    assert.equal(t.retryDelay, 50);
    assert.equal(t.name, "fetch-users");
  });

  it("merges the defaults of decorated ancestors, the subclass winning", () => {
    @TaskConfig({ timeout: 1000 })
    class SlowFetch extends Fetch {}
    const t = new SlowFetch();
    assert.equal(t.timeout, 1000);
    assert.equal(t.maxRetries, 2);
    assert.equal(t.name, "SlowFetch");
  });

  it("validates the merged options once the instance is constructed, naming the task", () => {
    @TaskConfig({ maxRetries: 1 })
    class Flaky extends NoOpTask {}
    assert.doesNotThrow(() => new Flaky({ retryOn: [RangeError] }));
    assert.throws(() => new Flaky({ maxRetries: 0, retryOn: [RangeError] }), {
      name: "InvalidOptionError",
      message: `Task 'Flaky': invalid option "retryOn": retryOn needs maxRetries > 0`,
    });
    assert.throws(() => new Flaky({ timeout: -1 }), {
      message: `Task 'Flaky': invalid option "timeout": must be a number of milliseconds > 0`,
    });
  });

  it("refuses an unknown option when the decorator is applied, naming the decorator and the class", () => {
    assert.throws(
      () => {
        @TaskConfig({ retries: 3 } as never)
        class Typo extends NoOpTask {}
        return Typo;
      },
      (err: unknown) => {
        assert.ok(err instanceof InvalidOptionError);
        assert.equal(err.message, `@TaskConfig on Typo: unknown option(s) "retries"`);
        return true;
      },
    );
  });

  it("refuses a non-object argument", () => {
    assert.throws(
      () => {
        @TaskConfig(null as never)
        class Bad extends NoOpTask {}
        return Bad;
      },
      { name: "InvalidOptionError", message: "@TaskConfig on Bad: expects an options object" },
    );
  });

  describe("validation after the subclass's fields are set", () => {
    @TaskConfig({ tags: ["batch"] })
    class Batch extends Task<{ rows: number[] }, number> {
      @IsInt({ message: "must be an integer" }) @Min(1, { message: "must be >= 1" })
      size: number;
      constructor(size: number, options = {}) {
        super(options);
        this.size = size;
      }
      run({ rows }: { rows: number[] }) {
        return Math.ceil(rows.length / this.size);
      }
    }

    it("accepts a valid attribute set by the subclass constructor", () => {
      const t = new Batch(10);
      assert.equal(t.size, 10);
      assert.equal(t.run({ rows: [1, 2, 3] }), 1);
    });

    it("rejects an invalid attribute with a message naming the task and the attribute", () => {
      assert.throws(() => new Batch(0), {
        name: "InvalidOptionError",
        message: `Task 'Batch': invalid attribute "size": must be >= 1`,
      });
      assert.throws(() => new Batch(1.5, { name: "half" }), {
        message: `Task 'half': invalid attribute "size": must be an integer`,
      });
    });

    it("checks a further (undecorated) subclass only after its own fields are set", () => {
      class NamedBatch extends Batch {
        @IsString({ message: "must be a string" })
        label: string;
        constructor(label: string) {
          super(5);
          this.label = label;
        }
      }
      const t = new NamedBatch("nightly");
      assert.equal(t.label, "nightly");
      assert.equal(t.size, 5);
      assert.deepEqual([...t.tags], ["batch"]);
      // ...and is still held to the configured class's rules.
      class EmptyBatch extends Batch {
        constructor() {
          super(0);
        }
      }
      assert.throws(() => new EmptyBatch(), { message: `Task 'EmptyBatch': invalid attribute "size": must be >= 1` });
    });

    it("checks a further decorated subclass once, after its own fields are set", () => {
      @TaskConfig({ description: "sized and labelled" })
      class LabelledBatch extends Batch {
        @IsString({ message: "must be a string" })
        label: string;
        constructor(label: string, size = 5) {
          super(size);
          this.label = label;
        }
      }
      assert.equal(new LabelledBatch("x").label, "x");
      assert.throws(() => new LabelledBatch(42 as never), {
        message: `Task 'LabelledBatch': invalid attribute "label": must be a string`,
      });
      assert.throws(() => new LabelledBatch("x", -1), {
        message: `Task 'LabelledBatch': invalid attribute "size": must be >= 1`,
      });
    });
  });

  it("copies of a configured task keep its options", () => {
    const t = new Fetch({ name: "a" });
    const c = t.copy({ name: "b" });
    assert.equal(c.maxRetries, 2);
    assert.equal(c.name, "b");
    assert.ok(c instanceof Fetch);
  });
});

class AddInputs {
  @IsNumber() x!: number;
  @IsOptional() @IsNumber() y?: number;
}

describe("@Inputs", () => {
  @Inputs(AddInputs)
  class Add extends Task<{ x: number; y?: number }, number> {
    run({ x, y = 0 }: { x: number; y?: number }) {
      return x + y;
    }
  }

  it("accepts declared keys", () => {
    const flow = Flow.build("ok", () => {
      new Add().call({ x: 1, y: 2 });
    });
    assert.equal(flow.tasks.size, 1);
  });

  it("refuses an unknown key at bind time, naming the task, the key and the declared inputs", () => {
    assert.throws(
      () =>
        Flow.build("typo", () => {
          new Add().call({ x: 1, z: 2 } as never);
        }),
      (err: unknown) => {
        assert.ok(err instanceof BindError);
        assert.equal(err.message, `<Task: Add> has no input "z"; its declared inputs are: x, y`);
        return true;
      },
    );
  });

  it("refuses an unknown key on an imperative edge too", () => {
    const flow = new Flow("imperative");
    assert.throws(() => flow.addEdge(new NoOpTask(), new Add(), { key: "w" }), {
      message: `<Task: Add> has no input "w"; its declared inputs are: x, y`,
    });
    // @ts-expect-error q is not an input of Add (checked at compile time too)
    assert.throws(() => flow.setDependencies(new Add({ name: "add2" }), { keywordTasks: { q: 1 } }), {
      message: `<Task: add2> has no input "q"; its declared inputs are: x, y`,
    });
  });

  it("does not restrict state-only edges", () => {
    const flow = new Flow("state");
    const add = new Add();
    flow.addEdge(new NoOpTask(), add);
    assert.equal(flow.edges.size, 1);
  });

  it("can be given through TaskConfig({ inputs })", () => {
    @TaskConfig({ inputs: AddInputs })
    class Add2 extends Task<{ x: number; y?: number }, number> {
      run({ x, y = 0 }: { x: number; y?: number }) {
        return x + y;
      }
    }
    assert.throws(() => Flow.build("f", () => void new Add2().call({ x: 1, nope: 3 } as never)), {
      message: `<Task: Add2> has no input "nope"; its declared inputs are: x, y`,
    });
  });

  it("refuses a class that declares no properties, naming the decorator and the class", () => {
    class Empty {}
    assert.throws(
      () => {
        @Inputs(Empty)
        class Nothing extends NoOpTask {}
        return Nothing;
      },
      {
        name: "InvalidOptionError",
        message:
          "@Inputs on Nothing: Empty declares no properties (decorate each input with a class-validator rule, e.g. @IsNumber() or @Allow())",
      },
    );
  });

  it("accepts @Allow() for an input with no rule", () => {
    class AnyInputs {
      @Allow() payload: unknown;
    }
    @Inputs(AnyInputs)
    class Sink extends Task<{ payload: unknown }, void> {
      run() {}
    }
    assert.throws(() => Flow.build("f", () => void new Sink().call({ other: 1 } as never)), {
      message: `<Task: Sink> has no input "other"; its declared inputs are: payload`,
    });
  });
});

describe("@DefaultsFromAttrs", () => {
  class AddTask extends Task<{ x: number; y?: number }, number> {
    declare readonly y: number;
    constructor(y = 0, options = {}) {
      super(options);
      (this as { y: number }).y = y;
    }
    @DefaultsFromAttrs("y")
    run({ x, y }: { x: number; y?: number }) {
      return x + y!;
    }
  }

  it("fills a missing input from the attribute of the same name", () => {
    assert.equal(new AddTask(10).run({ x: 1 }), 11);
  });

  it("lets an explicit input win", () => {
    assert.equal(new AddTask(10).run({ x: 1, y: 2 }), 3);
    assert.equal(new AddTask(10).run({ x: 1, y: 0 }), 1);
  });

  it("treats an undefined input as missing", () => {
    assert.equal(new AddTask(10).run({ x: 1, y: undefined }), 11);
  });

  it("does not change the inputs object it was given", () => {
    const inputs = { x: 1 };
    new AddTask(10).run(inputs);
    assert.deepEqual(inputs, { x: 1 });
  });

  it("reads the attribute of the copy, not of the original", () => {
    const t = new AddTask(10);
    const c = t.copy();
    (c as { y: number }).y = 100;
    assert.equal(c.run({ x: 1 }), 101);
    assert.equal(t.run({ x: 1 }), 11);
  });

  it("only decorates run, and needs attribute names", () => {
    assert.throws(
      () => {
        class Bad extends NoOpTask {
          @DefaultsFromAttrs("y")
          helper() {}
        }
        return Bad;
      },
      { name: "InvalidOptionError", message: "@DefaultsFromAttrs on Bad.helper: decorates the run method only" },
    );
    assert.throws(
      () => {
        class Bad2 extends Task<{}, void> {
          @DefaultsFromAttrs()
          run() {}
        }
        return Bad2;
      },
      { name: "InvalidOptionError", message: "@DefaultsFromAttrs on Bad2.run: expects one or more attribute names" },
    );
  });
});

describe("@DefaultsFromAttrs and the flow's version", () => {
  it("keeps the decorated run's own code in the version hash: a changed body is a new version", () => {
    /** One task class, `Scale`, in a flow; two releases below differ only in run's body. */
    const versionOf = (task: Task<any, any>) => {
      const flow = new Flow("scale");
      flow.addTask(task);
      return flow.version;
    };
    let v1: string, v2: string;
    {
      class Scale extends Task<{ x: number; factor?: number }, number> {
        factor = 2;
        @DefaultsFromAttrs("factor")
        run({ x, factor }: { x: number; factor?: number }) {
          return x * factor!;
        }
      }
      v1 = versionOf(new Scale({ slug: "scale" }));
      assert.match(String(new Scale().run), /return x \* factor;/);
    }
    {
      class Scale extends Task<{ x: number; factor?: number }, number> {
        factor = 2;
        @DefaultsFromAttrs("factor")
        run({ x, factor }: { x: number; factor?: number }) {
          return x * factor! + 1;
        }
      }
      v2 = versionOf(new Scale({ slug: "scale" }));
    }
    assert.notEqual(v1, v2);
  });
});

describe("@Resource", () => {
  class Database {
    query(sql: string) {
      return sql;
    }
  }

  class Query extends Task<{ sql: string }, string> {
    @Resource(Database) declare readonly db: Database;
    run({ sql }: { sql: string }) {
      return this.db.query(sql);
    }
  }

  it("throws outside a run with a message naming the task and the property", () => {
    const q = new Query({ name: "users" });
    assert.throws(
      () => q.db,
      (err: unknown) => {
        assert.ok(err instanceof ResourceError);
        assert.equal(
          err.message,
          `Task 'users': @Resource property "db" can only be read while the task runs inside a flow or TaskRunner run`,
        );
        return true;
      },
    );
    assert.throws(() => q.run({ sql: "select 1" }), { name: "ResourceError" });
  });

  it("is not an own property, so copies and serialization never carry it", () => {
    const q = new Query();
    assert.equal(Object.prototype.hasOwnProperty.call(q, "db"), false);
    assert.equal(Object.keys(q.copy()).includes("db"), false);
  });

  it("refuses assignment", () => {
    const q = new Query();
    assert.throws(() => ((q as { db: unknown }).db = new Database()), {
      name: "ResourceError",
      message: "Query.db is a @Resource: register it in the run's container instead of assigning it",
    });
  });

  it("needs a token when the property's type is not a class", () => {
    assert.throws(
      () => {
        class NoToken extends NoOpTask {
          @Resource() declare readonly client: { get(): void };
        }
        return NoToken;
      },
      { name: "InvalidOptionError", message: `@Resource on NoToken.client: needs a token: @Resource(MyClient) or @Resource("name")` },
    );
  });

  it("uses the property's declared class when no token is given", () => {
    class Store extends Task<{}, string> {
      @Resource() declare readonly db: Database;
      run() {
        return this.db.query("x");
      }
    }
    assert.throws(() => new Store({ name: "store" }).db, {
      message: `Task 'store': @Resource property "db" can only be read while the task runs inside a flow or TaskRunner run`,
    });
  });
});

/** The repository (this spec runs from `<outDir>/spec/core`). */
const ROOT = path.resolve(__dirname, "../../..");
const FIXTURE_CONFIG = path.join(ROOT, "spec/core/fixtures/define-fields/tsconfig.json");

/** Compiles the fixture folder with its own tsconfig into `outDir`; returns the compiler's complaints. */
function compileFixture(outDir: string): string[] {
  const config = ts.getParsedCommandLineOfConfigFile(FIXTURE_CONFIG, { outDir }, {
    ...ts.sys,
    onUnRecoverableConfigFileDiagnostic: (d) => {
      throw new Error(ts.flattenDiagnosticMessageText(d.messageText, "\n"));
    },
  })!;
  const program = ts.createProgram({ rootNames: config.fileNames, options: config.options });
  const emitted = program.emit();
  return [...ts.getPreEmitDiagnostics(program), ...emitted.diagnostics].map((d) => ts.flattenDiagnosticMessageText(d.messageText, "\n"));
}

describe("@Resource compiled with useDefineForClassFields: true (a real fixture)", () => {
  type TaskClass = new (opts?: { name?: string }) => Task<any, any>;
  let dir: string;
  let source: string;
  let fx: Record<"Database" | "Cache", new (...args: any[]) => any> & Record<"Query" | "QueryByType" | "CachedQuery" | "NamedQuery" | "ConfiguredQuery" | "SubOfConfigured" | "Assigned", TaskClass>;

  before(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "flowsmith-define-fields-"));
    const out = path.join(dir, "out");
    assert.deepEqual(compileFixture(out), []);
    // `require("flowsmith")` from the compiled fixture finds this build (same module instances).
    fs.mkdirSync(path.join(dir, "node_modules"));
    fs.symlinkSync(ROOT, path.join(dir, "node_modules", "flowsmith"), "dir");
    const file = path.join(out, "resource-tasks.cjs");
    source = fs.readFileSync(file, "utf8");
    fx = require(file);
  });
  after(() => fs.rmSync(dir, { recursive: true, force: true }));

  /** A container with the fixture's clients registered. */
  function clients() {
    const c = container.createChildContainer();
    c.register(fx.Database, { useValue: new fx.Database("main") });
    c.register(fx.Cache, { useValue: new fx.Cache() });
    return c;
  }

  it("is really compiled with define semantics: each field is an own property of a new instance", () => {
    assert.match(source, /class Query extends flowsmith_1\.Task \{\n {4}db;\n/);
    const q = new fx.Query();
    assert.ok(Object.prototype.hasOwnProperty.call(q, "db"), "the field shadows the accessor until the task runs");
  });

  /** Runs `task` alone under a TaskRunner, its `sql` input fed by an upstream success. */
  function runAlone(task: Task<any, any>, sql = "select 1") {
    const upstream = new Map([[new Edge(new NoOpTask(), task, { key: "sql" }), new Success({ result: sql })]]);
    return new TaskRunner(task).run({ upstreamStates: upstream, context: { container: clients() } });
  }

  it("resolves the resource under a TaskRunner (it used to be silently undefined)", async () => {
    for (const Cls of [fx.Query, fx.QueryByType, fx.ConfiguredQuery, fx.SubOfConfigured]) {
      const state = await runAlone(new Cls());
      assert.equal(String(state), '<Success: "Task run succeeded.">', String(state.result));
      assert.equal(state.result, "main: select 1");
    }
    assert.equal(new fx.SubOfConfigured().maxRetries, 1, "@TaskConfig still applies");
  });

  it("resolves resources in a flow run, for subclasses too, on every copy, run after run", async () => {
    let plain!: Task<any, any>, cached!: Task<any, any>, named!: Task<any, any>;
    const flow = Flow.build("queries", () => {
      plain = new fx.Query().call({ sql: "a" });
      cached = new fx.CachedQuery().call({ sql: "b" });
      named = new fx.NamedQuery().call({ sql: "c" });
    });
    for (const run of [1, 2]) {
      const state = await flow.run({ container: clients() });
      assert.ok(state.isSuccessful(), `run ${run}: ${state}`);
      assert.equal(state.resultOf(plain), "main: a");
      assert.equal(state.resultOf(cached), "cached b / main: b");
      assert.equal(state.resultOf(named), "main: c");
    }
    // released, not stored: the task carries no resource and no field in its place
    for (const t of [plain, cached, named]) {
      assert.ok(!Object.keys(t).includes("db") && !Object.keys(t).includes("cache"), Object.keys(t).join());
    }
    assert.equal((named as unknown as { label: string }).label, "named", "ordinary fields are untouched");
  });

  it("reads as clearly outside a run as with legacy fields: no silent undefined", () => {
    const q = new fx.Query({ name: "users" });
    assert.throws(() => q.run({ sql: "select 1" }), {
      name: "ResourceError",
      message: `Task 'users': @Resource property "db" can only be read while the task runs inside a flow or TaskRunner run`,
    });
  });

  it("refuses a field given a value, naming it, as an assignment is refused", async () => {
    const state = await new TaskRunner(new fx.Assigned()).run({ context: { container: clients() } });
    assert.equal(state.type, "Failed");
    assert.equal(
      state.message,
      "Error during execution of task: ResourceError: Assigned.db is a @Resource: register it in the run's container instead of assigning it",
    );
  });

  it("keeps the task's own code visible to the flow's version hash", () => {
    const q = new fx.Query();
    assert.match(String(q.run), /return this\.db\.query\(sql\);/);
  });
});
