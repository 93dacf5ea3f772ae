/**
 * Run control: a flow that retries itself after a bad night, a concurrency limit on the tasks that
 * hit a database, and a run cancelled half-way (then resumed, since it checkpointed).
 *
 *   node dist/samples/run-control.js
 */
import { randomUUID } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ConcurrentExecutor, configureLogging, context, Flow, Mapped, task, type AnyTask, type State } from "../lib/index";

configureLogging({ level: "silent" });
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const byName = (s: State, name: string) => [...(s.result as Map<AnyTask, State>)].find(([t]) => t.name === name)![1];

async function main() {
  // 1. Flow retries: the warehouse is down on the first attempt; the extract is not redone.
  let extracts = 0;
  const nightly = Flow.build("nightly", { retries: 2, retryDelay: 50 }, () => {
    const rows = task({ name: "extract" }, () => (extracts++, [1, 2, 3])).call();
    task({ name: "load" }, ({ rows }: { rows: number[] }) => {
      if (context.flowRunCount === 1) throw new Error("warehouse unreachable");
      return `loaded ${rows.length} rows on attempt ${context.flowRunCount}`;
    }).call({ rows });
  });
  const s1 = await nightly.run();
  console.log(`flow retries: ${s1.type} (${s1.message}); ${byName(s1, "load").result}; extract ran ${extracts} time(s)`);

  // 2. Tag limits: 12 queries, at most 3 on the database at once.
  let now = 0, peak = 0;
  const report = Flow.build("report", () => {
    task({ name: "query", tags: ["db"] }, async ({ id }: { id: number }) => {
      peak = Math.max(peak, ++now);
      await sleep(10);
      now--;
      return id * id;
    }).map({ id: Array.from({ length: 12 }, (_, i) => i) });
  });
  const s2 = await report.run({ executor: new ConcurrentExecutor(), tagLimits: { db: 3 } });
  console.log(`tag limits: ${s2.type}; 12 queries, at most ${peak} in flight at once`);

  // 3. Cancellation: stop a long run half-way; it checkpointed, so a resume finishes the rest.
  const home = mkdtempSync(join(tmpdir(), "flowsmith-run-control-"));
  process.env.FLOWSMITH_HOME = home;
  try {
    let fetched = 0;
    const crawl = Flow.build("crawl", () => {
      task({ name: "fetch", tags: ["net"] }, async ({ page }: { page: number }) => {
        await sleep(40);
        context.signal!.throwIfAborted();
        fetched++;
        return `page ${page}`;
      }).map({ page: Array.from({ length: 8 }, (_, i) => i + 1) });
    });
    const controller = new AbortController();
    const runId = randomUUID();
    setTimeout(() => controller.abort(), 100);
    const s3 = await crawl.run({ runId, signal: controller.signal, executor: new ConcurrentExecutor(), tagLimits: { net: 2 }, context: { checkpointing: true } });
    const done = (byName(s3, "fetch") as Mapped).mapStates.filter((c) => c.isSuccessful()).length;
    console.log(`cancel: ${s3.type}; ${done} of 8 pages fetched before the cancel`);
    const s4 = await crawl.run({ resumeFrom: runId, executor: new ConcurrentExecutor() });
    console.log(`resume: ${s4.type}; ${(byName(s4, "fetch") as Mapped).result.length} pages, ${fetched} fetches in all (none twice)`);
  } finally {
    rmSync(home, { recursive: true, force: true });
  }
}

main().catch((err) => {
  console.error(err);
  process.exitCode = 1;
});
