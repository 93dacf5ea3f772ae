/**
 * The metadata keys decorators write, and the one typed reader the library uses to read them.
 * Decorators only record; {@link classMeta} compiles a class's metadata once and caches it, so no
 * run ever touches `Reflect`.
 * @internal
 * @module
 */
import "reflect-metadata";
import { getMetadataStorage } from "class-validator";
import type { TaskOptions } from "./task-options";

export const METADATA = {
  taskConfig: Symbol.for("flowsmith:task-config"),
  inputs: Symbol.for("flowsmith:inputs"),
  resources: Symbol.for("flowsmith:resources"),
  defaultsFromAttrs: Symbol.for("flowsmith:defaults-from-attrs"),
  validatesAfterConstruction: Symbol.for("flowsmith:validates-after-construction"),
} as const;

/** A `@Resource` property: where to resolve it from. */
export interface ResourceSpec {
  readonly property: string;
  readonly token: unknown;
}

/** What flowsmith knows about a Task class, compiled once. */
export interface ClassMeta {
  /** Class-level default options, ancestors first, merged. */
  readonly defaults: Readonly<TaskOptions>;
  /** The `@Inputs` class, if any. */
  readonly inputsClass: (new () => object) | undefined;
  /** Declared input names (from `@Inputs`), or undefined when inputs are not declared. */
  readonly inputNames: ReadonlySet<string> | undefined;
  readonly resources: readonly ResourceSpec[];
  /** Whether class-validator has rules on the class's own attributes. */
  readonly hasAttributeRules: boolean;
  /** Whether validation waits until the subclass constructor has finished (`@TaskConfig`). */
  readonly deferValidation: boolean;
  /**
   * The most derived `@TaskConfig` class in the chain: its constructor validates the instance
   * (once, however many configured ancestors the class has).
   */
  readonly validatedBy: Function | undefined;
  /**
   * Whether instances have no `run` method (a subclass that forgot it, made through a cast):
   * checked once per class, when the first instance is made.
   */
  readonly runMissing: boolean;
}

const cache = new WeakMap<Function, ClassMeta>();

/** The compiled metadata of a Task class (cached per class). */
export function classMeta(ctor: Function): ClassMeta {
  let meta = cache.get(ctor);
  if (!meta) {
    meta = compile(ctor);
    cache.set(ctor, meta);
  }
  return meta;
}

/** Forget a class's compiled metadata (a decorator changed it). */
export function invalidateClassMeta(ctor: Function): void {
  cache.delete(ctor);
}

function compile(ctor: Function): ClassMeta {
  const chain: Function[] = [];
  for (let c: any = ctor; c && c !== Function.prototype; c = Object.getPrototypeOf(c)) chain.unshift(c);
  let defaults: TaskOptions = {};
  let inputsClass: (new () => object) | undefined;
  const resources: ResourceSpec[] = [];
  let deferValidation = false;
  let validatedBy: Function | undefined;
  for (const c of chain) {
    if (Reflect.getOwnMetadata(METADATA.validatesAfterConstruction, c)) {
      deferValidation = true;
      validatedBy = c;
    }
    const own = Reflect.getOwnMetadata(METADATA.taskConfig, c) as TaskOptions | undefined;
    if (own) defaults = { ...defaults, ...own };
    const inputs = Reflect.getOwnMetadata(METADATA.inputs, c) as (new () => object) | undefined;
    if (inputs) inputsClass = inputs;
    const res = Reflect.getOwnMetadata(METADATA.resources, c.prototype ?? {}) as ResourceSpec[] | undefined;
    if (res) resources.push(...res);
  }
  if (defaults.inputs) inputsClass = defaults.inputs;
  return {
    defaults,
    inputsClass,
    inputNames: inputsClass ? declaredProperties(inputsClass) : undefined,
    resources,
    hasAttributeRules: getMetadataStorage().getTargetValidationMetadatas(ctor, "", true, false).length > 0,
    deferValidation,
    validatedBy,
    runMissing: typeof (ctor.prototype as { run?: unknown } | undefined)?.run !== "function",
  };
}

/** The property names an `@Inputs` class declares through class-validator decorators. */
export function declaredProperties(cls: Function): Set<string> {
  const names = new Set<string>();
  for (const m of getMetadataStorage().getTargetValidationMetadatas(cls, "", true, false)) names.add(m.propertyName);
  return names;
}
