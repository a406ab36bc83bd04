// Folder directions, checked by `npm run lint:deps` (dependency-cruiser). Each top-level folder
// lists what it may import; anything else inside the repo is an error. npm packages and Node
// built-ins are not restricted here (ESLint keeps Node out of workflows/).
//
//   domain        → domain                                         (pure rules and vocabularies)
//   config        → config
//   db            → db, domain, config
//   integrations  → integrations, domain, config
//   ui/emails     → ui/emails, domain
//   ui            → ui, domain; db/schema, db/repositories, services and workflows/definitions.ts
//                   as types only (the shapes of what routes hand it)
//   workflows     → workflows, domain; activities as types only
//   activities    → activities, services, db, domain, integrations, ui/emails, platform, config,
//                   workflows/{definitions,bulkImportDefinitions,signInLinksDefinitions}.ts
//   services      → services, db, domain, integrations, ui/emails, platform, config,
//                   workflows/{definitions,bulkImportDefinitions,signInLinksDefinitions}.ts
//   platform      → platform, config, db, integrations, domain, workflows/definitions.ts
//   api           → api, services, db, domain, ui, platform, config, integrations,
//                   workflows/{definitions,bulkImportDefinitions,signInLinksDefinitions}.ts
//   worker.ts, scripts, test, bench: composition roots and tooling, may import anything.
//
// Type-only imports (`import type`) count for the folder rules: a type still ties one folder to
// another's shape. They do not count for cycles, which are about load order at run time.

/** Paths (as dependency-cruiser prints them, relative to the repo root) of the repo's own files. */
const OWN_CODE = '^(?:activities|api|bench|config|db|domain|integrations|platform|scripts|services|test|ui|workflows)/|^[^/]+\\.tsx?$';

const folder = (name) => `^${name}/`;
const DOMAIN = folder('domain');
const CONFIG = folder('config');
const DB = folder('db');
const INTEGRATIONS = folder('integrations');
const UI = folder('ui');
const EMAILS = folder('ui/emails');
const SERVICES = folder('services');
const ACTIVITIES = folder('activities');
const PLATFORM = folder('platform');
const API = folder('api');
// The workflow contract: ids, messages, search attributes and inputs, loadable outside the sandbox.
const WORKFLOW_DEFINITIONS = '^workflows/definitions\\.ts$';
const BULK_IMPORT_DEFINITIONS = '^workflows/bulkImportDefinitions\\.ts$';
const SIGN_IN_DEFINITIONS = '^workflows/(signInLinks|health|connector)Definitions\\.ts$'; // the sign-in and health workflows' contracts

/** "Files under `from` may import only `allowed` (and npm packages / Node built-ins)." */
function mayImportOnly(name, from, allowed, comment) {
  return {
    name,
    severity: 'error',
    comment,
    from: { path: from },
    to: { path: OWN_CODE, pathNot: allowed },
  };
}

/** "Files under `from` may import `to` for its types only (`import type`)." */
function typesOnly(name, from, to, comment) {
  return {
    name,
    severity: 'error',
    comment,
    from: { path: from },
    to: { path: to, dependencyTypesNot: ['type-only'] },
  };
}

