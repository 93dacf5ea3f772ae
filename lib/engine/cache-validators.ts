/**
 * STUB (to be completed by the results work): cache validators.
 * @module
 */
import type { Cached } from "./state";
/** Decides whether a Cached state may be used for a run with these inputs and parameters. */
export type CacheValidator = (state: Cached, inputs: Record<string, unknown>, parameters: Record<string, unknown>) => boolean;
