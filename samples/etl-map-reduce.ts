/**
 * A small map-reduce ETL (what `npm start` runs):
 *
 *   orders (Parameter) → extract → transform.map → validate.map → drop_skipped → summarize → load
 *
 * - `extract` makes a deterministic batch of orders (no network);
 * - `transform` converts each order to EUR; the FX lookup for order #3 times out on its first
 *   attempt, and `maxRetries: 1, retryDelay: 50` retries it;
 * - `validate` SKIPs an order with quantity 0;
 * - `drop_skipped` (a FilterTask) keeps the valid rows, `summarize` reduces them, `load` stores the
 *   summary in an in-memory "warehouse".
 *
 * Run: `npm start`, or `node dist/samples/etl-map-reduce.js [orders]`.
 */
import {
  ConcurrentExecutor, FilterTask, Flow, Parameter, Retrying, State, Task, context, signals, task,
} from "../lib/index";
import { configureLogging } from "../lib/engine/logging";
import { printRunReport } from "./report";

configureLogging({ level: "warn" });

interface Order { id: number; customer: string; sku: string; qty: number; unitPrice: number; currency: "EUR" | "USD" | "GBP" }
interface Row { id: number; eur: number; qty: number; customer: string }
interface Summary { orders: number; eur: number; top: string }

const CUSTOMERS = ["acme", "globex", "initech", "umbrella"];
const SKUS = ["bolt", "nut", "gear", "spring"];
const CURRENCIES: Order["currency"][] = ["EUR", "USD", "GBP"];
const FX_TO_EUR: Record<Order["currency"], number> = { EUR: 1, USD: 0.92, GBP: 1.17 };
const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));
const round2 = (x: number) => Math.round(x * 100) / 100;

/** Deterministic orders: order #4 has quantity 0 (validate skips it). */
const extract = task({ name: "extract" }, ({ count }: { count: number }): Order[] =>
  Array.from({ length: count }, (_, i) => ({
    id: i + 1,
    customer: CUSTOMERS[i % CUSTOMERS.length]!,
    sku: SKUS[(i * 3) % SKUS.length]!,
    qty: i === 3 ? 0 : 1 + ((i * 7) % 5),
    unitPrice: 9.5 + i * 2.25,
    currency: CURRENCIES[i % CURRENCIES.length]!,
  })),
);

/** Retries, recorded by a state handler so the report can show them. */
const retries: string[] = [];
const noteRetry = (_task: Task<any, any>, _old: State, next: State) => {
  if (next instanceof Retrying) {
    const waitMs = Math.max(0, (next.startTime?.getTime() ?? Date.now()) - Date.now());
    retries.push(`${context.taskFullName}: attempt ${next.runCount} failed (${(next.result as Error).message}), retrying in ~${Math.round(waitMs)} ms`);
  }
};

/** One order → one EUR row. The FX service "times out" once for order #3. */
const transform = task(
  { name: "transform", maxRetries: 1, retryDelay: 50, stateHandlers: [noteRetry] },
  async ({ record }: { record: Order }): Promise<Row> => {
    await sleep(5); // the FX lookup
    if (record.id === 3 && context.taskRunCount === 1) throw new Error("FX rate service timed out");
    return { id: record.id, eur: round2(record.qty * record.unitPrice * FX_TO_EUR[record.currency]), qty: record.qty, customer: record.customer };
  },
);

/** Rejects rows that cannot be loaded. */
const validate = task({ name: "validate" }, ({ row }: { row: Row }): Row => {
  if (row.qty <= 0) throw new signals.SKIP(`order #${row.id} has quantity ${row.qty}`);
  return row;
});

/** The reduce: totals over the valid rows. */
const summarize = task({ name: "summarize" }, ({ rows }: { rows: Row[] }): Summary => {
  const byCustomer = new Map<string, number>();
  for (const r of rows) byCustomer.set(r.customer, (byCustomer.get(r.customer) ?? 0) + r.eur);
  const top = [...byCustomer].sort((a, b) => b[1] - a[1])[0];
  return { orders: rows.length, eur: round2(rows.reduce((s, r) => s + r.eur, 0)), top: top?.[0] ?? "-" };
});

/** The "warehouse": an in-memory table standing in for a database. */
const warehouse: Array<Summary & { loadedAt: string }> = [];
const load = task({ name: "load" }, ({ summary }: { summary: Summary }): string => {
  warehouse.push({ ...summary, loadedAt: context.today ?? "" });
  return `${summary.orders} orders → daily_revenue`;
});

const flow = Flow.build("etl-map-reduce", () => {
  const orders = new Parameter<number>("orders", { default: 5 });
  const records = extract.call({ count: orders });
  const rows = transform.map({ record: records });
  const valid = validate.map({ row: rows });
  const kept = new FilterTask<Row>({ name: "drop_skipped" }).call({ taskResults: valid });
  const summary = summarize.call({ rows: kept });
  load.call({ summary });
});

async function main(): Promise<void> {
  const orders = process.argv[2] === undefined ? 5 : Number(process.argv[2]);
  const started = performance.now();
  const state = await flow.run({ parameters: { orders }, executor: new ConcurrentExecutor({ maxConcurrency: 4 }) });
  const elapsedMs = performance.now() - started;
  printRunReport(flow, state, {
    title: `ETL map-reduce: ${orders} orders on ConcurrentExecutor({ maxConcurrency: 4 })`,
    notes: retries.map((r) => `retried: ${r}`),
    elapsedMs,
  });
  if (!state.isSuccessful()) process.exitCode = 1;
}

main().catch((err) => {
  console.error(err);
  process.exitCode = 1;
});
