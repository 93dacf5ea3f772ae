/**
 * Location templates: `"{flowName}/{taskName}-{mapIndex}.json"` filled from format arguments
 * (a task's inputs, then the context, then the parameters: the caller merges them in that order).
 * Python's `str.format` rules for braces: `{key}` or `{a.b}` is a hole, `{{` and `}}` are
 * literal braces.
 * @module
 */
import { ResultError } from "../errors";
import { resultMessages as m } from "./messages";

/** Arguments a location template is filled from: inputs, then context keys, then parameters. */
export type FormatArgs = Record<string, unknown>;

/** A location template: `{key}` holes, or a function of the format arguments. */
export type LocationTemplate = string | ((args: FormatArgs) => string);

const has = (obj: unknown, key: string): boolean => {
  if (obj === null || (typeof obj !== "object" && typeof obj !== "function")) return false;
  if (Object.hasOwn(obj, key)) return true;
  // Getters on a class prototype count (a context view), Object.prototype's members do not:
  // "{constructor}" must be a missing key, not a function's source code in a file name.
  return key in obj && !Object.hasOwn(Object.prototype, key);
};

/** The value for `key`: an exact key first (it may contain dots), else a dotted path. */
function lookup(args: FormatArgs, key: string): { found: boolean; value?: unknown } {
  if (has(args, key)) return { found: true, value: args[key] };
  if (!key.includes(".")) return { found: false };
  let cur: unknown = args;
  for (const part of key.split(".")) {
    if (!has(cur, part)) return { found: false };
    cur = (cur as Record<string, unknown>)[part];
  }
  return { found: true, value: cur };
}

/** How a value is written into a location: a Date as ISO 8601, plain objects as JSON, else String(v). */
function render(v: unknown): string {
  if (typeof v === "string") return v;
  if (v instanceof Date) return Number.isNaN(v.getTime()) ? String(v) : v.toISOString();
  if (Array.isArray(v) || (typeof v === "object" && v !== null && (v.toString === Object.prototype.toString))) {
    return JSON.stringify(v) ?? String(v);
  }
  return String(v);
}

/**
 * Fills the `{key}` / `{a.b}` holes of `template` from `args`. A key that is missing (or whose
 * value is `undefined`) is a {@link ResultError} naming the key and the template, never an
 * `"undefined"` in a file name.
 */
export function formatTemplate(template: string, args: FormatArgs = {}): string {
  let out = "";
  for (let i = 0; i < template.length; i++) {
    const c = template[i];
    if (c === "{") {
      if (template[i + 1] === "{") { out += "{"; i++; continue; }
      const end = template.indexOf("}", i + 1);
      if (end < 0) throw new ResultError(m.badTemplate(template, `the "{" at position ${i} is never closed`));
      const key = template.slice(i + 1, end);
      if (key.length === 0 || key.includes("{")) throw new ResultError(m.badTemplate(template, `"{${key}}" at position ${i} is not a {key} hole`));
      const { found, value } = lookup(args, key);
      if (!found || value === undefined) throw new ResultError(m.missingTemplateKey(key, template));
      out += render(value);
      i = end;
    } else if (c === "}") {
      if (template[i + 1] !== "}") throw new ResultError(m.badTemplate(template, `a single "}" at position ${i} (write "}}" for a literal brace)`));
      out += "}";
      i++;
    } else {
      out += c;
    }
  }
  return out;
}

/**
 * A location from a template: a string is filled by {@link formatTemplate}; a function is called
 * with the arguments and must return a non-empty string ({@link ResultError} otherwise).
 */
export function resolveLocation(template: LocationTemplate, args: FormatArgs = {}): string {
  if (typeof template === "function") {
    const loc: unknown = template(args);
    if (typeof loc !== "string" || loc.length === 0) throw new ResultError(m.badLocationFunction(loc));
    return loc;
  }
  return formatTemplate(template, args);
}
