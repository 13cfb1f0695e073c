#!/usr/bin/env node
import { Command, CommanderError } from 'commander';
import { benchCommand } from './bench/bench-command.js';
import { checkCommand } from './check/check-command.js';
import { exportCommand } from './export/export-command.js';
import { importCommand } from './import/import-command.js';
import { packageVersion } from '../util/package-version.js';

/** Exit code when the command line itself is wrong (unknown command or option, missing argument). */
const USAGE_EXIT = 2;

const program = new Command()
  .name('sluice')
  .description('Sluice, a time-series database speaking the InfluxDB 0.8 HTTP API')
  .version(packageVersion(), '-V, --version', 'print the version and exit')
  .enablePositionalOptions()
  .exitOverride();

program
  .command('serve')
  .description('run the server (the same flags as npm start; sluice serve --help lists them)')
  .helpOption(false)
  .allowUnknownOption()
  .allowExcessArguments()
  .passThroughOptions()
  .argument('[flags...]')
  // Loaded when run: the server and its query grammar take most of a second to load, which
  // every other subcommand (and --help, --version) would otherwise pay.
  .action(async (flags: string[]) => (await import('./serve.js')).serve(flags, 'sluice serve'));
// Subcommands made on their own do not inherit exitOverride: without it a usage error exits 1,
// which `check` means as "damaged".
for (const command of [importCommand(), exportCommand(), checkCommand(), benchCommand()]) program.addCommand(command.exitOverride());

try {
  await program.parseAsync(process.argv);
} catch (err) {
  if (err instanceof CommanderError) process.exit(err.exitCode === 0 ? 0 : USAGE_EXIT);
  // The reader of stdout went away (`sluice export … | head`): it has all it wanted.
  if ((err as NodeJS.ErrnoException).code === 'EPIPE') process.exit(0);
  // Anything else failed the command: one line, the operator's to act on, not a stack trace.
  process.stderr.write(`sluice: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
}
