/**
 * Tasks the builder makes for you: `List` and `Dict` (an array or object literal that contains
 * tasks) and `GetItem` (`task.getItem(key)`, `const [a, b] = t`).
 * @module
 */
import { Task, registerGetItemFactory } from "./task";

/** Collects its inputs `"0"`, `"1"`, ... into an array. */
export class List<T = unknown> extends Task<Record<string, T>, T[]> {
  run(inputs: Record<string, T>): T[] {
    const out: T[] = [];
    for (const k of Object.keys(inputs)) out[Number(k)] = inputs[k]!;
    return out;
  }
}

/** Collects its keyed inputs into an object. */
export class Dict<T = unknown> extends Task<Record<string, T>, Record<string, T>> {
  run(inputs: Record<string, T>): Record<string, T> {
    return { ...inputs };
  }
}

/** `value[key]`; a key the value does not have is an error that names it. */
export class GetItem<T = unknown> extends Task<{
  /** The value to index (the upstream task's result). */
  value: unknown;
}, T> {
  /** The key (or array index) read from the value. */
  declare readonly key: string | number;
  constructor(key: string | number, options: ConstructorParameters<typeof Task>[0] = {}) {
    super(options);
    (this as { key: string | number }).key = key;
  }
  run({ value }: { value: unknown }): T {
    if (value === null || value === undefined || !(this.key in Object(value))) {
      throw new RangeError(`${this}: the value has no item ${JSON.stringify(this.key)}`);
    }
    return (value as Record<string | number, T>)[this.key]!;
  }
}

registerGetItemFactory(
  (task, key) =>
    new GetItem(key, {
      name: `${task.name}[${JSON.stringify(key)}]`,
      ...(task.checkpoint !== undefined ? { checkpoint: task.checkpoint } : {}),
      ...(task.result !== undefined ? { result: task.result } : {}),
    }),
);
