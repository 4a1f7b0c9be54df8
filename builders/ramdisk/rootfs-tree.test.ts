import { mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { RootfsTree } from './rootfs-tree';

describe('RootfsTree', () => {
  const dir = mkdtempSync(join(tmpdir(), 'rootfs-tree-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('stores /bin, /sbin, /lib and /lib64 content under /usr, as Debian does', () => {
    expect(RootfsTree.canonical('/lib/x86_64-linux-gnu/libc.so.6')).toBe(
      '/usr/lib/x86_64-linux-gnu/libc.so.6',
    );
    expect(RootfsTree.canonical('/sbin/ip')).toBe('/usr/sbin/ip');
    expect(RootfsTree.canonical('/bin')).toBe('/bin');
    expect(RootfsTree.canonical('/etc//hosts/')).toBe('/etc/hosts');
    const tree = new RootfsTree();
    expect(tree.get('/bin')).toEqual({ kind: 'symlink', path: '/bin', target: 'usr/bin' });
    tree.addFile('/sbin/tool', '#!/bin/sh\n', 0o755);
    expect(tree.has('/usr/sbin/tool')).toBe(true);
  });

  it('creates parents, sorts parents before children, and refuses conflicting content', () => {
    const tree = new RootfsTree();
    tree.addFile('/etc/a-b', 'x');
    tree.addFile('/etc/a/c', 'y');
    tree.addFile('/etc/a/c', 'y'); // the same content again is fine
    expect(() => tree.addFile('/etc/a/c', 'z')).toThrow(/already a file/);
    expect(() => tree.addSymlink('/etc/a', 'elsewhere')).toThrow(/already a dir/);
    const paths = tree.entries().map((e) => e.path);
    expect(paths.indexOf('/etc')).toBeLessThan(paths.indexOf('/etc/a'));
    expect(paths.indexOf('/etc/a')).toBeLessThan(paths.indexOf('/etc/a/c'));
    expect(paths.indexOf('/etc/a/c')).toBeLessThan(paths.indexOf('/etc/a-b'));
    expect(paths[0]).toBe('/');
  });

  it('copies host files through symlinks once, and names both sources on a clash', () => {
    const real = join(dir, 'libx.so.1.2');
    const link = join(dir, 'libx.so.1');
    const other = join(dir, 'liby.so');
    writeFileSync(real, 'ELF');
    writeFileSync(other, 'ELF2');
    symlinkSync(real, link);
    const tree = new RootfsTree();
    tree.addHostFile('/lib/libx.so.1', link);
    tree.addHostFile('/usr/lib/libx.so.1', real);
    const entry = tree.get('/usr/lib/libx.so.1');
    expect(entry).toMatchObject({ kind: 'file', source: real, size: 3 });
    expect(() => tree.addHostFile('/usr/lib/libx.so.1', other)).toThrow(/would be both/);
    expect(tree.contentBytes()).toBe(3);
  });
});
