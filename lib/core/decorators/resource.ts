/**
 * `@Resource(token)` on a property: the value is resolved from the run's tsyringe container each
 * time `run` reads it, and never stored on the task, so clients are not built in constructors and
 * never travel with a serialized task.
 *
 * The decorator puts an accessor on the class's prototype. Compiled with `useDefineForClassFields:
 * true` (TypeScript's default for ES2022+ targets), a declared field (`@Resource(Db) db!: Db;`)
 * also becomes an own property of every instance, defined by the class's constructor after the
 * base constructor has returned, and it hides the accessor. So the first construction of a class
 * with resources wraps its `run` once: before each run, an own field left `undefined` is removed
 * (the accessor shows again), and one holding a value is refused as an assignment would be; `copy`
 * does the same before copying the task's properties. With
 * `declare` (`@Resource(Db) declare readonly db: Db;`) no field is emitted under either setting.
 * @module
 */
import "reflect-metadata";
import type { InjectionToken } from "tsyringe";
import { InvalidOptionError, ResourceError } from "../../errors";
import { messages } from "../../messages";
import { currentContext } from "../../engine/context";
import { classMeta, METADATA, ResourceSpec } from "../metadata";

const tokenName = (t: unknown) => (typeof t === "function" ? t.name : String(t));

/** Resolve this property from the run's container (`context.container`) while the task runs. */
export function Resource(token?: InjectionToken<unknown>): PropertyDecorator {
  return (target, propertyKey) => {
    const owner = `${target.constructor.name}.${String(propertyKey)}`;
    const resolved = token ?? (Reflect.getMetadata("design:type", target, propertyKey) as InjectionToken<unknown> | undefined);
    if (resolved === undefined || resolved === Object) {
      throw new InvalidOptionError(messages.invalidDecoratorArg("Resource", owner, "needs a token: @Resource(MyClient) or @Resource(\"name\")"));
    }
    const key = String(propertyKey);
    const list: ResourceSpec[] = [...((Reflect.getOwnMetadata(METADATA.resources, target) as ResourceSpec[] | undefined) ?? []), { property: key, token: resolved }];
    Reflect.defineMetadata(METADATA.resources, list, target);
    Object.defineProperty(target, propertyKey, {
      configurable: true,
      enumerable: false,
      get(this: { name?: string }) {
        const container = currentContext()?.container;
        const taskName = `Task '${this.name}'`;
        if (!container) throw new ResourceError(messages.resourceNoContainer(taskName, key));
        try {
          return container.resolve(resolved);
        } catch (err) {
          throw new ResourceError(messages.resourceUnresolved(taskName, key, tokenName(resolved), (err as Error).message), { cause: err });
        }
      },
      set() {
        throw new ResourceError(messages.resourceAssigned(owner));
      },
    });
  };
}

/** Marks a `run` that already releases resource fields, so a subclass does not wrap it twice. */
const GUARD = Symbol("flowsmith.resourceGuard");
/** Classes already seen by {@link guardResourceFields}. */
const guarded = new WeakSet<Function>();

type RunMethod = ((this: object, ...args: unknown[]) => unknown) & { [GUARD]?: true };

/**
 * @internal Called by the Task constructor for a class with `@Resource` properties (once per class
 * does the work): wraps the `run` its instances use so that fields compiled with define semantics
 * cannot hide the resource accessors. Costs one own-property check per resource per run, for
 * these classes only.
 */
export function guardResourceFields(ctor: Function): void {
  if (guarded.has(ctor)) return;
  guarded.add(ctor);
  const proto = ctor.prototype as { run?: RunMethod };
  const original = proto.run;
  if (typeof original !== "function" || original[GUARD]) return;
  const run: RunMethod = function run(this: object, ...args: unknown[]) {
    releaseResourceFields(this);
    return original.apply(this, args);
  };
  run[GUARD] = true;
  // The flow's version hashes its tasks' code: it must see the task's own run, not this wrapper.
  Object.defineProperty(run, "toString", { value: () => Function.prototype.toString.call(original) });
  Object.defineProperty(proto, "run", { value: run, writable: true, configurable: true, enumerable: false });
}

/**
 * @internal Removes own properties that hide `task`'s resource accessors: a field declared without
 * a value (`undefined`) goes, so the prototype's accessor resolves it; a field given a value is
 * refused, as assigning a resource is. Also called before a task is copied property by property
 * (`copy`, `@TaskConfig` validation), where the field would otherwise be assigned.
 */
export function releaseResourceFields(task: object): void {
  const t = task as Record<string, unknown>;
  for (const { property } of classMeta(task.constructor).resources) {
    if (!Object.prototype.hasOwnProperty.call(t, property)) continue;
    const own = Object.getOwnPropertyDescriptor(t, property)!;
    if (own.value !== undefined || own.get !== undefined || own.set !== undefined) {
      throw new ResourceError(messages.resourceAssigned(`${task.constructor.name}.${property}`));
    }
    delete t[property];
  }
}
