import { describe, expect, it } from 'vitest';
import {
  compareVersions,
  filterModulesAlias,
  filterModulesDep,
  moduleName,
  parseModulesDep,
  selectModules,
} from './kernel-modules';

const DEP = `kernel/drivers/block/virtio_blk.ko: kernel/drivers/virtio/virtio.ko kernel/drivers/virtio/virtio_ring.ko
kernel/drivers/virtio/virtio.ko:
kernel/drivers/virtio/virtio_ring.ko:
kernel/drivers/net/virtio_net.ko: kernel/drivers/net/net_failover.ko kernel/drivers/virtio/virtio.ko kernel/drivers/virtio/virtio_ring.ko
kernel/drivers/net/net_failover.ko: kernel/net/core/failover.ko
kernel/net/core/failover.ko:
kernel/drivers/net/ethernet/intel/e1000e/e1000e.ko: kernel/drivers/ptp/ptp.ko
kernel/drivers/ptp/ptp.ko:
kernel/drivers/md/dm-mod.ko:
`;
const BUILTIN = 'kernel/drivers/tty/serial/8250/8250.ko\nkernel/fs/ext4/ext4.ko\n';
const ALIAS = `# Aliases extracted from modules themselves.
alias virtio:d00000002v* virtio_blk
alias virtio:d00000001v* virtio_net
alias pci:v00008086d000010D3sv*sd*bc*sc*i* e1000e
alias dm-mod dm_mod
`;

describe('kernel modules', () => {
  const index = parseModulesDep(DEP, BUILTIN);

  it('names modules as modprobe does', () => {
    expect(moduleName('kernel/drivers/md/dm-mod.ko')).toBe('dm_mod');
    expect(moduleName('kernel/fs/x.ko.xz')).toBe('x');
    expect(index.byName.get('virtio_net')).toBe('kernel/drivers/net/virtio_net.ko');
  });

  it('adds every dependency, reports built-ins and unknown names', () => {
    const s = selectModules(index, ['virtio-net', 'virtio_blk', 'ext4', 'nope']);
    expect(s.files).toEqual([
      'kernel/drivers/block/virtio_blk.ko',
      'kernel/drivers/net/net_failover.ko',
      'kernel/drivers/net/virtio_net.ko',
      'kernel/drivers/virtio/virtio.ko',
      'kernel/drivers/virtio/virtio_ring.ko',
      'kernel/net/core/failover.ko',
    ]);
    expect(s.builtin).toEqual(['ext4']);
    expect(s.unknown).toEqual(['nope']);
  });

  it('keeps only the chosen modules in modules.dep and modules.alias', () => {
    const s = selectModules(index, ['virtio_blk']);
    expect(filterModulesDep(DEP, new Set(s.files))).toBe(
      'kernel/drivers/block/virtio_blk.ko: kernel/drivers/virtio/virtio.ko kernel/drivers/virtio/virtio_ring.ko\n' +
        'kernel/drivers/virtio/virtio.ko:\nkernel/drivers/virtio/virtio_ring.ko:\n',
    );
    expect(filterModulesAlias(ALIAS, new Set(['virtio_blk', 'dm_mod']))).toBe(
      'alias virtio:d00000002v* virtio_blk\nalias dm-mod dm_mod\n',
    );
  });

  it('orders kernel versions numerically', () => {
    const versions = ['6.1.0-9-amd64', '6.1.0-56-amd64', '6.10.0-1-amd64', '5.10.0-30-amd64'];
    expect([...versions].sort(compareVersions)).toEqual([
      '5.10.0-30-amd64',
      '6.1.0-9-amd64',
      '6.1.0-56-amd64',
      '6.10.0-1-amd64',
    ]);
  });
});