/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  forbidden: [
    {
      name: 'no-circular',
      severity: 'error',
      comment:
        'Files that import each other (directly or round a loop) load in an order that depends on who ' +
        'is imported first, and the folders involved can no longer be understood or changed apart. ' +
        'Break the loop: move the shared piece down to the folder both may import. Loops that pass ' +
        'through an `import type` are ignored: types are erased and never load anything.',
      from: {},
      to: {
        circular: true,
        dependencyTypesNot: ['type-only'],
        viaOnly: { dependencyTypesNot: ['type-only'] },
      },
    },
    {
      name: 'not-to-unresolvable',
      severity: 'error',
      comment:
        'This import points at a file or package that does not exist (a moved file, a typo, or a ' +
        'package missing from package.json).',
      from: {},
      to: { couldNotResolve: true },
    },

    mayImportOnly('domain-is-pure', DOMAIN, [DOMAIN],
      'domain/ holds rules and vocabularies every layer shares (and workflow code runs): it imports ' +
      'nothing else of ours, so it stays free of I/O and safe in the workflow sandbox. If it needs a ' +
      'type from db/schema, move that vocabulary into domain/ and let db/schema import it.'),

    mayImportOnly('config-stands-alone', folder('config'), [CONFIG],
      'config/ reads the environment and is read by everyone, so it imports nothing of ours.'),

    mayImportOnly('db-below-services', DB, [DB, DOMAIN, CONFIG],
      'db/ (client, schema, repositories, seeds) sits under services/activities/api: it may use ' +
      'domain/ and config/, but not the layers that call it.'),

    mayImportOnly('integrations-are-adapters', INTEGRATIONS, [INTEGRATIONS, DOMAIN, CONFIG],
      'integrations/ wraps outside providers (email, drafting) behind small interfaces; it must not ' +
      'know about the database, services or workflows that use it.'),

    mayImportOnly('emails-render-only', EMAILS, [EMAILS, DOMAIN],
      'ui/emails/ renders email bodies and is imported by activities and services as well as pages; ' +
      'keeping it to ui/emails + domain means importing it never drags in pages, activities or the db.'),

    mayImportOnly('ui-renders-only', `${UI}(?!emails/)`, [UI, DOMAIN, '^db/schema/', '^db/repositories/', SERVICES, WORKFLOW_DEFINITIONS],
      'ui/ renders what it is given: it may not fetch (db/client), act (activities, platform) or ' +
      'route (api). Routes in api/ load the data and pass it in.'),
    typesOnly('ui-uses-data-types-only', `${UI}(?!emails/)`, `^db/schema/|^db/repositories/|${SERVICES}|${WORKFLOW_DEFINITIONS}`,
      'ui/ may name the shapes of rows, query results and workflow state (`import type`), but loading ' +
      'db/, services/ or the workflow definitions at run time would let rendering code fetch or act, ' +
      'and pull Drizzle / Temporal into it. Vocabularies pages need as values live in domain/.'),

    mayImportOnly('workflows-stay-in-sandbox', folder('workflows'), [folder('workflows'), DOMAIN, ACTIVITIES],
      'Workflow code runs in Temporal\'s deterministic sandbox and is replayed from history: it may ' +
      'use only workflows/ and domain/ (and activities as types, for proxyActivities). Database, ' +
      'network, config and services work belongs in an activity.'),
    typesOnly('workflows-use-activity-types-only', folder('workflows'), ACTIVITIES,
      'Workflows reach activities through proxyActivities<typeof ...>(): an `import type` only. A value ' +
      'import would bundle the activity code (db, email, Node APIs) into the sandbox.'),

    mayImportOnly('activities-direction', ACTIVITIES,
      [ACTIVITIES, SERVICES, DB, DOMAIN, INTEGRATIONS, EMAILS, PLATFORM, CONFIG, WORKFLOW_DEFINITIONS, BULK_IMPORT_DEFINITIONS, SIGN_IN_DEFINITIONS],
      'Activities do the work workflows ask for, through services, repositories and integrations. ' +
      'They must not reach up into api/ or pages, nor into workflow code other than the shared ' +
      'contract (definitions.ts, bulkImportDefinitions.ts, signInLinksDefinitions.ts), which is what would make a cycle.'),

    mayImportOnly('services-direction', SERVICES,
      [SERVICES, DB, DOMAIN, INTEGRATIONS, EMAILS, PLATFORM, CONFIG, WORKFLOW_DEFINITIONS, BULK_IMPORT_DEFINITIONS, SIGN_IN_DEFINITIONS],
      'services/ is the application layer called by api/ and activities/: it must not import either ' +
      'of them, nor pages. It starts and signals workflows through the shared contract ' +
      '(definitions.ts, bulkImportDefinitions.ts, signInLinksDefinitions.ts), never the workflow functions themselves (not even ' +
      '`typeof accountLifecycle`; start by workflow type name with the input type from the contract).'),

    mayImportOnly('platform-direction', PLATFORM, [PLATFORM, CONFIG, DB, INTEGRATIONS, DOMAIN, WORKFLOW_DEFINITIONS],
      'platform/ wires infrastructure (Temporal client and dev server, HTTP server, logging, provider ' +
      'choice). It sits below services/api/activities, so it may not import them or ui/.'),

    mayImportOnly('api-direction', API,
      [API, SERVICES, DB, DOMAIN, folder('ui'), PLATFORM, CONFIG, INTEGRATIONS, WORKFLOW_DEFINITIONS, BULK_IMPORT_DEFINITIONS, SIGN_IN_DEFINITIONS],
      'api/ handles HTTP and calls services/; it must not import activities, workflow code other than ' +
      'the shared contract, or the worker (the API and the worker deploy separately).'),

    // The two rules below cover files that no folder rule above governs (top-level config files and
    // any new folder); folders with their own rule already get these violations reported there.
    {
      name: 'api-is-a-leaf',
      severity: 'error',
      comment:
        'Nothing but api/ itself (and scripts/, test/, bench/) may import api/: it is the outermost layer. ' +
        'Move what is shared into services/, platform/ or domain/.',
      from: {
        pathNot: [API, folder('scripts'), folder('test'), folder('bench'),
          DOMAIN, CONFIG, DB, INTEGRATIONS, UI, folder('workflows'), ACTIVITIES, SERVICES, PLATFORM],
      },
      to: { path: API },
    },
    {
      name: 'worker-is-a-leaf',
      severity: 'error',
      comment:
        'worker.ts is the worker\'s entry point; only scripts/, test/ and bench/ may import it. Shared ' +
        'wiring belongs in platform/.',
      from: {
        pathNot: [folder('scripts'), folder('test'), folder('bench'),
          DOMAIN, CONFIG, DB, INTEGRATIONS, UI, folder('workflows'), ACTIVITIES, SERVICES, PLATFORM, API],
      },
      to: { path: '^worker\\.ts$' },
    },
  ],

  options: {
    doNotFollow: { path: ['node_modules'] },
    exclude: { path: ['^(?:node_modules|\\.tools|\\.data|\\.git|dist|test-artifacts)/', '^db/migrations/'] },
    moduleSystems: ['es6', 'cjs'],
    // Parse with the TypeScript compiler and keep `import type` edges, marked "type-only".
    tsPreCompilationDeps: true,
    // Imports spell out `.ts`/`.tsx` (allowImportingTsExtensions); tsconfig.json drives resolution.
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: {
      exportsFields: ['exports'],
      conditionNames: ['import', 'require', 'node', 'default', 'types'],
      extensions: ['.ts', '.tsx', '.js', '.mjs', '.cjs', '.d.ts'],
      mainFields: ['module', 'main', 'types', 'typings'],
    },
    skipAnalysisNotInRules: true,
  },
};
