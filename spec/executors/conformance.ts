/**
 * The executor conformance suite: one set of behaviours every executor must show, whether task
 * runs happen in this process, in worker threads, or in queue workers. Each executor's spec calls
 * {@link conformance} with a factory.
 * @internal
 * @module
 */
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import * as fs from "node:fs";
import { randomUUID } from "node:crypto";
import {
  Cached, errorClassChain, Failed, FlowsmithError, Mapped, NotSerializableError, SKIP, Skipped, State,
  Success, TimedOut, TriggerFailed, type AnyTask, type Executor, type Flow,
} from "../../lib/index";
import { clearMemoryCaches } from "../../lib/engine/persistence";
import { withHome } from "../engine/fixtures/home";
import * as flows from "./fixtures/conformance-flows";

/** What an executor can do beyond the common behaviours. */
export interface ConformanceOptions {
  /** Task runs leave the process: values that cannot be sent fail, errors come back decoded. */
  crossesBoundary: boolean;
  /** A timeout ends a CPU-bound task (the thread or process running it is ended). */
  hardTimeouts: boolean;
}

const byName = (s: State, name: string): State => {
  for (const [t, st] of s.result as Map<AnyTask, State>) if (t.name === name) return st;
  throw new Error(`no task named ${name} in ${s}`);
};

