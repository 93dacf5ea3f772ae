/**
 * Finding a flow again in another thread or process. Tasks are never shipped: the driver names
 * the flow (its name, version and the module that exports it) and the task (its slug); a worker
 * imports that module, finds the flow by name among its exports, checks that its version is the
 * driver's, and looks the task up by slug. Each way this can go wrong is a named error that says
 * what to do, raised before anything runs.
 * @module
 */
import * as path from "node:path";
import { pathToFileURL, fileURLToPath } from "node:url";
import type { Flow } from "../core/flow";
import type { AnyTask } from "../core/task";
import { FlowNotImportableError, TaskNotFoundError, VersionSkewError } from "../errors";
import { findFlowModule } from "../utilities/serializable";
import { messages } from "../messages";

/** How a flow is found elsewhere: plain data. */
export interface FlowRef {
  /** The flow's name (unique among the module's exported flows). */
  readonly name: string;
  /** The flow's version; a worker whose module defines another version refuses to run it. */
  readonly version: string;
  /** The module that exports the flow: an absolute file path or a `file:` URL. */
  readonly module: string;
}

/** A brand every Flow carries, so a flow loaded through another copy of the library is still recognised. */
export const FLOW_BRAND = Symbol.for("flowsmith.flow");

const LIB_DIR = path.resolve(__dirname, "..");

/**
 * The first file on the call stack outside this library: where `new Flow(...)` was written.
 * Kept as a hint for ES modules, which no module cache lets the driver search.
 */
export function callerFile(): string | undefined {
  const stack = new Error().stack ?? "";
  for (const line of stack.split("\n").slice(1)) {
    const m = /\(?((?:file:\/\/)?\/[^():]+?|[A-Za-z]:\\[^():]+?):\d+:\d+\)?\s*$/.exec(line);
    if (!m) continue;
    const file = m[1]!.startsWith("file:") ? fileURLToPath(m[1]!) : m[1]!;
    if (file.startsWith(LIB_DIR + path.sep) || file.startsWith("node:")) continue;
    return m[1]!;
  }
  return undefined;
}

const refs = new WeakMap<Flow, { revision: number; ref: FlowRef }>();

/**
 * How `flow` is found elsewhere. The module is `FlowOptions.module` when given, else the loaded
 * CommonJS module that exports the flow, else (for ES modules) the file the flow was defined in,
 * checked by importing it.
 * @throws FlowNotImportableError when no module exports the flow.
 */
export async function flowRefOf(flow: Flow): Promise<FlowRef> {
  const known = refs.get(flow);
  if (known && known.revision === flow.revision) return known.ref;
  let module = flow.options.module ?? findFlowModule(flow)?.filename;
  if (module === undefined && flow.definedIn !== undefined) {
    // An ES module is not in require's cache: import it (it is loaded already, so this is cheap) and look.
    const exported: Flow[] = await importFlows(flow.definedIn).catch(() => []);
    if (exported.includes(flow)) module = flow.definedIn;
  }
  if (module === undefined) throw new FlowNotImportableError(messages.flowNotImportable(flow.toString(), flow.definedIn));
  const ref: FlowRef = { name: flow.name, version: flow.version, module };
  refs.set(flow, { revision: flow.revision, ref });
  return ref;
}

/** Every flow a module exports (directly, as `default`, or as a named export). */
async function importFlows(module: string): Promise<Flow[]> {
  const url = module.startsWith("file:") ? module : pathToFileURL(module).href;
  const ns = (await import(url)) as Record<string, unknown>;
  const found = new Set<Flow>();
  const visit = (v: unknown) => {
    if (isFlow(v)) found.add(v);
  };
  for (const v of Object.values(ns)) visit(v);
  const def = ns.default;
  if (def && typeof def === "object" && !isFlow(def)) for (const v of Object.values(def as object)) visit(v);
  return [...found];
}

function isFlow(v: unknown): v is Flow {
  return typeof v === "object" && v !== null && (v as Record<symbol, unknown>)[FLOW_BRAND] === true;
}

const loaded = new Map<string, Promise<Flow[]>>();

/**
 * The flow and task a request names, in this process: imports the module (once per process),
 * finds the flow by name, checks its version and finds the task by slug.
 * @throws FlowNotImportableError, VersionSkewError, TaskNotFoundError
 */
export async function resolveTask(ref: FlowRef, slug: string): Promise<{ flow: Flow; task: AnyTask }> {
  let flows = loaded.get(ref.module);
  if (!flows) {
    flows = importFlows(ref.module);
    loaded.set(ref.module, flows);
    flows.catch(() => loaded.delete(ref.module));
  }
  let list: Flow[];
  try {
    list = await flows;
  } catch (err) {
    throw new FlowNotImportableError(messages.flowModuleFailed(ref.name, ref.module, (err as Error)?.message ?? String(err)), { cause: err });
  }
  const flow = list.find((f) => f.name === ref.name);
  if (!flow) throw new FlowNotImportableError(messages.flowNotExported(ref.name, ref.module, list.map((f) => f.name)));
  if (flow.version !== ref.version) throw new VersionSkewError(messages.versionSkew(ref.name, ref.module, ref.version, flow.version));
  const task = flow.taskBySlug(slug);
  if (!task) throw new TaskNotFoundError(messages.slugNotInFlow(slug, ref.name, ref.module));
  return { flow, task };
}
