// `npm run build:workflows`: bundles the workflow code once, at build time (the Dockerfile runs it),
// into the file production workers load (RELAY_WORKFLOW_BUNDLE, default dist/workflow-bundle.js).
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, relative } from 'node:path';
import { bundleWorkflowCode } from '@temporalio/worker';
import { WORKFLOWS_PATH, workflowBundlePath } from '../worker.ts';

const started = Date.now();
const { code } = await bundleWorkflowCode({ workflowsPath: WORKFLOWS_PATH });
const codePath = workflowBundlePath();
mkdirSync(dirname(codePath), { recursive: true });
writeFileSync(codePath, code);
process.stdout.write(`workflow bundle: ${relative(process.cwd(), codePath)} (${(Buffer.byteLength(code) / 1024).toFixed(0)} KB) in ${((Date.now() - started) / 1000).toFixed(1)} s\n`);
