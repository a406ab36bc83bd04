import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, existsSync, openSync, readFileSync, rmSync, writeFileSync, writeSync } from 'node:fs';

/** One long-running process of the cluster (Temporal server, Web UI, API, a worker) and how to end it. */
export interface ManagedProcess {
  name: string;
  child: ChildProcess;
  /** Resolves with the exit code (or signal name) once the process has ended. */
  exited: Promise<number | string>;
  /** SIGTERM to its process group, SIGKILL after `graceMs`; resolves when it is gone. */
  stop(graceMs?: number): Promise<void>;
}

const live = new Set<ManagedProcess>();
let exitHookInstalled = false;
let pidFile: string | null = null;
let ownerLine = '';

/** The live processes' ids and commands, kept in `pidFile` so a later run can find leftovers. */
function recordPids(): void {
  if (!pidFile) return;
  writeFileSync(pidFile, ownerLine + [...live].map((p) => `${JSON.stringify({ pid: p.child.pid, cmdline: p.child.pid === undefined ? null : commandLine(p.child.pid) })}\n`).join(''));
}

/** The run ends cleanly: nothing of it is left to find. */
export function releasePidFile(): void {
  if (pidFile) rmSync(pidFile, { force: true });
  pidFile = null;
}

function commandLine(pid: number): string | null {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8');
  } catch {
    return null;
  }
}

/**
 * Kills what an earlier run recorded in `file` and left behind (it was SIGKILLed: no process can
 * clean up after that), then records this run's processes there. A recorded pid counts only while
 * its whole command line is still the recorded one, so a pid reused by anything else is never
 * touched; if the run that wrote the file is still alive, this one refuses to start instead.
 */
export function adoptPidFile(file: string): string[] {
  const reaped: string[] = [];
  if (existsSync(file)) {
    const entries = readFileSync(file, 'utf8').split('\n').filter(Boolean)
      .map((line) => JSON.parse(line) as { pid: number; cmdline: string; owner?: boolean });
    for (const entry of entries) {
      if (commandLine(entry.pid) !== entry.cmdline) continue;
      if (entry.owner) throw new Error(`already running as pid ${entry.pid} (${file}): stop that one first`);
    }
    for (const { pid, cmdline } of entries) {
      if (commandLine(pid) !== cmdline) continue;
      try {
        process.kill(-pid, 'SIGKILL');
        reaped.push(`${pid} (${cmdline.split('\0').slice(0, 3).join(' ')})`);
      } catch { /* gone meanwhile */ }
    }
  }
  pidFile = file;
  ownerLine = `${JSON.stringify({ pid: process.pid, cmdline: commandLine(process.pid), owner: true })}\n`;
  recordPids();
  return reaped;
}

function signalGroup(child: ChildProcess, signal: NodeJS.Signals): void {
  if (child.pid === undefined || child.exitCode !== null || child.signalCode !== null) return;
  try {
    // Negative pid: the whole group the child leads (detached), so anything it started goes too.
    process.kill(-child.pid, signal);
  } catch {
    // Already gone between the check and the signal.
  }
}

/**
 * Starts a process in a process group of its own, its output appended to `logFile`. Its own group,
 * because Ctrl+C in a terminal signals the whole foreground group at once, and the cluster must stop
 * its parts in order (API, workers, then Temporal). If this process exits without stopping them (an
 * uncaught error), they are killed on the way out rather than left behind.
 */
export function startManagedProcess(name: string, command: string, args: string[], opts: {
  cwd: string; env: NodeJS.ProcessEnv; logFile: string; onOutput?: (chunk: string) => void;
}): ManagedProcess {
  const fd = openSync(opts.logFile, 'a');
  const child = spawn(command, args, {
    cwd: opts.cwd, env: opts.env, detached: true,
    // Straight into the log file, unless the caller watches the output (a worker's "started" line).
    stdio: ['ignore', opts.onOutput ? 'pipe' : fd, opts.onOutput ? 'pipe' : fd],
  });
  let logOpen = true;
  const closeLog = () => { if (logOpen) { logOpen = false; closeSync(fd); } };
  if (opts.onOutput) {
    const onOutput = opts.onOutput;
    for (const stream of [child.stdout, child.stderr]) {
      stream?.on('data', (chunk: Buffer) => {
        if (logOpen) writeSync(fd, chunk);
        onOutput(chunk.toString());
      });
    }
  }
  // 'close' comes after the last output (piped streams included); the file is ours until then.
  child.once('close', closeLog);
  const exited = new Promise<number | string>((resolve) => {
    let done = false;
    const finish = (result: number | string) => {
      if (done) return;
      done = true;
      live.delete(managed);
      recordPids();
      resolve(result);
    };
    child.once('exit', (code, signal) => finish(code ?? signal ?? 'unknown'));
    // A command that cannot be started (ENOENT) reports an error and may never report an exit.
    child.once('error', (error) => { closeLog(); finish(error.message); });
  });
  const managed: ManagedProcess = {
    name, child, exited,
    async stop(graceMs = 15_000) {
      if (child.exitCode !== null || child.signalCode !== null) return;
      signalGroup(child, 'SIGTERM');
      const forced = setTimeout(() => signalGroup(child, 'SIGKILL'), graceMs);
      await exited;
      clearTimeout(forced);
    },
  };
  live.add(managed);
  recordPids();
  if (!exitHookInstalled) {
    exitHookInstalled = true;
    process.on('exit', () => { for (const p of live) signalGroup(p.child, 'SIGKILL'); });
  }
  return managed;
}
