import { describe, expect, it } from 'vitest';
import { defaultRootDisk } from './root-disk';

const GiB = 2 ** 30;

describe('defaultRootDisk', () => {
  it('takes the smallest disk of at least 4 GiB', () => {
    const disks = [
      { name: '/dev/sda', size: 12e12 },
      { name: '/dev/sdb', size: 480e9 },
      { name: '/dev/sdc', size: 2 * GiB },
    ];
    expect(defaultRootDisk(disks)).toBe('/dev/sdb');
  });

  it('breaks size ties by name and finds nothing when every disk is too small', () => {
    expect(
      defaultRootDisk([
        { name: '/dev/sdb', size: 4 * GiB },
        { name: '/dev/sda', size: 4 * GiB },
      ]),
    ).toBe('/dev/sda');
    expect(defaultRootDisk([{ name: '/dev/sda', size: 4 * GiB - 1 }])).toBeNull();
  });
});
