import { execFile } from 'node:child_process';

export interface CliRun {
  code: number;
  stdout: string;
  stderr: string;
  /** Wall time of the command, ms. */
  ms: number;
}

/** The environment that points the OpenStack client at a noauth Ironic. */
export function baremetalEnv(apiUrl: string): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    OS_ENDPOINT: apiUrl,
    OS_AUTH_TYPE: 'none',
    OS_BAREMETAL_API_VERSION: 'latest',
  };
  // Debian's client runs under /usr/bin/python3; a pyenv's variables would misdirect it.
  delete env.PYTHONPATH;
  delete env.PYTHONHOME;
  return env;
}

/** Runs Debian's `baremetal` CLI (python3-ironicclient) against `apiUrl`; never rejects. */
export function baremetal(
  apiUrl: string,
  args: readonly string[],
  timeoutMs = 240_000,
): Promise<CliRun> {
  const started = Date.now();
  return new Promise((resolve) => {
    execFile(
      'baremetal',
      [...args],
      { env: baremetalEnv(apiUrl), timeout: timeoutMs, maxBuffer: 16 * 1024 * 1024 },
      (error, stdout, stderr) => {
        const code = error ? (typeof error.code === 'number' ? error.code : -1) : 0;
        resolve({ code, stdout, stderr, ms: Date.now() - started });
      },
    );
  });
}

/** Like `baremetal` but throws with the CLI's own message when it exits non-zero. */
export async function baremetalOk(
  apiUrl: string,
  args: readonly string[],
  timeoutMs?: number,
): Promise<CliRun> {
  const run = await baremetal(apiUrl, args, timeoutMs);
  if (run.code !== 0) {
    throw new Error(
      `baremetal ${args.join(' ')} exited ${run.code} after ${run.ms} ms: ${run.stderr.trim() || run.stdout.trim()}`,
    );
  }
  return run;
}
