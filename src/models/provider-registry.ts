import { splitModelReference } from '../core/model-reference.js';
import { anthropicProvider } from './providers/anthropic.js';
import { llamaProvider } from './providers/llama.js';
import { openaiProvider } from './providers/openai.js';
import type { ModelProvider } from './providers/provider.js';

/**
 * Every provider Tailor knows, one line each. Adding a provider is one file in providers/ exporting a
 * `ModelProvider` plus one line here; references, `createModel` and the error hints pick it up.
 */
const providers = [llamaProvider, openaiProvider, anthropicProvider];

/** A bare name or a path (no known prefix) is a local model. */
const defaultProvider = llamaProvider;

/** A parsed reference of any registered provider; `provider` tells them apart. */
export type ModelReference = ReturnType<(typeof providers)[number]['parse']>;

export const providerNames: readonly string[] = providers.map((provider) => provider.name);

export function parseModelReference(text: string): ModelReference {
  const { provider, body } = splitModelReference(text, providerNames);
  return (provider === undefined ? defaultProvider : providerNamed(provider)).parse(body, text);
}

/** The provider that parsed `reference`, so also the one that formats and builds it. */
export function providerFor(reference: ModelReference): ModelProvider<ModelReference> {
  return providerNamed(reference.provider);
}

export function formatModelReference(reference: ModelReference): string {
  return providerFor(reference).format(reference);
}

/** Only called with names from `providerNames` (splitModelReference rejects the others). */
function providerNamed(name: string) {
  return providers.find((provider) => provider.name === name)!;
}
