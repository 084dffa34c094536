import type { Command } from 'commander';
import { initWorkspace } from '../../store/workspace.js';
import { printJson } from '../output.js';

export function registerInit(program: Command): void {
  program
    .command('init')
    .description('create tailor.yaml and the .tailor/ workspace folder (never overwrites)')
    .argument('[directory]', 'workspace folder', '.')
    .action((directory: string) => {
      const { json } = program.opts<{ json?: boolean }>();
      const { paths, createdConfig } = initWorkspace(directory);
      if (json) {
        printJson({
          root: paths.root,
          config: paths.configFile,
          database: paths.databaseFile,
          createdConfig,
        });
        return;
      }
      process.stdout.write(
        createdConfig
          ? `Created ${paths.configFile} and ${paths.dataDirectory}/\n`
          : `${paths.configFile} already exists; checked it and the database in ${paths.dataDirectory}/\n`,
      );
      process.stdout.write(
        'Next: describe your task in the task: section of tailor.yaml (a commented skeleton is there), then run tailor eval.\n' +
          'To try the default model first: tailor chat llama:smollm2-135m-instruct -p "Hello"\n',
      );
    });
}
