/**
 * A benchmark's clean-up: each step tried even if an earlier one failed, a failure reported and
 * turned into a failing exit code, never thrown over the figures already printed.
 */
export async function cleanUp(steps: [what: string, step: () => Promise<unknown>][]): Promise<void> {
  for (const [what, step] of steps) {
    try {
      await step();
    } catch (error) {
      console.error(`cleanup: could not ${what}: ${error instanceof Error ? error.message : String(error)}`);
      process.exitCode = 1;
    }
  }
}
