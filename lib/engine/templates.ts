/**
 * Filling templates (`taskRunName`, `flowRunName`, `target`, result locations) from a run: a
 * function gets the context as a plain object; a string has `{key}` holes filled from the task's
 * inputs, then the context, then the parameters.
 * @internal
 * @module
 */
import type { ContextTemplate } from "../core/task-options";
import { formatTemplate } from "../results/template";
import { flattenContext, RunContext } from "./context";

/** The arguments a template is filled from: parameters < context < inputs. */
export function templateArgs(ctx: RunContext, inputs: Record<string, unknown> = {}): Record<string, unknown> {
  const flat = flattenContext(ctx);
  return { ...(ctx.parameters ?? {}), ...flat, ...inputs };
}

/** Fills `template` for this run. */
export function formatContextTemplate(template: ContextTemplate, ctx: RunContext, inputs: Record<string, unknown> = {}): string {
  const args = templateArgs(ctx, inputs);
  if (typeof template === "function") return String(template(args as RunContext));
  return formatTemplate(template, args);
}

const iso = (d: Date) => d.toISOString().slice(0, 10);

/** `date`, `today`, `yesterday`, `tomorrow` (`YYYY-MM-DD`) and their `*Nodash` forms (`YYYYMMDD`). */
export function dateContext(date: Date): RunContext {
  const day = 24 * 3600 * 1000;
  const today = iso(date);
  const yesterday = iso(new Date(date.getTime() - day));
  const tomorrow = iso(new Date(date.getTime() + day));
  return {
    date, today, yesterday, tomorrow,
    todayNodash: today.replaceAll("-", ""),
    yesterdayNodash: yesterday.replaceAll("-", ""),
    tomorrowNodash: tomorrow.replaceAll("-", ""),
  };
}
