import { existsSync } from 'node:fs';
import type { WorkspaceStore } from '../store/workspace.js';
import { findCatalogEntry } from './catalog.js';
import { parseModelReference } from './provider-registry.js';

/**
 * The name a person reads in eval and compare headers (and run ids are made from): a specialist of
 * this workspace as `llama:<name>@v<version>`, not the absolute adapter path its model id carries;
 * any other model by its canonical id. The version is in the label because retraining a specialist
 * makes another model: its runs must not resume the old one's.
 */
export function modelLabel(reference: string, modelId: string, store: WorkspaceStore | undefined): string {
  const parsed = parseModelReference(reference);
  if (parsed.provider !== 'llama' || !('adapters' in parsed) || parsed.adapters.length > 0) return modelId;
  if (findCatalogEntry(parsed.model) || existsSync(parsed.model)) return modelId;
  const specialist = store?.training.specialistAt(parsed.model);
  return specialist ? `llama:${specialist.name}@v${specialist.version}` : modelId;
}
