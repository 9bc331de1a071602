// @ts-check
import js from '@eslint/js';
import prettier from 'eslint-config-prettier';
import importPlugin from 'eslint-plugin-import';
import { builtinModules } from 'node:module';
import tseslint from 'typescript-eslint';

/**
 * The layers, lowest first (docs/ARCHITECTURE.md). A folder may import its own layer's folder and
 * any lower layer, never a higher one; folders of one layer do not import each other. test/ and
 * bench/ may import anything.
 */
const LAYERS = [
  ['domain'],
  ['platform'],
  ['security', 'fetch'],
  ['temporal'],
  ['db'],
  ['workflows'],
  ['activities'],
  ['api', 'worker'],
  ['dev'],
  ['client'],
  ['cli'],
  ['bin', 'scripts'],
];

/** One no-restricted-paths zone per folder: everything above it, and its layer's other folders. */
const layerZones = LAYERS.flatMap((layer, index) =>
  layer.map((folder) => {
    const above = LAYERS.slice(index + 1)
      .flat()
      // workflows import the activities' interface as a type; the workflow rule below checks it stays type-only
      .filter((other) => !(folder === 'workflows' && other === 'activities'));
    const peers = layer.filter((other) => other !== folder);
    return {
      target: `./${folder}`,
      from: [...above, ...peers, 'test', 'bench'].map((other) => `./${other}`),
      message: `${folder}/ is below what it imports here: imports point down (see docs/ARCHITECTURE.md).`,
    };
  })
);

/** What deterministic workflow code must never import (docs/ARCHITECTURE.md, "Workflows"). */
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
    { group: ['**/platform/*'], message: 'Workflows get settings through their input, never config.' },
    { group: ['**/db', '**/db/**'], message: 'Workflow code must not touch the database; use an activity.' },
    {
      group: ['**/activities', '**/activities/**'],
      message: 'Import activities as types only.',
      allowTypeImports: true,
    },
  ],
};

/**
 * What the typed API client may import (docs/ARCHITECTURE.md, "Layers"): it is usable from other
 * projects and from browsers, so it takes the answers' types from api/openapi/responses.ts and the
 * concepts of domain/ (the schemas as types only: no zod at run time), plus fetch and
 * eventsource-parser; nothing of the server (Express, knex, Temporal) and no Node built-ins.
 */
const clientBans = {
  paths: [
    ...builtinModules.map((name) => ({ name, message: 'client/ runs in browsers too: no Node built-ins.' })),
    ...['express', 'knex', 'pg', '@anthropic-ai/sdk', '@asteasolutions/zod-to-openapi'].map((name) => ({
      name,
      message: 'client/ is the API seen from outside: nothing of the server.',
    })),
    { name: 'zod', message: 'client/ uses zod types only (z.infer of the response schemas).', allowTypeImports: true },
  ],
  patterns: [
    { group: ['node:*'], message: 'client/ runs in browsers too: no Node built-ins.' },
    { group: ['@temporalio/*'], message: 'client/ is the API seen from outside: nothing of Temporal.' },
    {
      regex: '^\\.\\./(?!domain/|api/openapi/responses$)',
      message: 'client/ imports domain/ and the types of api/openapi/responses.ts only.',
    },
    {
      regex: '^\\.\\./(api/openapi/responses|domain/schemas/.*)$',
      message: 'client/ imports these as types only (they would bring zod and the server along).',
      allowTypeImports: true,
    },
  ],
};

/** Temporal names are spelled once, in temporal/contract/: elsewhere, use its objects and builders. */
const temporalNameBans = [
  {
    selector: 'CallExpression[callee.name=/^define(Signal|Query|Update)$/]',
    message: 'Define signals, queries and updates in temporal/contract/messages.ts.',
  },
  {
    selector:
      'CallExpression[callee.property.name=/^(start|startChild|executeChild|signalWithStart|signal|query|executeUpdate|startUpdate)$/] > Literal:first-child[value=/^[A-Za-z][\w-]*$/]',
    message: 'Name workflows, signals and queries through temporal/contract (WORKFLOW, xxxSignal, xxxQuery).',
  },
  {
    selector: 'CallExpression[callee.name=/^(startChild|executeChild)$/] > Literal:first-child',
    message: 'Name workflows through temporal/contract (WORKFLOW).',
  },
  {
    selector: 'Literal[value=/^genie-(run|events|schedule)-$/]',
    message: 'Build Temporal ids with the builders in temporal/contract/names.ts.',
  },
  {
    selector: 'TemplateElement[value.raw=/^genie-(run|events|schedule)-/]',
    message: 'Build Temporal ids with the builders in temporal/contract/names.ts.',
  },
];

export default tseslint.config(
  { ignores: ['node_modules/', 'dist/', '.data/', '.tools/', 'coverage/', '**/*.mjs', '**/*.cjs', '**/*.js'] },
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
      'import/no-duplicates': 'error',
      'import/no-restricted-paths': ['error', { zones: layerZones }],
    },
  },
  {
    files: ['**/*.ts'],
    ignores: ['temporal/contract/**', 'test/**'],
    rules: { 'no-restricted-syntax': ['error', ...temporalNameBans] },
  },
  {
    // Reach the contract through its index, so it stays one module.
    files: ['**/*.ts'],
    ignores: ['temporal/contract/**'],
    rules: {
      'no-restricted-imports': [
        'error',
        { patterns: [{ group: ['**/temporal/contract/*'], message: 'Import from temporal/contract.' }] },
      ],
    },
  },
  {
    files: ['workflows/**/*.ts'],
    rules: { '@typescript-eslint/no-restricted-imports': ['error', workflowBans] },
  },
  {
    files: ['client/**/*.ts'],
    rules: { '@typescript-eslint/no-restricted-imports': ['error', clientBans] },
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
