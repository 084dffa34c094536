import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { defaultConfig, type TailorConfig } from '../core/config.js';
import { ConfigError } from '../core/errors.js';
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

export type WorkspaceContext = CommandContext & { workspace: Workspace };

/**
 * Run a command that only makes sense inside a workspace (labels, keys, data): it fails with a clear
 * message without one, and the workspace is closed however the command ends.
 */
export async function inWorkspace(
  options: GlobalOptions,
  command: string,
  action: (context: WorkspaceContext) => void | Promise<void>,
): Promise<void> {
  const context = commandContext(options);
  if (!context.workspace)
    throw new ConfigError(`tailor ${command} needs a workspace`, {
      hint: 'Run it in a folder with tailor.yaml (tailor init), or pass --workspace.',
    });
  try {
    await action(context as WorkspaceContext);
  } finally {
    context.close();
  }
}
