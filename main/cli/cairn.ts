#!/usr/bin/env node
// Entry point of the `cairn` command (bin in package.json). Node's on-disk compile cache is
// turned on before anything else loads: a CLI run by cron pays module compilation once.
import module from 'node:module';

module.enableCompileCache?.();
const { main } = await import('./program.ts');
process.exitCode = await main(process.argv.slice(2));
