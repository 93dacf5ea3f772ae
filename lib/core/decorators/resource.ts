/**
 * `@Resource(token)` on a property: the value is resolved from the run's tsyringe container each
 * time `run` reads it, and never stored on the task, so clients are not built in constructors and
 * never travel with a serialized task.
 * @module
 */
import "reflect-metadata";
import type { InjectionToken } from "tsyringe";
import { InvalidOptionError, ResourceError } from "../../errors";
import { messages } from "../../messages";
import { currentContext } from "../../engine/context";
import { METADATA, ResourceSpec } from "../metadata";

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
        throw new ResourceError(`${owner} is a @Resource: register it in the run's container instead of assigning it`);
      },
    });
  };
}
