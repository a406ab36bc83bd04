// ESLint (flat config), run by `npm run lint:eslint`. A deliberately small rule set: each rule here
// catches a real bug class, nothing stylistic. Type-aware (projectService reads tsconfig.json), so
// rules such as no-floating-promises can see which expressions are promises.
import { builtinModules } from 'node:module';
import { defineConfig, globalIgnores } from 'eslint/config';
import tseslint from 'typescript-eslint';

// Every Node built-in, bare (`fs`, `fs/promises`) and prefixed (`node:fs`); prefix-only ones such as
// `node:test` are caught by the `node:` pattern below.
const nodeBuiltins = builtinModules.filter((name) => !name.startsWith('_'));
const escapeRegex = (text) => text.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');

// What workflow code may import. Everything else is refused, values and types alike (activities
// are the one exception, type-only, below).
const workflowSafeImports = [
  String.raw`\./(?!\.)`, // siblings inside workflows/ (not `./../`)
  String.raw`\.\./domain/`, // pure code, no I/O
  String.raw`\.\./activities/`, // type-only: checked by its own pattern below
  String.raw`@temporalio/(?:workflow|common)$`,
];

export default defineConfig(
  globalIgnores([
    'node_modules/', '.tools/', '.data/', 'dist/', 'test-artifacts/', 'db/migrations/',
  ]),

  // Everywhere: TypeScript sources, tests, benches and scripts included.
  {
    files: ['**/*.ts', '**/*.tsx'],
    languageOptions: {
      parser: tseslint.parser,
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    plugins: { '@typescript-eslint': tseslint.plugin },
    linterOptions: { reportUnusedDisableDirectives: 'error' },
    rules: {
      // Dead code: unused imports, locals and parameters. Prefix with `_` to keep one on purpose
      // (e.g. a handler's leading parameter); `const { a, ...rest } = x` may drop `a`.
      '@typescript-eslint/no-unused-vars': ['error', {
        args: 'after-used',
        argsIgnorePattern: '^_',
        varsIgnorePattern: '^_',
        caughtErrors: 'all',
        caughtErrorsIgnorePattern: '^_',
        destructuredArrayIgnorePattern: '^_',
        ignoreRestSiblings: true,
      }],
      // A promise nobody awaits loses its error (an unhandled rejection) and, in a workflow, can
      // let the code run on before the work it started has finished. Mark intent with `void`.
      '@typescript-eslint/no-floating-promises': 'error',
      // Under verbatimModuleSyntax, `import { type X } from './m.ts'` still loads ./m.ts at run time
      // (as `import './m.ts'`). Write `import type { X }` so a type-only import really is one: the
      // workflow sandbox rule below and dependency-cruiser's "type-only" edges (no-circular, the
      // types-only folder rules) rely on it.
      '@typescript-eslint/no-import-type-side-effects': 'error',
    },
  },

  // Workflow code runs in Temporal's deterministic sandbox and is replayed from history: no Node
  // APIs and no modules that do I/O (database, network, files, config). That work is an activity's.
  {
    files: ['workflows/**/*.ts', 'workflows/**/*.tsx'],
    rules: {
      '@typescript-eslint/no-restricted-imports': ['error', {
        paths: nodeBuiltins.map((name) => ({
          name,
          message: 'Node built-ins are not available in the workflow sandbox (and would break determinism). Do this in an activity.',
        })),
        patterns: [
          {
            regex: '^node:',
            message: 'Node built-ins are not available in the workflow sandbox (and would break determinism). Do this in an activity.',
          },
          {
            // Anything that is neither workflow-safe nor a Node built-in (those are reported above).
            regex: `^(?!${workflowSafeImports.join('|')}|node:|(?:${nodeBuiltins.map(escapeRegex).join('|')})$)`,
            message: 'Workflow code may import only workflows/ siblings, ../domain/*, @temporalio/workflow and @temporalio/common (and ../activities/* as `import type`). Reach anything else through an activity.',
          },
          {
            regex: String.raw`^\.\./activities/`,
            allowTypeImports: true,
            message: 'Workflows may import activities only as types (`import type`), for proxyActivities<...>(); the implementations run on the worker, outside the sandbox.',
          },
        ],
      }],
    },
  },
);
