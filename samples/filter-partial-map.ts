/**
 * FilterTask: a map where some children fail or are skipped, filtered so the reduce still runs.
 * Run with `npx tsc -p tsconfig.json --outDir /tmp/out && node /tmp/out/samples/filter-partial-map.js`.
 */
import { configureLogging } from "../lib/engine/logging";
configureLogging({ level: "warn" });

import { Flow, task, AnyTask, State, Mapped, FilterTask, SKIP } from "../lib/index";

const urls = ["/a", "/broken", "/b", "/skip-me", "/c"];

const fetchPage = task(async function fetchPage({ url }: { url: string }) {
  await new Promise((r) => setTimeout(r, 5));
  if (url === "/broken") throw new Error(`GET ${url}: 500`);
  if (url === "/skip-me") throw new SKIP(`${url} is excluded`);
  return { url, bytes: url.length * 100 };
});
const totalBytes = task(function totalBytes({ pages }: { pages: Array<{ bytes: number }> }) {
  return pages.reduce((n, p) => n + p.bytes, 0);
});

let fetched!: AnyTask, kept!: AnyTask, total!: AnyTask;
const flow = Flow.build("partial-map", () => {
  fetched = fetchPage.map({ url: urls });
  kept = new FilterTask<{ url: string; bytes: number }>({ logFn: (pages) => `kept ${pages.length} of ${urls.length} pages` }).call({ taskResults: fetched });
  total = totalBytes.call({ pages: kept });
});

async function main(): Promise<void> {
  const s = await flow.run();
  console.log(`flow ${s.type} (${s.message})`);
  const states = s.result as Map<AnyTask, State>;
  (states.get(fetched) as Mapped).mapStates.forEach((c, i) => {
    const detail = c.isFailed() ? (c.result as Error).message : c.isSkipped() ? c.message : JSON.stringify(c.result);
    console.log(`  fetchPage[${i}] ${urls[i]!.padEnd(9)} ${c.type.padEnd(8)} ${detail}`);
  });
  console.log(`  FilterTask            ${states.get(kept)!.type.padEnd(8)} ${JSON.stringify(states.get(kept)!.result)}`);
  console.log(`  totalBytes            ${states.get(total)!.type.padEnd(8)} ${states.get(total)!.result}`);
}

main().catch((err) => {
  console.error(err);
  process.exitCode = 1;
});
