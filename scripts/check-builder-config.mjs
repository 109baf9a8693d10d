// Validates electron-builder.yml against electron-builder's own JSON schema (app-builder-lib's
// scheme.json) without building anything: packaging can't run here (no Electron download), but a
// typo in the configuration should still fail CI.
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
// ajv and js-yaml are app-builder-lib's own dependencies: load them (and the schema) through it.
const builderLib = dirname(createRequire(import.meta.url).resolve('app-builder-lib/package.json'));
const fromBuilderLib = createRequire(join(builderLib, 'package.json'));
const Ajv = fromBuilderLib('ajv');
const yaml = fromBuilderLib('js-yaml');
const schemaPath = join(builderLib, 'scheme.json');
const schema = JSON.parse(await readFile(schemaPath, 'utf8'));
const config = yaml.load(await readFile(join(root, 'electron-builder.yml'), 'utf8'));
const validate = new Ajv({ allErrors: true, strict: false }).compile(schema);
if (!validate(config)) {
  for (const error of validate.errors ?? []) console.error(`electron-builder.yml${error.instancePath || '/'}: ${error.message} ${JSON.stringify(error.params)}`);
  process.exit(1);
}
console.log('electron-builder.yml is valid against app-builder-lib/scheme.json');
