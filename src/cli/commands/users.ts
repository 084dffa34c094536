import type { Command } from 'commander';
import { TailorError } from '../../core/errors.js';
import { type Role, roleSchema } from '../../serve/app-schema.js';
import { addUser, invite, inviteUrl, toUser } from '../../serve/people.js';
import { inWorkspace } from '../context.js';
import { printJson, printTable } from '../output.js';

/**
 * `tailor users add|list|invite`: the people of the web app. Adding someone prints their invite
 * link (valid 7 days, used once) on which they choose a password; the link is not stored.
 */
export function registerUsers(program: Command): void {
  const users = program
    .command('users')
    .description('people of the web app (tailor ui): roles and invite links');
  const urlOption = '--url <origin>';
  const urlHelp = "the app's address in the invite link (default: http://<serve.host>:<serve.port>)";
  users
    .command('add')
    .description('add a person with a role and print their invite link')
    .argument('<name>', 'their user name (what their labels record as the annotator)')
    .requiredOption('--role <role>', 'admin, annotator or viewer')
    .option(urlOption, urlHelp)
    .action((name: string, options: { role: string; url?: string }) =>
      inWorkspace(program.opts(), 'users add', ({ workspace, config, json }) => {
        const created = addUser(workspace.store, name, roleFlag(options.role), 'cli');
        const url = inviteUrl(
          options.url ?? `http://${config.serve.host}:${config.serve.port}`,
          created.token,
        );
        if (json) printJson({ user: created.user, inviteUrl: url, expiresAt: created.expiresAt });
        else {
          process.stdout.write(`${url}\n`);
          process.stderr.write(
            `${created.user.name} (${created.user.role}): send them this link; it works once, until ${created.expiresAt.slice(0, 10)}\n`,
          );
        }
      }),
    );
  users
    .command('invite')
    .description('a fresh invite link for a person (a lost link or a forgotten password)')
    .argument('<name>', 'user name')
    .option(urlOption, urlHelp)
    .action((name: string, options: { url?: string }) =>
      inWorkspace(program.opts(), 'users invite', ({ workspace, config, json }) => {
        const created = invite(workspace.store, name);
        const url = inviteUrl(
          options.url ?? `http://${config.serve.host}:${config.serve.port}`,
          created.token,
        );
        if (json) printJson({ user: created.user, inviteUrl: url, expiresAt: created.expiresAt });
        else process.stdout.write(`${url}\n`);
      }),
    );
  users
    .command('list')
    .description('people, their roles, and whether they have signed up')
    .action(() =>
      inWorkspace(program.opts(), 'users list', ({ workspace, json }) => {
        const all = workspace.store.people.users().map(toUser);
        if (json) printJson(all);
        else
          printTable(
            ['NAME', 'ROLE', 'SIGNED UP', 'CREATED'],
            all.map((user) => [
              user.name,
              user.role,
              user.active ? 'yes' : 'invited',
              user.createdAt.slice(0, 10),
            ]),
          );
      }),
    );
}

function roleFlag(raw: string): Role {
  const parsed = roleSchema.safeParse(raw);
  if (!parsed.success)
    throw new TailorError('usage', `--role must be admin, annotator or viewer, not "${raw}"`);
  return parsed.data;
}
