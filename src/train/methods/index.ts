import type { TrainingMethod } from '../method.js';
import { type DpoRequest, dpoMethod } from './dpo.js';
import { type GrpoRequest, grpoMethod } from './grpo.js';
import { type SftRequest, sftMethod } from './sft.js';

/**
 * Every training method, by the name tailor.yaml (`train.<name>`), the CLI (`tailor train <name>`)
 * and the training-run records use. A new method is one file beside these, one line here and in
 * `MethodRequest`, its options in src/core/train-config.ts, and a test.
 */
export const trainingMethods = {
  sft: sftMethod,
  dpo: dpoMethod,
  grpo: grpoMethod,
};

export type MethodName = keyof typeof trainingMethods;

/** A method to train with, with its config and options: what `trainSpecialist` is asked to run. */
export type MethodRequest = SftRequest | DpoRequest | GrpoRequest;

/** The method a request names, typed for that request. */
export function methodFor<Request extends MethodRequest>(request: Request): TrainingMethod<Request> {
  // A lookup by name cannot narrow the union; each entry is declared for its own request type.
  return trainingMethods[request.kind] as unknown as TrainingMethod<Request>;
}

/** The method a stored run names, if this version of Tailor knows it. */
export function methodNamed(name: string): TrainingMethod | undefined {
  return Object.hasOwn(trainingMethods, name) ? trainingMethods[name as MethodName] : undefined;
}