/** Registers the suite for one executor. `make` is called once; the executor is reused by every test. */
export function conformance(label: string, make: () => Executor | Promise<Executor>, opts: ConformanceOptions): void {
  describe(`executor conformance: ${label}`, () => {
    let executor!: Executor;
    before(async () => {
      executor = await make();
    });
    after(async () => {
      await executor.shutdown?.();
    });
    const run = (flow: Flow, o: Parameters<Flow["run"]>[0] = {}) => flow.run({ executor, ...o });

    it("passes values along a chain, with parameters and constants, and gives tasks their context facts", async () => {
      const s = await run(flows.basics, { parameters: { n: 4 }, context: { custom: { nested: [1, 2] }, date: "2024-03-05T10:00:00Z" }, runId: "conformance-basics-run" });
      assert.ok(s instanceof Success, String(s));
      const facts = byName(s, "facts").result as Record<string, unknown>;
      assert.deepEqual(facts, {
        v: 26,
        flowName: "conformance-basics",
        flowRunId: "conformance-basics-run",
        flowRunName: "conformance-basics-run",
        parameters: { n: 4 },
        taskName: "facts",
        taskFullName: "facts",
        taskSlug: "facts-db-io-1",
        taskTags: ["db", "io"],
        taskRunCount: 1,
        today: "2024-03-05",
        custom: { nested: [1, 2] },
        hasLogger: true,
        hasSignal: true,
        hasContainer: true,
        date: "2024-03-05T10:00:00.000Z",
      });
    });

    it("keeps an error's class, message, fields, stack and cause; flowsmith errors and signals come back as themselves", async () => {
      const s = await run(flows.failures);
      assert.ok(s instanceof Failed);
      const db = byName(s, "dbFails");
      assert.ok(db instanceof Failed);
      const err = db.result as Error & { code?: string };
      assert.equal(db.message, "Error during execution of task: DbError: connection refused");
      assert.deepEqual(errorClassChain(err).slice(0, 2), ["DbError", "Error"]);
      assert.equal(err.name, "DbError");
      assert.equal(err.message, "connection refused");
      assert.equal(err.code, "ECONNREFUSED");
      assert.match(err.stack!, /DbError: connection refused\n\s+at /);
      assert.ok(err.cause instanceof TypeError);
      assert.equal((err.cause as Error).message, "socket closed");
      const fe = byName(s, "flowsmithError").result as Error;
      assert.ok(fe instanceof FlowsmithError);
      assert.equal(fe.cause, "a string cause");
      assert.equal(byName(s, "throwsString").message, "Error during execution of task: plain string");
      const skipped = byName(s, "skips");
      assert.ok(skipped instanceof Skipped);
      assert.ok(skipped.result instanceof SKIP);
      assert.equal((skipped.result as SKIP).state, skipped);
      assert.ok(byName(s, "afterSkip") instanceof Skipped);
      const failed = byName(s, "fails");
      assert.ok(failed instanceof Failed && !(failed instanceof TriggerFailed));
      assert.deepEqual(failed.result, { why: "policy" });
      assert.equal(byName(s, "onFailure").result, "cleaned up");
      assert.equal(byName(s, "succeeds").result, 42);
    });

    it("maps with a failing child: its downstream child is TriggerFailed, the others go on, a reduce sees them all", async () => {
      const s = await run(flows.mapping);
      const inv = byName(s, "invert") as Mapped;
      assert.deepEqual(inv.mapStates.map((c) => c.type), ["Success", "Success", "Failed", "Success"]);
      assert.ok((inv.mapStates[2]!.result as Error) instanceof RangeError);
      const doubled = byName(s, "double") as Mapped;
      assert.deepEqual(doubled.mapStates.map((c) => c.type), ["Success", "Success", "TriggerFailed", "Success"]);
      assert.deepEqual(byName(s, "collect").result, [2, 1, "failed", 0.5]);
      assert.ok(s instanceof Success, "collect is the only terminal task and it succeeded");
    });

    it("retries after a delay, by run count; retryOn matches by class and by class name", async () => {
      const started = Date.now();
      const s = await run(flows.retries);
      assert.equal(byName(s, "flaky").result, "ok after 3");
      assert.ok(Date.now() - started >= 40, "two retry delays of 20 ms");
      assert.equal(byName(s, "retryOnName").result, "retried by name");
      const notRetried = byName(s, "notRetried");
      assert.ok(notRetried instanceof Failed);
      assert.equal((notRetried.result as Error).message, "run 1", "a RangeError is not a DbError: no retry");
    });

    it("times an async task out (TimedOut) and lets a quick one finish", async () => {
      const s = await run(flows.timeouts);
      const slow = byName(s, "slow");
      assert.ok(slow instanceof TimedOut, String(slow));
      assert.equal(byName(s, "quick").result, "in time");
    });

    if (opts.hardTimeouts) {
      it("ends a CPU-bound task at its timeout (TimedOut, retried) while other tasks run", async () => {
        const started = Date.now();
        const s = await run(flows.cpuTimeout);
        const spin = byName(s, "spin");
        assert.ok(spin instanceof TimedOut, String(spin));
        assert.equal(byName(s, "bystander").result, "fine");
        assert.ok(Date.now() - started < 20_000, "the spinning thread was ended, twice");
      });
    }

    it("loops: each iteration sees the last one's result", async () => {
      const seen: string[] = [];
      const s = await run(flows.looping, { observers: [(e) => e.kind === "task" && seen.push(e.newState.type)] });
      assert.deepEqual(byName(s, "countdown").result, [1, 2, 3, 4, 5]);
      assert.equal(seen.filter((t) => t === "Looped").length, 5);
    });

    it("caches: a second run is Cached (cacheFor) or reads the target", async () => {
      clearMemoryCaches();
      const runKey = randomUUID();
      try {
        const first = await run(flows.caching, { parameters: { runKey } });
        const second = await run(flows.caching, { parameters: { runKey } });
        for (const name of ["cachedNow", "targeted"]) {
          const a = byName(first, name), b = byName(second, name);
          assert.ok(b instanceof Cached, `${name}: ${b}`);
          assert.deepEqual(b.result, a.result);
        }
      } finally {
        fs.rmSync(`${flows.RESULTS_DIR}/${runKey}`, { recursive: true, force: true });
        clearMemoryCaches();
      }
    });

    it("checkpoints and resumes: finished tasks are not run again", () =>
      withHome("conformance-resume", async (home) => {
        const runId = `resume-${randomUUID()}`;
        const marker = `${home}/ready`;
        const first = await run(flows.resumable, { runId, parameters: { marker }, context: { checkpointing: true } });
        assert.ok(first instanceof Failed);
        const at = byName(first, "first").result as { at: number };
        fs.writeFileSync(marker, "");
        const resumed = await run(flows.resumable, { resumeFrom: runId, parameters: { marker } });
        assert.ok(resumed instanceof Success, String(resumed));
        assert.equal(byName(resumed, "second").result, at.at, "second got first's journaled value");
        assert.equal(byName(resumed, "first").message, "Task run succeeded (recovered from the run journal).");
      }));

    it("calls state handlers on every transition, retries included", async () => {
      flows.transitions.length = 0;
      const s = await run(flows.handlers);
      assert.equal(byName(s, "watched").result, "second");
      assert.deepEqual(flows.transitions, ["Pending->Running", "Running->Failed", "Failed->Retrying", "Retrying->Running", "Running->Success"]);
    });

    if (opts.crossesBoundary) {
      it("fails a task whose value cannot be sent back, naming the task", async () => {
        const s = await run(flows.unsendable);
        const st = byName(s, "returnsFunction");
        assert.ok(st instanceof Failed, String(st));
        assert.ok(st.result instanceof NotSerializableError, String(st.result));
        assert.match(st.message!, /^Task 'returnsFunction': its result cannot be sent to another thread or process: /);
      });
    } else {
      it("keeps any value in this process", async () => {
        const s = await run(flows.unsendable);
        assert.equal(typeof byName(s, "returnsFunction").result, "function");
      });
    }
  });
}

