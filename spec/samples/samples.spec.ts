import { describe, it, before, after } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdtempSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";

/** The compiled samples, next to this compiled spec (`<outDir>/samples`). */
const SAMPLES_DIR = path.join(__dirname, "../../samples");
/** Modules in samples/ that are helpers, not samples. */
const HELPERS = new Set(["report.js"]);
const TIME_LIMIT_MS = 30_000;

/** One key line (or pattern) of the expected output of each sample written with the report helper. */
const EXPECTED: Record<string, Array<string | RegExp>> = {
  "etl-map-reduce.js": [
    /^Flow state: Success \("All reference tasks succeeded\."\)\s+in \d+ ms$/m,
    /^ {2}validate\[3\] +\| Skipped +\| order #4 has quantity 0/m,
    /^retried: transform\[2\]: attempt 1 failed \(FX rate service timed out\)/m,
  ],
  "task-runner-in-isolation.js": [/→ Success, result 42$/m, /→ TriggerFailed, /],
  "map-reduce.js": ["The sum is 14", /^sum result: 14$/m],
  "unmapped.js": ["add_one results: [6,7,8]"],
  "mapping-without-data.js": ["print_hello: Mapped with 4 children", "print_hello: Mapped with 0 children"],
  "state-handlers.js": ["[stateHandler] divide: FAIL: cannot divide 1 by zero", "[onFailure] divide: FAIL: cannot divide 1 by zero"],
  "context.js": ['"msg":"Hello!"', 'context.get("taskName", "<no task>") = <no task>'],
  "pitfalls-stateful-task.js": ["the copies say [1,1]", /^isSerializable\(<Flow: name="warehouse-query">\) = false$/m],
  "visualize.js": [/^digraph "etl" \{$/m, /^flowchart TB$/m, 'run: <Failed: "Some reference tasks failed.">', "wrote etl.svg and etl-run.svg"],
  "schedules.js": ["runs of nightly-report, in order: eu x2, us x2, us x2"],
  "run-control.js": [
    "flow retries: Success (All reference tasks succeeded. (after 2 flow run attempts)); loaded 3 rows on attempt 2; extract ran 1 time(s)",
    "tag limits: Success; 12 queries, at most 3 in flight at once",
    /^cancel: Cancelled; [1-7] of 8 pages fetched before the cancel$/m,
    "resume: Success; 8 pages, 8 fetches in all (none twice)",
  ],
};

function listSamples(): string[] {
  try {
    return readdirSync(SAMPLES_DIR).filter((f) => f.endsWith(".js") && !HELPERS.has(f)).sort();
  } catch {
    return [];
  }
}

describe("samples", () => {
  let home: string;
  before(() => {
    home = mkdtempSync(path.join(tmpdir(), "flowsmith-samples-"));
  });
  after(() => {
    rmSync(home, { recursive: true, force: true });
  });

  const samples = listSamples();

  it("the compiled samples are there, ours included", () => {
    for (const name of Object.keys(EXPECTED)) assert.ok(samples.includes(name), `${name} is missing from ${SAMPLES_DIR}`);
  });

  for (const file of samples) {
    it(`${file} exits 0${EXPECTED[file] ? " and prints its key lines" : ""}`, { timeout: TIME_LIMIT_MS + 5_000 }, () => {
      const run = spawnSync(process.execPath, [path.join(SAMPLES_DIR, file)], {
        encoding: "utf8",
        cwd: home,
        timeout: TIME_LIMIT_MS,
        env: { ...process.env, FLOWSMITH_LOG_LEVEL: "warn", FLOWSMITH_HOME: home },
      });
      const output = `--- stdout ---\n${run.stdout}\n--- stderr ---\n${run.stderr}`;
      assert.equal(run.error, undefined, `${file} could not run (or took over ${TIME_LIMIT_MS} ms): ${run.error?.message}\n${output}`);
      assert.equal(run.signal, null, `${file} was killed by ${run.signal}\n${output}`);
      assert.equal(run.status, 0, `${file} exited with ${run.status}\n${output}`);
      for (const expected of EXPECTED[file] ?? []) {
        if (typeof expected === "string") assert.ok(run.stdout.includes(expected), `${file} should print ${JSON.stringify(expected)}\n${output}`);
        else assert.match(run.stdout, expected, `${file} should print a line matching ${expected}\n${output}`);
      }
    });
  }
});
