/** STUB */
import type { Flow } from "../core/flow";
import type { State } from "./state";
export interface FlowRunOptions { parameters?: Record<string, unknown>; [k: string]: unknown }
export class FlowRunner { constructor(readonly flow: Flow) {} async run(_o: FlowRunOptions = {}): Promise<State> { throw new Error("todo"); } }
