/**
 * Resume after a crash: a checkpointing flow run is killed with SIGKILL part-way through, then
 * resumed with `flow.run({ resumeFrom })`: no task whose success was journaled runs again, every
 * other task runs, and the final results are those of an uninterrupted run.
 */
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { spawn, spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Flow, RunError, RunLockedError, task } from "../../lib/index";
import { configureLogging } from "../../lib/engine/logging";

configureLogging({ level: "silent" });
const fixture = join(__dirname, "fixtures", "resume-flow.js");
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function journalKeys(home: string, runId: string): string[] {
  const file = join(home, "runs", `${runId}.jsonl`);
  if (!existsSync(file)) return [];
  return readFileSync(file, "utf8").split("\n").filter((l) => l.endsWith("}") && !l.startsWith('{"flowsmithJournal"')).map((l) => {
    const e = JSON.parse(l) as { slug: string; mapIndex?: number };
    return e.mapIndex === undefined ? e.slug : `${e.slug}[${e.mapIndex}]`;
  });
}

/** `double-1[3]` → `double[3]`: journal keys use slugs, markers use task names. */
const nameOf = (key: string) => key.replace(/-\d+(\[|$)/, "$1");

describe("resume after a crash", () => {
  it("SIGKILL mid-run, then resumeFrom: nothing journaled runs twice and no result is lost", async () => {
    const home = mkdtempSync(join(tmpdir(), "flowsmith-resume-"));
    const markers = join(home, "markers.txt");
    const env = { ...process.env, FLOWSMITH_HOME: home, MARKERS: markers, RUN_ID: "crash-1", TASK_DELAY_MS: "150" };
    try {
      const child = spawn(process.execPath, [fixture], { env, stdio: "ignore" });
      // Wait until the extract task and a few mapped children are journaled, then kill.
      const deadline = Date.now() + 20_000;
      while (journalKeys(home, "crash-1").length < 3) {
        if (Date.now() > deadline) throw new Error("the child never journaled 3 tasks");
        await sleep(10);
      }
      child.kill("SIGKILL");
      await new Promise((r) => child.once("exit", r));
      const journaledBeforeCrash = journalKeys(home, "crash-1").map(nameOf);
      assert.ok(!journaledBeforeCrash.includes("report"), "the crash must land before the flow finished");

      const resumed = spawnSync(process.execPath, [fixture], { env: { ...env, RESUME: "1" }, encoding: "utf8" });
      assert.equal(resumed.status, 0, resumed.stderr);
      const out = JSON.parse(resumed.stdout) as { state: string; results: Record<string, unknown> };
      assert.equal(out.state, "Success");
      assert.deepEqual(out.results.extract, [1, 2, 3, 4, 5]);
      assert.deepEqual(out.results.double, [2, 4, 6, 8, 10]);
      assert.equal(out.results.total, 30);
      assert.equal(out.results.report, "total=30");

      const runs = readFileSync(markers, "utf8").trim().split("\n");
      const count = (name: string) => runs.filter((r) => r === name).length;
      for (const name of journaledBeforeCrash) assert.equal(count(name), 1, `${name} finished before the crash and must not run again`);
      for (const name of ["extract", "double[0]", "double[1]", "double[2]", "double[3]", "double[4]", "total", "report"]) {
        assert.ok(count(name) >= 1, `${name} must have run`);
      }
    } finally {
      rmSync(home, { recursive: true, force: true });
    }
  });

  it("SIGKILL before any task finished, then resumeFrom: the run has a journal and everything runs", async () => {
    const home = mkdtempSync(join(tmpdir(), "flowsmith-resume-"));
    const markers = join(home, "markers.txt");
    const env = { ...process.env, FLOWSMITH_HOME: home, MARKERS: markers, RUN_ID: "crash-early", TASK_DELAY_MS: "60000" };
    try {
      const child = spawn(process.execPath, [fixture], { env, stdio: "ignore" });
      const deadline = Date.now() + 20_000;
      while (!existsSync(join(home, "runs", "crash-early.jsonl"))) {
        if (Date.now() > deadline) throw new Error("the child never created its journal");
        await sleep(10);
      }
      child.kill("SIGKILL");
      await new Promise((r) => child.once("exit", r));
      assert.deepEqual(journalKeys(home, "crash-early"), [], "nothing finished before the crash");
      assert.equal(existsSync(markers), false);
      assert.equal(existsSync(join(home, "runs", "crash-early.lock")), true, "the killed run's lock is left behind");

      const resumed = spawnSync(process.execPath, [fixture], { env: { ...env, RESUME: "1", TASK_DELAY_MS: "1" }, encoding: "utf8" });
      assert.equal(resumed.status, 0, resumed.stderr);
      const out = JSON.parse(resumed.stdout) as { state: string; results: Record<string, unknown> };
      assert.equal(out.state, "Success");
      assert.equal(out.results.report, "total=30");
      const runs = readFileSync(markers, "utf8").trim().split("\n").sort();
      assert.deepEqual(runs, ["double[0]", "double[1]", "double[2]", "double[3]", "double[4]", "extract", "report", "total"]);
      assert.equal(existsSync(join(home, "runs", "crash-early.lock")), false, "the resumed run took over the stale lock and released it");
    } finally {
      rmSync(home, { recursive: true, force: true });
    }
  });

  it("a second checkpointing run with the same run id, while the first runs, is refused with RunLockedError", async () => {
    const home = mkdtempSync(join(tmpdir(), "flowsmith-resume-"));
    const old = process.env.FLOWSMITH_HOME;
    process.env.FLOWSMITH_HOME = home;
    try {
      let release!: () => void;
      const gate = new Promise<void>((r) => { release = r; });
      let entered!: () => void;
      const started = new Promise<void>((r) => { entered = r; });
      let calls = 0;
      const slow = task({ name: "slow" }, async () => {
        calls++;
        entered();
        await gate;
        return 1;
      });
      const flow = Flow.build("locked", () => void slow.call());
      const first = flow.run({ runId: "same-id", context: { checkpointing: true } });
      await started;
      const lockPath = join(home, "runs", "same-id.lock");
      try {
        await assert.rejects(flow.run({ runId: "same-id", context: { checkpointing: true } }), (err: unknown) => {
          assert.ok(err instanceof RunLockedError);
          assert.equal(
            err.message,
            `Flow run "same-id" is already running: its journal is locked by process ${process.pid} (lock file ${lockPath}). ` +
              "Two runs with one run id would write one journal: wait for that run to end, use another run id, or delete the lock file if no such run is alive",
          );
          return true;
        });
      } finally {
        release();
      }
      assert.equal((await first).type, "Success");
      assert.equal(calls, 1, "the refused run ran nothing");
      assert.deepEqual(journalKeys(home, "same-id").map(nameOf), ["slow"]);
      assert.equal(existsSync(lockPath), false, "the first run released its lock");
      const again = await flow.run({ resumeFrom: "same-id" });
      assert.equal(again.type, "Success");
      assert.equal(calls, 1);
    } finally {
      if (old === undefined) delete process.env.FLOWSMITH_HOME;
      else process.env.FLOWSMITH_HOME = old;
      rmSync(home, { recursive: true, force: true });
    }
  });

  it("resuming a run that has no journal names the run", async () => {
    const home = mkdtempSync(join(tmpdir(), "flowsmith-resume-"));
    const old = process.env.FLOWSMITH_HOME;
    process.env.FLOWSMITH_HOME = home;
    try {
      const flow = Flow.build("f", () => void task({ name: "t" }, () => 1).call());
      await assert.rejects(flow.run({ resumeFrom: "no-such-run" }), (err: Error) => {
        assert.ok(err instanceof RunError);
        assert.match(err.message, /Cannot resume flow run "no-such-run" of <Flow: name="f">: it has no journal in .*runs/);
        return true;
      });
    } finally {
      if (old === undefined) delete process.env.FLOWSMITH_HOME;
      else process.env.FLOWSMITH_HOME = old;
      rmSync(home, { recursive: true, force: true });
    }
  });

  it("a completed checkpointed run resumes without running anything", async () => {
    const home = mkdtempSync(join(tmpdir(), "flowsmith-resume-"));
    const old = process.env.FLOWSMITH_HOME;
    process.env.FLOWSMITH_HOME = home;
    try {
      let calls = 0;
      const t = task({ name: "count" }, () => ++calls);
      const flow = Flow.build("again", () => void t.call());
      const first = await flow.run({ runId: "done-1", context: { checkpointing: true } });
      assert.equal(first.type, "Success");
      const second = await flow.run({ resumeFrom: "done-1" });
      assert.equal(second.type, "Success");
      assert.equal(calls, 1);
      assert.equal([...(second.result as Map<unknown, { result: unknown }>).values()][0]!.result, 1);
    } finally {
      if (old === undefined) delete process.env.FLOWSMITH_HOME;
      else process.env.FLOWSMITH_HOME = old;
      rmSync(home, { recursive: true, force: true });
    }
  });
});
