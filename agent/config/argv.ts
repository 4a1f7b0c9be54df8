import { ConfigError } from './config-error';
import { OPTIONS, isOptionName } from './options';

export interface ParsedArgv {
  configFiles: string[];
  /** Option name → text value, in the order given (later wins). */
  values: Map<string, { text: string; flag: string }>;
}

/**
 * oslo.config-style flags: `--listen-port 9999`, `--listen-port=9999`, booleans as `--debug`
 * / `--nodebug` (or `--debug=false`). `--config-file` may repeat.
 */
export function parseArgv(argv: readonly string[]): ParsedArgv {
  const configFiles: string[] = [];
  const values = new Map<string, { text: string; flag: string }>();
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (!arg.startsWith('--')) {
      throw new ConfigError(`unexpected argument "${arg}"`, undefined, 'command line');
    }
    const eq = arg.indexOf('=');
    const flag = eq >= 0 ? arg.slice(0, eq) : arg;
    const inline = eq >= 0 ? arg.slice(eq + 1) : undefined;
    const takeValue = (): string => {
      if (inline !== undefined) return inline;
      const next = argv[i + 1];
      if (next === undefined || next.startsWith('--')) {
        throw new ConfigError(`${flag} needs a value`, undefined, `command line (${flag})`);
      }
      i++;
      return next;
    };
    const key = flag.slice(2).replace(/-/g, '_');
    if (key === 'config_file') {
      configFiles.push(takeValue());
      continue;
    }
    if (isOptionName(key)) {
      const spec = OPTIONS[key];
      if (spec.kind === 'bool' && inline === undefined) {
        values.set(key, { text: 'true', flag });
      } else {
        values.set(key, { text: takeValue(), flag });
      }
      continue;
    }
    if (key.startsWith('no') && inline === undefined) {
      const positive = key.slice(2);
      if (isOptionName(positive) && OPTIONS[positive].kind === 'bool') {
        values.set(positive, { text: 'false', flag });
        continue;
      }
    }
    throw new ConfigError(`unknown option ${flag}`, undefined, 'command line');
  }
  return { configFiles, values };
}
