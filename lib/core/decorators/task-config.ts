/**
 * `@TaskConfig(options)`: class-level default options for a Task subclass. Instance options win.
 * Validation of the options, and of class-validator rules on the subclass's own attributes, runs
 * once the instance is fully constructed (after the subclass constructor has set its fields), and
 * once only: by the most derived configured class. An undecorated subclass of a configured class is
 * checked against the configured class's rules when that class's constructor ends (its own new
 * rules need its own `@TaskConfig`, e.g. `@TaskConfig({})`).
 * @module
 */
import "reflect-metadata";
import { validateSync } from "class-validator";
import { InvalidOptionError } from "../../errors";
import { messages } from "../../messages";
import { classMeta, invalidateClassMeta, METADATA } from "../metadata";
import type { Task } from "../task";
import { formatValidationErrors, TaskOptions, TASK_OPTION_NAMES, validateTaskOptions } from "../task-options";
import { releaseResourceFields } from "./resource";

type TaskClass = abstract new (...args: any[]) => Task<any, any>;

/** Class-level default options for a Task subclass (instance options win). */
export function TaskConfig(options: TaskOptions): <C extends TaskClass>(target: C) => C {
  return <C extends TaskClass>(target: C): C => {
    if (typeof options !== "object" || options === null) {
      throw new InvalidOptionError(messages.invalidDecoratorArg("TaskConfig", target.name, "expects an options object"));
    }
    const unknown = Object.keys(options).filter((k) => !TASK_OPTION_NAMES.has(k));
    if (unknown.length) {
      throw new InvalidOptionError(messages.invalidDecoratorArg("TaskConfig", target.name, `unknown option(s) ${unknown.map((k) => `"${k}"`).join(", ")}`));
    }
    Reflect.defineMetadata(METADATA.taskConfig, { ...options }, target);
    // The subclass below runs after the decorated class's constructor, so validation sees every field.
    const Configured = class extends (target as unknown as new (...args: any[]) => Task<any, any> & object as new (...args: any[]) => object) {
      constructor(...args: any[]) {
        super(...args);
        // Fields compiled with define semantics hide @Resource accessors (see resource.ts).
        if (classMeta(new.target).resources.length !== 0) releaseResourceFields(this);
        // A configured subclass validates later, when its own fields are set.
        if (classMeta(new.target).validatedBy === Configured) finishConstruction(this as unknown as Task<any, any>, Configured);
      }
    };
    Object.defineProperty(Configured, "name", { value: target.name });
    Reflect.defineMetadata(METADATA.validatesAfterConstruction, true, Configured);
    invalidateClassMeta(target);
    return Configured as unknown as C;
  };
}

/**
 * Validates a constructed task: its options, and the class-validator attribute rules `schema`
 * (the configured class) knows. A further undecorated subclass is seen through a view whose
 * class is `schema`, so its fields that are not set yet are not judged.
 */
function finishConstruction(task: Task<any, any>, schema: Function): void {
  const owner = `Task '${task.name}'`;
  const opts: Record<string, unknown> = {};
  for (const key of TASK_OPTION_NAMES) {
    if (Object.prototype.hasOwnProperty.call(task, key)) opts[key] = (task as unknown as Record<string, unknown>)[key];
  }
  if (opts.tags instanceof Set) opts.tags = [...opts.tags];
  validateTaskOptions(owner, opts as TaskOptions);
  if (classMeta(schema).hasAttributeRules) {
    const subject = task.constructor === schema ? task : Object.assign(Object.create(schema.prototype as object) as object, task);
    const errors = validateSync(subject, { forbidUnknownValues: false });
    if (errors.length) throw new InvalidOptionError(formatValidationErrors(owner, errors, "attribute"));
  }
}
