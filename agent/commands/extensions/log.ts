import type { CommandResult } from '../../../protocol';
import type { Host } from '../../host';
import { type TarEntry, createTarGz } from '../../log/tar';
import type { Extension } from '../extension';

/** IPA's per-command files in the bundle (research/ipa.md §10.5). */
const COMMANDS: readonly [file: string, command: string, args: readonly string[]][] = [
  ['df', 'df', ['-a']],
  ['dmesg', 'dmesg', []],
  ['efibootmgr', 'efibootmgr', ['-v']],
  ['iptables', 'iptables', ['-L']],
  ['ip_addr', 'ip', ['addr']],
  [
    'lsblk',
    'lsblk',
    ['--all', '-o', 'NAME,SIZE,TYPE,FSTYPE,UUID,PARTUUID,LABEL,MOUNTPOINT,MODEL,SERIAL,WWN,TRAN'],
  ],
  ['lsblk-full', 'lsblk', ['--all', '--bytes', '--output-all', '--pairs']],
  ['lshw', 'lshw', ['-quiet', '-json']],
  ['mount', 'mount', []],
  ['multipath', 'multipath', ['-ll']],
  ['parted', 'parted', ['-l']],
  ['ps', 'ps', ['au']],
];

export interface LogSources {
  host: Host;
  /** The agent's own log records as text. */
  agentLog(): string;
  /** The recorded commands, serialized. */
  commandResults(): CommandResult[];
}

/** Builds IPA's log bundle: journal (or /var/log), the agent's log, tool outputs. */
export async function collectSystemLogs(
  sources: LogSources,
  signal?: AbortSignal,
): Promise<Buffer> {
  const { host } = sources;
  const now = host.clock.now();
  const entries: TarEntry[] = [
    { name: 'ironic-python-agent.log', data: sources.agentLog(), mtime: now },
    // Statuses and errors only: results can be inventories or earlier log bundles.
    {
      name: 'commands.json',
      data: JSON.stringify(
        sources.commandResults().map(({ command_result: _result, ...rest }) => rest),
        null,
        2,
      ),
      mtime: now,
    },
  ];
  const run = async (command: string, args: readonly string[]): Promise<string | null> => {
    try {
      const out = await host.run(command, args, { timeoutMs: 60_000, signal });
      return out.stdout + (out.stderr ? `\n${out.stderr}` : '');
    } catch (err) {
      if (signal?.aborted) throw err;
      return null;
    }
  };
  const journal = await run('journalctl', ['--full', '--no-pager', '-b', '-n', '10000']);
  if (journal !== null) entries.push({ name: 'journal', data: journal, mtime: now });
  for (const [file, command, args] of COMMANDS) {
    const out = await run(command, args);
    if (out !== null) entries.push({ name: file, data: out, mtime: now });
  }
  try {
    entries.push({ name: 'mdstat', data: await host.readFile('/proc/mdstat'), mtime: now });
  } catch {
    // no md driver loaded
  }
  return createTarGz(entries);
}

export function logExtension(sources: LogSources): Extension {
  return {
    name: 'log',
    commands: {
      collect_system_logs: {
        mode: 'sync',
        params: [],
        run: async (_params, ctx) => ({
          system_logs: (await collectSystemLogs(sources, ctx.signal)).toString('base64'),
        }),
      },
    },
  };
}
