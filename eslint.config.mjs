// @ts-check
import js from '@eslint/js';
import prettier from 'eslint-config-prettier';
import importPlugin from 'eslint-plugin-import';
import { builtinModules } from 'node:module';
import tseslint from 'typescript-eslint';

/** What deterministic workflow code must never import (DESIGN.md decision 10). */
const workflowBans = {
  paths: [
    ...builtinModules.map((name) => ({ name, message: 'Workflow code is deterministic: no Node built-ins.' })),
    { name: 'knex', message: 'Workflow code must not touch the database; use an activity.' },
    { name: 'pg', message: 'Workflow code must not touch the database; use an activity.' },
    { name: '@anthropic-ai/sdk', message: 'Call Claude from an activity (activities/model.ts).' },
    { name: '@temporalio/client', message: 'Workflows use @temporalio/workflow, not the client.' },
    { name: '@temporalio/worker', message: 'Workflows use @temporalio/workflow, not the worker.' },
  ],
  patterns: [
    { group: ['node:*'], message: 'Workflow code is deterministic: no Node built-ins.' },
    { group: ['**/lib/config', '**/config'], message: 'Workflows get settings through their input, never config.' },
    { group: ['**/db', '**/db/**'], message: 'Workflow code must not touch the database; use an activity.' },
    {
      group: ['**/activities', '**/activities/**'],
      message: 'Import activities as types only.',
      allowTypeImports: true,
    },
  ],
};

export default tseslint.config(
  { ignores: ['node_modules/', 'dist/', '.data/', '.tools/', 'coverage/', '**/*.mjs', '**/*.js'] },
  js.configs.recommended,
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: { parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname } },
    plugins: { import: importPlugin },
    settings: { 'import/resolver': { typescript: true, node: true } },
    rules: {
      eqeqeq: ['error', 'always'],
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/consistent-type-imports': ['error', { fixStyle: 'inline-type-imports' }],
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/no-misused-promises': ['error', { checksVoidReturn: { arguments: false } }],
      'import/no-cycle': 'error',
    },
  },
  {
    files: ['workflows/**/*.ts'],
    rules: { '@typescript-eslint/no-restricted-imports': ['error', workflowBans] },
  },
  {
    files: ['test/**/*.ts', 'bench/**/*.ts'],
    rules: {
      '@typescript-eslint/no-unsafe-assignment': 'off',
      '@typescript-eslint/no-unsafe-member-access': 'off',
      '@typescript-eslint/no-unsafe-call': 'off',
      '@typescript-eslint/no-unsafe-argument': 'off',
      '@typescript-eslint/no-non-null-assertion': 'off',
      '@typescript-eslint/no-explicit-any': 'off',
      '@typescript-eslint/no-unsafe-return': 'off',
      '@typescript-eslint/require-await': 'off',
    },
  },
  prettier
);
