/**
 * Pictures of a flow, with no Graphviz to install: `flow.visualize({ format: "svg" })` renders the
 * flow's DOT with Graphviz compiled to WebAssembly. This sample runs a small mapped ETL in which
 * one row fails, and writes two pictures to the working directory:
 *
 * - `etl.svg`: the flow as built (mapped tasks are `<map>` boxes, mapped edges dashed);
 * - `etl-run.svg`: the same flow coloured by the run's final state, the mapped children drawn and
 *   counted, and a legend of the state colours.
 *
 * It also prints the DOT and Mermaid text of the flow.
 *
 * Run: `node dist/samples/visualize.js`, then open the SVG files in a browser.
 */
import * as fs from "node:fs";
import { Flow, configureLogging, task } from "../lib/index";

configureLogging({ level: "warn" });

const extract = task({ name: "extract" }, () => [1, 2, 3, 4, 5, 6]);
const transform = task({ name: "transform" }, ({ row }: { row: number }) => {
  if (row === 4) throw new Error(`row ${row} is malformed`);
  return row * 10;
});
const load = task({ name: "load" }, ({ rows }: { rows: number[] }) => rows.length);

const flow = Flow.build("etl", () => {
  load.call({ rows: transform.map({ row: extract.call() }) });
});

async function main(): Promise<void> {
  console.log(flow.visualize()); // DOT
  console.log(flow.visualize({ format: "mermaid" }));

  fs.writeFileSync("etl.svg", await flow.visualize({ format: "svg" }));
  const state = await flow.run();
  fs.writeFileSync("etl-run.svg", await flow.visualize({ format: "svg", flowState: state }));
  console.log(`run: ${state}`);
  console.log("wrote etl.svg and etl-run.svg");
}

main().catch((err) => {
  console.error(err);
  process.exitCode = 1;
});
