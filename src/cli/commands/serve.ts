import { spawn } from 'node:child_process';
import type { Command } from 'commander';
import { ConfigError, TailorError } from '../../core/errors.js';
import { modelPool } from '../../models/create-model.js';
import { createApiKey, listApiKeys, revokeApiKey, type Scope } from '../../serve/keys.js';
import { servedModels, startServer } from '../../serve/server.js';
import { webAppBuilt, webDistDirectory } from '../../serve/web-assets.js';
import { commandContext, inWorkspace } from '../context.js';
import { printJson, printTable } from '../output.js';

export function registerServe(program: Command): void {
  program
    .command('serve')
    .description(
      'an OpenAI-compatible endpoint (/v1/chat/completions, /v1/models, /v1/feedback) for base models and specialists',
    )
    .option('--host <host>', 'interface to listen on (default: serve.host, 127.0.0.1)')
    .option('--port <port>', 'port (default: serve.port, 8787; 0 = any free port)')
    .action((options: { host?: string; port?: string }) => runServer(program, options, { open: false }));

  program
    .command('ui')
    .description('the web app (annotation queues, runs): starts tailor serve and opens it in a browser')
    .option('--host <host>', 'interface to listen on (default: serve.host, 127.0.0.1)')
    .option('--port <port>', 'port (default: serve.port, 8787; 0 = any free port)')
    .action((options: { host?: string; port?: string }) => runServer(program, options, { open: true }));

  const keys = program.command('keys').description('API keys for tailor serve (stored hashed)');
  keys
    .command('create')
    .description('create a key; it is printed once and cannot be shown again')
    .requiredOption('--name <name>', 'who or what uses the key')
    .option('--scopes <list>', 'comma-separated: inference, feedback, admin', 'inference,feedback')
    .option('--no-capture', "don't capture this key's traffic")
    .action((options: { name: string; scopes: string; capture: boolean }) =>
      inWorkspace(program.opts(), 'keys', (context) => {
        const { key, secret } = createApiKey(context.workspace.store, {
          name: options.name,
          scopes: options.scopes.split(',').map((scope) => scope.trim()) as Scope[],
          capture: options.capture,
        });
        if (context.json) printJson({ ...key, secret });
        else process.stdout.write(`${secret}\n`);
        if (!context.json)
          process.stderr.write(`key ${key.id} (${key.scopes.join(', ')}): store it now, it is not kept\n`);
      }),
    );
  keys
    .command('list')
    .description('keys with their scopes, capture setting and revocation time (never the key)')
    .action(() =>
      inWorkspace(program.opts(), 'keys', (context) => {
        const all = listApiKeys(context.workspace.store);
        if (context.json) printJson(all);
        else
          printTable(
            ['ID', 'NAME', 'PREFIX', 'SCOPES', 'CAPTURE', 'CREATED', 'REVOKED'],
            all.map((key) => [
              key.id,
              key.name,
              `${key.prefix}…`,
              key.scopes.join(','),
              key.capture ? 'yes' : 'no',
              key.createdAt.slice(0, 19),
              key.revokedAt?.slice(0, 19) ?? '',
            ]),
          );
      }),
    );
  keys
    .command('revoke')
    .description('revoke a key by id or name (requests with it get 401 from then on)')
    .argument('<key>', 'key id or name')
    .action((idOrName: string) =>
      inWorkspace(program.opts(), 'keys', (context) => {
        const key = revokeApiKey(context.workspace.store, idOrName);
        if (context.json) printJson(key);
        else process.stdout.write(`revoked ${key.name} (${key.id})\n`);
      }),
    );
}

function portFlag(raw: string): number {
  const port = /^\d+$/.test(raw) ? Number(raw) : Number.NaN;
  if (!(port >= 0 && port <= 65535))
    throw new TailorError('usage', `--port must be a whole number from 0 to 65535, not "${raw}"`);
  return port;
}

/** `tailor serve` and `tailor ui`: the server runs until SIGINT or SIGTERM. */
async function runServer(
  program: Command,
  options: { host?: string; port?: string },
  { open }: { open: boolean },
): Promise<void> {
  const context = commandContext(program.opts());
  if (!context.workspace)
    throw new ConfigError(
      'tailor serve needs a workspace (keys, specialists and captured traffic live there)',
      {
        hint: 'Run it in a folder with tailor.yaml, or pass --workspace.',
      },
    );
  const store = context.workspace.store;
  if (listApiKeys(store).every((key) => key.revokedAt !== undefined))
    process.stderr.write('warning: no active API key; create one with: tailor keys create --name <name>\n');
  // A request never starts a download: a model whose file is gone is an error, not a fetch.
  const models = modelPool({ config: context.config, store, pull: false });
  const server = await startServer({
    config: context.config,
    store,
    ...(options.host ? { host: options.host } : {}),
    ...(options.port !== undefined ? { port: portFlag(options.port) } : {}),
    modelFor: (reference) => models.get(reference),
  });
  const served = await servedModels(store);
  // The URL on stdout's first line lets scripts (and tests) find a server started on port 0.
  process.stdout.write(`listening on ${server.url}\n`);
  const upstreams = context.config.serve.upstreams.map(
    (upstream) => `${upstream.name} → ${upstream.baseUrl} (${upstream.model ?? upstream.name})`,
  );
  if (upstreams.length > 0) process.stderr.write(`forwarded (gateway): ${upstreams.join(', ')}\n`);
  process.stderr.write(
    `models: ${served.map((entry) => entry.name).join(', ') || 'none'}\ntry: curl ${server.url}/v1/chat/completions -H "Authorization: Bearer $TAILOR_KEY" -H 'Content-Type: application/json' -d '{"model": "${served[0]?.name ?? '<model>'}", "messages": [{"role": "user", "content": "Hello"}]}'\n`,
  );
  if (webAppBuilt()) {
    process.stderr.write(`web app: ${server.url}/ (people sign in there; add them with tailor users add)\n`);
    if (open) openInBrowser(`${server.url}/`);
  } else process.stderr.write(`warning: the web app is not built (${webDistDirectory}); run npm run build\n`);
  const stop = async () => {
    await server.close();
    await models.closeAll();
    context.close();
    process.exit(0);
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}

/** The platform's opener, detached; where there is none (a server, CI) the printed URL is enough. */
function openInBrowser(url: string): void {
  const opener =
    process.platform === 'darwin' ? 'open' : process.platform === 'win32' ? 'explorer' : 'xdg-open';
  const child = spawn(opener, [url], { detached: true, stdio: 'ignore' });
  child.on('error', () => process.stderr.write(`open ${url} in a browser\n`));
  child.unref();
}
