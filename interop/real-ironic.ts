import { type ChildProcess, execFile, spawn } from 'node:child_process';
import {
  createWriteStream,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
} from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Logger } from '../lib';
import { freePort } from './free-port';
import {
  type IronicConfOptions,
  type IronicLayout,
  ironicConfSections,
  ironicLayout,
  renderConf,
} from './ironic-conf';
import { StaticHttpServer } from './static-http';

/**
 * Debian's Python packages (python3-ironic & co.) import only under the system interpreter; a
 * `python3` earlier on PATH (pyenv, venv) would not find them.
 */
export const SYSTEM_PYTHON = '/usr/bin/python3';

export interface RealIronicOptions {
  /** Parent of the temporary directory; default the OS temp dir. */
  baseDir?: string;
  host?: string;
  python?: string;
  /** ironic.conf knobs beyond the harness defaults. */
  conf?: Omit<IronicConfOptions, 'layout' | 'host' | 'apiPort' | 'httpUrl'>;
  /** How long Ironic may take to answer `GET /` after start; default 90 s (a busy 2-core box). */
  startTimeoutMs?: number;
  /** Keep the directory (config, database, log) after stop; default only when start failed. */
  keepDir?: boolean;
  logger?: Logger;
}

/** Which Ironic the system interpreter imports, or why it cannot. */
export async function ironicVersion(python = SYSTEM_PYTHON): Promise<string> {
  const script = 'import importlib.metadata as m, ironic; print(m.version("ironic"))';
  try {
    const { stdout } = await run(python, ['-c', script], 30_000);
    return stdout.trim();
  } catch (error) {
    throw new Error(
      `real Ironic is not importable by ${python} (install Debian's python3-ironic): ${
        error instanceof Error ? error.message : String(error)
      }`,
    );
  }
}

/**
 * One real OpenStack Ironic, API and conductor in one process (`ironic.cmd.singleprocess`), on
 * an ephemeral loopback port with its own SQLite database, configuration and log in a
 * temporary directory; plus the HTTP server for its `[deploy] http_root`.
 */
export class RealIronic {
  readonly layout: IronicLayout;
  readonly http: StaticHttpServer;
  private readonly options: RealIronicOptions;
  private readonly host: string;
  private readonly python: string;
  private child: ChildProcess | null = null;
  private exited: Promise<number | null> | null = null;
  private port = 0;
  private installedVersion = '';
  private failed = false;
  /** Kills Ironic if this process exits without stop() (a test runner tearing a worker down). */
  private readonly killOnExit = () => this.child?.kill('SIGKILL');

  constructor(options: RealIronicOptions = {}) {
    this.options = options;
    this.host = options.host ?? '127.0.0.1';
    this.python = options.python ?? SYSTEM_PYTHON;
    const dir = mkdtempSync(join(options.baseDir ?? tmpdir(), 'real-ironic-'));
    this.layout = ironicLayout(dir);
    this.http = new StaticHttpServer(this.layout.httpRoot, this.host);
  }

  /** Ironic's API base URL (what agents get as `ipa-api-url`). */
  get apiUrl(): string {
    if (!this.port) throw new Error('Ironic is not started');
    return `http://${this.host}:${this.port}`;
  }

  /** The installed Ironic's package version, e.g. `21.4.4` (after start). */
  get version(): string {
    return this.installedVersion;
  }

  /** `deploy_kernel` / `deploy_ramdisk` for driver_info: file:// URLs Ironic may read. */
  get deployImages(): { deploy_kernel: string; deploy_ramdisk: string } {
    return {
      deploy_kernel: pathToFileURL(this.layout.deployKernel).href,
      deploy_ramdisk: pathToFileURL(this.layout.deployRamdisk).href,
    };
  }

