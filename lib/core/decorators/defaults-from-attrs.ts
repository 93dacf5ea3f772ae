/**
 * `@DefaultsFromAttrs("y", ...)` on `run`: a missing (undefined) input defaults to `this.y`.
 * An explicit input wins (Prefect's `defaults_from_attrs`).
 * @module
 */
import "reflect-metadata";
import { InvalidOptionError } from "../../errors";
import { messages } from "../../messages";
import { METADATA } from "../metadata";

/** Fill missing inputs of `run` from the task's attributes of the same names. */
export function DefaultsFromAttrs(...names: string[]): MethodDecorator {
  return (target, propertyKey, descriptor: PropertyDescriptor) => {
    const owner = `${(target as object).constructor.name}.${String(propertyKey)}`;
    if (propertyKey !== "run") throw new InvalidOptionError(messages.invalidDecoratorArg("DefaultsFromAttrs", owner, "decorates the run method only"));
    if (!names.length || names.some((n) => typeof n !== "string" || !n)) {
      throw new InvalidOptionError(messages.invalidDecoratorArg("DefaultsFromAttrs", owner, "expects one or more attribute names"));
    }
    const original = descriptor.value as (this: Record<string, unknown>, inputs: Record<string, unknown>) => unknown;
    Reflect.defineMetadata(METADATA.defaultsFromAttrs, [...names], target);
    descriptor.value = function run(this: Record<string, unknown>, inputs: Record<string, unknown> = {}) {
      let filled = inputs;
      for (const name of names) {
        if (filled[name] === undefined && this[name] !== undefined) {
          if (filled === inputs) filled = { ...inputs };
          filled[name] = this[name];
        }
      }
      return original.call(this, filled);
    };
    // The flow's version hashes its tasks' code: it must see this run's body, not the wrapper's.
    Object.defineProperty(descriptor.value, "toString", { value: () => Function.prototype.toString.call(original) });
    return descriptor;
  };
}
