import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import globals from 'globals';
import reactHooks from 'eslint-plugin-react-hooks';

export default tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', '.tools/**', 'out/**', 'coverage/**', 'test-results/**', 'playwright-report/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { globals: { ...globals.node } },
    rules: {
      '@typescript-eslint/no-explicit-any': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      'no-console': 'error',
    },
  },
  {
    files: ['renderer/**/*.{ts,tsx}'],
    languageOptions: { globals: { ...globals.browser } },
    plugins: { 'react-hooks': reactHooks },
    rules: { 'react-hooks/rules-of-hooks': 'error', 'react-hooks/exhaustive-deps': 'warn' },
  },
  {
    // Command-line entry points, scripts and benchmarks print to the terminal by design.
    files: ['main/cli/**', 'bench/**', 'scripts/**', 'e2e/**', 'testing/**'],
    rules: { 'no-console': 'off' },
  },
  {
    // Layering: only these folders may import electron, the AWS SDK or keytar.
    files: ['main/engine/**', 'shared/**', 'renderer/**', 'main/cli/**', 'main/scheduler/**'],
    rules: {
      'no-restricted-imports': ['error', { paths: [{ name: 'electron', message: 'Only main/app, main/ipc and preload import electron.' }, { name: 'keytar', message: 'Only main/keychain imports keytar.' }] }],
    },
  },
);