  async start(): Promise<void> {
    if (this.child) return;
    const { layout } = this;
    try {
      this.installedVersion = await ironicVersion(this.python);
      for (const dir of [
        layout.stateDir,
        layout.lockDir,
        layout.tftpRoot,
        layout.httpRoot,
        layout.imagesDir,
        layout.masterImagesDir,
      ]) {
        mkdirSync(dir, { recursive: true });
      }
      await writeFile(layout.deployKernel, 'simulated IPA kernel\n');
      await writeFile(layout.deployRamdisk, 'simulated IPA ramdisk\n');
      await this.http.start();
      this.port = await freePort(this.host);
      const sections = ironicConfSections({
        ...this.options.conf,
        layout,
        host: this.host,
        apiPort: this.port,
        httpUrl: this.http.url,
      });
      await writeFile(layout.conf, renderConf(sections));
      await run(
        this.python,
        [...entryPoint('dbsync'), '--config-file', layout.conf, 'create_schema'],
        120_000,
      );
      this.spawnIronic();
      await this.waitUntilAnswering(this.options.startTimeoutMs ?? 90_000);
      this.options.logger?.info(
        { api: this.apiUrl, version: this.installedVersion, dir: layout.dir },
        'real Ironic started',
      );
    } catch (error) {
      this.failed = true;
      await this.stop();
      throw error;
    }
  }

  /** Stops Ironic (SIGTERM, then SIGKILL after 15 s) and its HTTP server. */
  async stop(): Promise<void> {
    const child = this.child;
    this.child = null;
    process.removeListener('exit', this.killOnExit);
    if (child && this.exited) {
      child.kill('SIGTERM');
      const killer = setTimeout(() => child.kill('SIGKILL'), 15_000);
      await this.exited;
      clearTimeout(killer);
    }
    await this.http.stop();
    if (!this.options.keepDir && !this.failed) {
      rmSync(this.layout.dir, { recursive: true, force: true });
    } else {
      this.options.logger?.info({ dir: this.layout.dir }, 'kept the real Ironic directory');
    }
  }

  /** Marks the run as failed so stop() keeps the directory for a post-mortem. */
  keepForPostMortem(): void {
    this.failed = true;
  }

  /** Ironic's whole log so far ('' before start). */
  readLog(): string {
    return existsSync(this.layout.log) ? readFileSync(this.layout.log, 'utf8') : '';
  }

  /**
   * The last lines of Ironic's log without the configuration dump, for failure reports. Agent
   * tokens never appear: Ironic masks them itself.
   */
  logTail(lines = 80): string {
    const files = [this.layout.log, join(this.layout.dir, 'console.log')];
    const text = files
      .filter((f) => existsSync(f))
      .map((f) => readFileSync(f, 'utf8'))
      .join('\n');
    return text
      .split('\n')
      .filter((line) => line.trim() !== '' && !line.includes('log_opt_values'))
      .slice(-lines)
      .join('\n');
  }

  private spawnIronic(): void {
    const consoleLog = createWriteStream(join(this.layout.dir, 'console.log'));
    const child = spawn(
      this.python,
      [...entryPoint('singleprocess'), '--config-file', this.layout.conf],
      {
        cwd: this.layout.dir,
        env: pythonEnv(),
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    child.stdout?.pipe(consoleLog);
    child.stderr?.pipe(consoleLog);
    this.exited = new Promise((resolve) => {
      child.once('exit', (code) => {
        consoleLog.end();
        resolve(code);
      });
      child.once('error', () => resolve(null));
    });
    this.child = child;
    process.once('exit', this.killOnExit);
  }

  private async waitUntilAnswering(timeoutMs: number): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    let exited = false;
    void this.exited?.then(() => (exited = true));
    for (;;) {
      if (exited) {
        throw new Error(`Ironic exited during start-up:\n${this.logTail(40)}`);
      }
      try {
        const res = await fetch(`${this.apiUrl}/`, { signal: AbortSignal.timeout(2_000) });
        if (res.status === 200) return;
      } catch {
        // not listening yet
      }
      if (Date.now() > deadline) {
        throw new Error(`Ironic did not answer within ${timeoutMs} ms:\n${this.logTail(40)}`);
      }
      await new Promise((r) => setTimeout(r, 100));
    }
  }
}

/** Debian ships no console scripts for python3-ironic; run the entry points' main(). */
function entryPoint(name: 'dbsync' | 'singleprocess'): string[] {
  return ['-c', `import sys; from ironic.cmd.${name} import main; sys.exit(main())`];
}

function pythonEnv(): NodeJS.ProcessEnv {
  const env = { ...process.env };
  delete env.PYTHONPATH;
  delete env.PYTHONHOME;
  return env;
}

function run(
  file: string,
  args: string[],
  timeoutMs: number,
): Promise<{ stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    execFile(file, args, { env: pythonEnv(), timeout: timeoutMs }, (error, stdout, stderr) => {
      if (error) reject(new Error(`${error.message}\n${stderr.slice(-2000)}`));
      else resolve({ stdout, stderr });
    });
  });
}
