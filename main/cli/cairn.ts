#!/usr/bin/env node
// Entry point of the `cairn` command (bin in package.json).
import { main } from './program.ts';

process.exitCode = await main(process.argv.slice(2));
