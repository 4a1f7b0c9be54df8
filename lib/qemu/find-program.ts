import { accessSync, constants } from 'node:fs';

const SEARCH_PATH = ['/usr/sbin', '/usr/bin', '/sbin', '/bin'];

/** Where a program lives on this machine (root's PATH, whoever runs us), or null. */
export function findProgram(
  name: string,
  searchPath: readonly string[] = SEARCH_PATH,
): string | null {
  if (name.startsWith('/')) return isExecutable(name) ? name : null;
  for (const dir of searchPath) {
    const candidate = `${dir}/${name}`;
    if (isExecutable(candidate)) return candidate;
  }
  return null;
}

function isExecutable(path: string): boolean {
  try {
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}
