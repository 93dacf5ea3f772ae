/**
 * `@Inputs(InputsClass)`: declares a task's input names and their class-validator rules. Binding an
 * unknown key throws at build time; invalid values give a `ValidationFailed` state at run time.
 * @module
 */
import "reflect-metadata";
import { InvalidOptionError } from "../../errors";
import { messages } from "../../messages";
import { declaredProperties, invalidateClassMeta, METADATA } from "../metadata";

/** Declare the inputs (names and validation rules) of a Task subclass. */
export function Inputs(inputsClass: new () => object): ClassDecorator {
  return (target) => {
    if (typeof inputsClass !== "function") {
      throw new InvalidOptionError(messages.invalidDecoratorArg("Inputs", target.name, "expects a class with class-validator decorated properties"));
    }
    if (declaredProperties(inputsClass).size === 0) {
      throw new InvalidOptionError(messages.invalidDecoratorArg("Inputs", target.name, `${inputsClass.name} declares no properties (decorate each input with a class-validator rule, e.g. @IsNumber() or @Allow())`));
    }
    Reflect.defineMetadata(METADATA.inputs, inputsClass, target);
    invalidateClassMeta(target);
  };
}
