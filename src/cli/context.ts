import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { defaultConfig, type TailorConfig } from '../spec/config.js';
import { openWorkspace, type Workspace } from '../store/workspace.js';

export interface GlobalOptions {
  workspace?: string;
  json?: boolean;
}

export interface CommandContext {
  config: TailorConfig;
  workspace: Workspace | undefined;
  json: boolean;
  close(): void;
}

/**
 * Commands run inside a workspace when there is one (`--workspace`, else `./tailor.yaml`): then calls
 * are cached and logged there. Without one they run on defaults, which is what `tailor chat` in an
 * empty folder needs.
 */
export function commandContext(options: GlobalOptions): CommandContext {
  const root = options.workspace ? resolve(options.workspace) : process.cwd();
  const explicit = options.workspace !== undefined;
  const workspace = explicit || existsSync(join(root, 'tailor.yaml')) ? openWorkspace(root) : undefined;
  return {
    config: workspace?.config ?? defaultConfig(),
    workspace,
    json: options.json === true,
    close: () => workspace?.close(),
  };
}
